#pragma once
// The platform service: tenants, API keys, customers, accounts and transfers as the REST API
// sees them, executed on the shard's writer thread over the ledger (runtime/service.h).
// Every write is atomic with its idempotency record: both are events of the same batch.
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "kernel/customer_directory.h"
#include "kernel/decision_port.h"
#include "kernel/envelope.h"
#include "kernel/four_eyes.h"
#include "kernel/money_port.h"
#include "platform/key_directory.h"
#include "platform/ops.h"
#include "platform/render.h"
#include "platform/state.h"
#include "runtime/command.h"
#include "runtime/service.h"

namespace cb::platform {

struct PlatformOptions {
  uint64_t idempotency_ttl_ns = 24ull * 3600 * kNsPerSecond;  // kept at least this long
  uint64_t idempotency_bytes_max = 1ull << 30;                // beyond: 503 until old keys expire
  // One tenant's share: beyond it that tenant's keyed POSTs are refused (429
  // idempotency_quota_exceeded) until its own keys expire; other tenants are unaffected.
  uint64_t idempotency_tenant_bytes_max = 512ull << 20;
  // One caller's share of its tenant's: one key or app cannot take the whole tenant's.
  uint64_t idempotency_caller_bytes_max = 256ull << 20;
};

// What the platform asks of the identity service about customer-delegated principals
// (tokens bound to a consent); set once before the executor starts.
class AccessPolicy {
 public:
  virtual ~AccessPolicy() = default;
  // The principal's consent is authorised and not expired at `now`.
  virtual bool ConsentActive(const Principal& p, TimestampNs now) const = 0;
  // The consent covers `account` and grants `scope` (one bit).
  virtual bool ConsentCovers(const Principal& p, AccountId account, ScopeSet scope) const = 0;
};

using kernel::Envelope;

class PlatformService final : public runtime::Service,
                              public kernel::EnvelopeRunner,
                              public kernel::FourEyes,
                              public kernel::CustomerDirectory,
                              public kernel::MoneyPort {
 public:
  PlatformService(KeyDirectory* keys, PlatformOptions options);

  void SetAccessPolicy(const AccessPolicy* policy) { policy_ = policy; }
  // The risk core every transfer asks first (issue 14); null: no decisions (unit tests).
  void SetDecisionPort(kernel::DecisionPort* port) { risk_ = port; }
  const AccessPolicy* access_policy() const { return policy_; }
  // Runs `body` inside the envelope's checks and idempotency bookkeeping.
  // 429/503 when the caller's, the tenant's or the store's share of idempotency records is
  // full (after expiring what the TTL allows, journaled); nullopt when there is room.
  std::optional<Answer> CheckIdempotencyQuota(const Principal& p, const std::string& caller,
                                              runtime::ServiceContext& ctx,
                                              std::string_view trace_id);
  void RunEnveloped(const Envelope& env, runtime::ServiceContext& ctx, runtime::Reply* reply,
                    const std::function<Answer()>& body) override;

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  // kernel::FourEyes (writer thread).
  std::string_view FourEyesRefusal(const Principal& approver, uint32_t requester_kind,
                                   u128 requester_id, TimestampNs requested_at) const override;
  // kernel::CustomerDirectory (customer_directory.cc; writer thread).
  std::optional<kernel::CustomerInfo> LookUpCustomer(kernel::TenantId tenant,
                                                     kernel::CustomerId id) const override;
  Status SetKycTier(kernel::TenantId tenant, kernel::CustomerId id, uint8_t tier,
                    runtime::ServiceContext& ctx) override;
  // kernel::MoneyPort (money_port.cc; writer thread).
  std::optional<kernel::PayeeInfo> ResolvePayee(kernel::TenantId tenant, u128 account,
                                                std::string_view alias,
                                                const runtime::ServiceContext& ctx) const override;
  kernel::MoveResult Move(const kernel::MoveRequest& r, runtime::ServiceContext& ctx) override;
  Status FinishReservation(kernel::TenantId tenant, u128 transfer, bool post,
                           runtime::ServiceContext& ctx) override;
  Status CreditFromRail(const kernel::CreditRequest& r, runtime::ServiceContext& ctx) override;
  std::optional<kernel::PayeeInfo> AccountByIban(std::string_view iban,
                                                 const runtime::ServiceContext& ctx) const override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override { state_.Clear(); }
  std::string CaptureSnapshot() const override { return state_.EncodeSnapshot(); }
  Status LoadSnapshot(std::string_view bytes) override { return state_.DecodeSnapshot(bytes); }

  // Writer thread only (or before the executor starts).
  const PlatformState& state() const { return state_; }
  // See PlatformState::set_accounts_touched; set before the executor starts.
  void set_accounts_touched(std::vector<AccountId>* out) { state_.set_accounts_touched(out); }

 private:
  PlatformState state_;
  PlatformOptions options_;
  const AccessPolicy* policy_ = nullptr;
  kernel::DecisionPort* risk_ = nullptr;
};

// The scope an op needs, and whether a customer-delegated token may run it.
ScopeSet RequiredScope(const OpBody& body);
bool DelegatedAllowed(const OpBody& body);

// A new tenant with fresh random ids and its first admin key (token in admin_token).
CreateTenantOp NewTenantOp(std::string name, bool sandbox);
// A new API key with fresh random id and secret (token in `token`).
CreateApiKeyOp NewApiKeyOp(Role role, std::string name);

// The op that creates the root (bootstrap) tenant: executed with a caller of no tenant.
std::shared_ptr<PlatformOp> MakeBootstrapOp(std::string_view tenant_name, std::string* token_out);

// Derived ids for the records that post or void a pending transfer: deterministic, so a
// retried post finds the first one instead of posting twice.
TransferId PostRecordId(TransferId pending);
// Why `caller` may not be the second pair of eyes on what `requested_by` asked for at
// `requested` ("" if it may): kernel::FourEyes.
std::string_view FourEyesRefusalOf(const PlatformState& st, const Principal& caller,
                                   const Actor& requested_by, TimestampNs requested);
TransferId VoidRecordId(TransferId pending);

}  // namespace cb::platform
