#include "runtime/service_set.h"

#include <cstring>

#include "base/check.h"
#include "runtime/command.h"

namespace cb::runtime {

namespace {
constexpr std::string_view kMagic = "CBSS1";

// The Timers a service sees: the set's table, under the service's id, emitting into the
// running batch.
class ScopedTimers final : public Timers {
 public:
  ScopedTimers(TimerTable* table, uint32_t service_id, ServiceContext* ctx)
      : table_(table), service_id_(service_id), ctx_(ctx) {}
  Status Schedule(std::string_view key, TimestampNs when, std::string_view payload) override {
    return table_->Schedule(service_id_, key, when, payload, ctx_->NextSeq(), ctx_->out);
  }
  bool Cancel(std::string_view key) override { return table_->Cancel(service_id_, key, ctx_->out); }
  const Timer* Find(std::string_view key) const override { return table_->Find(service_id_, key); }

 private:
  TimerTable* table_;
  uint32_t service_id_;
  ServiceContext* ctx_;
};
}  // namespace

void Service::OnTimer(const Timer& /*timer*/, ServiceContext& /*ctx*/) {
  // Only services with HasTimers() get ctx.timers, and recovery refuses a journal holding a
  // timer of any other (ServiceSet::ApplyEvent): a service that has timers overrides this.
  CB_CHECK(false && "HasTimers() without OnTimer");
}

void ServiceSet::Add(uint32_t id, Service* service, uint16_t event_type_first,
                     uint16_t event_type_last) {
  CB_CHECK(service != nullptr);
  CB_CHECK(event_type_first >= kServiceEventTypeFirst);
  CB_CHECK(event_type_first <= event_type_last);
  CB_CHECK(id != kKernelServiceId);
  for (const Entry& e : entries_) {
    CB_CHECK(e.id != id);
    CB_CHECK(event_type_last < e.first || event_type_first > e.last);
  }
  entries_.push_back({id, service, event_type_first, event_type_last});
}

Service* ServiceSet::ById(uint32_t id) const {
  for (const Entry& e : entries_) {
    if (e.id == id) return e.service;
  }
  return nullptr;
}

void ServiceSet::Dispatch(Service* service, uint32_t id, const ServiceOp& op, ServiceContext& ctx,
                          Reply* reply) {
  ServiceContext scoped = ctx;
  ScopedTimers timers(&timers_, id, &scoped);
  scoped.timers = service->HasTimers() ? &timers : nullptr;
  service->Execute(op, scoped, reply);
}

void ServiceSet::Execute(const ServiceOp& op, ServiceContext& ctx, Reply* reply) {
  const uint32_t id = op.service_id();
  if (id == kKernelServiceId) return ExecuteKernelOp(op, ctx, reply);
  Service* s = ById(id);
  if (s == nullptr) {
    reply->status = Status::FailedPrecondition("no service for this op");
    return;
  }
  Dispatch(s, id, op, ctx, reply);
}

void ServiceSet::ExecuteKernelOp(const ServiceOp& op, ServiceContext& ctx, Reply* reply) {
  if (const auto* read = dynamic_cast<const CursorReadOp*>(&op)) {
    reply->service_result = cursors_.Get(read->name).value_or(0);
    reply->http_status = 200;
    return;
  }
  if (const auto* del = dynamic_cast<const CursorDeleteOp*>(&op)) {
    const std::optional<uint64_t> was = cursors_.Get(del->name);
    if (!was) {
      reply->status = Status::NotFound("no subscriber cursor of that name");
      return;
    }
    cursors_.Delete(del->name, ctx.out);
    reply->service_result = *was;
    reply->http_status = 200;
    return;
  }
  const auto* commit = dynamic_cast<const SubscriberCommitOp*>(&op);
  CB_CHECK(commit != nullptr);
  SubscriberCommitResult result;
  result.cursor = cursors_.Get(commit->name).value_or(0);
  if (commit->name.empty() || commit->name.size() > CursorTable::kNameBytesMax || commit->to == 0 ||
      commit->to < commit->from) {
    reply->status = Status::InvalidArgument("bad subscriber commit");
    return;
  }
  if (result.cursor != commit->from) {
    // A duplicate (its answer was lost and it came again) or a second runner: run nothing.
    reply->status = Status::Aborted("subscriber cursor moved");
    reply->service_result = std::move(result);
    return;
  }
  if (cursors_.size() >= CursorTable::kCursorsMax && result.cursor == 0) {
    reply->status = Status::ResourceExhausted("too many subscriber cursors");
    return;
  }
  // A cursor moves only over events that exist: never past this commit's own.
  if (commit->to > ctx.NextSeq()) {
    reply->status = Status::InvalidArgument("subscriber cursor past the journal's end");
    return;
  }
  // Every op before any runs: a subscriber's bug is refused, never a crash of the writer
  // (it would come back with the same events after every restart).
  for (const auto& inner : commit->ops) {
    if (inner == nullptr || inner->service_id() == kKernelServiceId ||
        ById(inner->service_id()) == nullptr) {
      reply->status = Status::InvalidArgument("a subscriber op for no registered service");
      return;
    }
  }
  for (const auto& inner : commit->ops) {
    Reply inner_reply;
    const uint32_t id = inner->service_id();
    Service* s = ById(id);
    Dispatch(s, id, *inner, ctx, &inner_reply);
    result.http_statuses.push_back(inner_reply.status.ok() ? inner_reply.http_status : 500);
  }
  cursors_.Advance(commit->name, commit->to, ctx.out);
  result.cursor = commit->to;
  reply->service_result = std::move(result);
  reply->http_status = 200;
}

std::optional<TimestampNs> ServiceSet::NextDue() const {
  std::optional<TimestampNs> next = timers_.NextDue();
  for (const Entry& e : entries_) {
    const std::optional<TimestampNs> due = e.service->NextDue();
    if (due && (!next || *due < *next)) next = due;
  }
  return next;
}

void ServiceSet::RunDue(ServiceContext& ctx) {
  RunDueTimers(ctx);
  for (const Entry& e : entries_) {
    // A batch's record stays far below a segment: the rest run in the next batches.
    if (ctx.out->size_bytes() > kRunDueBytesMax) return;
    ServiceContext scoped = ctx;
    scoped.timers = nullptr;  // a service's own due work schedules nothing
    e.service->RunDue(scoped);
  }
}

void ServiceSet::RunDueTimers(ServiceContext& ctx) {
  for (size_t n = 0; n < TimerTable::kFiredPerBatchMax; n++) {
    // A batch's record stays far below a segment: the rest fire in the next batches.
    if (ctx.out->size_bytes() > kRunDueBytesMax) return;
    std::optional<Timer> fired = timers_.PopDue(ctx.batch_timestamp, ctx.out);
    if (!fired) return;
    Service* s = ById(fired->service_id);
    // Recovery refused any timer of a service that is not registered (ApplyEvent, and the
    // snapshot's kernel section), and only HasTimers() services can schedule.
    CB_CHECK(s != nullptr && s->HasTimers());
    ServiceContext scoped = ctx;
    ScopedTimers timers(&timers_, fired->service_id, &scoped);
    scoped.timers = &timers;
    s->OnTimer(*fired, scoped);
  }
}

Status ServiceSet::ApplyEvent(const journal::EventView& event, uint64_t seq,
                              TimestampNs record_timestamp) {
  if (event.type >= kKernelEventTypeFirst && event.type < kServiceEventTypeFirst) {
    if (event.type == static_cast<uint16_t>(KernelEventType::kCursorAdvanced) ||
        event.type == static_cast<uint16_t>(KernelEventType::kCursorDeleted)) {
      return cursors_.Apply(event);
    }
    if (event.type >= static_cast<uint16_t>(KernelEventType::kTimerScheduled) &&
        event.type <= static_cast<uint16_t>(KernelEventType::kTimerFired)) {
      // Refuse a timer no registered service can run: recovery stops here with a reason
      // instead of the writer crashing when it is due (a module removed or renumbered).
      uint32_t owner = 0;
      if (event.payload.size() >= sizeof(owner)) {
        std::memcpy(&owner, event.payload.data(), sizeof(owner));
        const Service* s = ById(owner);
        if (s == nullptr || !s->HasTimers()) {
          return Status::DataLoss("a timer of service " + std::to_string(owner) +
                                  ", which is not registered or has no timers");
        }
      }
      return timers_.Apply(event, seq);
    }
    return Status::DataLoss("unknown kernel event type " + std::to_string(event.type));
  }
  for (const Entry& e : entries_) {
    if (event.type >= e.first && event.type <= e.last) {
      return e.service->ApplyEvent(event, seq, record_timestamp);
    }
  }
  return Status::DataLoss("no service owns event type " + std::to_string(event.type));
}

Status ServiceSet::CheckTimerOwners() const {
  // Fail recovery with a reason now rather than crash the writer when the timer is due: a
  // module removed or renumbered while its timers were pending.
  Status st;
  timers_.ForEach([&](const Timer& t) {
    Service* s = ById(t.service_id);
    if (st.ok() && (s == nullptr || !s->HasTimers())) {
      st = Status::DataLoss("a timer of service " + std::to_string(t.service_id) +
                            ", which is not registered or has no timers");
    }
  });
  return st;
}

void ServiceSet::Clear() {
  for (const Entry& e : entries_) e.service->Clear();
  timers_.Clear();
  cursors_.Clear();
}

std::string ServiceSet::CaptureSnapshot() const {
  std::string out(kMagic);
  const bool kernel = timers_.size() > 0 || cursors_.size() > 0;
  const auto count = static_cast<uint32_t>(entries_.size() + (kernel ? 1 : 0));
  out.append(reinterpret_cast<const char*>(&count), sizeof(count));
  auto append = [&out](uint32_t id, const std::string& section) {
    const uint64_t size = section.size();
    out.append(reinterpret_cast<const char*>(&id), sizeof(id));
    out.append(reinterpret_cast<const char*>(&size), sizeof(size));
    out.append(section);
  };
  for (const Entry& e : entries_) append(e.id, e.service->CaptureSnapshot());
  if (kernel) {
    std::string section;
    timers_.EncodeTo(&section);
    cursors_.EncodeTo(&section);
    append(kKernelServiceId, section);
  }
  return out;
}

Status ServiceSet::LoadSnapshot(std::string_view bytes) {
  timers_.Clear();  // an older snapshot has no kernel section: no timers, no cursors
  cursors_.Clear();
  if (bytes.substr(0, kMagic.size()) != kMagic) {
    Service* legacy = ById(0);
    if (legacy == nullptr) return Status::DataLoss("snapshot section has no owner");
    return legacy->LoadSnapshot(bytes);
  }
  bytes.remove_prefix(kMagic.size());
  uint32_t count = 0;
  if (bytes.size() < sizeof(count)) return Status::DataLoss("service sections truncated");
  std::memcpy(&count, bytes.data(), sizeof(count));
  bytes.remove_prefix(sizeof(count));
  if (count > entries_.size() + 1) return Status::DataLoss("snapshot has unknown service sections");
  for (uint32_t i = 0; i < count; i++) {
    uint32_t id = 0;
    uint64_t size = 0;
    if (bytes.size() < sizeof(id) + sizeof(size)) {
      return Status::DataLoss("service sections truncated");
    }
    std::memcpy(&id, bytes.data(), sizeof(id));
    std::memcpy(&size, bytes.data() + sizeof(id), sizeof(size));
    bytes.remove_prefix(sizeof(id) + sizeof(size));
    if (size > bytes.size()) return Status::DataLoss("service section past the end");
    if (id == kKernelServiceId) {
      std::string_view section = bytes.substr(0, size);
      CB_RETURN_IF_ERROR(timers_.DecodeFrom(&section));
      CB_RETURN_IF_ERROR(cursors_.DecodeFrom(&section));
      CB_RETURN_IF_ERROR(CheckTimerOwners());
      if (!section.empty()) return Status::DataLoss("bytes after the kernel section");
      bytes.remove_prefix(size);
      continue;
    }
    Service* s = ById(id);
    if (s == nullptr) return Status::DataLoss("snapshot section of unknown service");
    CB_RETURN_IF_ERROR(s->LoadSnapshot(bytes.substr(0, size)));
    bytes.remove_prefix(size);
  }
  if (!bytes.empty()) return Status::DataLoss("bytes after the last service section");
  return Status::Ok();
}

}  // namespace cb::runtime
