#pragma once
// The platform service: tenants, API keys, customers, accounts and transfers as the REST API
// sees them, executed on the shard's writer thread over the ledger (runtime/service.h).
// Every write is atomic with its idempotency record: both are events of the same batch.
#include <memory>
#include <string>

#include "platform/key_directory.h"
#include "platform/ops.h"
#include "platform/state.h"
#include "runtime/command.h"
#include "runtime/service.h"

namespace cb::platform {

struct PlatformOptions {
  uint64_t idempotency_ttl_ns = 24ull * 3600 * kNsPerSecond;  // kept at least this long
  uint64_t idempotency_bytes_max = 1ull << 30;                // beyond: 503 until old keys expire
};

class PlatformService final : public runtime::Service {
 public:
  PlatformService(KeyDirectory* keys, PlatformOptions options);

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override { state_.Clear(); }
  std::string CaptureSnapshot() const override { return state_.EncodeSnapshot(); }
  Status LoadSnapshot(std::string_view bytes) override { return state_.DecodeSnapshot(bytes); }

  // Writer thread only (or before the executor starts).
  const PlatformState& state() const { return state_; }

 private:
  PlatformState state_;
  PlatformOptions options_;
};

// A new tenant with fresh random ids and its first admin key (token in admin_token).
CreateTenantOp NewTenantOp(std::string name, bool sandbox);
// A new API key with fresh random id and secret (token in `token`).
CreateApiKeyOp NewApiKeyOp(Role role, std::string name);

// The op that creates the root (bootstrap) tenant: executed with a caller of no tenant.
std::shared_ptr<PlatformOp> MakeBootstrapOp(std::string_view tenant_name, std::string* token_out);

// Derived ids for the records that post or void a pending transfer: deterministic, so a
// retried post finds the first one instead of posting twice.
TransferId PostRecordId(TransferId pending);
TransferId VoidRecordId(TransferId pending);

}  // namespace cb::platform
