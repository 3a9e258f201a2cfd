#include "platform/state.h"

#include <algorithm>

#include "platform/events.h"

namespace cb::platform {

// kernel::CallerScope records these kinds' values as its first byte.
static_assert(static_cast<uint8_t>(ActorKind::kApiKey) == 1 &&
              static_cast<uint8_t>(ActorKind::kUser) == 2 &&
              static_cast<uint8_t>(ActorKind::kApp) == 3);

void ActorToProto(const Actor& a, pb::Actor* out) {
  out->set_kind(static_cast<uint32_t>(a.kind));
  out->set_id(IdBytes(a.id));
}

bool ActorFromProto(const pb::Actor& in, Actor* out) {
  if (in.kind() < 1 || in.kind() > 3 || !IdFromBytes(in.id(), &out->id) || out->id == 0) {
    return false;
  }
  out->kind = static_cast<ActorKind>(in.kind());
  return true;
}

PlatformState::PlatformState(KeyDirectory* keys, uint64_t idempotency_ttl_ns)
    : keys_dir_(keys), idempotency_(idempotency_ttl_ns) {}

template <typename Map>
static auto FindIn(const Map& m, u128 id) -> const typename Map::mapped_type* {
  auto it = m.find(id);
  return it == m.end() ? nullptr : &it->second;
}

const Tenant* PlatformState::FindTenant(TenantId id) const { return FindIn(tenants_, id.value); }
const ApiKey* PlatformState::FindKey(ApiKeyId id) const { return FindIn(keys_, id.value); }
const Customer* PlatformState::FindCustomer(CustomerId id) const {
  return FindIn(customers_, id.value);
}
const AccountMeta* PlatformState::FindAccount(AccountId id) const {
  return FindIn(accounts_, id.value);
}
const TenantLists* PlatformState::Lists(TenantId tenant) const {
  return FindIn(lists_, tenant.value);
}
const std::vector<AccountId>& PlatformState::CustomerAccounts(CustomerId customer) const {
  static const std::vector<AccountId> kNone;
  const auto* list = FindIn(customer_accounts_, customer.value);
  return list != nullptr ? *list : kNone;
}
std::optional<AccountId> PlatformState::FindAccountNumber(uint64_t number) const {
  auto it = by_number_.find(number);
  if (it == by_number_.end()) return std::nullopt;
  return it->second;
}

const std::string* PlatformState::TransferDescription(TransferId id) const {
  return FindIn(descriptions_, id.value);
}
const Adjustment* PlatformState::FindAdjustment(AdjustmentId id) const {
  return FindIn(adjustments_, id.value);
}
std::optional<AccountId> PlatformState::SettlementAccount(ledger::LedgerCode ledger) const {
  auto it = settlement_.find(ledger);
  if (it == settlement_.end()) return std::nullopt;
  return it->second;
}

std::string PlatformState::AliasKey(TenantId tenant, std::string_view alias) {
  std::string k = IdBytes(tenant.value);
  k.append(alias);
  return k;
}
std::optional<AccountId> PlatformState::FindAlias(TenantId tenant, std::string_view alias) const {
  auto it = aliases_.find(AliasKey(tenant, alias));
  if (it == aliases_.end()) return std::nullopt;
  return it->second;
}

void PlatformState::ApplyTenantCreated(const pb::TenantCreated& e) {
  Tenant t;
  CB_CHECK(IdFromBytes(e.id(), &t.id.value));
  t.seq = e.seq();
  t.name = e.name();
  t.sandbox = e.sandbox();
  t.root = e.root();
  t.created = e.created_ns();
  tenant_order_.push_back(t.id);
  lists_[t.id.value];
  keys_dir_->PutTenant(t);
  tenants_[t.id.value] = std::move(t);
}

void PlatformState::ApplyApiKeyCreated(const pb::ApiKeyCreated& e) {
  ApiKey k;
  CB_CHECK(IdFromBytes(e.id(), &k.id.value));
  CB_CHECK(IdFromBytes(e.tenant_id(), &k.tenant.value));
  CB_CHECK(e.secret_sha256().size() == k.secret_sha256.size());
  std::memcpy(k.secret_sha256.data(), e.secret_sha256().data(), k.secret_sha256.size());
  k.role = static_cast<Role>(e.role());
  k.name = e.name();
  k.created = e.created_ns();
  if (e.has_created_by()) CB_CHECK(ActorFromProto(e.created_by(), &k.created_by));
  lists_[k.tenant.value].keys.push_back(k.id);
  keys_dir_->PutKey(k);
  keys_[k.id.value] = std::move(k);
}

void PlatformState::ApplyApiKeyRevoked(const pb::ApiKeyRevoked& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  keys_.at(id).revoked = true;
  keys_dir_->RevokeKey(ApiKeyId(id));
}

Customer CustomerFromEvent(const pb::CustomerCreated& e) {
  Customer c;
  CB_CHECK(IdFromBytes(e.id(), &c.id.value));
  CB_CHECK(IdFromBytes(e.tenant_id(), &c.tenant.value));
  c.type = static_cast<CustomerType>(e.type());
  c.name = e.name();
  c.email = e.email();
  c.phone = e.phone();
  c.kyc_tier = static_cast<uint8_t>(e.kyc_tier());
  c.status = static_cast<CustomerStatus>(e.status());
  c.created = e.created_ns();
  return c;
}

void PlatformState::ApplyCustomerCreated(const pb::CustomerCreated& e) {
  Customer c = CustomerFromEvent(e);
  auto& list = lists_[c.tenant.value].customers;
  c.order = static_cast<uint32_t>(list.size());
  list.push_back(c.id);
  customers_[c.id.value] = std::move(c);
}

void PlatformState::ApplyCustomerUpdated(const pb::CustomerUpdated& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  Customer& c = customers_.at(id);
  if (e.has_email()) c.email = e.email();
  if (e.has_phone()) c.phone = e.phone();
  if (e.has_kyc_tier()) c.kyc_tier = static_cast<uint8_t>(e.kyc_tier());
  if (e.has_status()) c.status = static_cast<CustomerStatus>(e.status());
}

void PlatformState::ApplyAccountOpened(const pb::AccountOpened& e) {
  AccountMeta a;
  CB_CHECK(IdFromBytes(e.id(), &a.id.value));
  CB_CHECK(IdFromBytes(e.tenant_id(), &a.tenant.value));
  if (!e.customer_id().empty()) CB_CHECK(IdFromBytes(e.customer_id(), &a.customer.value));
  a.type = static_cast<AccountType>(e.type());
  a.status = static_cast<AccountStatus>(e.status());
  a.aliases.assign(e.aliases().begin(), e.aliases().end());
  a.created = e.created_ns();
  a.ledger = e.ledger();
  a.number = e.number();
  if (a.number != 0) {
    CB_CHECK(by_number_.emplace(a.number, a.id).second);  // Apply refuses a reused number
    next_account_number_ = std::max(next_account_number_, a.number + 1);
  }
  if (IsInternalAccount(a.type)) {
    if (a.ledger == 0) a.ledger = LegacySettlementLedger(a.id);
    CB_CHECK(a.ledger != 0);  // Apply refuses an internal account of no known ledger
    CB_CHECK(settlement_.emplace(a.ledger, a.id).second);
  }
  for (const std::string& alias : a.aliases) aliases_[AliasKey(a.tenant, alias)] = a.id;
  auto& list = lists_[a.tenant.value].accounts;
  a.order = static_cast<uint32_t>(list.size());
  list.push_back(a.id);
  if (!a.customer.zero()) {
    auto& mine = customer_accounts_[a.customer.value];
    a.customer_order = static_cast<uint32_t>(mine.size());
    mine.push_back(a.id);
  }
  if (accounts_touched_ != nullptr) accounts_touched_->push_back(a.id);
  accounts_[a.id.value] = std::move(a);
}

void PlatformState::ApplyAccountStatusChanged(const pb::AccountStatusChanged& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  accounts_.at(id).status = static_cast<AccountStatus>(e.status());
  if (accounts_touched_ != nullptr) accounts_touched_->push_back(AccountId(id));
}

void PlatformState::ApplyTransferAnnotated(const pb::TransferAnnotated& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  descriptions_[id] = e.description();
  if (e.rail()) rail_transfers_.insert(id);
}

void PlatformState::ApplyAdjustmentRequested(const pb::AdjustmentRequested& e) {
  Adjustment a;
  CB_CHECK(IdFromBytes(e.id(), &a.id.value));
  CB_CHECK(IdFromBytes(e.tenant_id(), &a.tenant.value));
  CB_CHECK(IdFromBytes(e.account_id(), &a.account.value));
  CB_CHECK(IdFromBytes(e.transfer_id(), &a.transfer.value));
  CB_CHECK(IdFromBytes(e.amount(), &a.amount_minor));
  a.direction = static_cast<AdjustmentDirection>(e.direction());
  a.ledger = e.ledger();
  a.reason = e.reason();
  CB_CHECK(ActorFromProto(e.requested_by(), &a.requested_by));
  a.requested = e.requested_ns();
  auto& list = lists_[a.tenant.value].adjustments;
  a.order = static_cast<uint32_t>(list.size());
  list.push_back(a.id);
  adjustments_[a.id.value] = std::move(a);
}

void PlatformState::ApplyAdjustmentDecided(const pb::AdjustmentDecided& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  Adjustment& a = adjustments_.at(id);
  CB_CHECK(a.status == AdjustmentStatus::kPendingApproval);
  a.status = static_cast<AdjustmentStatus>(e.status());
  CB_CHECK(ActorFromProto(e.decided_by(), &a.decided_by));
  a.decision_note = e.note();
  a.decided = e.decided_ns();
}

void PlatformState::ApplyIdempotencyExpired(const pb::IdempotencyExpired& e) {
  idempotency_.ExpireCreatedBefore(e.expire_before_ns());
}

void PlatformState::ApplyIdempotencyRecorded(const pb::IdempotencyRecorded& e, uint64_t seq) {
  // Expiry is a function of event time only, so replay expires exactly what execution did.
  idempotency_.ExpireAt(e.created_ns());
  u128 tenant = 0;
  CB_CHECK(IdFromBytes(e.tenant_id(), &tenant));
  IdempotencyEntry entry;
  CB_CHECK(e.request_sha256().size() == entry.request_sha256.size());
  std::memcpy(entry.request_sha256.data(), e.request_sha256().data(), 32);
  entry.http_status = static_cast<uint16_t>(e.http_status());
  entry.seq = seq != 0 ? seq : e.seq();
  entry.created = e.created_ns();
  // Records from before issue 12 have no caller: an all-zero scope no principal has.
  idempotency_.Record(TenantId(tenant), e.caller().empty() ? LegacyCallerScope() : e.caller(),
                      e.key(), entry);
}

namespace {
template <typename Message>
bool Parse(const journal::EventView& ev, Message* m) {
  return ev.version == kEventVersion &&
         m->ParseFromArray(ev.payload.data(), static_cast<int>(ev.payload.size()));
}
}  // namespace

Status PlatformState::Apply(const journal::EventView& ev, uint64_t seq) {
  auto bad = [&ev](const char* why) {
    return Status::DataLoss("platform event type " + std::to_string(ev.type) + ": " + why);
  };
  u128 id = 0, other = 0;
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kTenantCreated: {
      pb::TenantCreated m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id)) return bad("undecodable");
      if (tenants_.contains(id) || m.seq() != tenant_seq_next()) return bad("duplicate tenant");
      ApplyTenantCreated(m);
      return Status::Ok();
    }
    case EventType::kApiKeyCreated: {
      pb::ApiKeyCreated m;
      Actor creator;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !IdFromBytes(m.tenant_id(), &other) ||
          m.secret_sha256().size() != 32 || m.role() < 1 || m.role() > 3 ||
          (m.has_created_by() && !ActorFromProto(m.created_by(), &creator))) {
        return bad("undecodable");
      }
      if (keys_.contains(id) || !tenants_.contains(other)) return bad("bad key");
      ApplyApiKeyCreated(m);
      return Status::Ok();
    }
    case EventType::kApiKeyRevoked: {
      pb::ApiKeyRevoked m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !keys_.contains(id)) {
        return bad("unknown key");
      }
      ApplyApiKeyRevoked(m);
      return Status::Ok();
    }
    case EventType::kCustomerCreated: {
      pb::CustomerCreated m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !IdFromBytes(m.tenant_id(), &other) ||
          m.type() < 1 || m.type() > 2 || m.status() < 1 || m.status() > 3 || m.kyc_tier() > 3) {
        return bad("undecodable");
      }
      if (customers_.contains(id) || !tenants_.contains(other)) return bad("bad customer");
      ApplyCustomerCreated(m);
      return Status::Ok();
    }
    case EventType::kCustomerUpdated: {
      pb::CustomerUpdated m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !customers_.contains(id) ||
          (m.has_status() && (m.status() < 1 || m.status() > 3)) ||
          (m.has_kyc_tier() && m.kyc_tier() > 3)) {
        return bad("bad customer update");
      }
      ApplyCustomerUpdated(m);
      return Status::Ok();
    }
    case EventType::kAccountOpened: {
      pb::AccountOpened m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !IdFromBytes(m.tenant_id(), &other) ||
          m.type() < 1 || m.type() > 3 || m.status() < 1 || m.status() > 3) {
        return bad("undecodable");
      }
      if (accounts_.contains(id) || !tenants_.contains(other)) return bad("bad account");
      if (m.number() != 0 && by_number_.contains(m.number())) return bad("account number reused");
      if (IsInternalAccount(static_cast<AccountType>(m.type()))) {
        const ledger::LedgerCode ledger =
            m.ledger() != 0 ? m.ledger() : LegacySettlementLedger(AccountId(id));
        if (ledger == 0 || settlement_.contains(ledger)) return bad("bad settlement account");
      }
      ApplyAccountOpened(m);
      return Status::Ok();
    }
    case EventType::kAccountStatusChanged: {
      pb::AccountStatusChanged m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !accounts_.contains(id) ||
          m.status() < 1 || m.status() > 3) {
        return bad("bad account status");
      }
      ApplyAccountStatusChanged(m);
      return Status::Ok();
    }
    case EventType::kTransferAnnotated: {
      pb::TransferAnnotated m;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id)) return bad("undecodable");
      ApplyTransferAnnotated(m);
      return Status::Ok();
    }
    case EventType::kIdempotencyExpired: {
      pb::IdempotencyExpired m;
      if (!Parse(ev, &m)) return bad("undecodable");
      ApplyIdempotencyExpired(m);
      return Status::Ok();
    }
    case EventType::kAdjustmentRequested: {
      pb::AdjustmentRequested m;
      Actor actor;
      u128 account = 0, transfer = 0, amount = 0;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !IdFromBytes(m.tenant_id(), &other) ||
          !IdFromBytes(m.account_id(), &account) || !IdFromBytes(m.transfer_id(), &transfer) ||
          !IdFromBytes(m.amount(), &amount) || m.direction() < 1 || m.direction() > 2 ||
          !ActorFromProto(m.requested_by(), &actor)) {
        return bad("undecodable");
      }
      if (adjustments_.contains(id) || !tenants_.contains(other) || !accounts_.contains(account)) {
        return bad("bad adjustment");
      }
      ApplyAdjustmentRequested(m);
      return Status::Ok();
    }
    case EventType::kAdjustmentDecided: {
      pb::AdjustmentDecided m;
      Actor actor;
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || m.status() < 2 || m.status() > 3 ||
          !ActorFromProto(m.decided_by(), &actor)) {
        return bad("undecodable");
      }
      auto it = adjustments_.find(id);
      if (it == adjustments_.end() || it->second.status != AdjustmentStatus::kPendingApproval) {
        return bad("adjustment not pending");
      }
      ApplyAdjustmentDecided(m);
      return Status::Ok();
    }
    case EventType::kIdempotencyRecorded: {
      pb::IdempotencyRecorded m;
      if (!Parse(ev, &m) || !IdFromBytes(m.tenant_id(), &other) ||
          m.request_sha256().size() != 32 || (seq == 0 && m.seq() == 0) ||
          (!m.caller().empty() && m.caller().size() != kCallerScopeBytes)) {
        return bad("undecodable");
      }
      // A snapshot keeps only live entries; replay may meet an entry the TTL already let go
      // of and then its key again. Re-recording it is what execution did.
      idempotency_.ExpireAt(m.created_ns());
      const std::string& caller = m.caller().empty() ? LegacyCallerScope() : m.caller();
      if (idempotency_.Find(TenantId(other), caller, m.key()) != nullptr) {
        return bad("idempotency key recorded twice");
      }
      ApplyIdempotencyRecorded(m, seq);
      return Status::Ok();
    }
  }
  return bad("unknown type");
}

void PlatformState::Clear() {
  tenants_.clear();
  tenant_order_.clear();
  lists_.clear();
  keys_.clear();
  customers_.clear();
  accounts_.clear();
  customer_accounts_.clear();
  aliases_.clear();
  by_number_.clear();
  next_account_number_ = 1;
  descriptions_.clear();
  rail_transfers_.clear();
  adjustments_.clear();
  settlement_.clear();
  idempotency_.Clear();
  keys_dir_->Clear();
}

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kTenantCreated:
      return "tenant.created";
    case EventType::kApiKeyCreated:
      return "api_key.created";
    case EventType::kApiKeyRevoked:
      return "api_key.revoked";
    case EventType::kCustomerCreated:
      return "customer.created";
    case EventType::kCustomerUpdated:
      return "customer.updated";
    case EventType::kAccountOpened:
      return "account.opened";
    case EventType::kAccountStatusChanged:
      return "account.status_changed";
    case EventType::kTransferAnnotated:
      return "transfer.annotated";
    case EventType::kIdempotencyRecorded:
      return "idempotency.recorded";
    case EventType::kAdjustmentRequested:
      return "adjustment.requested";
    case EventType::kAdjustmentDecided:
      return "adjustment.decided";
    case EventType::kIdempotencyExpired:
      return "idempotency.expired";
  }
  return "unknown";
}

}  // namespace cb::platform
