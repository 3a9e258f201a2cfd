// The kyc service on the writer thread: the envelope around each op, reads, replay and
// snapshots. The two writes are in kyc_workflow.cc.
#include "base/check.h"
#include "kernel/scopes.h"
#include "modules/kyc/kyc_internal.h"
#include "runtime/command.h"

namespace cb::modules::kyc {

using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

KycService::KycService(kernel::EnvelopeRunner* envelope, kernel::CustomerDirectory* customers,
                       const kernel::Screener* screener,
                       std::unique_ptr<risk::kyc::KycProvider> provider)
    : envelope_(envelope),
      customers_(customers),
      screener_(screener),
      provider_(std::move(provider)),
      scope_read_(kernel::ScopeNamed(kScopeRead)),
      scope_write_(kernel::ScopeNamed(kScopeWrite)) {
  CB_CHECK(envelope_ != nullptr);
  CB_CHECK(customers_ != nullptr);
  CB_CHECK(screener_ != nullptr);
  CB_CHECK(provider_ != nullptr);
  CB_CHECK(!scope_read_.empty() && !scope_write_.empty());  // registered by RegisterModules
}

std::optional<kernel::CustomerInfo> KycService::Visible(const KycOp& op,
                                                        kernel::CustomerId id) const {
  // A customer's own token sees only that customer: any other is "not found".
  if (op.caller.delegated() && op.caller.customer != id) return std::nullopt;
  return customers_->LookUpCustomer(op.caller.tenant, id);
}

void KycService::Insert(Verification v) {
  const CustomerKey key(v.tenant, v.customer);
  std::vector<u128>& list = by_customer_[key];
  CB_CHECK(list.size() < kVerificationsPerCustomerMax);
  list.push_back(v.id);
  const u128 id = v.id;
  CB_CHECK(verifications_.emplace(id, std::move(v)).second);
}

const Verification* KycService::FindVerification(u128 id) const {
  auto it = verifications_.find(id);
  return it == verifications_.end() ? nullptr : &it->second;
}

const Ownership* KycService::FindOwnership(u128 tenant, u128 customer) const {
  auto it = ownerships_.find(CustomerKey(tenant, customer));
  return it == ownerships_.end() ? nullptr : &it->second;
}

Answer KycService::List(const KycOp& op, const ListVerificationsOp& l) const {
  if (!Visible(op, l.customer)) {
    return ErrorAnswer(ErrorKind::kNotFound, "customer_not_found", "No such customer.", "id",
                       op.trace_id);
  }
  CB_CHECK(l.limit >= 1 && l.limit <= 100);
  std::string o = R"({"object":"list","data":[)";
  auto it = by_customer_.find(CustomerKey(op.caller.tenant.value, l.customer.value));
  bool more = false;
  size_t last = l.after;
  if (it != by_customer_.end()) {
    const std::vector<u128>& ids = it->second;
    size_t n = 0;
    for (size_t i = l.after; i < ids.size(); i++) {
      if (n == l.limit) {
        more = true;
        break;
      }
      if (n > 0) o.push_back(',');
      o.append(RenderVerification(verifications_.at(ids[i])));
      n++;
      last = i + 1;
    }
  }
  o.append(R"(],"has_more":)").append(more ? "true" : "false");
  o.append(R"(,"next_cursor":)");
  o.append(more ? "\"c" + std::to_string(last) + "\"" : "null");
  o.push_back('}');
  return {200, std::move(o)};
}

void KycService::Execute(const runtime::ServiceOp& base, runtime::ServiceContext& ctx,
                         runtime::Reply* reply) {
  const auto& op = static_cast<const KycOp&>(base);
  const bool write =
      std::holds_alternative<VerifyOp>(op.body) || std::holds_alternative<PutOwnershipOp>(op.body);
  const kernel::Envelope env{.caller = op.caller,
                             .trace_id = op.trace_id,
                             .idempotency_key = op.idempotency_key,
                             .request_sha256 = op.request_sha256,
                             .scope = write ? scope_write_ : scope_read_,
                             // A customer's own app may read its verifications; it never
                             // verifies itself (that sets the tier its limits read).
                             .delegated_allowed = !write};
  envelope_->RunEnveloped(env, ctx, reply, [&]() -> Answer {
    if (const auto* v = std::get_if<VerifyOp>(&op.body)) return Verify(op, *v, ctx);
    if (const auto* p = std::get_if<PutOwnershipOp>(&op.body)) return PutOwnership(op, *p, ctx);
    if (const auto* l = std::get_if<ListVerificationsOp>(&op.body)) return List(op, *l);
    if (const auto* g = std::get_if<GetOwnershipOp>(&op.body)) {
      if (!Visible(op, g->customer)) {
        return ErrorAnswer(ErrorKind::kNotFound, "customer_not_found", "No such customer.", "id",
                           op.trace_id);
      }
      const Ownership* o = FindOwnership(op.caller.tenant.value, g->customer.value);
      if (o == nullptr) {
        return ErrorAnswer(ErrorKind::kNotFound, "resource_not_found",
                           "No ownership graph was given for this customer.", "id", op.trace_id);
      }
      return {200, RenderOwnership(*o)};
    }
    const auto& get = std::get<GetVerificationOp>(op.body);
    const Verification* v = FindVerification(get.id);
    // Another tenant's, or another customer's for a delegated token: not found either.
    if (v == nullptr || v->tenant != op.caller.tenant.value ||
        (op.caller.delegated() && v->customer != op.caller.customer.value)) {
      return ErrorAnswer(ErrorKind::kNotFound, "resource_not_found", "No such verification.", "id",
                         op.trace_id);
    }
    return {200, RenderVerification(*v)};
  });
}

Status KycService::ApplyEvent(const journal::EventView& ev, uint64_t /*seq*/,
                              TimestampNs /*record_timestamp*/) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  if (ev.version != kEventVersion) return Status::DataLoss("unknown kyc event version");
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kVerificationCompleted: {
      pb::VerificationCompleted e;
      Verification v;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &v)) {
        return Status::DataLoss("undecodable VerificationCompleted");
      }
      const auto& list = by_customer_[CustomerKey(v.tenant, v.customer)];
      if (verifications_.contains(v.id) || list.size() >= kVerificationsPerCustomerMax) {
        return Status::DataLoss("VerificationCompleted: a repeated id or past the limit");
      }
      Insert(std::move(v));
      return Status::Ok();
    }
    case EventType::kOwnershipUpdated: {
      pb::OwnershipUpdated e;
      Ownership o;
      if (!e.ParseFromArray(bytes, size) || !FromProto(e, &o)) {
        return Status::DataLoss("undecodable OwnershipUpdated");
      }
      const CustomerKey key(o.tenant, o.customer);
      ownerships_[key] = std::move(o);
      return Status::Ok();
    }
  }
  return Status::DataLoss("unknown kyc event type " + std::to_string(ev.type));
}

void KycService::Clear() {
  verifications_.clear();
  by_customer_.clear();
  ownerships_.clear();
}

std::string KycService::CaptureSnapshot() const {
  pb::KycSnapshot s;
  // Per customer in completion order, so LoadSnapshot rebuilds the same lists (cursors).
  for (const auto& [key, ids] : by_customer_) {
    for (u128 id : ids) ToProto(verifications_.at(id), s.add_verifications());
  }
  for (const auto& [key, o] : ownerships_) ToProto(o, s.add_ownerships());
  std::string out;
  CB_CHECK(s.SerializeToString(&out));
  return out;
}

Status KycService::LoadSnapshot(std::string_view bytes) {
  Clear();
  pb::KycSnapshot s;
  if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::DataLoss("undecodable kyc snapshot");
  }
  for (const pb::VerificationCompleted& e : s.verifications()) {
    Verification v;
    if (!FromProto(e, &v) || verifications_.contains(v.id) ||
        by_customer_[CustomerKey(v.tenant, v.customer)].size() >= kVerificationsPerCustomerMax) {
      return Status::DataLoss("bad verification in kyc snapshot");
    }
    Insert(std::move(v));
  }
  for (const pb::OwnershipUpdated& e : s.ownerships()) {
    Ownership o;
    if (!FromProto(e, &o)) return Status::DataLoss("bad ownership in kyc snapshot");
    const CustomerKey key(o.tenant, o.customer);
    ownerships_[key] = std::move(o);
  }
  return Status::Ok();
}

}  // namespace cb::modules::kyc
