#include "identity/service.h"

#include <algorithm>

#include "identity/handlers.h"

namespace cb::identity {

IdentityService::IdentityService(platform::PlatformService* platform, IdentityOptions options)
    : platform_(platform), options_(options) {
  CB_CHECK(platform_ != nullptr);
}

bool IsRestOp(const IdentityOpBody& body) {
  return std::visit(
      [](const auto& b) {
        using T = std::decay_t<decltype(b)>;
        return !(std::is_same_v<T, CreateAuthRequestOp> || std::is_same_v<T, LoginOp> ||
                 std::is_same_v<T, StepUpOp> || std::is_same_v<T, DecideOp> ||
                 std::is_same_v<T, RedeemCodeOp> || std::is_same_v<T, RefreshOp> ||
                 std::is_same_v<T, RevokeTokenOp> || std::is_same_v<T, RecordUsageOp> ||
                 std::is_same_v<T, AddSigningKeyOp> || std::is_same_v<T, UserInfoOp> ||
                 std::is_same_v<T, ConsentViewOp> || std::is_same_v<T, CustomerRevokeConsentOp>);
      },
      body);
}

void IdentityService::Execute(const runtime::ServiceOp& base_op, runtime::ServiceContext& ctx,
                              runtime::Reply* reply) {
  const auto& op = static_cast<const IdentityOp&>(base_op);
  IdentityContext c{op, ctx, state_, platform_->state(), options_};
  if (const auto* info = std::get_if<UserInfoOp>(&op.body)) {
    Answer a = HandleUserInfo(c, *info);
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
    return;
  }
  // A REST op with dynamic registration's flag is still a REST op, but answers in RFC 7591
  // shape and carries no Idempotency-Key; the envelope treats it as unkeyed.
  if (IsRestOp(op.body)) {
    const platform::Envelope env{.caller = op.caller,
                                 .trace_id = op.trace_id,
                                 .idempotency_key = op.idempotency_key,
                                 .request_sha256 = op.request_sha256,
                                 .scope = RestScope(op.body),
                                 .delegated_allowed = false,
                                 .quota_exempt = std::holds_alternative<RevokeAppOp>(op.body) ||
                                                 std::holds_alternative<RevokeSessionOp>(op.body) ||
                                                 std::holds_alternative<RevokeConsentOp>(op.body)};
    platform_->RunEnveloped(env, ctx, reply, [&c] { return HandleRest(c); });
    return;
  }
  reply->http_status = 200;
  reply->service_result = HandleOAuth(c);
}

bool IdentityService::ConsentActive(const kernel::Principal& p, TimestampNs now) const {
  const Consent* c = state_.FindConsent(p.consent);
  return c != nullptr && c->tenant == p.tenant && c->client == p.client &&
         c->customer == p.customer && c->StatusAt(now) == ConsentStatus::kAuthorised;
}

bool IdentityService::ConsentCovers(const kernel::Principal& p, AccountId account,
                                    ScopeSet scope) const {
  const Consent* c = state_.FindConsent(p.consent);
  if (c == nullptr || !c->permissions.Covers(scope)) return false;
  return std::find(c->accounts.begin(), c->accounts.end(), account) != c->accounts.end();
}

}  // namespace cb::identity
