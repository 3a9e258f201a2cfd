#include "base/check.h"
#include "base/json_string.h"
#include "counter.pb.h"
#include "kernel/json_out.h"
#include "kernel/scopes.h"
#include "modules/counter/counter.h"
#include "runtime/command.h"
#include "runtime/timers.h"

namespace cb::modules::counter {

namespace pb = corebank::counter::v1;

bool ValidName(std::string_view name) {
  if (name.empty() || name.size() > kNameCharsMax) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

namespace {

// The reset timer of a counter: its tenant (16 bytes) and name, as key and payload.
std::string TimerKey(u128 tenant, const std::string& name) {
  return kernel::IdBytes(tenant) + name;
}

}  // namespace

std::string CounterService::Render(const std::string& name, const Counter& c) {
  std::string out = R"({"object":"counter","name":)";
  AppendJsonString(&out, name);
  out.append(R"(,"value":)").append(std::to_string(c.value));
  out.append(R"(,"resets_at":)");
  if (c.resets_at == 0) {
    out.append("null");
  } else {
    kernel::AppendTimestamp(&out, c.resets_at);
  }
  out.push_back('}');
  return out;
}

size_t CounterService::CountersOf(u128 tenant) const {
  auto it = counters_.lower_bound(Key(tenant, ""));
  size_t n = 0;
  for (; it != counters_.end() && it->first.first == tenant; ++it) n++;
  return n;
}

// Emits and applies CounterIncremented; schedules (or moves) the reset timer.
std::string CounterService::Increment(const Key& key, int64_t by, uint64_t reset_after_s,
                                      bool by_subscriber, runtime::ServiceContext& ctx,
                                      uint16_t* status) {
  auto it = counters_.find(key);
  if (it == counters_.end() && CountersOf(key.first) >= kCountersPerTenantMax) {
    *status = 422;
    return "";
  }
  Counter c = it == counters_.end() ? Counter{} : it->second;
  if (c.value > INT64_MAX - by) {
    *status = 422;
    return "";
  }
  c.value += by;
  if (reset_after_s > 0) {
    c.resets_at = ctx.batch_timestamp + reset_after_s * kNsPerSecond;
    const std::string timer = TimerKey(key.first, key.second);
    CB_CHECK(ctx.timers->Schedule(timer, c.resets_at, "").ok());  // bounded key, no payload
  }
  pb::CounterIncremented e;
  e.set_tenant_id(kernel::IdBytes(key.first));
  e.set_name(key.second);
  e.set_by(by);
  e.set_value(c.value);
  e.set_resets_at_ns(static_cast<int64_t>(c.resets_at));
  e.set_by_subscriber(by_subscriber);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kIncremented), kEventVersion,
                           e);
  counters_[key] = c;
  *status = 200;
  return Render(key.second, c);
}

CounterService::CounterService(kernel::EnvelopeRunner* envelope)
    : envelope_(envelope),
      scope_read_(kernel::ScopeNamed(kScopeRead)),
      scope_write_(kernel::ScopeNamed(kScopeWrite)) {
  CB_CHECK(envelope_ != nullptr);
  CB_CHECK(!scope_read_.empty() && !scope_write_.empty());  // registered by RegisterModules
}

void CounterService::Execute(const runtime::ServiceOp& base, runtime::ServiceContext& ctx,
                             runtime::Reply* reply) {
  const auto& op = static_cast<const CounterOp&>(base);
  if (const auto* count = std::get_if<CountAccountOp>(&op.body)) {
    // From the subscriber (kernel), not a request: no caller, no envelope.
    uint16_t status = 0;
    Increment(Key(count->tenant, std::string(kAccountsOpened)), 1, 0, true, ctx, &status);
    reply->http_status = status;
    return;
  }
  const bool write = std::holds_alternative<IncrementOp>(op.body);
  const kernel::Envelope env{.caller = op.caller,
                             .trace_id = op.trace_id,
                             .idempotency_key = op.idempotency_key,
                             .request_sha256 = op.request_sha256,
                             .scope = write ? scope_write_ : scope_read_};
  envelope_->RunEnveloped(env, ctx, reply, [&]() -> kernel::Answer {
    const u128 tenant = op.caller.tenant.value;
    if (write) {
      const auto& inc = std::get<IncrementOp>(op.body);
      uint16_t status = 0;
      std::string body =
          Increment(Key(tenant, inc.name), inc.by, inc.reset_after_s, false, ctx, &status);
      if (status != 200) {
        return kernel::ErrorAnswer(kernel::ErrorKind::kUnprocessable, "limit_exceeded",
                                   "Too many counters in this tenant, or the value would "
                                   "overflow.",
                                   "name", op.trace_id);
      }
      return {200, std::move(body)};
    }
    const auto& get = std::get<GetOp>(op.body);
    auto it = counters_.find(Key(tenant, get.name));
    if (it == counters_.end()) {
      return kernel::ErrorAnswer(kernel::ErrorKind::kNotFound, "resource_not_found",
                                 "No such counter.", "name", op.trace_id);
    }
    return {200, Render(get.name, it->second)};
  });
}

void CounterService::OnTimer(const runtime::Timer& timer, runtime::ServiceContext& ctx) {
  CB_CHECK(timer.key.size() > 16);  // tenant bytes + name, as TimerKey wrote it
  u128 tenant = 0;
  CB_CHECK(kernel::IdFromBytes(timer.key.substr(0, 16), &tenant));
  const Key key(tenant, timer.key.substr(16));
  auto it = counters_.find(key);
  CB_CHECK(it != counters_.end());  // a counter is never deleted
  pb::CounterReset e;
  e.set_tenant_id(kernel::IdBytes(tenant));
  e.set_name(key.second);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kReset), kEventVersion, e);
  it->second = Counter{};
}

Status CounterService::ApplyEvent(const journal::EventView& ev, uint64_t /*seq*/,
                                  TimestampNs /*record_timestamp*/) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  u128 tenant = 0;
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kIncremented: {
      pb::CounterIncremented e;
      if (ev.version != kEventVersion || !e.ParseFromArray(bytes, size) ||
          !kernel::IdFromBytes(e.tenant_id(), &tenant) || !ValidName(e.name())) {
        return Status::DataLoss("undecodable CounterIncremented");
      }
      counters_[Key(tenant, e.name())] =
          Counter{e.value(), static_cast<TimestampNs>(e.resets_at_ns())};
      return Status::Ok();
    }
    case EventType::kReset: {
      pb::CounterReset e;
      if (ev.version != kEventVersion || !e.ParseFromArray(bytes, size) ||
          !kernel::IdFromBytes(e.tenant_id(), &tenant)) {
        return Status::DataLoss("undecodable CounterReset");
      }
      auto it = counters_.find(Key(tenant, e.name()));
      if (it == counters_.end()) return Status::DataLoss("reset of an unknown counter");
      it->second = Counter{};
      return Status::Ok();
    }
  }
  return Status::DataLoss("unknown counter event type " + std::to_string(ev.type));
}

std::string CounterService::CaptureSnapshot() const {
  pb::CounterSnapshot s;
  for (const auto& [key, c] : counters_) {
    pb::CounterIncremented* e = s.add_counters();
    e->set_tenant_id(kernel::IdBytes(key.first));
    e->set_name(key.second);
    e->set_value(c.value);
    e->set_resets_at_ns(static_cast<int64_t>(c.resets_at));
  }
  std::string out;
  CB_CHECK(s.SerializeToString(&out));
  return out;
}

Status CounterService::LoadSnapshot(std::string_view bytes) {
  counters_.clear();
  pb::CounterSnapshot s;
  if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::DataLoss("undecodable counter snapshot");
  }
  for (const auto& e : s.counters()) {
    u128 tenant = 0;
    if (!kernel::IdFromBytes(e.tenant_id(), &tenant) || !ValidName(e.name())) {
      return Status::DataLoss("bad counter in snapshot");
    }
    counters_[Key(tenant, e.name())] =
        Counter{e.value(), static_cast<TimestampNs>(e.resets_at_ns())};
  }
  return Status::Ok();
}

}  // namespace cb::modules::counter
