#include "platform/service.h"

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
        } else {
          return HandleTransferOp(h);
        }
      },
      h.op.body);
}

// The least role an op needs. The edge checks the same table before submitting; this is
// the second check, in the handler, against the principal the edge resolved.
Role RequiredRole(const OpBody& body) {
  return std::visit(
      [](const auto& b) -> Role {
        using T = std::decay_t<decltype(b)>;
        if constexpr (std::is_same_v<T, CreateTenantOp> || std::is_same_v<T, ListTenantsOp> ||
                      std::is_same_v<T, GetTenantOp> || std::is_same_v<T, CreateApiKeyOp> ||
                      std::is_same_v<T, ListApiKeysOp> || std::is_same_v<T, RevokeApiKeyOp>) {
          return Role::kAdmin;
        } else if constexpr (std::is_same_v<T, GetCustomerOp> ||
                             std::is_same_v<T, ListCustomersOp> ||
                             std::is_same_v<T, GetAccountOp> || std::is_same_v<T, ListAccountsOp> ||
                             std::is_same_v<T, GetBalancesOp> ||
                             std::is_same_v<T, ListTransactionsOp> ||
                             std::is_same_v<T, GetAliasOp> || std::is_same_v<T, GetTransferOp> ||
                             std::is_same_v<T, ListTransfersOp>) {
          return Role::kReadOnly;
        } else {
          return Role::kOperator;
        }
      },
      body);
}

bool RoleAllows(Role have, Role need) {
  // kAdmin(1) < kOperator(2) < kReadOnly(3): a smaller value may do more.
  return static_cast<uint8_t>(have) <= static_cast<uint8_t>(need);
}

// Answers that hand out a secret are recorded without it: the journal never holds a key.
std::string RedactSecret(const std::string& body) {
  const std::string_view marker = R"(,"secret":")";
  const size_t at = body.find(marker);
  if (at == std::string::npos) return body;
  const size_t end = body.find('"', at + marker.size());
  CB_CHECK(end != std::string::npos);
  return body.substr(0, at) + R"(,"secret":null)" + body.substr(end + 1);
}

}  // namespace

void PlatformService::Execute(const runtime::ServiceOp& base_op, runtime::ServiceContext& ctx,
                              runtime::Reply* reply) {
  const auto& op = static_cast<const PlatformOp&>(base_op);
  HandlerContext h{op, ctx, state_};
  auto answer = [reply](Answer a) {
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
  };
  const bool bootstrap = std::holds_alternative<CreateTenantOp>(op.body) &&
                         state_.tenant_order().empty() && op.caller.tenant.zero();
  if (!bootstrap) {
    if (state_.FindTenant(op.caller.tenant) == nullptr) {
      return answer(h.Error(401, "authentication_error", "invalid_api_key",
                            "The API key's tenant does not exist."));
    }
    if (!RoleAllows(op.caller.role, RequiredRole(op.body))) {
      return answer(h.Error(
          403, "permission_error", "insufficient_permissions",
          std::string("This API key's role (") + RoleName(op.caller.role) + ") may not do this."));
    }
  }
  const bool keyed = !op.idempotency_key.empty();
  if (keyed) {
    if (const IdempotencyEntry* e = state_.FindIdempotency(op.caller.tenant, op.idempotency_key)) {
      if (e->request_sha256 != op.request_sha256) {
        return answer(h.Error(409, "idempotency_error", "idempotency_key_reused",
                              "This Idempotency-Key was used with a different request.",
                              "Idempotency-Key"));
      }
      // The body is read back from the journal by the edge (it is durable by the time this
      // reply is released: this batch comes after the one that recorded it).
      reply->replayed = true;
      reply->replay_seq = e->seq;
      reply->http_status = e->http_status;
      return;
    }
    if (state_.idempotency_bytes() >= options_.idempotency_bytes_max) {
      return answer(h.Error(503, "api_error", "idempotency_store_full",
                            "Too many recent idempotent requests are held; retry later."));
    }
  }
  Answer a = Dispatch(h);
  if (keyed && a.http_status < 500) {
    pb::IdempotencyRecorded m;
    m.set_tenant_id(IdBytes(op.caller.tenant.value));
    m.set_key(op.idempotency_key);
    m.set_request_sha256(op.request_sha256.data(), op.request_sha256.size());
    m.set_http_status(a.http_status);
    m.set_body(RedactSecret(a.body));
    m.set_created_ns(ctx.batch_timestamp);
    const uint64_t seq = ctx.NextSeq();
    EmitProto(ctx.out, EventType::kIdempotencyRecorded, m);
    state_.ApplyIdempotencyRecorded(m, seq);
  }
  answer(std::move(a));
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
TransferId DerivedId(TransferId pending, uint8_t tag) {
  uint8_t buf[17];
  StoreLe(buf, pending.value);
  buf[16] = tag;
  const Hash256 h = Sha256Of(buf, sizeof(buf));
  u128 v = LoadLe<u128>(h.data());
  if (v == 0 || v == kU128Max) v = 1;
  return TransferId(v);
}
}  // namespace

TransferId PostRecordId(TransferId pending) { return DerivedId(pending, 'P'); }
TransferId VoidRecordId(TransferId pending) { return DerivedId(pending, 'V'); }

const AccountMeta* TenantAccount(HandlerContext& h, AccountId id) {
  const AccountMeta* a = h.st.FindAccount(id);
  return a != nullptr && a->tenant == h.tenant() ? a : nullptr;
}

const Customer* TenantCustomer(HandlerContext& h, CustomerId id) {
  const Customer* c = h.st.FindCustomer(id);
  return c != nullptr && c->tenant == h.tenant() ? c : nullptr;
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
