#include "sim/platform_workload.h"

#include <algorithm>
#include <cstring>

#include "api/module.h"
#include "base/sha256.h"
#include "identity/ops.h"
#include "kernel/decision_port.h"
#include "kernel/ids.h"
#include "modules/counter/counter.h"
#include "platform/ids.h"
#include "platform/ops.h"
#include "platform/service.h"
#include "risk/ops.h"
#include "risk/service.h"
#include "sim/sim_policy.h"

namespace cb::sim {

namespace {

using namespace cb::platform;
namespace counter = cb::modules::counter;
using runtime::Command;
using runtime::Reply;
using runtime::ServiceCmd;
using runtime::ServiceOp;

constexpr size_t kTenantsMax = 4;  // the root tenant and three sandbox tenants
constexpr size_t kCustomersMax = 6;
constexpr size_t kAccountsMax = 12;
constexpr size_t kRetriesMax = 256;
constexpr size_t kTenantCasesMax = 64;  // cases a tenant's list keeps to resolve
constexpr const char* kCurrencies[] = {"EUR", "USD", "JPY"};
constexpr const char* kCounterNames[] = {"c0", "c1", "c2", "c3"};

template <typename Op>
std::shared_ptr<ServiceOp> CloneAs(const ServiceOp& op) {
  return std::make_shared<Op>(static_cast<const Op&>(op));
}

template <typename Op>
std::shared_ptr<Op> NewOp(const Principal& caller) {
  auto op = std::make_shared<Op>();
  op->caller = caller;
  op->trace_id = "sim";
  return op;
}

// The raw token of `"key":` in a JSON body (numbers, null), or a string's content.
std::string JsonField(std::string_view body, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const size_t at = body.find(needle);
  if (at == std::string_view::npos) return "";
  size_t p = at + needle.size();
  if (p < body.size() && body[p] == '"') {
    const size_t end = body.find('"', p + 1);
    return std::string(body.substr(p + 1, end - p - 1));
  }
  size_t end = p;
  while (end < body.size() && body[end] != ',' && body[end] != '}') end++;
  return std::string(body.substr(p, end - p));
}

bool Created(const Reply& r) { return r.http_status == 200 || r.http_status == 201; }

std::string DecisionName(u128 subject) {
  std::string out;
  kernel::AppendId(&out, "dec_", kernel::DecisionIdOf(subject));
  return out;
}

u128 CaseIdOf(u128 subject) { return kernel::DerivedId(kernel::DecisionIdOf(subject), 'C'); }

// A batch item's status ("created", "held", "failed") and, if it failed, its error code.
std::pair<std::string, std::string> ItemOutcome(std::string_view body, TransferId id) {
  const std::string needle = "\"id\":\"" + FormatId(prefix::kTransfer, id.value) + "\",";
  const size_t at = body.find(needle);
  if (at == std::string_view::npos) return {};
  const std::string_view item = body.substr(at + needle.size());
  return {JsonField(item, "status"), JsonField(item.substr(0, item.find('}')), "code")};
}

}  // namespace

PlatformWorkload::PlatformWorkload(Rng* rng, const KeyDirectory* keys,
                                   const risk::RiskService* risk,
                                   std::function<std::string(uint64_t)> recorded_body)
    : rng_(rng), keys_(keys), risk_(risk), recorded_body_(std::move(recorded_body)) {
  for (const api::ServiceModule* m : api::Modules()) {
    has_counter_ |= m->service_id == counter::kServiceId && m->name == "counter";
  }
}

void PlatformWorkload::Expect(bool cond, const std::string& what) {
  if (!cond && error_.empty()) error_ = what;
}

u128 PlatformWorkload::NewId() {
  const u128 v = (static_cast<u128>(rng_->Next()) << 64) | rng_->Next();
  return v == 0 || v == kU128Max ? 1 : v;
}

std::string PlatformWorkload::NewKey() {
  return std::string(kKeyPrefix) + std::to_string(next_serial_++);
}

Hash256 PlatformWorkload::NewRequestHash() {
  const std::string body = "request-" + std::to_string(next_serial_++);
  return Sha256Of(body.data(), body.size());
}

// "sk_" + id + "_" + 64 hex, like MakeKeySecret, but the secret drawn from the seed.
std::string PlatformWorkload::NewToken(ApiKeyId id, Hash256* secret_sha256) {
  uint8_t raw[32];
  for (size_t i = 0; i < sizeof(raw); i += 8) {
    const uint64_t r = rng_->Next();
    std::memcpy(raw + i, &r, 8);
  }
  const std::string secret = HexEncode(raw, sizeof(raw));
  *secret_sha256 = Sha256Of(secret.data(), secret.size());
  return FormatId("sk_", id.value) + "_" + secret;
}

const Principal* PlatformWorkload::Admin(size_t t, bool second) const {
  const Tenant& tenant = *tenants_[t];
  if (second && tenant.b) return &*tenant.b;
  return tenant.a ? &*tenant.a : nullptr;
}

std::optional<size_t> PlatformWorkload::RandomTenant() {
  std::vector<size_t> usable;
  for (size_t i = 0; i < tenants_.size(); i++) {
    if (tenants_[i]->a) usable.push_back(i);
  }
  if (usable.empty()) return std::nullopt;
  return usable[rng_->Below(usable.size())];
}

// --- sending -------------------------------------------------------------------------------

template <typename Op>
Command PlatformWorkload::Submit(std::shared_ptr<Op> op, size_t tenant, Kind kind, bool keyable) {
  Sent s;
  s.clone = &CloneAs<Op>;
  s.tenant = tenant;
  s.kind = kind;
  if (keyable && rng_->Chance(40)) {
    s.key = NewKey();
    op->idempotency_key = s.key;
    op->request_sha256 = NewRequestHash();
    // Some keyed requests are sent again later whatever happens to the first (a client
    // that timed out on an answer that did arrive); lost ones always are.
    if (rng_->Chance(30) && retries_.size() < kRetriesMax) {
      Sent again = s;
      again.op = op;
      retries_.push_back(std::move(again));
    }
  }
  s.op = op;
  stat_ops_++;
  return Send(std::move(s));
}

Command PlatformWorkload::Send(Sent s) {
  std::shared_ptr<const ServiceOp> op = s.op;
  CB_CHECK(in_flight_.count(op.get()) == 0);
  in_flight_.emplace(op.get(), std::move(s));
  return ServiceCmd{std::move(op)};
}

// The same request again (a copy, as a client sends it), or, once its answer is durable,
// sometimes the same key with another body.
Command PlatformWorkload::Retry() {
  const size_t i = rng_->Below(retries_.size());
  Sent s = std::move(retries_[i]);
  retries_[i] = std::move(retries_.back());
  retries_.pop_back();
  std::shared_ptr<ServiceOp> copy = s.clone(*s.op);
  s.reused = first_answer_.count(s.key) != 0 && rng_->Chance(10);
  if (s.reused) {
    const Hash256 other = NewRequestHash();
    if (auto* p = dynamic_cast<PlatformOp*>(copy.get())) p->request_sha256 = other;
    if (auto* p = dynamic_cast<identity::IdentityOp*>(copy.get())) p->request_sha256 = other;
    if (auto* p = dynamic_cast<counter::CounterOp*>(copy.get())) p->request_sha256 = other;
    if (auto* p = dynamic_cast<risk::RiskOp*>(copy.get())) p->request_sha256 = other;
    stat_reused_++;
  }
  s.op = std::move(copy);
  stat_retries_++;
  return Send(std::move(s));
}

std::vector<Command> PlatformWorkload::SetupCommands() {
  auto op = std::make_shared<PlatformOp>();  // no caller: the bootstrap
  auto tenant = std::make_unique<Tenant>();
  CreateTenantOp t;
  t.id = tenant->id = TenantId(NewId());
  t.name = "root";
  t.sandbox = true;
  t.admin_key_id = ApiKeyId(NewId());
  t.admin_token = tenant->token_a = NewToken(t.admin_key_id, &t.admin_secret_sha256);
  op->trace_id = "sim";
  op->body = std::move(t);
  tenants_.push_back(std::move(tenant));
  Sent s;
  s.op = op;
  s.clone = &CloneAs<PlatformOp>;
  s.kind = Kind::kBootstrap;
  std::vector<Command> out;
  out.push_back(Send(std::move(s)));
  // Decided by the default bundle, as `serve` is; by the seed, by the sim bundle (the amount
  // decides, short hold time-outs) from the start or from a point in the run on.
  policy_mode_ = rng_->Below(4);
  sim_hold_timeout_s_ = 2 + rng_->Below(40);
  hold_timeout_s_ = risk::RiskOptions{}.hold_timeout_s;  // the default bundle names none
  out.push_back(ActivatePolicy(false));
  if (policy_mode_ == 1 || policy_mode_ == 2) out.push_back(ActivatePolicy(true));
  if (policy_mode_ == 3) sim_policy_at_op_ = 20 + rng_->Below(300);
  return out;
}

// Without a caller, as the process itself activates a bundle (ActivatePolicyOp::system).
Command PlatformWorkload::ActivatePolicy(bool sim) {
  auto op = std::make_shared<risk::RiskOp>();
  op->trace_id = "sim";
  op->body = risk::ActivatePolicyOp{.files = sim ? SimPolicy(sim_hold_timeout_s_) : DefaultPolicy(),
                                    .system = true};
  sim_policy_sent_ |= sim;
  Sent s;
  s.op = op;
  s.clone = &CloneAs<risk::RiskOp>;
  s.kind = Kind::kPolicy;
  return Send(std::move(s));
}

Command PlatformWorkload::Next() {
  if (policy_mode_ == 3 && !sim_policy_sent_ && stat_ops_ >= sim_policy_at_op_) {
    return ActivatePolicy(true);
  }
  if (!retries_.empty() && rng_->Chance(15)) return Retry();
  return NextNew();
}

Command PlatformWorkload::NextNew() {
  size_t live = 0;
  for (const auto& t : tenants_) live += t->lost ? 0 : 1;
  const std::optional<size_t> t = RandomTenant();
  if (tenants_[0]->a && live < kTenantsMax && (!t || *t == 0 || rng_->Chance(3))) {
    return CreateTenant();
  }
  if (!t) return runtime::TrialBalanceQuery{};  // the root tenant is not durable yet
  return TenantOp(*t);
}

Command PlatformWorkload::CreateTenant() {
  auto tenant = std::make_unique<Tenant>();
  auto op = NewOp<PlatformOp>(*tenants_[0]->a);
  CreateTenantOp c;
  c.id = tenant->id = TenantId(NewId());
  c.name = "tenant-" + std::to_string(tenants_.size());
  c.sandbox = true;
  c.admin_key_id = ApiKeyId(NewId());
  c.admin_token = tenant->token_a = NewToken(c.admin_key_id, &c.admin_secret_sha256);
  op->body = std::move(c);
  tenants_.push_back(std::move(tenant));
  // Not keyed: the answer holds the admin key's secret, which the journal never keeps.
  return Submit(op, tenants_.size() - 1, Kind::kTenant, false);
}

Command PlatformWorkload::TenantOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  if (!tenant.b && !tenant.b_sent) {
    tenant.b_sent = true;
    auto op = NewOp<PlatformOp>(*tenant.a);
    CreateApiKeyOp k;
    k.id = ApiKeyId(NewId());
    k.role = Role::kAdmin;
    k.name = "second";
    k.token = tenant.token_b = NewToken(k.id, &k.secret_sha256);
    op->body = std::move(k);
    return Submit(op, t, Kind::kApiKey, false);
  }
  const uint64_t r = rng_->Below(100);
  if (r < 20 || tenant.accounts.size() < 2) return SetupOp(t);
  if (r < 66) return MoneyOp(t);
  if (r < 74) return AdjustmentOp(t);
  if (r < 80) return IdentityCommand(t);
  if (r < 95 && has_counter_) return CounterCommand(t);
  auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
  op->body = GetBalancesOp{tenant.accounts[rng_->Below(tenant.accounts.size())].first, {}};
  return Submit(op, t, Kind::kRead, false);
}

// A customer, or an account (in one of three currencies) for one.
Command PlatformWorkload::SetupOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
  if (tenant.customers.empty() || (tenant.customers.size() < kCustomersMax && rng_->Chance(30)) ||
      tenant.accounts.size() >= kAccountsMax) {
    CreateCustomerOp c;
    c.id = CustomerId(NewId());
    c.name = "customer " + std::to_string(next_serial_++);
    c.email = "c@example.com";
    op->body = std::move(c);
    return Submit(op, t, Kind::kCustomer, true);
  }
  OpenAccountOp a;
  a.id = AccountId(NewId());
  a.settlement_id = AccountId(NewId());
  a.customer = tenant.customers[rng_->Below(tenant.customers.size())];
  a.currency = kCurrencies[rng_->Below(std::size(kCurrencies))];
  op->body = std::move(a);
  return Submit(op, t, Kind::kAccount, true);
}

// Deposits, transfers, post/void, batches and the resolution of held ones.
Command PlatformWorkload::MoneyOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  if (!tenant.cases.empty() && rng_->Chance(25)) return ResolveOp(t);
  const uint64_t r = rng_->Below(100);
  if (r < 25) {
    const auto& [account, currency] = tenant.accounts[rng_->Below(tenant.accounts.size())];
    auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
    op->body = SandboxDepositOp{TransferId(NewId()), account, 1 + rng_->Below(100'000), currency};
    return Submit(op, t, Kind::kDeposit, true);
  }
  if (r < 40 && !tenant.pendings.empty()) {
    auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
    PostVoidOp p;
    // Taken off the list whatever the answer: posted, voided, expired or lost, it is done
    // (a keyed retry does not need the list).
    const size_t at = rng_->Below(tenant.pendings.size());
    p.pending_id = tenant.pendings[at];
    tenant.pendings.erase(tenant.pendings.begin() + static_cast<ptrdiff_t>(at));
    p.void_it = rng_->Chance(40);
    if (!p.void_it && rng_->Chance(40)) {
      p.amount_minor = 1 + rng_->Below(3000);
      p.currency = kCurrencies[rng_->Below(std::size(kCurrencies))];  // sometimes wrong
    }
    op->body = std::move(p);
    return Submit(op, t, Kind::kPostVoid, true);
  }
  if (r < 55) return BatchOp(t);
  return TransferOp(t);
}

Command PlatformWorkload::TransferOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  const auto& [from, currency] = tenant.accounts[rng_->Below(tenant.accounts.size())];
  // Mostly to an account of the same currency; the rest must be refused.
  std::vector<AccountId> same;
  for (const auto& [id, c] : tenant.accounts) {
    if (c == currency && !(id == from)) same.push_back(id);
  }
  TransferSpec s;
  s.id = TransferId(NewId());
  s.from.id = from;
  s.to.id = !same.empty() && rng_->Chance(90)
                ? same[rng_->Below(same.size())]
                : tenant.accounts[rng_->Below(tenant.accounts.size())].first;
  s.amount_minor = 1 + rng_->Below(rng_->Chance(10) ? 1'000'000 : 5'000);
  s.currency = currency;
  s.pending = rng_->Chance(30);
  if (s.pending && rng_->Chance(50)) s.timeout_s = static_cast<uint32_t>(1 + rng_->Below(8));
  auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
  op->body = CreateTransferOp{std::move(s)};
  return Submit(op, t, Kind::kTransfer, true);
}

// 2-5 items, some in linked chains (all or none of a chain applies).
Command PlatformWorkload::BatchOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  BatchTransfersOp b;
  const size_t n = 2 + rng_->Below(4);
  for (size_t i = 0; i < n; i++) {
    const auto& [from, currency] = tenant.accounts[rng_->Below(tenant.accounts.size())];
    TransferSpec s;
    s.id = TransferId(NewId());
    s.from.id = from;
    s.to.id = tenant.accounts[rng_->Below(tenant.accounts.size())].first;
    s.amount_minor = 1 + rng_->Below(4'000);
    s.currency = currency;
    s.linked = i + 1 < n && rng_->Chance(40);
    b.items.push_back(std::move(s));
  }
  auto op = NewOp<PlatformOp>(*Admin(t, rng_->Chance(50)));
  op->body = std::move(b);
  return Submit(op, t, Kind::kBatch, true);
}

// A held movement's case: mostly resolved by the tenant's other admin key (approve or
// reject), sometimes by the key that asked for the movement (approving must be refused).
// A case the model knows closed is asked once more (409), then forgotten.
Command PlatformWorkload::ResolveOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  const size_t at = rng_->Below(tenant.cases.size());
  const u128 id = tenant.cases[at];
  const CaseModel& c = cases_.at(id);
  if (c.status != CaseStatus::kOpen) {
    tenant.cases.erase(tenant.cases.begin() + static_cast<ptrdiff_t>(at));
  }
  const bool requester_is_b = tenant.b && tenant.b->key.value == c.requested_by;
  const Principal* requester = requester_is_b ? &*tenant.b : &*tenant.a;
  const Principal* other = requester_is_b ? &*tenant.a : (tenant.b ? &*tenant.b : nullptr);
  risk::ResolveCaseOp r;
  r.id = id;
  r.note = "sim";
  const Principal* caller = other;
  if (other == nullptr || rng_->Chance(25)) {
    caller = requester;
    r.approve = rng_->Chance(70);
  } else {
    r.approve = rng_->Chance(65);
  }
  auto op = NewOp<risk::RiskOp>(*caller);
  op->body = std::move(r);
  return Submit(op, t, Kind::kResolve, true);
}

// Requested by the second key, decided by the first (four eyes).
Command PlatformWorkload::AdjustmentOp(size_t t) {
  Tenant& tenant = *tenants_[t];
  if (tenant.b && (tenant.adjustments.empty() || rng_->Chance(50))) {
    const auto& [account, currency] = tenant.accounts[rng_->Below(tenant.accounts.size())];
    CreateAdjustmentOp a;
    a.id = AdjustmentId(NewId());
    a.transfer_id = TransferId(NewId());
    a.account = account;
    a.direction = rng_->Chance(70) ? AdjustmentDirection::kCredit : AdjustmentDirection::kDebit;
    a.amount_minor = 1 + rng_->Below(20'000);
    a.currency = currency;
    a.reason = "sim";
    auto op = NewOp<PlatformOp>(*tenant.b);
    op->body = std::move(a);
    return Submit(op, t, Kind::kAdjust, true);
  }
  if (tenant.adjustments.empty()) return MoneyOp(t);
  DecideAdjustmentOp d;
  const size_t at = rng_->Below(tenant.adjustments.size());
  d.id = tenant.adjustments[at];
  tenant.adjustments.erase(tenant.adjustments.begin() + static_cast<ptrdiff_t>(at));
  d.approve = rng_->Chance(75);
  d.note = "ok";
  auto op = NewOp<PlatformOp>(*tenant.a);
  op->body = std::move(d);
  return Submit(op, t, Kind::kDecide, true);
}

// An OAuth app (not keyed: its answer holds the client secret) or a customer's user.
Command PlatformWorkload::IdentityCommand(size_t t) {
  Tenant& tenant = *tenants_[t];
  auto op = NewOp<identity::IdentityOp>(*Admin(t, rng_->Chance(50)));
  if (rng_->Chance(40)) {
    identity::CreateAppOp a;
    a.id = identity::AppId(NewId());
    a.spec.name = "app " + std::to_string(next_serial_++);
    a.spec.redirect_uris = {"https://tpp.example/cb"};
    a.spec.grant_types = identity::kGrantAuthorizationCode | identity::kGrantRefreshToken;
    a.spec.scopes = kernel::kScopeAccountsRead | kernel::kScopeBalancesRead;
    a.secret = "secret-" + std::to_string(next_serial_++);
    a.secret_sha256 = Sha256Of(a.secret.data(), a.secret.size());
    op->body = std::move(a);
    return Submit(op, t, Kind::kApp, false);
  }
  identity::CreateUserOp u;
  u.id = identity::UserId(NewId());
  u.kind = identity::UserKind::kCustomer;
  u.username = "user" + std::to_string(next_serial_++);
  u.password_hash = "$argon2id$sim";
  u.customer = tenant.customers[rng_->Below(tenant.customers.size())];
  op->body = std::move(u);
  return Submit(op, t, Kind::kUser, true);
}

Command PlatformWorkload::CounterCommand(size_t t) {
  auto op = NewOp<counter::CounterOp>(*Admin(t, rng_->Chance(50)));
  const std::string name = kCounterNames[rng_->Below(std::size(kCounterNames))];
  if (rng_->Chance(25)) {
    op->body = counter::GetOp{name};
    return Submit(op, t, Kind::kCounterGet, false);
  }
  counter::IncrementOp inc;
  inc.name = name;
  inc.by = static_cast<int64_t>(1 + rng_->Below(100));
  if (rng_->Chance(20)) inc.reset_after_s = 1 + rng_->Below(5);
  op->body = std::move(inc);
  return Submit(op, t, Kind::kCounterIncrement, true);
}

// --- durable answers ---------------------------------------------------------------------

void PlatformWorkload::OnDurableBatch(TimestampNs batch_timestamp,
                                      const std::vector<Command>& commands,
                                      const std::vector<Reply>& replies, bool acknowledged) {
  CB_CHECK(commands.size() == replies.size());
  // The batch's timer step runs before its commands: due counter resets and hold
  // time-outs first.
  FireCounterResets(batch_timestamp);
  ExpireCases(batch_timestamp);
  for (size_t i = 0; i < commands.size(); i++) {
    const auto* cmd = std::get_if<ServiceCmd>(&commands[i]);
    if (cmd != nullptr) OnDurable(cmd->op.get(), replies[i], batch_timestamp, acknowledged);
  }
}

void PlatformWorkload::OnLostBatch(const std::vector<Command>& commands) {
  for (const Command& c : commands) {
    const auto* cmd = std::get_if<ServiceCmd>(&c);
    if (cmd == nullptr) continue;
    auto node = in_flight_.extract(cmd->op.get());
    if (node.empty()) continue;
    Sent& s = node.mapped();
    stat_lost_++;
    if (!s.key.empty() && !s.reused && retries_.size() < kRetriesMax) {
      retries_.push_back(std::move(s));  // the client never got an answer: it sends it again
    } else if (s.kind == Kind::kTenant) {
      tenants_[s.tenant]->lost = true;
    } else if (s.kind == Kind::kApiKey) {
      tenants_[s.tenant]->b_sent = false;
    } else if (s.kind == Kind::kPolicy) {
      sim_policy_sent_ = false;  // sent again (only the one in the run can be lost)
    }
  }
}

void PlatformWorkload::OnDurable(const ServiceOp* op, const Reply& reply, TimestampNs now,
                                 bool acknowledged) {
  auto node = in_flight_.extract(op);
  if (node.empty()) return;  // not the workload's
  const Sent& s = node.mapped();
  Expect(reply.http_status < 500,
         "platform op answered " + std::to_string(reply.http_status) + ": " + reply.body);
  if (!s.key.empty()) CheckIdempotent(s, reply);
  if (!acknowledged && !s.key.empty() && !s.reused && retries_.size() < kRetriesMax) {
    retries_.push_back(s);  // no answer came back: the client sends it again
  }
  if (reply.replayed || s.reused) return;
  if (s.kind == Kind::kPolicy) {
    Expect(reply.http_status == 201, "policy activation answered " + reply.body);
    if (JsonField(reply.body, "name") == "sim") hold_timeout_s_ = sim_hold_timeout_s_;
    return;
  }
  CheckDecided(s, *op, reply, now);
  CheckResolved(s, *op, reply);
  if (Created(reply)) Register(s, *op);
  CheckCounter(s, *op, reply, now);
}

// First durable answer fresh; every later one replayed, identical; another body refused.
void PlatformWorkload::CheckIdempotent(const Sent& s, const Reply& reply) {
  const std::string what = "Idempotency-Key " + s.key + ": ";
  if (s.reused) {
    Expect(!reply.replayed && reply.http_status == 409 &&
               JsonField(reply.body, "code") == "idempotency_key_reused",
           what + "reused with another body, answered " + std::to_string(reply.http_status));
    return;
  }
  auto it = first_answer_.find(s.key);
  if (it == first_answer_.end()) {
    Expect(!reply.replayed, what + "replayed, but no answer of it was durable");
    if (reply.http_status < 500) first_answer_[s.key] = Answer{reply.http_status, reply.body};
    return;
  }
  stat_replayed_++;
  Expect(reply.replayed, what + "a retry ran again (status " + std::to_string(reply.http_status) +
                             "): applied twice");
  if (!reply.replayed) return;
  Expect(reply.http_status == it->second.http_status, what + "replayed with another status");
  Expect(recorded_body_(reply.replay_seq) == it->second.body, what + "replayed with another body");
}

void PlatformWorkload::Register(const Sent& s, const ServiceOp& base) {
  Tenant& tenant = *tenants_[s.tenant];
  stat_created_++;
  switch (s.kind) {
    case Kind::kBootstrap:
    case Kind::kTenant:
      tenant.a = keys_->Authenticate(tenant.token_a);
      Expect(tenant.a.has_value(), "a durable tenant's admin key does not authenticate");
      return;
    case Kind::kApiKey:
      tenant.b = keys_->Authenticate(tenant.token_b);
      Expect(tenant.b.has_value(), "a durable API key does not authenticate");
      return;
    default:
      break;
  }
  const auto* op = dynamic_cast<const PlatformOp*>(&base);
  if (op == nullptr) return;
  if (const auto* c = std::get_if<CreateCustomerOp>(&op->body)) {
    tenant.customers.push_back(c->id);
  } else if (const auto* a = std::get_if<OpenAccountOp>(&op->body)) {
    tenant.accounts.emplace_back(a->id, a->currency);
  } else if (const auto* t = std::get_if<CreateTransferOp>(&op->body)) {
    if (t->spec.pending) tenant.pendings.push_back(t->spec.id);
  } else if (const auto* adj = std::get_if<CreateAdjustmentOp>(&op->body)) {
    tenant.adjustments.push_back(adj->id);
  }
}

// Increments apply once each; reads and increments answer the model's value.
void PlatformWorkload::CheckCounter(const Sent& s, const ServiceOp& base, const Reply& reply,
                                    TimestampNs now) {
  const auto* op = dynamic_cast<const counter::CounterOp*>(&base);
  if (op == nullptr) return;
  std::string name;
  if (const auto* inc = std::get_if<counter::IncrementOp>(&op->body)) {
    name = inc->name;
    Expect(reply.http_status == 200, "counter increment answered " + reply.body);
    Counter& c = counters_[{s.tenant, name}];
    c.value += inc->by;
    if (inc->reset_after_s > 0) c.resets_at = now + inc->reset_after_s * kNsPerSecond;
  } else if (const auto* get = std::get_if<counter::GetOp>(&op->body)) {
    name = get->name;
    if (counters_.count({s.tenant, name}) == 0) {
      Expect(reply.http_status == 404, "an unknown counter answered " + reply.body);
      return;
    }
  } else {
    return;
  }
  const Counter& c = counters_[{s.tenant, name}];
  Expect(JsonField(reply.body, "value") == std::to_string(c.value),
         "counter " + name + " is " + JsonField(reply.body, "value") + ", the model says " +
             std::to_string(c.value) +
             " (an increment applied twice or not at all, or a "
             "reset fired twice, late or never)");
  Expect((JsonField(reply.body, "resets_at") == "null") == (c.resets_at == 0),
         "counter " + name + ": reset timer differs from the model");
}

void PlatformWorkload::FireCounterResets(TimestampNs now) {
  for (auto& [key, c] : counters_) {
    if (c.resets_at != 0 && c.resets_at <= now) {
      c = Counter{};
      stat_counter_resets_++;
    }
  }
}

// --- risk ----------------------------------------------------------------------------------

// What the platform ran or held carries its decision, recorded with that disposition; a
// hold opened its case.
void PlatformWorkload::CheckDecided(const Sent& s, const ServiceOp& base, const Reply& reply,
                                    TimestampNs now) {
  const auto* op = dynamic_cast<const PlatformOp*>(&base);
  if (op == nullptr) return;
  const u128 requester = op->caller.key.value;
  const std::string code = JsonField(reply.body, "code");
  Expect(
      reply.http_status != 401,
      "an API key was asked to step up (nobody is behind it: the policy must hold): " + reply.body);
  if (const auto* t = std::get_if<CreateTransferOp>(&op->body)) {
    const u128 id = t->spec.id.value;
    const std::string what = FormatId(prefix::kTransfer, id) + ": ";
    if (reply.http_status == 201 || reply.http_status == 202) {
      const bool held = reply.http_status == 202;
      Expect(JsonField(reply.body, "decision") == DecisionName(id),
             what + "answered " + std::to_string(reply.http_status) + " without its decision");
      Expect((JsonField(reply.body, "status") == "held") == held,
             what + "answered " + std::to_string(reply.http_status) + " with status " +
                 JsonField(reply.body, "status"));
      CheckDecision(id, held, what);
      if (held) {
        OpenCase(s.tenant, id, id, requester, t->spec.pending,
                 t->spec.pending && t->spec.timeout_s > 0, now);
      }
      (held ? stat_held_ : stat_allowed_)++;
    } else if (code == "risk_denied") {
      Expect(JsonField(reply.body, "decision") == DecisionName(id),
             what + "denied without its decision");
      stat_denied_++;
    }
  } else if (const auto* p = std::get_if<PostVoidOp>(&op->body); p != nullptr && !p->void_it) {
    // A post is decided as a movement of its own (its record's id is the subject).
    const u128 subject = PostRecordId(p->pending_id).value;
    const std::string what = "post of " + FormatId(prefix::kTransfer, p->pending_id.value) + ": ";
    if (reply.http_status == 201 || reply.http_status == 202) {
      const bool held = reply.http_status == 202;
      CheckDecision(subject, held, what);
      // The client's pending transfer may have its own ledger time-out.
      if (held) OpenCase(s.tenant, subject, p->pending_id.value, requester, false, true, now);
      (held ? stat_held_ : stat_allowed_)++;
    } else if (code == "risk_denied") {
      stat_denied_++;
    }
  } else if (const auto* b = std::get_if<BatchTransfersOp>(&op->body)) {
    if (reply.http_status != 200) return;
    for (const TransferSpec& item : b->items) {
      const auto [status, item_code] = ItemOutcome(reply.body, item.id);
      const std::string what = "batch item " + FormatId(prefix::kTransfer, item.id.value) + ": ";
      Expect(!status.empty(), what + "missing from the answer");
      if (status == "created" || status == "held") {
        const bool held = status == "held";
        CheckDecision(item.id.value, held, what);
        if (held) {
          OpenCase(s.tenant, item.id.value, item.id.value, requester, item.pending,
                   item.pending && item.timeout_s > 0, now);
        }
        (held ? stat_held_ : stat_allowed_)++;
      } else if (item_code == "risk_denied") {
        stat_denied_++;
      }
    }
  }
}

void PlatformWorkload::CheckDecision(u128 subject, bool held, const std::string& what) {
  const risk::DecisionRec* d = risk_->FindDecision(kernel::DecisionIdOf(subject));
  Expect(d != nullptr, what + "ran or was held without a recorded decision");
  if (d == nullptr) return;
  Expect(d->disposition == (held ? kernel::Disposition::kHeld : kernel::Disposition::kExecuted),
         what + "its decision's disposition is not what happened");
  Expect(
      (d->outcome == risk::Outcome::kHold) == held,
      what + "its decision's outcome (" + risk::OutcomeName(d->outcome) + ") is not what happened");
  Expect(!held || d->case_id == CaseIdOf(subject), what + "held without its case");
}

void PlatformWorkload::OpenCase(size_t tenant, u128 subject, u128 transfer, u128 requested_by,
                                bool release, bool may_lapse, TimestampNs now) {
  const u128 id = CaseIdOf(subject);
  Expect(cases_.count(id) == 0, "a case opened twice");
  CaseModel& c = cases_[id];
  c.tenant = tenant;
  c.transfer = transfer;
  c.requested_by = requested_by;
  c.release = release;
  c.may_lapse = may_lapse;
  c.expires = now + hold_timeout_s_ * kNsPerSecond;
  std::vector<u128>& list = tenants_[tenant]->cases;
  if (list.size() < kTenantCasesMax) list.push_back(id);
}

// Open: the other key's approval or rejection closes it (200), the requester's approval is
// refused (403), and so is B's approval of what A asked for (A created B); closed (resolved
// or timed out): 409 case_closed, whoever asks.
void PlatformWorkload::CheckResolved(const Sent& s, const ServiceOp& base, const Reply& reply) {
  const auto* op = dynamic_cast<const risk::RiskOp*>(&base);
  const auto* r = op == nullptr ? nullptr : std::get_if<risk::ResolveCaseOp>(&op->body);
  if (r == nullptr) return;
  CaseModel& c = cases_.at(r->id);
  CB_CHECK(c.tenant == s.tenant);
  const std::string code = JsonField(reply.body, "code");
  const std::string what = "case " + U128ToString(r->id) + " (" +
                           (r->approve ? "approve" : "reject") + "): answered " +
                           std::to_string(reply.http_status) + " " + reply.body;
  if (c.status != CaseStatus::kOpen) {
    Expect(reply.http_status == 409 && code == "case_closed", what + ", but it was closed");
    stat_case_closed_++;
    return;
  }
  // Four-eyes (kernel::FourEyes): not the requester, nor a key the requester created (B is
  // A's: B never approves what A asked for).
  const Tenant& tenant = *tenants_[s.tenant];
  const u128 approver = op->caller.key.value;
  const bool created_by_requester = tenant.b && tenant.a && approver == tenant.b->key.value &&
                                    c.requested_by == tenant.a->key.value;
  if (r->approve && (approver == c.requested_by || created_by_requester)) {
    Expect(reply.http_status == 403 && code == "four_eyes_required",
           what + ", but its requester (or a key it created) approved it");
    stat_four_eyes_++;
    return;
  }
  if (r->approve && c.may_lapse && reply.http_status == 422 && code == "transfer_not_pending") {
    return;  // the pending transfer's own time-out passed: the case stays open
  }
  Expect(reply.http_status == 200 &&
             JsonField(reply.body, "status") == (r->approve ? "approved" : "rejected"),
         what + ", but it was open");
  if (reply.http_status != 200) return;
  c.status = r->approve ? CaseStatus::kApproved : CaseStatus::kRejected;
  (r->approve ? stat_approved_ : stat_rejected_)++;
  // Approving a client's own pending transfer only lifts the hold: the client posts or
  // voids it now.
  if (r->approve && c.release) tenants_[c.tenant]->pendings.push_back(TransferId(c.transfer));
}

// The risk service's RunDue voids open holds in the first batch at or after their time-out.
void PlatformWorkload::ExpireCases(TimestampNs now) {
  for (auto& [id, c] : cases_) {
    if (c.status == CaseStatus::kOpen && c.expires <= now) {
      c.status = CaseStatus::kExpired;
      stat_expired_++;
    }
  }
}

std::string PlatformWorkload::Summary() const {
  return "platform_ops=" + std::to_string(stat_ops_) + " created=" + std::to_string(stat_created_) +
         " retries=" + std::to_string(stat_retries_) +
         " replayed=" + std::to_string(stat_replayed_) +
         " key_reused=" + std::to_string(stat_reused_) + " lost_ops=" + std::to_string(stat_lost_) +
         " counter_resets=" + std::to_string(stat_counter_resets_) +
         " tenants=" + std::to_string(tenants_.size()) +
         " policy_mode=" + std::to_string(policy_mode_) +
         " risk_allowed=" + std::to_string(stat_allowed_) +
         " risk_held=" + std::to_string(stat_held_) +
         " risk_denied=" + std::to_string(stat_denied_) +
         " cases_approved=" + std::to_string(stat_approved_) +
         " cases_rejected=" + std::to_string(stat_rejected_) +
         " cases_expired=" + std::to_string(stat_expired_) +
         " four_eyes_refused=" + std::to_string(stat_four_eyes_) +
         " case_closed_answers=" + std::to_string(stat_case_closed_);
}

}  // namespace cb::sim
