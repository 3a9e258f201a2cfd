#include "platform/service.h"

#include <string.h>

#include "platform/events.h"
#include "platform/handler_context.h"

namespace cb::platform {

PlatformService::PlatformService(KeyDirectory* keys, PlatformOptions options)
    : state_(keys, options.idempotency_ttl_ns), options_(options) {}

Status PlatformService::ApplyEvent(const journal::EventView& event, uint64_t seq, TimestampNs) {
  return state_.Apply(event, seq);
}

namespace {

Answer Dispatch(HandlerContext& h) {
  return std::visit(
      [&h](const auto& body) -> Answer {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, CreateTenantOp> || std::is_same_v<T, GetTenantOp> ||
                      std::is_same_v<T, ListTenantsOp>) {
          return HandleTenantOp(h);
        } else if constexpr (std::is_same_v<T, CreateApiKeyOp> ||
                             std::is_same_v<T, ListApiKeysOp> ||
                             std::is_same_v<T, RevokeApiKeyOp>) {
          return HandleKeyOp(h);
        } else if constexpr (std::is_same_v<T, CreateCustomerOp> ||
                             std::is_same_v<T, UpdateCustomerOp> ||
                             std::is_same_v<T, GetCustomerOp> ||
                             std::is_same_v<T, ListCustomersOp>) {
          return HandleCustomerOp(h);
        } else if constexpr (std::is_same_v<T, OpenAccountOp> || std::is_same_v<T, GetAccountOp> ||
                             std::is_same_v<T, ListAccountsOp> ||
                             std::is_same_v<T, GetBalancesOp> ||
                             std::is_same_v<T, ListTransactionsOp> ||
                             std::is_same_v<T, AccountActionOp> || std::is_same_v<T, GetAliasOp>) {
          return HandleAccountOp(h);
        } else if constexpr (std::is_same_v<T, CreateAdjustmentOp> ||
                             std::is_same_v<T, GetAdjustmentOp> ||
                             std::is_same_v<T, ListAdjustmentsOp> ||
                             std::is_same_v<T, DecideAdjustmentOp>) {
          return HandleAdjustmentOp(h);
        } else {
          return HandleTransferOp(h);
        }
      },
      h.op.body);
}

}  // namespace

// The scope an op needs. The edge checks the same scope (its route table) before
// submitting; this is the second check, in the handler, against the resolved principal.
ScopeSet RequiredScope(const OpBody& body) {
  return std::visit(
      [](const auto& b) -> ScopeSet {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CreateTenantOp> || std::is_same_v<T, ListTenantsOp> ||
                      std::is_same_v<T, GetTenantOp> || std::is_same_v<T, CreateApiKeyOp> ||
                      std::is_same_v<T, ListApiKeysOp> || std::is_same_v<T, RevokeApiKeyOp> ||
                      std::is_same_v<T, CreateAdjustmentOp> || std::is_same_v<T, GetAdjustmentOp> ||
                      std::is_same_v<T, ListAdjustmentsOp> ||
                      std::is_same_v<T, DecideAdjustmentOp>) {
          return kernel::kScopeAdmin;
        } else if constexpr (std::is_same_v<T, GetCustomerOp> ||
                             std::is_same_v<T, ListCustomersOp>) {
          return kernel::kScopeCustomersRead;
        } else if constexpr (std::is_same_v<T, CreateCustomerOp> ||
                             std::is_same_v<T, UpdateCustomerOp>) {
          return kernel::kScopeCustomersWrite;
        } else if constexpr (std::is_same_v<T, GetAccountOp> || std::is_same_v<T, ListAccountsOp> ||
                             std::is_same_v<T, GetAliasOp>) {
          return kernel::kScopeAccountsRead;
        } else if constexpr (std::is_same_v<T, OpenAccountOp> ||
                             std::is_same_v<T, AccountActionOp>) {
          return kernel::kScopeAccountsWrite;
        } else if constexpr (std::is_same_v<T, GetBalancesOp>) {
          return kernel::kScopeBalancesRead;
        } else if constexpr (std::is_same_v<T, ListTransactionsOp> ||
                             std::is_same_v<T, GetTransferOp> ||
                             std::is_same_v<T, ListTransfersOp>) {
          return kernel::kScopeTransactionsRead;
        } else {
          static_assert(std::is_same_v<T, CreateTransferOp> ||
                        std::is_same_v<T, SandboxDepositOp> || std::is_same_v<T, PostVoidOp> ||
                        std::is_same_v<T, BatchTransfersOp>);
          return kernel::kScopePaymentsWrite;
        }
      },
      body);
}

// A customer's token reads its own accounts, customer record and transfers, and pays from
// accounts its consent covers; it never administers, opens or mints.
bool DelegatedAllowed(const OpBody& body) {
  return std::visit(
      [](const auto& b) -> bool {
        using T = std::decay_t<decltype(b)>;
        return std::is_same_v<T, GetCustomerOp> || std::is_same_v<T, ListCustomersOp> ||
               std::is_same_v<T, GetAccountOp> || std::is_same_v<T, ListAccountsOp> ||
               std::is_same_v<T, GetBalancesOp> || std::is_same_v<T, ListTransactionsOp> ||
               std::is_same_v<T, GetTransferOp> || std::is_same_v<T, ListTransfersOp> ||
               std::is_same_v<T, CreateTransferOp> || std::is_same_v<T, PostVoidOp> ||
               std::is_same_v<T, BatchTransfersOp>;
      },
      body);
}

namespace {

// Answers that hand out a secret are recorded without it: the journal never holds a key.
// The platform's and identity's secrets are rendered as "secret" (API keys, TOTP seeds),
// "client_secret" (apps) or inside "otpauth_uri" (TOTP enrolment); a module names its own
// in Envelope::secret_fields. Secrets are never rendered with escapes (hex, base64url,
// base32 in a URI), so the closing quote is the next one.
bool Contains(std::string_view haystack, std::string_view needle) {
  // glibc's memmem is a vectorised two-way search; std::string::find stops at every quote.
  return ::memmem(haystack.data(), haystack.size(), needle.data(), needle.size()) != nullptr;
}

// `"name":"` for a field name.
std::string FieldOpening(std::string_view name) {
  std::string f = "\"";
  f.append(name).append("\":\"");
  return f;
}

// Most answers hold no secret field: one fast scan each for the two suffixes rules them out.
bool MayHoldSecret(std::string_view body, std::span<const std::string_view> extra) {
  if (Contains(body, R"(secret":")") || Contains(body, R"(otpauth_uri":")")) return true;
  for (std::string_view name : extra) {
    if (Contains(body, FieldOpening(name))) return true;
  }
  return false;
}

void RedactField(std::string* body, std::string_view field) {
  for (size_t at = body->find(field); at != std::string::npos; at = body->find(field, at + 1)) {
    const size_t value = at + field.size() - 1;  // the opening quote
    const size_t end = body->find('"', value + 1);
    CB_CHECK(end != std::string::npos);
    body->replace(value, end + 1 - value, "null");
  }
}

std::string RedactSecret(std::string body, std::span<const std::string_view> extra) {
  for (const std::string_view field :
       {std::string_view(R"("secret":")"), std::string_view(R"("client_secret":")"),
        std::string_view(R"("otpauth_uri":")")}) {
    RedactField(&body, field);
  }
  for (std::string_view name : extra) RedactField(&body, FieldOpening(name));
  return body;
}

}  // namespace

std::optional<Answer> PlatformService::CheckIdempotencyQuota(const Principal& p,
                                                             const std::string& caller,
                                                             runtime::ServiceContext& ctx,
                                                             std::string_view trace_id) {
  auto caller_full = [&] {
    return state_.idempotency_bytes(p.tenant, caller) >= options_.idempotency_caller_bytes_max ||
           state_.idempotency_bytes(p.tenant) >= options_.idempotency_tenant_bytes_max;
  };
  // The common case, room everywhere, costs two look-ups and a compare.
  if (!caller_full() && state_.idempotency_bytes() < options_.idempotency_bytes_max) {
    return std::nullopt;
  }
  if (state_.IdempotencyExpirable(ctx.batch_timestamp)) {
    // Free what the TTL allows first, as an event: replay must expire exactly this.
    pb::IdempotencyExpired x;
    x.set_expire_before_ns(ctx.batch_timestamp - state_.idempotency_ttl_ns());
    EmitProto(ctx.out, EventType::kIdempotencyExpired, x);
    state_.ApplyIdempotencyExpired(x);
  }
  if (caller_full()) {
    return ErrorAnswer(ErrorKind::kRateLimited, "idempotency_quota_exceeded",
                       "Too many recent idempotent requests are held for this caller or "
                       "tenant; keys expire after the idempotency TTL.",
                       "", trace_id);
  }
  if (state_.idempotency_bytes() >= options_.idempotency_bytes_max) {
    return ErrorAnswer(ErrorKind::kUnavailable, "idempotency_store_full",
                       "Too many recent idempotent requests are held; retry later.", "", trace_id);
  }
  return std::nullopt;
}

void PlatformService::RunEnveloped(const Envelope& env, runtime::ServiceContext& ctx,
                                   runtime::Reply* reply, const std::function<Answer()>& body) {
  auto answer = [reply](Answer a) {
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
  };
  auto error = [&env](ErrorKind kind, std::string_view code, std::string_view message) {
    return ErrorAnswer(kind, code, message, "", env.trace_id);
  };
  // Exactly one registered scope: an empty set would let every caller through (Covers).
  CB_CHECK(ScopeName(env.scope) != nullptr);
  const Principal& p = env.caller;
  if (state_.FindTenant(p.tenant) == nullptr) {
    return answer(error(ErrorKind::kUnauthenticated, "invalid_api_key",
                        "The credential's tenant does not exist."));
  }
  if (!p.scopes.Covers(env.scope)) {
    if (p.kind == PrincipalKind::kApiKey) {
      return answer(
          error(ErrorKind::kPermissionDenied, "insufficient_permissions",
                std::string("This API key's role (") + RoleName(p.role) + ") may not do this."));
    }
    return answer(
        error(ErrorKind::kPermissionDenied, "insufficient_scope",
              std::string("The token's scope does not include ") + ScopeName(env.scope) + "."));
  }
  if (p.delegated()) {
    if (!env.delegated_allowed) {
      return answer(error(ErrorKind::kPermissionDenied, "not_allowed_for_customer",
                          "A customer's token may not do this."));
    }
    // The consent may have been revoked or expired since the edge looked.
    if (policy_ == nullptr || p.consent.zero() || !policy_->ConsentActive(p, ctx.batch_timestamp)) {
      return answer(error(ErrorKind::kPermissionDenied, "consent_inactive",
                          "The consent behind this token is not authorised any more."));
    }
  }
  const bool keyed = !env.idempotency_key.empty();
  const std::string caller = keyed ? CallerScope(p) : std::string();
  if (keyed) {
    // Keys are the caller's own: another key, app or user of the tenant sending the same
    // Idempotency-Key gets its own record, never this caller's answer.
    const IdempotencyEntry* e = state_.FindIdempotency(p.tenant, caller, env.idempotency_key);
    if (e == nullptr && p.kind != PrincipalKind::kApiKey) {
      // Recorded when a token's records were per consent (kernel::CallerScopeV1), at most
      // one TTL ago: still this caller's answer.
      e = state_.FindIdempotency(p.tenant, CallerScopeV1(p), env.idempotency_key);
    }
    if (e == nullptr && state_.has_legacy_idempotency()) {
      // Recorded before keys were scoped per caller (at most one TTL ago): still this key's
      // answer. Executing it again would pay twice.
      e = state_.FindIdempotency(p.tenant, LegacyCallerScope(), env.idempotency_key);
    }
    if (e != nullptr) {
      if (e->request_sha256 != env.request_sha256) {
        return answer(ErrorAnswer(ErrorKind::kIdempotencyConflict, "idempotency_key_reused",
                                  "This Idempotency-Key was used with a different request.",
                                  "Idempotency-Key", env.trace_id));
      }
      // The body is read back from the journal by the edge (it is durable by the time this
      // reply is released: this batch comes after the one that recorded it).
      reply->replayed = true;
      reply->replay_seq = e->seq;
      reply->http_status = e->http_status;
      return;
    }
    if (!env.quota_exempt) {
      if (std::optional<Answer> refused = CheckIdempotencyQuota(p, caller, ctx, env.trace_id)) {
        return answer(*std::move(refused));
      }
    }
  }
  Answer a = body();
  // A 401 (a step-up the risk policy asked for) is not recorded: after the second factor
  // the same request, with the same key, must run.
  if (keyed && a.http_status < 500 && a.http_status != 401) {
    pb::IdempotencyRecorded m;
    m.set_tenant_id(IdBytes(p.tenant.value));
    m.set_key(std::string(env.idempotency_key));
    m.set_caller(caller);
    m.set_request_sha256(env.request_sha256.data(), env.request_sha256.size());
    m.set_http_status(a.http_status);
    const bool redact = MayHoldSecret(a.body, env.secret_fields);
    // Without a secret the answer's bytes are lent to the event and taken back: no copy.
    m.set_body(redact ? RedactSecret(a.body, env.secret_fields) : std::move(a.body));
    m.set_created_ns(ctx.batch_timestamp);
    const uint64_t seq = ctx.NextSeq();
    EmitProto(ctx.out, EventType::kIdempotencyRecorded, m);
    state_.ApplyIdempotencyRecorded(m, seq);
    if (!redact) a.body = std::move(*m.mutable_body());
  }
  answer(std::move(a));
}

void PlatformService::Execute(const runtime::ServiceOp& base_op, runtime::ServiceContext& ctx,
                              runtime::Reply* reply) {
  const auto& op = static_cast<const PlatformOp&>(base_op);
  HandlerContext h{op, ctx, state_, policy_, risk_};
  const bool bootstrap = std::holds_alternative<CreateTenantOp>(op.body) &&
                         state_.tenant_order().empty() && op.caller.tenant.zero();
  if (bootstrap) {
    Answer a = Dispatch(h);
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
    return;
  }
  const Envelope env{.caller = op.caller,
                     .trace_id = op.trace_id,
                     .idempotency_key = op.idempotency_key,
                     .request_sha256 = op.request_sha256,
                     .scope = RequiredScope(op.body),
                     .delegated_allowed = DelegatedAllowed(op.body),
                     .quota_exempt = std::holds_alternative<RevokeApiKeyOp>(op.body)};
  RunEnveloped(env, ctx, reply, [&h] { return Dispatch(h); });
}

CreateTenantOp NewTenantOp(std::string name, bool sandbox) {
  CreateTenantOp t;
  t.id = TenantId(RandomU128());
  t.name = std::move(name);
  t.sandbox = sandbox;
  t.admin_key_id = ApiKeyId(RandomU128());
  NewKeySecret secret = MakeKeySecret(t.admin_key_id);
  t.admin_secret_sha256 = secret.secret_sha256;
  t.admin_token = std::move(secret.token);
  return t;
}

CreateApiKeyOp NewApiKeyOp(Role role, std::string name) {
  CreateApiKeyOp k;
  k.id = ApiKeyId(RandomU128());
  k.role = role;
  k.name = std::move(name);
  NewKeySecret secret = MakeKeySecret(k.id);
  k.secret_sha256 = secret.secret_sha256;
  k.token = std::move(secret.token);
  return k;
}

std::shared_ptr<PlatformOp> MakeBootstrapOp(std::string_view tenant_name, std::string* token_out) {
  auto op = std::make_shared<PlatformOp>();
  CreateTenantOp t = NewTenantOp(std::string(tenant_name), /*sandbox=*/true);
  *token_out = t.admin_token;
  op->body = std::move(t);
  return op;
}

namespace {

// Who made `a`, and who made them, up the chain of API keys (a user or a tenant's first
// key ends it). Bounded: a chain is as long as keys were made by keys.
bool MadeBy(const PlatformState& st, Actor a, const Actor& maker) {
  constexpr int kDepthMax = 64;
  for (int depth = 0; depth < kDepthMax; depth++) {
    if (a.kind != ActorKind::kApiKey) return false;
    const ApiKey* key = st.FindKey(ApiKeyId(a.id));
    if (key == nullptr || key->created_by.id == 0) return false;
    if (key->created_by == maker) return true;
    a = key->created_by;
  }
  return true;  // a chain this long is refused rather than walked (it only serves to hide)
}

}  // namespace

std::string_view FourEyesRefusalOf(const PlatformState& st, const Principal& caller,
                                   const Actor& requested_by, TimestampNs requested) {
  const Actor approver = ActorOf(caller);
  if (approver == requested_by) {
    return "It must be approved by someone other than who asked for it.";
  }
  if (approver.kind == ActorKind::kApp) {
    return "It is approved by a person or an API key, not an app's own token.";
  }
  // A key is its maker's second hand: it does not approve what its maker (or a maker of its
  // maker, however many keys lie between) asked for. The other way round stays allowed: an
  // admin who issued an operator's key is a different person from that operator.
  if (MadeBy(st, approver, requested_by)) {
    return "An API key the requester created (directly or through keys it created) may not "
           "approve what the requester asked for.";
  }
  if (approver.kind == ActorKind::kApiKey) {
    const ApiKey* key = st.FindKey(ApiKeyId(approver.id));
    CB_CHECK(key != nullptr);  // the caller authenticated with it
    if (key->created > requested) {
      return "An API key created after the request may not approve it.";
    }
  }
  return "";
}

std::string_view PlatformService::FourEyesRefusal(const Principal& approver,
                                                  uint32_t requester_kind, u128 requester_id,
                                                  TimestampNs requested_at) const {
  return FourEyesRefusalOf(
      state_, approver, Actor{static_cast<ActorKind>(requester_kind), requester_id}, requested_at);
}

TransferId PostRecordId(TransferId pending) {
  return TransferId(kernel::DerivedId(pending.value, 'P'));
}
TransferId VoidRecordId(TransferId pending) {
  return TransferId(kernel::DerivedId(pending.value, 'V'));
}

const AccountMeta* TenantAccount(HandlerContext& h, AccountId id) {
  const AccountMeta* a = h.st.FindAccount(id);
  if (a == nullptr || !(a->tenant == h.tenant())) return nullptr;
  if (h.caller().delegated() && !(a->customer == h.caller().customer)) return nullptr;
  return a;
}

const Customer* TenantCustomer(HandlerContext& h, CustomerId id) {
  const Customer* c = h.st.FindCustomer(id);
  if (c == nullptr || !(c->tenant == h.tenant())) return nullptr;
  if (h.caller().delegated() && !(c->id == h.caller().customer)) return nullptr;
  return c;
}

const AccountMeta* PayeeAccount(HandlerContext& h, AccountId id) {
  const AccountMeta* a = h.st.FindAccount(id);
  if (a == nullptr || !(a->tenant == h.tenant())) return nullptr;
  // A customer's token does not see the bank's own books at all, not even as a payee.
  if (h.caller().delegated() && IsInternalAccount(a->type)) return nullptr;
  return a;
}

Actor ActorOf(const Principal& p) {
  if (p.kind == PrincipalKind::kApiKey) return {ActorKind::kApiKey, p.key.value};
  if (!p.user.zero()) return {ActorKind::kUser, p.user.value};
  return {ActorKind::kApp, p.client.value};
}

const AccountMeta* ConsentedAccount(HandlerContext& h, AccountId id, ScopeSet scope, bool* denied) {
  *denied = false;
  const AccountMeta* a = TenantAccount(h, id);
  if (a == nullptr || !h.caller().delegated()) return a;
  if (h.policy != nullptr && h.policy->ConsentCovers(h.caller(), id, scope)) return a;
  *denied = true;
  return nullptr;
}

void BeginList(std::string* out) { out->append(R"({"object":"list","data":[)"); }

void EndList(std::string* out, bool has_more, std::string_view next_cursor) {
  out->append(R"(],"has_more":)");
  out->append(has_more ? "true" : "false");
  out->append(R"(,"next_cursor":)");
  if (has_more && !next_cursor.empty()) {
    out->push_back('"');
    out->append(next_cursor);
    out->push_back('"');
  } else {
    out->append("null");
  }
  out->push_back('}');
}

}  // namespace cb::platform
