// Tenants and API keys.
#include "ledger/ledger.h"
#include "platform/events.h"
#include "platform/handler_context.h"
#include "platform/ids.h"

namespace cb::platform {

namespace {

void EnsureChartOfAccounts(HandlerContext& h) {
  struct Entry {
    uint16_t code;
    ledger::GlKind kind;
    const char* name;
  };
  static constexpr Entry kChart[] = {{kGlSettlement, ledger::GlKind::kAsset, "settlement"},
                                     {kGlCurrent, ledger::GlKind::kLiability, "customer current"},
                                     {kGlSavings, ledger::GlKind::kLiability, "customer savings"}};
  for (const Entry& e : kChart) {
    if (h.ledger().chart().contains(e.code)) continue;
    ledger::GlCode gl;
    gl.code = e.code;
    gl.kind = e.kind;
    std::strncpy(gl.name, e.name, sizeof(gl.name) - 1);
    CB_CHECK(ledger::DefineGlCode(&h.ledger(), gl, h.sc.out) == ledger::AccountResult::kOk);
  }
}

void EmitKey(HandlerContext& h, TenantId tenant, ApiKeyId id, Role role, std::string_view name,
             const Hash256& secret_sha256) {
  pb::ApiKeyCreated m;
  m.set_id(IdBytes(id.value));
  m.set_tenant_id(IdBytes(tenant.value));
  m.set_secret_sha256(secret_sha256.data(), secret_sha256.size());
  m.set_role(static_cast<uint32_t>(role));
  m.set_name(std::string(name));
  m.set_created_ns(h.sc.batch_timestamp);
  // Who made it: an adjustment's approver must not be a key its requester made.
  // (Offline `corebank admin create-key` has no caller to name.)
  if (const Actor creator = ActorOf(h.caller()); h.caller().tenant == tenant && creator.id != 0) {
    ActorToProto(creator, m.mutable_created_by());
  }
  EmitProto(h.sc.out, EventType::kApiKeyCreated, m);
  h.st.ApplyApiKeyCreated(m);
}

Answer CreateTenant(HandlerContext& h, const CreateTenantOp& op) {
  const bool bootstrap = h.st.tenant_order().empty();
  if (!bootstrap && !h.op.caller.root) {
    return h.Error(ErrorKind::kPermissionDenied, "insufficient_permissions",
                   "Only admins of the root tenant may create tenants.");
  }
  if (h.st.FindTenant(op.id) != nullptr || h.st.FindKey(op.admin_key_id) != nullptr) {
    return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
  }
  if (h.st.tenant_seq_next() > kTenantSeqMax) {
    return h.Error(ErrorKind::kUnprocessable, "tenant_limit_reached",
                   "This deployment holds the maximum number of tenants.");
  }
  EnsureChartOfAccounts(h);
  pb::TenantCreated m;
  m.set_id(IdBytes(op.id.value));
  m.set_seq(h.st.tenant_seq_next());
  m.set_name(op.name);
  m.set_sandbox(op.sandbox);
  m.set_root(bootstrap);
  m.set_created_ns(h.sc.batch_timestamp);
  EmitProto(h.sc.out, EventType::kTenantCreated, m);
  h.st.ApplyTenantCreated(m);
  EmitKey(h, op.id, op.admin_key_id, Role::kAdmin, "admin", op.admin_secret_sha256);

  Answer a{201, {}};
  const Tenant& t = *h.st.FindTenant(op.id);
  RenderTenant(&a.body, t);
  a.body.pop_back();  // reopen the object to add the admin key
  a.body.append(R"(,"admin_api_key":)");
  RenderApiKey(&a.body, *h.st.FindKey(op.admin_key_id), op.admin_token);
  a.body.push_back('}');
  return a;
}

template <typename Id, typename Render>
Answer ListAfter(HandlerContext& h, const std::vector<Id>& ids, std::optional<Id> after,
                 uint32_t limit, std::string_view prefix, Render render) {
  size_t start = 0;
  if (after) {
    start = ids.size() + 1;
    for (size_t i = 0; i < ids.size(); i++) {
      if (ids[i] == *after) {
        start = i + 1;
        break;
      }
    }
    // Like the other lists: an id that is not in this list is a bad cursor.
    if (start > ids.size()) {
      return h.Error(ErrorKind::kInvalidRequest, "cursor_invalid", "Unknown cursor.", "cursor");
    }
  }
  Answer a;
  BeginList(&a.body);
  size_t i = start;
  for (; i < ids.size() && i - start < limit; i++) {
    if (i > start) a.body.push_back(',');
    render(&a.body, ids[i]);
  }
  const bool has_more = i < ids.size();
  EndList(&a.body, has_more, has_more ? FormatId(prefix, ids[i - 1].value) : "");
  return a;
}

}  // namespace

Answer HandleTenantOp(HandlerContext& h) {
  if (const auto* op = std::get_if<CreateTenantOp>(&h.op.body)) return CreateTenant(h, *op);
  if (const auto* op = std::get_if<GetTenantOp>(&h.op.body)) {
    const Tenant* t = h.st.FindTenant(op->id);
    if (t == nullptr || (!h.op.caller.root && !(op->id == h.tenant()))) {
      return h.NotFound("resource_not_found", "tenant", "id");
    }
    Answer a;
    RenderTenant(&a.body, *t);
    return a;
  }
  const auto& op = std::get<ListTenantsOp>(h.op.body);
  if (!h.op.caller.root) {
    return h.Error(ErrorKind::kPermissionDenied, "insufficient_permissions",
                   "Only admins of the root tenant may list tenants.");
  }
  return ListAfter(
      h, h.st.tenant_order(), op.after, op.limit, prefix::kTenant,
      [&h](std::string* out, TenantId id) { RenderTenant(out, *h.st.FindTenant(id)); });
}

Answer HandleKeyOp(HandlerContext& h) {
  if (const auto* op = std::get_if<CreateApiKeyOp>(&h.op.body)) {
    if (h.st.FindKey(op->id) != nullptr) {
      return h.Error(ErrorKind::kConflict, "resource_exists", "Id collision; retry.");
    }
    EmitKey(h, h.tenant(), op->id, op->role, op->name, op->secret_sha256);
    Answer a{201, {}};
    RenderApiKey(&a.body, *h.st.FindKey(op->id), op->token);
    return a;
  }
  if (const auto* op = std::get_if<RevokeApiKeyOp>(&h.op.body)) {
    const ApiKey* k = h.st.FindKey(op->id);
    if (k == nullptr || !(k->tenant == h.tenant())) {
      return h.NotFound("resource_not_found", "API key", "id");
    }
    if (!k->revoked) {
      pb::ApiKeyRevoked m;
      m.set_id(IdBytes(op->id.value));
      m.set_revoked_ns(h.sc.batch_timestamp);
      m.set_tenant_id(IdBytes(h.tenant().value));
      EmitProto(h.sc.out, EventType::kApiKeyRevoked, m);
      h.st.ApplyApiKeyRevoked(m);
    }
    Answer a;
    RenderApiKey(&a.body, *k, "");
    return a;
  }
  const auto& op = std::get<ListApiKeysOp>(h.op.body);
  const TenantLists* lists = h.st.Lists(h.tenant());
  CB_CHECK(lists != nullptr);
  return ListAfter(
      h, lists->keys, op.after, op.limit, prefix::kApiKey,
      [&h](std::string* out, ApiKeyId id) { RenderApiKey(out, *h.st.FindKey(id), ""); });
}

}  // namespace cb::platform
