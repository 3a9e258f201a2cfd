#include "runtime/record_applier.h"

#include "ledger/events.h"
#include "runtime/timers.h"

namespace cb::runtime {

using namespace cb::ledger;

RecordApplier::RecordApplier(LedgerState* state, std::optional<TimestampNs> as_of, Service* service)
    : state_(state), service_(service), as_of_(as_of) {}

namespace {
constexpr size_t kLookahead = 8;

// Transfer events are fixed-size; peeking at the ids a few events ahead lets the cache
// misses of account and index lookups overlap instead of queueing one after another.
void PrefetchTransferEvent(const LedgerState& state, const journal::EventView& e, bool rows) {
  if (e.type != static_cast<uint16_t>(EventType::kTransferCreated) ||
      e.payload.size() != sizeof(Transfer)) {
    return;
  }
  Transfer t;
  std::memcpy(&t, e.payload.data(), sizeof(t));
  if (rows) {
    state.PrefetchAccountRow(t.debit_account_id);
    state.PrefetchAccountRow(t.credit_account_id);
  } else {
    state.PrefetchAccount(t.debit_account_id);
    state.PrefetchAccount(t.credit_account_id);
    state.PrefetchTransfer(t.id);
  }
}
}  // namespace

Status RecordApplier::Apply(const journal::RecordRef& rec) {
  if (reached_as_of_) return Status::Ok();  // keep scanning: the caller verifies the rest
  journal::EventIterator it(rec.events);
  journal::EventIterator far(rec.events);   // 2 * kLookahead events ahead: index slots
  journal::EventIterator near(rec.events);  // kLookahead events ahead: account rows
  journal::EventView ev, ahead;
  for (size_t k = 0; k < 2 * kLookahead && far.Next(&ahead); k++) {
    PrefetchTransferEvent(*state_, ahead, false);
  }
  for (size_t k = 0; k < kLookahead && near.Next(&ahead); k++) {
    PrefetchTransferEvent(*state_, ahead, true);
  }
  uint64_t seq = rec.header->seq_first;
  for (; it.Next(&ev); seq++) {
    if (far.Next(&ahead)) PrefetchTransferEvent(*state_, ahead, false);
    if (near.Next(&ahead)) PrefetchTransferEvent(*state_, ahead, true);
    const TimestampNs ts = EventTimestamp(ev);
    if (as_of_) {
      // Definitions carry no stamp; they belong to their batch's time.
      const TimestampNs effective = ts != 0 ? ts : rec.header->timestamp_ns;
      if (effective > *as_of_) {
        reached_as_of_ = true;
        break;
      }
    }
    if (ev.type >= kKernelEventTypeFirst) {  // the kernel's (timers, cursors) and services'
      if (service_ == nullptr) {
        return Status::DataLoss("service event type " + std::to_string(ev.type) +
                                " but no service to apply it");
      }
      CB_RETURN_IF_ERROR(service_->ApplyEvent(ev, seq, rec.header->timestamp_ns));
    } else {
      CB_RETURN_IF_ERROR(ApplyEvent(state_, ev));
    }
    last_ts_ = std::max(last_ts_, ts);
    events_++;
  }
  if (!reached_as_of_) {
    records_++;
    last_record_ts_ = rec.header->timestamp_ns;
  }
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
