// The risk service's REST ops (decisions, cases, policy activation), the resolution of
// holds by analysts and by time-out.
#include <chrono>
#include <cstdio>

#include "base/check.h"
#include "base/json_string.h"
#include "journal/format.h"
#include "kernel/ids.h"
#include "kernel/json_out.h"
#include "kernel/money.h"
#include "ledger/ledger.h"
#include "risk/render_util.h"
#include "risk/service.h"
#include "runtime/command.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;
using kernel::IdBytes;

namespace {

// How many expired holds one batch voids (the rest wait for the next batch).
constexpr size_t kExpiriesPerBatchMax = 256;
// Customers screened again per batch after a list change: ~100 us each on the writer, so a
// batch pays at most ~1 ms; a million customers take ~125k (background) batches.
constexpr size_t kRescreensPerBatchMax = 8;

}  // namespace

void AppendTimestampOrNull(std::string* out, TimestampNs ts) {
  if (ts == 0) {
    out->append("null");
  } else {
    kernel::AppendTimestamp(out, ts);
  }
}

void AppendActor(std::string* out, uint32_t kind, u128 id) {
  static constexpr std::string_view kKinds[] = {"", "api_key", "user", "app"};
  static constexpr std::string_view kPrefixes[] = {"", "key_", "usr_", "app_"};
  if (kind == 0 || kind > 3) {
    out->append("null");
    return;
  }
  out->append(R"({"type":")").append(kKinds[kind]).append(R"(","id":")");
  kernel::AppendId(out, kPrefixes[kind], id);
  out->append("\"}");
}

namespace {

const char* DispositionName(kernel::Disposition d) {
  switch (d) {
    case kernel::Disposition::kExecuted:
      return "executed";
    case kernel::Disposition::kFailed:
      return "failed";
    case kernel::Disposition::kHeld:
      return "held";
    case kernel::Disposition::kRefused:
      return "refused";
  }
  return "unknown";
}

// `detail`: the rules, feature values and score too (root admins: the platform's own
// people). A tenant sees the outcome and its reason codes; the rest would let it map the
// bank-wide thresholds and shape payments under them.
std::string RenderDecision(const DecisionRec& d, bool detail) {
  std::string o = R"({"object":"decision","id":")";
  kernel::AppendId(&o, kDecisionPrefix, d.id);
  o.append(R"(","outcome":")").append(OutcomeName(d.outcome));
  o.append(R"(","disposition":")").append(DispositionName(d.disposition));
  o.append(R"(","operation":)");
  AppendJsonString(&o, d.operation);
  o.append(R"(,"transfer":")");
  kernel::AppendId(&o, kTransferPrefix, d.transfer);
  o.append(R"(","amount":")");
  kernel::AppendAmount(&o, static_cast<u128>(d.amount_minor), d.currency_exponent);
  o.append(R"(","currency":)");
  AppendJsonString(&o, d.currency);
  o.append(R"(,"score":)").append(detail ? std::to_string(d.score) : "null");
  o.append(R"(,"reasons":)");
  AppendJsonStringArray(&o, d.reasons);
  static const std::vector<std::string> kNone;
  o.append(R"(,"rules_fired":)");
  AppendJsonStringArray(&o, detail ? d.rules_fired : kNone);
  o.append(R"(,"rule_errors":)");
  AppendJsonStringArray(&o, detail ? d.rule_errors : kNone);
  o.append(R"(,"features":{)");
  for (size_t i = 0; detail && i < d.features_read.size(); i++) {
    if (i > 0) o.push_back(',');
    o.push_back('"');
    o.append(FeatureName(d.features_read[i].first));
    o.append("\":").append(std::to_string(d.features_read[i].second));
  }
  o.append(R"(},"policy_version":)");
  o.append(d.policy_version == 0 ? "null" : std::to_string(d.policy_version));
  o.append(R"(,"case":)");
  if (d.case_id == 0) {
    o.append("null");
  } else {
    o.push_back('"');
    kernel::AppendId(&o, kCasePrefix, d.case_id);
    o.push_back('"');
  }
  o.append(R"(,"created_at":)");
  kernel::AppendTimestamp(&o, d.at);
  o.append(R"(,"journal_seq":)").append(std::to_string(d.seq));
  o.push_back('}');
  return o;
}

}  // namespace

std::string RenderCase(const Case& c) {
  if (c.kind == CaseKind::kInvestigation) return RenderInvestigation(c);
  std::string o = R"({"object":"case","id":")";
  kernel::AppendId(&o, kCasePrefix, c.id);
  o.append(R"(","type":"hold","status":")").append(CaseStatusName(c.status));
  o.append(R"(","decision":")");
  kernel::AppendId(&o, kDecisionPrefix, c.decision);
  o.append(R"(","transfer":")");
  kernel::AppendId(&o, kTransferPrefix, c.held_transfer);
  o.append(R"(","on_approve":")")
      .append(c.action == kernel::HoldAction::kPost ? "post" : "release");
  o.append(R"(","requested_by":)");
  AppendActor(&o, c.requested_by_kind, c.requested_by);
  o.append(R"(,"opened_at":)");
  kernel::AppendTimestamp(&o, c.opened);
  o.append(R"(,"expires_at":)");
  kernel::AppendTimestamp(&o, c.expires);
  o.append(R"(,"resolved_at":)");
  AppendTimestampOrNull(&o, c.resolved);
  o.append(R"(,"resolved_by":)");
  AppendActor(&o, c.resolved_by_kind, c.resolved_by);
  o.append(R"(,"note":)");
  kernel::AppendJsonStringOrNull(&o, c.note);
  o.push_back('}');
  return o;
}

Status RiskService::ResolveHold(Case& c, Resolution r, uint32_t actor_kind, u128 actor,
                                const std::string& note, runtime::ServiceContext& ctx) {
  CB_CHECK(c.status == CaseStatus::kOpen);
  ledger::LedgerState& L = *ctx.ledger;
  const uint32_t row = L.TransferRow(ledger::TransferId(c.held_transfer));
  CB_CHECK(row != ledger::kNoRow);  // held transfers are never deleted
  const ledger::Transfer& p = L.record(row);
  // A client's pending transfer keeps its own ledger time-out while held: past it the ledger
  // refuses a post or void even before its expiry sweep marks it expired.
  const bool timed_out = p.timeout_s > 0 && ledger::ExpiresAt(p) <= *ctx.ts_next;
  const bool still_pending = L.status(row) == ledger::PendingStatus::kPending && !timed_out;
  const bool approve = r == Resolution::kApproved;
  if (approve && !still_pending) {
    return Status::FailedPrecondition(
        "The held transfer is not pending any more (its own time-out passed, or it was "
        "voided).");
  }
  std::string recorded_note = note;
  if (still_pending && !(approve && c.action == kernel::HoldAction::kRelease)) {
    ledger::Transfer t;
    t.id = ledger::TransferId(kernel::DerivedId(p.id.value, approve ? 'P' : 'V'));
    t.pending_id = p.id;
    t.debit_account_id = p.debit_account_id;
    t.credit_account_id = p.credit_account_id;
    t.ledger = p.ledger;
    t.code = p.code;
    t.amount = approve ? c.post_amount_minor : 0;
    t.flags = approve ? ledger::kTransferPostPending : ledger::kTransferVoidPending;
    std::vector<ledger::TransferResult> results;
    ledger::CreateTransfers(&L, {&t, 1}, ctx.ts_next, ctx.out, &results);
    if (results.at(0) != ledger::TransferResult::kOk) {
      // Nothing was emitted. An approval waits (the analyst sees why); a rejection or a
      // time-out still closes the case: the reservation is the ledger's to end, and a case
      // that could never close would be retried by every batch.
      const std::string why = ledger::TransferResultName(results[0]);
      if (approve) return Status::FailedPrecondition("The ledger refused it (" + why + ").");
      std::fprintf(stderr, "corebank: risk case closed without a void (ledger: %s)\n", why.c_str());
      recorded_note += recorded_note.empty() ? "ledger: " + why : " (ledger: " + why + ")";
    }
  }
  pb::HoldResolved e;
  e.set_case_id(IdBytes(c.id));
  e.set_tenant_id(IdBytes(c.tenant));
  e.set_resolution(static_cast<uint32_t>(r));
  e.set_actor_kind(actor_kind);
  if (actor != 0) e.set_actor_id(IdBytes(actor));
  e.set_note(recorded_note);
  e.set_at_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kHoldResolved), kEventVersion,
                           e);
  CB_CHECK(ApplyResolution(e).ok());  // the case was open: checked above
  for (kernel::HoldObserver* o : hold_observers_) o->OnHoldResolved(c.held_transfer, approve, ctx);
  return Status::Ok();
}

Answer RiskService::Resolve(const RiskOp& op, const ResolveCaseOp& r,
                            runtime::ServiceContext& ctx) {
  auto it = cases_.find(r.id);
  if (it == cases_.end() || !(it->second.tenant == op.caller.tenant.value)) {
    return ErrorAnswer(ErrorKind::kNotFound, "case_not_found", "case not found", "id", op.trace_id);
  }
  Case& c = it->second;
  if (c.kind == CaseKind::kInvestigation) return HandleInvestigation(op, ctx);
  if (c.status != CaseStatus::kOpen) {
    return ErrorAnswer(ErrorKind::kConflict, "case_closed",
                       std::string("The case is already ") + CaseStatusName(c.status) + ".", "id",
                       op.trace_id);
  }
  const auto [kind, id] = ActorOf(op.caller);
  if (r.approve) {
    // Four-eyes: whoever asked for the movement (or a key they made for it, or an app's own
    // token) does not release it past the policy.
    std::string_view why;
    if (four_eyes_ != nullptr) {
      why = four_eyes_->FourEyesRefusal(op.caller, c.requested_by_kind, c.requested_by, c.opened);
    } else if (kind == c.requested_by_kind && id == c.requested_by) {
      why = "It must be approved by someone other than who asked for it.";
    }
    if (!why.empty()) {
      return ErrorAnswer(ErrorKind::kPermissionDenied, "four_eyes_required", why, "", op.trace_id);
    }
  }
  const Status s = ResolveHold(c, r.approve ? Resolution::kApproved : Resolution::kRejected, kind,
                               id, r.note, ctx);
  if (!s.ok()) {
    return ErrorAnswer(ErrorKind::kTransferRejected, "transfer_not_pending", s.message(), "id",
                       op.trace_id);
  }
  return {200, RenderCase(c)};
}

Answer RiskService::Activate(const RiskOp& op, const ActivatePolicyOp& a,
                             runtime::ServiceContext& ctx) {
  Result<Bundle> b = PolicySlot::Compile(a.files, options_.policy_cache);
  if (!b.ok()) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "policy_invalid", b.status().message(), "files",
                       op.trace_id);
  }
  if (Status s = policies_.CanActivate(*b); !s.ok()) {
    return ErrorAnswer(ErrorKind::kConflict, "policy_version_conflict", s.message(), "version",
                       op.trace_id);
  }
  pb::PolicyActivated e;
  e.set_name(b->name);
  e.set_version(b->version);
  e.set_sha256(b->sha256.data(), b->sha256.size());
  for (const auto& [path, content] : b->files) {
    pb::BundleFile* f = e.add_files();
    f->set_path(path);
    f->set_content(content);
  }
  if (!a.system) {
    const auto [kind, id] = ActorOf(op.caller);
    e.set_actor_kind(kind);
    e.set_actor_id(IdBytes(id));
  }
  e.set_activated_ns(ctx.batch_timestamp);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kPolicyActivated),
                           kEventVersion, e);
  b->activated = ctx.batch_timestamp;
  InstallPolicy(*b);
  return {201, RenderPolicy(*policies_.active(), true)};
}

std::string RenderPolicy(const Bundle& b, bool active) {
  std::string o = R"({"object":"policy","name":)";
  AppendJsonString(&o, b.name);
  o.append(R"(,"version":)").append(std::to_string(b.version));
  o.append(R"(,"sha256":")").append(HashHex(b.sha256));
  o.append(R"(","active":)").append(active ? "true" : "false");
  o.append(R"(,"activated_at":)");
  AppendTimestampOrNull(&o, b.activated);
  o.append(R"(,"files":[)");
  for (size_t i = 0; i < b.files.size(); i++) {
    if (i > 0) o.push_back(',');
    AppendJsonString(&o, b.files[i].first);
  }
  o.append("]}");
  return o;
}

Answer RiskService::Handle(const RiskOp& op, runtime::ServiceContext& ctx) {
  const u128 tenant = op.caller.tenant.value;
  if (const auto* g = std::get_if<GetDecisionOp>(&op.body)) {
    const DecisionRec* d = FindDecision(g->id);
    if (d == nullptr || d->tenant != tenant) {
      return ErrorAnswer(ErrorKind::kNotFound, "decision_not_found", "decision not found", "id",
                         op.trace_id);
    }
    return {200, RenderDecision(*d, op.caller.root)};
  }
  if (const auto* g = std::get_if<GetCaseOp>(&op.body)) {
    const Case* c = FindCase(g->id);
    if (c == nullptr || c->tenant != tenant) {
      return ErrorAnswer(ErrorKind::kNotFound, "case_not_found", "case not found", "id",
                         op.trace_id);
    }
    return {200, RenderCase(*c)};
  }
  if (const auto* l = std::get_if<ListCasesOp>(&op.body)) {
    std::string o = R"({"object":"list","data":[)";
    uint32_t shown = 0;
    uint32_t last = 0;
    bool more = false;
    auto list = tenant_cases_.find(tenant);
    if (list != tenant_cases_.end()) {
      size_t scanned = 0;
      for (size_t i = l->after; i < list->second.size(); i++) {
        const Case& c = cases_.at(list->second[i]);
        // A status filter skips cases on the writer: bounded per page, so a tenant with a
        // long history cannot make one request walk all of it. A page may then come back
        // short (even empty) with has_more: continue from its cursor.
        if (scanned++ == kCasesScannedMax) {
          more = true;
          break;
        }
        last = std::max(last, c.order - 1);
        if (l->filter == CaseFilter::kOpen && !CaseIsOpen(c)) continue;
        if (l->filter == CaseFilter::kClosed && CaseIsOpen(c)) continue;
        if (l->type == CaseTypeFilter::kHold && c.kind != CaseKind::kHold) continue;
        if (l->type == CaseTypeFilter::kInvestigation && c.kind != CaseKind::kInvestigation) {
          continue;
        }
        if (l->customer != 0 && c.customer != l->customer) continue;
        if (shown == l->limit) {
          more = true;
          break;
        }
        if (shown > 0) o.push_back(',');
        o.append(c.kind == CaseKind::kInvestigation ? RenderInvestigation(c, false)
                                                    : RenderCase(c));
        shown++;
        last = c.order;
      }
    }
    o.append(R"(],"has_more":)").append(more ? "true" : "false");
    o.append(R"(,"next_cursor":)");
    o.append(more ? "\"c" + std::to_string(last) + "\"" : "null");
    o.push_back('}');
    return {200, std::move(o)};
  }
  if (const auto* r = std::get_if<ResolveCaseOp>(&op.body)) return Resolve(op, *r, ctx);
  if (std::holds_alternative<AssignCaseOp>(op.body) ||
      std::holds_alternative<AddCaseNoteOp>(op.body) ||
      std::holds_alternative<CloseCaseOp>(op.body) || std::holds_alternative<GetSarOp>(op.body)) {
    return HandleInvestigation(op, ctx);
  }
  if (const auto* g = std::get_if<GetAlertOp>(&op.body)) {
    const Alert* a = FindAlert(g->id);
    if (a == nullptr || a->tenant != tenant) {
      return ErrorAnswer(ErrorKind::kNotFound, "alert_not_found", "alert not found", "id",
                         op.trace_id);
    }
    return {200, RenderAlert(*a, op.caller.root)};
  }
  if (const auto* l = std::get_if<ListAlertsOp>(&op.body)) return ListAlerts(op, *l);
  if (const auto* q = std::get_if<ScreenOp>(&op.body)) return Screen(op, *q);
  // The policy decides for every tenant: only the platform's own (root) admins see or change
  // it. A tenant's admin learning the thresholds could shape payments just under them.
  if (!op.caller.root) {
    return ErrorAnswer(ErrorKind::kPermissionDenied, "root_admin_required",
                       "Policy bundles are the platform operator's (root tenant admins).", "",
                       op.trace_id);
  }
  if (std::holds_alternative<ListPoliciesOp>(op.body)) {
    std::string o = R"({"object":"list","data":[)";
    const Bundle* active = policies_.active();
    const auto& history = policies_.history();
    for (size_t i = 0; i < history.size(); i++) {
      if (i > 0) o.push_back(',');
      o.append(RenderPolicy(history[i], &history[i] == active));
    }
    o.append(R"(],"has_more":false,"next_cursor":null})");
    return {200, std::move(o)};
  }
  if (const auto* a = std::get_if<ActivatePolicyOp>(&op.body)) return Activate(op, *a, ctx);
  // The edge runs dry runs on its read pool and builds sanctions loads itself (Execute):
  // neither reaches here.
  CB_CHECK(false);
  return {};
}

void RiskService::Execute(const runtime::ServiceOp& base, runtime::ServiceContext& ctx,
                          runtime::Reply* reply) {
  const auto& op = static_cast<const RiskOp&>(base);
  if (const auto* a = std::get_if<ActivatePolicyOp>(&op.body); a != nullptr && a->system) {
    kernel::Answer answer = Activate(op, *a, ctx);
    reply->http_status = answer.http_status;
    reply->body = std::move(answer.body);
    return;
  }
  if (const auto* r = std::get_if<RaiseAlertsOp>(&op.body)) {
    // Only the monitor's subscriber builds one (its commit); no route decodes it.
    kernel::Answer answer = RaiseAlerts(*r, ctx);
    reply->http_status = answer.http_status;
    reply->body = std::move(answer.body);
    return;
  }
  if (const auto* l = std::get_if<LoadSanctionsOp>(&op.body)) {
    // Only the process builds one (app/sanctions_load.cc); no route decodes it.
    kernel::Answer answer = LoadSanctions(*l, ctx);
    reply->http_status = answer.http_status;
    reply->body = std::move(answer.body);
    return;
  }
  kernel::ScopeSet scope = kernel::kScopeRiskRead;
  // A screen is an action with a cost (and its answer is recorded under the key): write.
  if (std::holds_alternative<ResolveCaseOp>(op.body) || std::holds_alternative<ScreenOp>(op.body) ||
      std::holds_alternative<AssignCaseOp>(op.body) ||
      std::holds_alternative<AddCaseNoteOp>(op.body) ||
      std::holds_alternative<CloseCaseOp>(op.body)) {
    scope = kernel::kScopeRiskWrite;
  }
  if (std::holds_alternative<ActivatePolicyOp>(op.body)) scope = kernel::kScopeAdmin;
  const kernel::Envelope env{.caller = op.caller,
                             .trace_id = op.trace_id,
                             .idempotency_key = op.idempotency_key,
                             .request_sha256 = op.request_sha256,
                             .scope = scope};
  envelope_->RunEnveloped(env, ctx, reply, [&]() { return Handle(op, ctx); });
}

void RiskService::RunDue(runtime::ServiceContext& ctx) {
  // Customers to screen again after a list change (none without lists to screen against).
  // Bounded by count and by time (a long name costs milliseconds): a batch waits for this
  // at most ~2 ms. Live only (replay applies the screens' events), so the clock is allowed.
  const auto started = std::chrono::steady_clock::now();
  for (size_t n = 0;
       n < kRescreensPerBatchMax && screening_index_ != nullptr && !rescreen_.empty() &&
       std::chrono::steady_clock::now() - started < std::chrono::milliseconds(2);
       n++) {
    const auto [tenant, customer] = *rescreen_.begin();
    const ScreenedCustomer& sc = screened_.at(customer);
    ScreenCustomer(tenant, customer, std::string(sc.name), sc.business, true, ctx);
  }
  for (size_t n = 0; n < kExpiriesPerBatchMax && !hold_expiry_.empty(); n++) {
    const auto [expires, id] = *hold_expiry_.begin();
    if (expires > ctx.batch_timestamp) break;
    Case& c = cases_.at(id);
    // Only an approval can fail; a time-out always closes its case (ResolveHold).
    CB_CHECK(ResolveHold(c, Resolution::kExpired, 0, 0, "hold_timeout", ctx).ok());
  }
}

std::optional<TimestampNs> RiskService::NextDue() const {
  if (screening_index_ != nullptr && !rescreen_.empty()) return TimestampNs{0};  // now
  if (hold_expiry_.empty()) return std::nullopt;
  return hold_expiry_.begin()->first;
}

}  // namespace cb::risk
