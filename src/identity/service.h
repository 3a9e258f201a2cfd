#pragma once
// The identity service (ADR 0007): apps, users, sessions, authorization requests and codes,
// grants, refresh tokens, consents, signing keys and usage, executed on the shard's writer
// thread beside the platform service (runtime::ServiceSet). REST ops run inside the
// platform's envelope; OAuth ops answer with an OAuthResult. It also answers the
// platform's consent questions (platform::AccessPolicy).
#include "identity/ops.h"
#include "identity/results.h"
#include "identity/state.h"
#include "platform/service.h"

namespace cb::identity {

struct IdentityOptions {
  uint32_t auth_requests_max = 100'000;  // outstanding; beyond: temporarily_unavailable
  // Per app: unauthenticated /oauth2/authorize floods against one client_id fill only that
  // app's share, never every app's (and every tenant's) sign-in.
  uint32_t auth_requests_per_client_max = 5'000;
  uint32_t sessions_max = 1'000'000;
  // The longest a token we sign may live: a retired signing key stays in the JWKS this long.
  uint64_t token_ttl_max_ns = 600ull * kNsPerSecond;
};

class IdentityService final : public runtime::Service, public platform::AccessPolicy {
 public:
  IdentityService(platform::PlatformService* platform, IdentityOptions options = {});

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs /*record_timestamp*/) override {
    return state_.Apply(event, seq);
  }
  void Clear() override { state_.Clear(); }
  std::string CaptureSnapshot() const override { return state_.EncodeSnapshot(); }
  Status LoadSnapshot(std::string_view bytes) override { return state_.DecodeSnapshot(bytes); }

  // platform::AccessPolicy (writer thread).
  bool ConsentActive(const kernel::Principal& p, TimestampNs now) const override;
  bool ConsentCovers(const kernel::Principal& p, AccountId account, ScopeSet scope) const override;

  // Reads for io threads go through the state's Read* functions (shared lock).
  const IdentityState& state() const { return state_; }

 private:
  platform::PlatformService* platform_;
  IdentityOptions options_;
  IdentityState state_;
};

}  // namespace cb::identity
