#include "runtime/record_applier.h"

#include "ledger/events.h"

namespace cb::runtime {

using namespace cb::ledger;

RecordApplier::RecordApplier(LedgerState* state, std::optional<TimestampNs> as_of)
    : state_(state), as_of_(as_of), history_([this] { HistoryLoop(); }) {}

RecordApplier::~RecordApplier() { Finish(); }

void RecordApplier::HistoryLoop() {
  uint64_t indexed = 0;
  while (true) {
    uint64_t records, accounts;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return published_records_ > indexed || done_; });
      if (published_records_ == indexed && done_) return;
      records = published_records_;
      accounts = published_accounts_;
    }
    // Rows below `records` are final: replay never rolls back.
    state_->history().CatchUpTo(*state_, records, accounts);
    indexed = records;
  }
}

void RecordApplier::Finish() {
  if (!history_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
  }
  cv_.notify_all();
  history_.join();
  state_->IndexHistory();
}

Status RecordApplier::Apply(const journal::RecordRef& rec) {
  if (reached_as_of_) return Status::Ok();  // keep scanning: the caller verifies the rest
  journal::EventIterator it(rec.events);
  journal::EventView ev;
  while (it.Next(&ev)) {
    const TimestampNs ts = EventTimestamp(ev);
    if (as_of_) {
      // Definitions carry no stamp; they belong to their batch's time.
      const TimestampNs effective = ts != 0 ? ts : rec.header->timestamp_ns;
      if (effective > *as_of_) {
        reached_as_of_ = true;
        break;
      }
    }
    CB_RETURN_IF_ERROR(ApplyEvent(state_, ev));
    last_ts_ = std::max(last_ts_, ts);
    events_++;
  }
  if (!reached_as_of_) {
    records_++;
    last_record_ts_ = rec.header->timestamp_ns;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    published_records_ = state_->record_count();
    published_accounts_ = state_->account_count();
  }
  cv_.notify_one();
  return Status::Ok();
}

uint64_t EstimateJournalRecords(Disk* disk, const std::string& journal_dir) {
  auto names = disk->List(journal_dir);
  if (!names.ok()) return 0;
  uint64_t bytes = 0;
  for (const auto& name : *names) {
    uint64_t index;
    if (!journal::ParseSegmentName(name, &index)) continue;
    auto file = disk->Open(JoinPath(journal_dir, name), false);
    if (!file.ok()) continue;
    auto size = (*file)->Size();
    if (size.ok()) bytes += *size;
  }
  return bytes / (journal::kEventHeaderSize + sizeof(Transfer));
}

}  // namespace cb::runtime
