#pragma once
// Shared by the identity handler files.
#include <string>

#include "identity/events.h"
#include "identity/ops.h"
#include "identity/results.h"
#include "identity/service.h"
#include "identity/state.h"
#include "platform/render.h"
#include "platform/service.h"
#include "runtime/service.h"

namespace cb::identity {

using kernel::Answer;

struct IdentityContext {
  const IdentityOp& op;
  runtime::ServiceContext& sc;
  IdentityState& st;
  const platform::PlatformState& platform;
  const IdentityOptions& options;
  const TenantId& tenant() const { return op.caller.tenant; }
  TimestampNs now() const { return sc.batch_timestamp; }

  Answer Error(kernel::ErrorKind kind, std::string_view code, std::string_view message,
               std::string_view param = {}) const {
    return kernel::ErrorAnswer(kind, code, message, param, op.trace_id);
  }
  Answer NotFound(std::string_view code, std::string_view what, std::string_view param) const {
    return Error(kernel::ErrorKind::kNotFound, code, std::string(what) + " not found", param);
  }
  template <typename M>
  void Emit(EventType type, const M& m) {
    EmitProto(sc.out, type, m);
  }
};

// REST ops (inside the platform envelope): the scope each needs, and the handler.
ScopeSet RestScope(const IdentityOpBody& body);
Answer HandleRest(IdentityContext& c);
// OAuth ops: a typed result for the edge.
OAuthResult HandleOAuth(IdentityContext& c);
// Rendered: user info claims (OIDC Core §5.3) as JSON.
Answer HandleUserInfo(IdentityContext& c, const UserInfoOp& op);

// Makes `kid` the current signing key; the current one is retired and stays published for
// the longest token lifetime.
void InstallSigningKey(IdentityContext& c, std::string_view kid, std::string_view public_jwk);
// Revokes an authorised or awaiting consent, saying who did; false (and why) otherwise.
bool RevokeConsent(IdentityContext& c, const Consent& k, std::string_view by, std::string* why);
// Revokes a grant (every token minted from it stops working); no-op if already revoked.
void RevokeGrant(IdentityContext& c, GrantId id, std::string_view reason);

// JSON renderings.
void RenderApp(std::string* out, const App& a, std::string_view secret);
// RFC 7591 §3.2.1 client information response.
void RenderRegistration(std::string* out, const App& a, std::string_view secret);
void RenderUser(std::string* out, const User& u);
void RenderSession(std::string* out, const Session& s);
void RenderConsent(std::string* out, const Consent& c, TimestampNs now);

}  // namespace cb::identity
