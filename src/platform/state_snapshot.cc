// The platform state as a snapshot section: the events that rebuild it, in an order that
// does not depend on hash-map iteration.
#include <algorithm>

#include "platform/events.h"
#include "platform/state.h"
#include "runtime/snapshot_events.h"

namespace cb::platform {

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
      if (k.created_by.id != 0) ActorToProto(k.created_by, m.mutable_created_by());
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
      m.set_ledger(a.ledger);
      m.set_number(a.number);
      AppendSnapshotEvent(&out, EventType::kAccountOpened, m);
    }
    for (AdjustmentId adj_id : lists.adjustments) {
      const Adjustment& a = adjustments_.at(adj_id.value);
      pb::AdjustmentRequested m;
      m.set_id(IdBytes(a.id.value));
      m.set_tenant_id(IdBytes(a.tenant.value));
      m.set_account_id(IdBytes(a.account.value));
      m.set_transfer_id(IdBytes(a.transfer.value));
      m.set_direction(static_cast<uint32_t>(a.direction));
      m.set_amount(IdBytes(a.amount_minor));
      m.set_ledger(a.ledger);
      m.set_reason(a.reason);
      ActorToProto(a.requested_by, m.mutable_requested_by());
      m.set_requested_ns(a.requested);
      AppendSnapshotEvent(&out, EventType::kAdjustmentRequested, m);
      if (a.status == AdjustmentStatus::kPendingApproval) continue;
      pb::AdjustmentDecided d;
      d.set_id(IdBytes(a.id.value));
      d.set_tenant_id(IdBytes(a.tenant.value));
      d.set_status(static_cast<uint32_t>(a.status));
      ActorToProto(a.decided_by, d.mutable_decided_by());
      d.set_note(a.decision_note);
      d.set_decided_ns(a.decided);
      AppendSnapshotEvent(&out, EventType::kAdjustmentDecided, d);
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
    m.set_rail(rail_transfers_.contains(id));
    AppendSnapshotEvent(&out, EventType::kTransferAnnotated, m);
  }
  idempotency_.ForEachLive([&out](std::string_view tenant, std::string_view caller,
                                  std::string_view key, const IdempotencyEntry& e) {
    pb::IdempotencyRecorded m;
    m.set_tenant_id(std::string(tenant));
    m.set_caller(std::string(caller));
    m.set_key(std::string(key));
    m.set_request_sha256(e.request_sha256.data(), 32);
    m.set_http_status(e.http_status);
    m.set_seq(e.seq);  // the body stays in the journal
    m.set_created_ns(e.created);
    AppendSnapshotEvent(&out, EventType::kIdempotencyRecorded, m);
  });
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

}  // namespace cb::platform
