#include "platform/state.h"

#include <algorithm>

#include "platform/events.h"
#include "runtime/snapshot_events.h"

namespace cb::platform {

std::string IdBytes(u128 v) {
  std::string s(16, '\0');
  StoreLe(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

bool IdFromBytes(const std::string& bytes, u128* out) {
  if (bytes.size() != 16) return false;
  *out = LoadLe<u128>(reinterpret_cast<const uint8_t*>(bytes.data()));
  return true;
}

// Memory an entry costs besides its key: hash, status, seq, time, queue slot, map node.
constexpr uint64_t kIdempotencyEntryBytes = 128;

PlatformState::PlatformState(KeyDirectory* keys, uint64_t idempotency_ttl_ns)
    : keys_dir_(keys), idempotency_ttl_ns_(idempotency_ttl_ns) {}

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
const std::string* PlatformState::TransferDescription(TransferId id) const {
  return FindIn(descriptions_, id.value);
}

std::string PlatformState::AliasKey(TenantId tenant, std::string_view alias) {
  std::string k = IdBytes(tenant.value);
  k.append(alias);
  return k;
}
std::string PlatformState::IdempotencyMapKey(TenantId tenant, std::string_view key) {
  return AliasKey(tenant, key);
}

std::optional<AccountId> PlatformState::FindAlias(TenantId tenant, std::string_view alias) const {
  auto it = aliases_.find(AliasKey(tenant, alias));
  if (it == aliases_.end()) return std::nullopt;
  return it->second;
}

const IdempotencyEntry* PlatformState::FindIdempotency(TenantId tenant,
                                                       std::string_view key) const {
  auto it = idempotency_.find(IdempotencyMapKey(tenant, key));
  return it == idempotency_.end() ? nullptr : &it->second;
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
  for (const std::string& alias : a.aliases) aliases_[AliasKey(a.tenant, alias)] = a.id;
  auto& list = lists_[a.tenant.value].accounts;
  a.order = static_cast<uint32_t>(list.size());
  list.push_back(a.id);
  accounts_[a.id.value] = std::move(a);
}

void PlatformState::ApplyAccountStatusChanged(const pb::AccountStatusChanged& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  accounts_.at(id).status = static_cast<AccountStatus>(e.status());
}

void PlatformState::ApplyTransferAnnotated(const pb::TransferAnnotated& e) {
  u128 id = 0;
  CB_CHECK(IdFromBytes(e.id(), &id));
  descriptions_[id] = e.description();
}

void PlatformState::ExpireIdempotency(TimestampNs now) {
  while (!idempotency_order_.empty() &&
         idempotency_order_.front().first + idempotency_ttl_ns_ < now) {
    auto it = idempotency_.find(idempotency_order_.front().second);
    if (it != idempotency_.end() && it->second.created == idempotency_order_.front().first) {
      idempotency_bytes_ -= kIdempotencyEntryBytes + it->first.size();
      idempotency_.erase(it);
    }
    idempotency_order_.pop_front();
  }
}

void PlatformState::ApplyIdempotencyRecorded(const pb::IdempotencyRecorded& e, uint64_t seq) {
  // Expiry is a function of event time only, so replay expires exactly what execution did.
  ExpireIdempotency(e.created_ns());
  u128 tenant = 0;
  CB_CHECK(IdFromBytes(e.tenant_id(), &tenant));
  std::string key = IdempotencyMapKey(TenantId(tenant), e.key());
  IdempotencyEntry entry;
  CB_CHECK(e.request_sha256().size() == entry.request_sha256.size());
  std::memcpy(entry.request_sha256.data(), e.request_sha256().data(), 32);
  entry.http_status = static_cast<uint16_t>(e.http_status());
  entry.seq = seq != 0 ? seq : e.seq();
  CB_CHECK(entry.seq != 0);
  entry.created = e.created_ns();
  idempotency_bytes_ += kIdempotencyEntryBytes + key.size();
  idempotency_order_.emplace_back(entry.created, key);
  auto [it, inserted] = idempotency_.try_emplace(std::move(key), std::move(entry));
  CB_CHECK(inserted);  // handlers replay an existing key instead of recording it again
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
      if (!Parse(ev, &m) || !IdFromBytes(m.id(), &id) || !IdFromBytes(m.tenant_id(), &other) ||
          m.secret_sha256().size() != 32 || m.role() < 1 || m.role() > 3) {
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
    case EventType::kIdempotencyRecorded: {
      pb::IdempotencyRecorded m;
      if (!Parse(ev, &m) || !IdFromBytes(m.tenant_id(), &other) ||
          m.request_sha256().size() != 32 || (seq == 0 && m.seq() == 0)) {
        return bad("undecodable");
      }
      // A snapshot keeps only live entries; replay may meet an entry the TTL already let go
      // of and then its key again. Re-recording it is what execution did.
      ExpireIdempotency(m.created_ns());
      if (idempotency_.contains(IdempotencyMapKey(TenantId(other), m.key()))) {
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
  aliases_.clear();
  descriptions_.clear();
  idempotency_.clear();
  idempotency_order_.clear();
  idempotency_bytes_ = 0;
  keys_dir_->Clear();
}

namespace {
template <typename Message>
void AppendSnapshotEvent(std::string* out, EventType type, const Message& m) {
  runtime::AppendSnapshotEvent(out, static_cast<uint16_t>(type), m);
}
}  // namespace

std::string PlatformState::EncodeSnapshot() const {
  std::string out;
  for (TenantId tid : tenant_order_) {
    const Tenant& t = tenants_.at(tid.value);
    pb::TenantCreated m;
    m.set_id(IdBytes(t.id.value));
    m.set_seq(t.seq);
    m.set_name(t.name);
    m.set_sandbox(t.sandbox);
    m.set_root(t.root);
    m.set_created_ns(t.created);
    AppendSnapshotEvent(&out, EventType::kTenantCreated, m);
  }
  for (TenantId tid : tenant_order_) {
    const TenantLists& lists = lists_.at(tid.value);
    for (ApiKeyId kid : lists.keys) {
      const ApiKey& k = keys_.at(kid.value);
      pb::ApiKeyCreated m;
      m.set_id(IdBytes(k.id.value));
      m.set_tenant_id(IdBytes(k.tenant.value));
      m.set_secret_sha256(k.secret_sha256.data(), k.secret_sha256.size());
      m.set_role(static_cast<uint32_t>(k.role));
      m.set_name(k.name);
      m.set_created_ns(k.created);
      AppendSnapshotEvent(&out, EventType::kApiKeyCreated, m);
      if (k.revoked) {
        pb::ApiKeyRevoked r;
        r.set_id(IdBytes(k.id.value));
        AppendSnapshotEvent(&out, EventType::kApiKeyRevoked, r);
      }
    }
    for (CustomerId cid : lists.customers) {
      const Customer& c = customers_.at(cid.value);
      pb::CustomerCreated m;
      m.set_id(IdBytes(c.id.value));
      m.set_tenant_id(IdBytes(c.tenant.value));
      m.set_type(static_cast<uint32_t>(c.type));
      m.set_name(c.name);
      m.set_email(c.email);
      m.set_phone(c.phone);
      m.set_kyc_tier(c.kyc_tier);
      m.set_status(static_cast<uint32_t>(c.status));
      m.set_created_ns(c.created);
      AppendSnapshotEvent(&out, EventType::kCustomerCreated, m);
    }
    for (AccountId aid : lists.accounts) {
      const AccountMeta& a = accounts_.at(aid.value);
      pb::AccountOpened m;
      m.set_id(IdBytes(a.id.value));
      m.set_tenant_id(IdBytes(a.tenant.value));
      if (!a.customer.zero()) m.set_customer_id(IdBytes(a.customer.value));
      m.set_type(static_cast<uint32_t>(a.type));
      for (const std::string& alias : a.aliases) m.add_aliases(alias);
      m.set_status(static_cast<uint32_t>(a.status));
      m.set_created_ns(a.created);
      AppendSnapshotEvent(&out, EventType::kAccountOpened, m);
    }
  }
  // Sorted: a snapshot's bytes must not depend on hash-map iteration order.
  std::vector<std::pair<u128, const std::string*>> described;
  described.reserve(descriptions_.size());
  for (const auto& [id, text] : descriptions_) described.emplace_back(id, &text);
  std::sort(described.begin(), described.end());
  for (const auto& [id, text] : described) {
    pb::TransferAnnotated m;
    m.set_id(IdBytes(id));
    m.set_description(*text);
    AppendSnapshotEvent(&out, EventType::kTransferAnnotated, m);
  }
  for (const auto& [created, map_key] : idempotency_order_) {
    auto it = idempotency_.find(map_key);
    if (it == idempotency_.end() || it->second.created != created) continue;
    pb::IdempotencyRecorded m;
    m.set_tenant_id(map_key.substr(0, 16));
    m.set_key(map_key.substr(16));
    m.set_request_sha256(it->second.request_sha256.data(), 32);
    m.set_http_status(it->second.http_status);
    m.set_seq(it->second.seq);  // the body stays in the journal
    m.set_created_ns(created);
    AppendSnapshotEvent(&out, EventType::kIdempotencyRecorded, m);
  }
  return out;
}

Status PlatformState::DecodeSnapshot(std::string_view bytes) {
  while (!bytes.empty()) {
    CB_ASSIGN_OR_RETURN(const journal::EventView ev,
                        runtime::NextSnapshotEvent(&bytes, kEventVersion, "platform"));
    CB_RETURN_IF_ERROR(Apply(ev, 0));
  }
  return Status::Ok();
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
  }
  return "unknown";
}

}  // namespace cb::platform
