#include "sim/module_subscribers.h"

#include "journal/reader.h"
#include "modules/counter/counter.h"
#include "platform/events.h"
#include "platform/state.h"

namespace cb::sim {

namespace {

constexpr size_t kEventsPerHandleMax = 16;  // small: a range often ends mid-journal
constexpr size_t kEventsScannedMax = 256;
constexpr std::string_view kCounterSubscriber = "counter.accounts_opened";

}  // namespace

ModuleSubscribers::ModuleSubscribers(const app::PlatformStack* stack, Disk* disk,
                                     std::string journal_dir)
    : stack_(stack), disk_(disk), journal_dir_(std::move(journal_dir)) {
  for (const auto& m : stack->modules) {
    if (m.module->subscribers == nullptr) continue;
    for (auto& sub : m.module->subscribers(m.service.get())) subscribers_.push_back(std::move(sub));
    if (m.module->name == "counter") counter_ = m.service.get();
  }
  in_flight_.assign(subscribers_.size(), false);
  last_commit_.resize(subscribers_.size());
}

std::optional<runtime::Command> ModuleSubscribers::NextCommit(Rng* rng, uint64_t durable_seq_next) {
  if (subscribers_.empty()) return std::nullopt;
  const size_t i = rng->Below(subscribers_.size());
  if (in_flight_[i]) return std::nullopt;
  in_flight_[i] = true;
  if (last_commit_[i] != nullptr && rng->Chance(20)) {
    return runtime::ServiceCmd{last_commit_[i]};  // again, as after a lost answer: refused
  }
  runtime::Subscriber* sub = subscribers_[i].get();
  auto op = std::make_shared<runtime::SubscriberCommitOp>();
  op->name = std::string(sub->name());
  op->from = stack_->services.cursors().Get(sub->name()).value_or(0);
  if (op->from == 0) {
    op->to = 1;  // its start, recorded before it handles anything (from the beginning)
  } else {
    // The wanted events from the cursor on, copied: Handle gets them after the read.
    std::vector<runtime::CommittedEvent> events;
    std::vector<std::vector<uint8_t>> payloads;
    uint64_t scanned_to = op->from;
    size_t scanned = 0;
    journal::JournalReader reader(disk_, journal_dir_);
    const Status st =
        reader.Read(op->from, durable_seq_next,
                    [&](const journal::RecordHeader& h, std::span<const uint8_t> b) {
                      journal::EventIterator it(b);
                      journal::EventView ev;
                      for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
                        if (seq < scanned_to) continue;
                        if (seq >= durable_seq_next || events.size() >= kEventsPerHandleMax ||
                            scanned >= kEventsScannedMax) {
                          return false;
                        }
                        scanned++;
                        scanned_to = seq + 1;
                        if (ev.type >= runtime::kServiceEventTypeFirst && sub->Wants(ev.type)) {
                          payloads.emplace_back(ev.payload.begin(), ev.payload.end());
                          events.push_back({seq, ev.type, ev.version, h.timestamp_ns, {}});
                        }
                      }
                      return true;
                    });
    CB_CHECK(st.ok());  // the durable journal reads back (recovery checked it)
    for (size_t k = 0; k < events.size(); k++) events[k].payload = payloads[k];
    op->to = scanned_to;
    if (op->to == op->from) return std::nullopt;  // nothing new
    op->ops = sub->Handle(events);
  }
  last_commit_[i] = op;
  stat_commits_++;
  return runtime::ServiceCmd{std::move(op)};
}

std::string ModuleSubscribers::Check(uint64_t durable_seq_next) {
  if (counter_ == nullptr) return "";
  journal::JournalReader reader(disk_, journal_dir_);
  const Status st = reader.Read(
      scan_next_, durable_seq_next,
      [&](const journal::RecordHeader& h, std::span<const uint8_t> b) {
        journal::EventIterator it(b);
        journal::EventView ev;
        for (uint64_t seq = h.seq_first; it.Next(&ev); seq++) {
          if (seq < scan_next_ || seq >= durable_seq_next) continue;
          if (ev.type != static_cast<uint16_t>(platform::EventType::kAccountOpened)) continue;
          platform::pb::AccountOpened m;
          u128 tenant = 0;
          CB_CHECK(m.ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size())));
          CB_CHECK(platform::IdFromBytes(m.tenant_id(), &tenant));
          opened_.emplace_back(seq, tenant);
        }
        return true;
      });
  if (!st.ok()) return "journal read: " + st.ToString();
  scan_next_ = std::max(scan_next_, durable_seq_next);
  const uint64_t cursor = stack_->services.cursors().Get(kCounterSubscriber).value_or(0);
  std::map<u128, int64_t> expected;  // every tenant with an account, counted or not yet
  for (const auto& [seq, tenant] : opened_) expected[tenant] += seq < cursor ? 1 : 0;
  const auto* counter = static_cast<const modules::counter::CounterService*>(counter_);
  for (const auto& [tenant, count] : expected) {
    const int64_t value =
        counter->ValueOf(tenant, std::string(modules::counter::kAccountsOpened)).value_or(0);
    if (value != count) {
      return "counter subscriber: tenant " + U128ToString(tenant) + " counted " +
             std::to_string(value) + " accounts opened, the journal has " + std::to_string(count) +
             " below cursor " + std::to_string(cursor);
    }
  }
  return "";
}

}  // namespace cb::sim
