// The risk service's decision port, event application and snapshots (handlers.cc has its
// REST ops, hold resolution and time-outs).
#include "risk/service.h"

#include <algorithm>

#include "base/check.h"
#include "journal/format.h"
#include "kernel/ids.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;
using kernel::IdBytes;
using kernel::IdFromBytes;
using kernel::IdFromBytesOrZero;

const char* CaseStatusName(CaseStatus s) {
  switch (s) {
    case CaseStatus::kOpen:
      return "open";
    case CaseStatus::kApproved:
      return "approved";
    case CaseStatus::kRejected:
      return "rejected";
    case CaseStatus::kExpired:
      return "expired";
    case CaseStatus::kInvestigating:
      return "investigating";
    case CaseStatus::kPendingApproval:
      return "pending_approval";
    case CaseStatus::kClosed:
      return "closed";
  }
  return "unknown";
}

bool CaseIsOpen(const Case& c) {
  return c.status == CaseStatus::kOpen || c.status == CaseStatus::kInvestigating ||
         c.status == CaseStatus::kPendingApproval;
}

void RiskService::InstallPolicy(Bundle b) {
  archive_.Put(b.version, b.files);
  policies_.Install(std::move(b));
}

void BundleArchive::Put(uint32_t version, const Files& files) {
  std::lock_guard lock(mu_);
  files_.try_emplace(version, files);
}

std::optional<Files> BundleArchive::Get(uint32_t version) const {
  std::lock_guard lock(mu_);
  auto it = files_.find(version);
  if (it == files_.end()) return std::nullopt;
  return it->second;
}

const char* ResolutionName(Resolution r) {
  switch (r) {
    case Resolution::kApproved:
      return "approved";
    case Resolution::kRejected:
      return "rejected";
    case Resolution::kExpired:
      return "expired";
  }
  return "unknown";
}

namespace {

// What Decide hands Record (Decision::detail).
struct Evaluation {
  RiskInput input;
  FeatureValues features;
  Verdict verdict;
  uint32_t policy_version = 0;
};

std::string_view RoleOf(const kernel::Principal& p) {
  if (p.kind == kernel::PrincipalKind::kApiKey) return kernel::RoleName(p.role);
  return p.user.zero() ? "app" : "user";
}

std::string_view CounterpartyType(const kernel::Movement& m) {
  if (m.to_customer == 0) return "tenant";
  return m.to_customer == m.from_customer ? "own" : "customer";
}

u128 CaseIdOf(u128 decision) { return kernel::DerivedId(decision, 'C'); }

}  // namespace

std::pair<uint32_t, u128> ActorOf(const kernel::Principal& p) {
  if (p.kind == kernel::PrincipalKind::kApiKey) return {1, p.key.value};
  if (!p.user.zero()) return {2, p.user.value};
  return {3, p.client.value};
}

RiskService::RiskService(kernel::EnvelopeRunner* envelope, RiskOptions options)
    : envelope_(envelope), options_(options) {
  CB_CHECK(envelope_ != nullptr);
  decisions_.reserve(options_.decisions_reserved);
}

kernel::Decision RiskService::Decide(const kernel::Movement& m, runtime::ServiceContext& ctx) {
  CB_CHECK(m.caller != nullptr);
  CB_CHECK(m.amount_minor > 0);
  const kernel::Principal& p = *m.caller;
  Evaluation ev;
  RiskInput& in = ev.input;
  in.operation = m.operation;
  // Who sends it, not how: a batch item from a customer's app is an app payment (the
  // operation says it came in a batch). Otherwise a batch would skip the app's step-ups.
  in.channel = p.kind == kernel::PrincipalKind::kApiKey ? "api" : "app";
  in.role = RoleOf(p);
  in.customer_type = m.customer_type;
  in.counterparty_type = CounterpartyType(m);
  in.device_trust = "unknown";
  in.screening = ScreeningOf(m.from_customer, m.to_customer);
  in.currency = m.currency;
  in.currency_exponent = m.currency_exponent;
  in.kyc_tier = m.kyc_tier;
  in.acr = static_cast<uint8_t>(p.acr);
  in.amount_minor = m.amount_minor;
  const FeatureQuery q{.from_account = m.from_account,
                       .to_account = m.to_account,
                       .customer = m.from_customer,
                       .ledger = m.ledger,
                       .amount_minor = m.amount_minor,
                       .now = ctx.batch_timestamp,
                       .from_account_created = m.from_account_created,
                       .to_account_created = m.to_account_created};
  ev.features = features_.Compute(q);
  AdjustForInFlight(m, &ev.features);
  ev.verdict = policies_.Evaluate(in, ev.features);
  const Bundle* active = policies_.active();
  ev.policy_version = active == nullptr ? 0 : active->version;
  kernel::Decision d;
  // A transfer is decided once (ids are fresh per request). A pending transfer may see
  // several post attempts (refused, failed at the ledger, retried): each is journaled, and
  // GET /v1/decisions shows the latest. Only one can hold it: a held transfer refuses posts
  // before any decision (Held), and a resolved hold leaves nothing pending to post.
  d.id = kernel::DecisionIdOf(m.subject);
  d.outcome = static_cast<kernel::RiskOutcome>(ev.verdict.outcome);
  d.reasons = ev.verdict.reasons;
  d.detail = std::move(ev);
  return d;
}

void RiskService::Record(const kernel::Movement& m, const kernel::Decision& d,
                         kernel::Disposition disposition, kernel::HoldAction action,
                         runtime::ServiceContext& ctx) {
  const auto* ev = std::any_cast<Evaluation>(&d.detail);
  CB_CHECK(ev != nullptr);  // a Decision from Decide
  pb::DecisionRecorded e;
  e.set_id(IdBytes(d.id));
  e.set_tenant_id(IdBytes(m.caller->tenant.value));
  e.set_subject_id(IdBytes(m.subject));
  e.set_transfer_id(IdBytes(m.transfer != 0 ? m.transfer : m.subject));
  e.set_outcome(static_cast<uint32_t>(d.outcome));
  e.set_disposition(static_cast<uint32_t>(disposition));
  e.set_score(ev->verdict.score);
  for (const std::string& r : d.reasons) e.add_reasons(r);
  for (const std::string& r : ev->verdict.rules_fired) e.add_rules_fired(r);
  for (Feature f : ev->verdict.features_read) e.add_features_read(static_cast<uint32_t>(f));
  for (int64_t v : ev->features.v) e.add_features(v);
  e.set_policy_version(ev->policy_version);
  for (const std::string& r : ev->verdict.rule_errors) e.add_rule_errors(r);
  e.set_at_ns(ctx.batch_timestamp);
  const RiskInput& in = ev->input;
  e.set_operation(std::string(in.operation));
  e.set_channel(std::string(in.channel));
  e.set_role(std::string(in.role));
  e.set_customer_type(std::string(in.customer_type));
  e.set_country(std::string(in.country));
  e.set_counterparty_type(std::string(in.counterparty_type));
  e.set_counterparty_country(std::string(in.counterparty_country));
  e.set_device_trust(std::string(in.device_trust));
  if (!in.screening.empty()) e.set_screening(std::string(in.screening));
  e.set_currency(std::string(in.currency));
  e.set_currency_exponent(in.currency_exponent);
  e.set_kyc_tier(in.kyc_tier);
  e.set_acr(in.acr);
  e.set_amount_minor(in.amount_minor);
  e.set_from_account(IdBytes(m.from_account));
  e.set_to_account(IdBytes(m.to_account));
  if (m.from_customer != 0) e.set_customer_id(IdBytes(m.from_customer));
  if (m.to_customer != 0) e.set_to_customer_id(IdBytes(m.to_customer));
  e.set_ledger(m.ledger);
  const auto [actor_kind, actor_id] = ActorOf(*m.caller);
  e.set_actor_kind(actor_kind);
  e.set_actor_id(IdBytes(actor_id));
  if (disposition == kernel::Disposition::kHeld) {
    CB_CHECK(d.outcome == kernel::RiskOutcome::kHold);
    const uint64_t timeout_s =
        policies_.hold_timeout_s() != 0 ? policies_.hold_timeout_s() : options_.hold_timeout_s;
    CB_CHECK(!cases_.contains(CaseIdOf(d.id)));  // decision ids are unique (Decide)
    e.set_case_id(IdBytes(CaseIdOf(d.id)));
    e.set_post_amount_minor(m.post_amount_minor);
    e.set_hold_action(static_cast<uint32_t>(action));
    e.set_hold_expires_ns(ctx.batch_timestamp + timeout_s * kNsPerSecond);
  }
  const uint64_t seq = ctx.NextSeq();
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kDecisionRecorded),
                           kEventVersion, e);
  ApplyDecision(e, seq);
}

// Chain items decided before this one, and a post's own reservation: what the windows
// should say at the moment this movement would run (see kernel::Movement).
void RiskService::AdjustForInFlight(const kernel::Movement& m, FeatureValues* f) {
  auto add = [f](Feature count, Feature sum, int64_t n, int64_t minor) {
    f->set(count, std::max<int64_t>(0, f->get(count) + n));
    f->set(sum, std::max<int64_t>(0, SaturatingAdd(f->get(sum), minor)));
  };
  const int64_t counted_n = m.counted_minor > 0 ? -1 : 0;
  const int64_t counted_minor = -m.counted_minor;
  const std::pair<Feature, Feature> customer[] = {
      {Feature::kCustomerCount1h, Feature::kCustomerSum1h},
      {Feature::kCustomerCount24h, Feature::kCustomerSum24h},
      {Feature::kCustomerCount30d, Feature::kCustomerSum30d}};
  const std::pair<Feature, Feature> account[] = {
      {Feature::kAccountCount1h, Feature::kAccountSum1h},
      {Feature::kAccountCount24h, Feature::kAccountSum24h},
      {Feature::kAccountCount30d, Feature::kAccountSum30d}};
  for (const auto& [count, sum] : customer) {
    add(count, sum, m.inflight_customer_count + counted_n,
        SaturatingAdd(m.inflight_customer_sum_minor, counted_minor));
  }
  for (const auto& [count, sum] : account) {
    add(count, sum, m.inflight_account_count + counted_n,
        SaturatingAdd(m.inflight_account_sum_minor, counted_minor));
  }
}

u128 RiskService::DecisionOf(u128 transfer) const {
  const u128 id = kernel::DecisionIdOf(transfer);
  return decisions_.contains(id) ? id : 0;
}

const DecisionRec* RiskService::FindDecision(u128 id) const {
  auto it = decisions_.find(id);
  return it == decisions_.end() ? nullptr : &it->second;
}

const Case* RiskService::FindCase(u128 id) const {
  auto it = cases_.find(id);
  return it == cases_.end() ? nullptr : &it->second;
}

namespace {

// What the service keeps of a decision (its event, or its snapshot entry).
DecisionRec DecisionRecOf(const pb::DecisionRecorded& e, uint64_t seq) {
  DecisionRec r;
  r.id = IdFromBytesOrZero(e.id());
  r.tenant = IdFromBytesOrZero(e.tenant_id());
  r.subject = IdFromBytesOrZero(e.subject_id());
  r.transfer = IdFromBytesOrZero(e.transfer_id());
  r.case_id = IdFromBytesOrZero(e.case_id());
  r.seq = seq;
  r.at = e.at_ns();
  r.outcome = static_cast<Outcome>(e.outcome());
  r.disposition = static_cast<kernel::Disposition>(e.disposition());
  r.score = e.score();
  r.policy_version = e.policy_version();
  r.amount_minor = e.amount_minor();
  r.operation = e.operation();
  r.currency = e.currency();
  r.currency_exponent = static_cast<uint8_t>(e.currency_exponent());
  r.reasons.assign(e.reasons().begin(), e.reasons().end());
  r.rules_fired.assign(e.rules_fired().begin(), e.rules_fired().end());
  r.rule_errors.assign(e.rule_errors().begin(), e.rule_errors().end());
  for (uint32_t f : e.features_read()) {
    const auto i = static_cast<size_t>(f);
    if (i < kFeatureCount && i < static_cast<size_t>(e.features_size())) {
      r.features_read.emplace_back(static_cast<Feature>(f), e.features(static_cast<int>(i)));
    }
  }
  return r;
}

}  // namespace

// Execution and replay alike: the decision, the features of an executed movement, a hold's
// case. The event was validated by whoever wrote it (Record) or is checked by ApplyEvent.
void RiskService::ApplyDecision(const pb::DecisionRecorded& e, uint64_t seq) {
  DecisionRec r = DecisionRecOf(e, seq);
  const u128 from = IdFromBytesOrZero(e.from_account());
  const u128 to = IdFromBytesOrZero(e.to_account());
  const u128 customer = IdFromBytesOrZero(e.customer_id());
  // A movement counts once, when its money is first moved or reserved: a post of a pending
  // transfer was counted when the reservation was made.
  if (r.disposition == kernel::Disposition::kExecuted && r.operation != "post_pending") {
    features_.Count({.from_account = from,
                     .to_account = to,
                     .customer = customer,
                     .ledger = e.ledger(),
                     .amount_minor = e.amount_minor(),
                     .at = e.at_ns()});
  }
  if (r.disposition == kernel::Disposition::kHeld) {
    Case c;
    c.id = r.case_id;
    c.tenant = r.tenant;
    c.decision = r.id;
    c.held_transfer = r.transfer;
    c.action = static_cast<kernel::HoldAction>(e.hold_action());
    c.post_amount_minor = e.post_amount_minor();
    std::vector<u128>& list = tenant_cases_[c.tenant];
    c.order = static_cast<uint32_t>(list.size()) + 1;
    list.push_back(c.id);
    c.opened = e.at_ns();
    c.expires = e.hold_expires_ns();
    c.from_account = from;
    c.to_account = to;
    c.customer = customer;
    c.ledger = e.ledger();
    c.requested_by_kind = e.actor_kind();
    c.requested_by = IdFromBytesOrZero(e.actor_id());
    hold_expiry_.insert({c.expires, c.id});
    held_.insert(c.held_transfer);
    cases_[c.id] = std::move(c);
  }
  decisions_[r.id] = std::move(r);
}

Status RiskService::ApplyResolution(const pb::HoldResolved& e) {
  auto it = cases_.find(IdFromBytesOrZero(e.case_id()));
  if (it == cases_.end() || it->second.status != CaseStatus::kOpen) {
    return Status::DataLoss("HoldResolved of a case that is not open");
  }
  Case& c = it->second;
  const auto r = static_cast<Resolution>(e.resolution());
  switch (r) {
    case Resolution::kApproved:
      c.status = CaseStatus::kApproved;
      break;
    case Resolution::kRejected:
      c.status = CaseStatus::kRejected;
      break;
    case Resolution::kExpired:
      c.status = CaseStatus::kExpired;
      break;
    default:
      return Status::DataLoss("HoldResolved with an unknown resolution");
  }
  c.resolved = e.at_ns();
  c.resolved_by_kind = e.actor_kind();
  c.resolved_by = IdFromBytesOrZero(e.actor_id());
  c.note = e.note();
  hold_expiry_.erase({c.expires, c.id});
  held_.erase(c.held_transfer);
  const DecisionRec* d = FindDecision(c.decision);
  CB_CHECK(d != nullptr);
  if (r == Resolution::kApproved && d->operation != "post_pending") {
    // The money moved (or was reserved) now: it counts in the windows from now.
    features_.Count(
        {.from_account = c.from_account,
         .to_account = c.to_account,
         .customer = c.customer,
         .ledger = c.ledger,
         .amount_minor = c.post_amount_minor != 0 ? c.post_amount_minor : d->amount_minor,
         .at = e.at_ns()});
  }
  return Status::Ok();
}

Status RiskService::ApplyEvent(const journal::EventView& ev, uint64_t seq,
                               TimestampNs /*record_timestamp*/) {
  const auto* bytes = ev.payload.data();
  const int size = static_cast<int>(ev.payload.size());
  if (ev.version != kEventVersion) return Status::DataLoss("unknown risk event version");
  switch (static_cast<EventType>(ev.type)) {
    case EventType::kPolicyActivated: {
      pb::PolicyActivated e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("undecodable PolicyActivated");
      Files files;
      for (const pb::BundleFile& f : e.files()) files.emplace_back(f.path(), f.content());
      Result<Bundle> b = PolicySlot::Compile(std::move(files), options_.policy_cache);
      if (!b.ok()) {
        return Status::DataLoss("activated policy bundle no longer compiles: " +
                                b.status().message());
      }
      b->activated = e.activated_ns();
      if (!policies_.CanActivate(*b).ok()) return Status::DataLoss("PolicyActivated refused");
      InstallPolicy(*std::move(b));
      return Status::Ok();
    }
    case EventType::kDecisionRecorded: {
      pb::DecisionRecorded e;
      if (!e.ParseFromArray(bytes, size) || e.id().size() != 16 || e.tenant_id().size() != 16 ||
          e.outcome() > static_cast<uint32_t>(Outcome::kDeny) || e.disposition() == 0 ||
          e.disposition() > static_cast<uint32_t>(kernel::Disposition::kRefused) ||
          e.features_size() > static_cast<int>(kFeatureCount)) {
        return Status::DataLoss("undecodable DecisionRecorded");
      }
      if (e.disposition() == static_cast<uint32_t>(kernel::Disposition::kHeld) &&
          (e.case_id().size() != 16 || cases_.contains(IdFromBytesOrZero(e.case_id())))) {
        return Status::DataLoss("DecisionRecorded hold without a new case");
      }
      ApplyDecision(e, seq);
      return Status::Ok();
    }
    case EventType::kHoldResolved: {
      pb::HoldResolved e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("undecodable HoldResolved");
      return ApplyResolution(e);
    }
    case EventType::kSanctionsListLoaded: {
      pb::SanctionsListLoaded e;
      if (!e.ParseFromArray(bytes, size))
        return Status::DataLoss("undecodable SanctionsListLoaded");
      return ApplySanctionsList(e, seq);
    }
    case EventType::kAlertRaised: {
      pb::AlertRaised e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("undecodable AlertRaised");
      return ApplyAlert(e);
    }
    case EventType::kCaseUpdated: {
      pb::CaseUpdated e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("undecodable CaseUpdated");
      return ApplyCaseUpdate(e);
    }
    case EventType::kCustomerScreened: {
      pb::CustomerScreened e;
      if (!e.ParseFromArray(bytes, size)) return Status::DataLoss("undecodable CustomerScreened");
      return ApplyCustomerScreened(e);
    }
  }
  return Status::DataLoss("unknown risk event type " + std::to_string(ev.type));
}

void RiskService::Clear() {
  policies_.Clear();
  features_.Clear();
  decisions_.clear();
  cases_.clear();
  tenant_cases_.clear();
  hold_expiry_.clear();
  held_.clear();
  sanctions_lists_.clear();
  alerts_.clear();
  tenant_alerts_.clear();
  working_.clear();
  screened_.clear();
  cleared_.clear();
  rescreen_.clear();
}

std::string RiskService::CaptureSnapshot() const {
  pb::RiskSnapshot s;
  for (const Bundle& b : policies_.history()) {
    pb::PolicyActivated* p = s.add_policies();
    p->set_name(b.name);
    p->set_version(b.version);
    p->set_sha256(b.sha256.data(), b.sha256.size());
    p->set_activated_ns(b.activated);
    for (const auto& [path, content] : b.files) {
      pb::BundleFile* f = p->add_files();
      f->set_path(path);
      f->set_content(content);
    }
  }
  if (const Bundle* a = policies_.active()) s.set_active_version(a->version);
  std::vector<const DecisionRec*> by_seq;
  by_seq.reserve(decisions_.size());
  for (const auto& [id, d] : decisions_) by_seq.push_back(&d);
  std::sort(by_seq.begin(), by_seq.end(),
            [](const DecisionRec* a, const DecisionRec* b) { return a->seq < b->seq; });
  for (const DecisionRec* d : by_seq) {
    pb::DecisionSnapshot* ds = s.add_decisions();
    ds->set_seq(d->seq);
    pb::DecisionRecorded* e = ds->mutable_decision();
    e->set_id(IdBytes(d->id));
    e->set_tenant_id(IdBytes(d->tenant));
    e->set_subject_id(IdBytes(d->subject));
    e->set_transfer_id(IdBytes(d->transfer));
    if (d->case_id != 0) e->set_case_id(IdBytes(d->case_id));
    e->set_at_ns(d->at);
    e->set_outcome(static_cast<uint32_t>(d->outcome));
    e->set_disposition(static_cast<uint32_t>(d->disposition));
    e->set_score(d->score);
    e->set_policy_version(d->policy_version);
    e->set_amount_minor(d->amount_minor);
    e->set_operation(d->operation);
    e->set_currency(d->currency);
    e->set_currency_exponent(d->currency_exponent);
    for (const std::string& r : d->reasons) e->add_reasons(r);
    for (const std::string& r : d->rules_fired) e->add_rules_fired(r);
    for (const std::string& r : d->rule_errors) e->add_rule_errors(r);
    // Only the features read are kept: at their index, zeros elsewhere.
    std::array<int64_t, kFeatureCount> values{};
    for (const auto& [f, v] : d->features_read) {
      e->add_features_read(static_cast<uint32_t>(f));
      values[static_cast<size_t>(f)] = v;
    }
    if (!d->features_read.empty()) {
      for (int64_t v : values) e->add_features(v);
    }
  }
  for (const auto& [id, c] : cases_) {
    pb::CaseSnapshot* cs = s.add_cases();
    cs->set_id(IdBytes(c.id));
    cs->set_tenant_id(IdBytes(c.tenant));
    cs->set_decision_id(IdBytes(c.decision));
    cs->set_held_transfer(IdBytes(c.held_transfer));
    cs->set_action(static_cast<uint32_t>(c.action));
    cs->set_post_amount_minor(c.post_amount_minor);
    cs->set_order(c.order);
    cs->set_status(static_cast<uint32_t>(c.status));
    cs->set_opened_ns(c.opened);
    cs->set_expires_ns(c.expires);
    cs->set_resolved_ns(c.resolved);
    cs->set_resolved_by_kind(c.resolved_by_kind);
    if (c.resolved_by != 0) cs->set_resolved_by(IdBytes(c.resolved_by));
    cs->set_note(c.note);
    cs->set_from_account(IdBytes(c.from_account));
    cs->set_to_account(IdBytes(c.to_account));
    if (c.customer != 0) cs->set_customer_id(IdBytes(c.customer));
    cs->set_ledger(c.ledger);
    cs->set_requested_by_kind(c.requested_by_kind);
    if (c.requested_by != 0) cs->set_requested_by(IdBytes(c.requested_by));
    cs->set_kind(static_cast<uint32_t>(c.kind));
    if (c.kind == CaseKind::kInvestigation) {
      for (const CaseNote& n : c.notes) {
        pb::CaseUpdated* u = cs->add_notes();
        u->set_actor_kind(n.actor_kind);
        if (n.actor != 0) u->set_actor_id(IdBytes(n.actor));
        u->set_text(n.text);
        u->set_at_ns(n.at);
        for (const Attachment& a : n.attachments) {
          pb::CaseAttachment* pa = u->add_attachments();
          pa->set_name(a.name);
          pa->set_uri(a.uri);
          pa->set_sha256(a.sha256);
        }
      }
      cs->set_assignee(c.assignee);
      cs->set_disposition(static_cast<uint32_t>(c.disposition));
      cs->set_close_requested_by_kind(c.close_requested_by_kind);
      if (c.close_requested_by != 0) cs->set_close_requested_by(IdBytes(c.close_requested_by));
      cs->set_close_requested_ns(c.close_requested_at);
      cs->set_pending_disposition(static_cast<uint32_t>(c.pending_disposition));
      cs->set_updated_ns(c.updated);
    }
  }
  for (const auto& [tenant, ids] : tenant_alerts_) {
    for (u128 id : ids) {
      const Alert& a = alerts_.at(id);
      pb::AlertRaised* e = s.add_alerts();
      e->set_id(IdBytes(a.id));
      e->set_tenant_id(IdBytes(a.tenant));
      if (a.customer != 0) e->set_customer_id(IdBytes(a.customer));  // 0: the bank's books
      e->set_case_id(IdBytes(a.case_id));
      e->set_kind(static_cast<uint32_t>(a.kind));
      e->set_rule(a.rule);
      e->set_reason(a.reason);
      e->set_severity(static_cast<uint32_t>(a.severity));
      if (a.decision != 0) e->set_decision_id(IdBytes(a.decision));
      if (a.transfer != 0) e->set_transfer_id(IdBytes(a.transfer));
      e->set_amount_minor(a.amount_minor);
      e->set_currency(a.currency);
      e->set_currency_exponent(a.currency_exponent);
      e->set_at_ns(a.at);
      e->set_error(a.error);
      e->set_policy_version(a.policy_version);
      e->set_movement_at_ns(a.movement_at);
      e->set_reconciliation(a.reconciliation);
      for (const std::string& entry : a.entries) e->add_entries(entry);
    }
  }
  std::vector<u128> screened_ids;
  screened_ids.reserve(screened_.size());
  for (const auto& [id, sc] : screened_) screened_ids.push_back(id);
  std::sort(screened_ids.begin(), screened_ids.end());
  for (u128 id : screened_ids) {
    const ScreenedCustomer& sc = screened_.at(id);
    pb::CustomerScreened* e = s.add_screened();
    e->set_tenant_id(IdBytes(sc.tenant));
    e->set_customer_id(IdBytes(id));
    e->set_name(sc.name);
    e->set_business(sc.business);
    for (const pb::ScreeningHitRecord& h : sc.hits) *e->add_hits() = h;
    e->set_status(static_cast<uint32_t>(sc.status));
    e->set_at_ns(sc.at);
  }
  for (const auto& [tenant, customer, entry] : cleared_) {
    s.add_cleared_hits(IdBytes(tenant) + IdBytes(customer) + entry);
  }
  for (const auto& [tenant, customer] : rescreen_) {
    s.add_rescreen(IdBytes(tenant) + IdBytes(customer));
  }
  std::string features;
  features_.Encode(&features);
  s.set_features(std::move(features));
  for (const auto& [name, r] : sanctions_lists_) {
    pb::SanctionsListLoaded* l = s.add_sanctions_lists();
    l->set_name(name);
    l->set_version(r.meta.version);
    l->set_entries(r.meta.entries);
    l->set_sha256(r.meta.sha256.data(), r.meta.sha256.size());
    l->set_loaded_ns(r.loaded);
  }
  std::string out;
  CB_CHECK(s.SerializeToString(&out));
  return out;
}

Status RiskService::LoadSnapshot(std::string_view bytes) {
  Clear();
  pb::RiskSnapshot s;
  if (!s.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::DataLoss("undecodable risk snapshot");
  }
  for (const pb::PolicyActivated& p : s.policies()) {
    Files files;
    for (const pb::BundleFile& f : p.files()) files.emplace_back(f.path(), f.content());
    Result<Bundle> b = PolicySlot::Compile(std::move(files), options_.policy_cache);
    if (!b.ok()) return Status::DataLoss("snapshot policy bundle: " + b.status().message());
    b->activated = p.activated_ns();
    InstallPolicy(*std::move(b));
  }
  if (s.active_version() != 0) {
    const Bundle* active = policies_.FindVersion(s.active_version());
    if (active == nullptr) return Status::DataLoss("snapshot's active policy is unknown");
    Bundle again = *active;
    policies_.Install(std::move(again));  // makes it the active one
  }
  // Decisions first without their side effects (features come from their own section,
  // cases from theirs).
  for (const pb::DecisionSnapshot& ds : s.decisions()) {
    const pb::DecisionRecorded& e = ds.decision();
    // ApplyEvent checked every decision's features when it was replayed; a snapshot is
    // checked the same way.
    for (uint32_t f : e.features_read()) {
      if (f >= kFeatureCount || static_cast<int>(f) >= e.features_size()) {
        return Status::DataLoss("snapshot decision feature out of range");
      }
    }
    DecisionRec r = DecisionRecOf(e, ds.seq());
    decisions_[r.id] = std::move(r);
  }
  for (const pb::CaseSnapshot& cs : s.cases()) {
    Case c;
    c.id = IdFromBytesOrZero(cs.id());
    c.tenant = IdFromBytesOrZero(cs.tenant_id());
    c.decision = IdFromBytesOrZero(cs.decision_id());
    c.held_transfer = IdFromBytesOrZero(cs.held_transfer());
    c.action = static_cast<kernel::HoldAction>(cs.action());
    c.post_amount_minor = cs.post_amount_minor();
    c.order = cs.order();
    c.status = static_cast<CaseStatus>(cs.status());
    c.opened = cs.opened_ns();
    c.expires = cs.expires_ns();
    c.resolved = cs.resolved_ns();
    c.resolved_by_kind = cs.resolved_by_kind();
    c.resolved_by = IdFromBytesOrZero(cs.resolved_by());
    c.note = cs.note();
    c.from_account = IdFromBytesOrZero(cs.from_account());
    c.to_account = IdFromBytesOrZero(cs.to_account());
    c.customer = IdFromBytesOrZero(cs.customer_id());
    c.ledger = cs.ledger();
    c.requested_by_kind = cs.requested_by_kind();
    c.requested_by = IdFromBytesOrZero(cs.requested_by());
    c.kind = cs.kind() == static_cast<uint32_t>(CaseKind::kInvestigation) ? CaseKind::kInvestigation
                                                                          : CaseKind::kHold;
    if (c.kind == CaseKind::kInvestigation) {
      for (const pb::CaseUpdated& u : cs.notes()) {
        CaseNote n;
        n.at = u.at_ns();
        n.actor_kind = u.actor_kind();
        n.actor = IdFromBytesOrZero(u.actor_id());
        n.text = u.text();
        for (const pb::CaseAttachment& a : u.attachments()) {
          n.attachments.push_back({a.name(), a.uri(), a.sha256()});
        }
        c.notes.push_back(std::move(n));
      }
      c.assignee = cs.assignee();
      if (cs.disposition() > 3) return Status::DataLoss("snapshot case disposition");
      c.disposition = static_cast<CaseDisposition>(cs.disposition());
      c.close_requested_by_kind = cs.close_requested_by_kind();
      c.close_requested_by = IdFromBytesOrZero(cs.close_requested_by());
      c.close_requested_at = cs.close_requested_ns();
      if (cs.pending_disposition() > 3) return Status::DataLoss("snapshot case disposition");
      c.pending_disposition = static_cast<CaseDisposition>(cs.pending_disposition());
      c.updated = cs.updated_ns();
    } else if (c.status == CaseStatus::kOpen) {
      hold_expiry_.insert({c.expires, c.id});
      held_.insert(c.held_transfer);
    }
    cases_[c.id] = std::move(c);
  }
  // Each tenant's list in opening order.
  std::vector<const Case*> all;
  for (const auto& [id, c] : cases_) all.push_back(&c);
  std::sort(all.begin(), all.end(), [](const Case* a, const Case* b) {
    return a->tenant != b->tenant ? a->tenant < b->tenant : a->order < b->order;
  });
  for (const Case* c : all) tenant_cases_[c->tenant].push_back(c->id);
  for (const pb::AlertRaised& e : s.alerts()) {
    // The case exists (its own section): ApplyAlert's checks of case state are for events;
    // here the alert is only put back in its lists.
    std::optional<Alert> parsed = AlertOf(e);
    if (!parsed) return Status::DataLoss("snapshot alert");
    Alert& a = *parsed;
    auto c = cases_.find(a.case_id);
    if (c == cases_.end() || alerts_.contains(a.id)) return Status::DataLoss("snapshot alert case");
    c->second.alerts.push_back(a.id);
    if (a.kind == AlertKind::kMonitoring) {
      c->second.last_alert_by_rule[AlertQuietKey(a.rule, a.reason)] = a.movement_at;
    }
    std::vector<u128>& list = tenant_alerts_[a.tenant];
    a.order = static_cast<uint32_t>(list.size()) + 1;
    list.push_back(a.id);
    alerts_[a.id] = std::move(a);
  }
  for (const auto& [id, c] : cases_) {
    if (c.kind != CaseKind::kInvestigation) continue;
    // Only the bank's own books (reconciliation alerts) make a case without a customer.
    const bool books =
        !c.alerts.empty() && std::all_of(c.alerts.begin(), c.alerts.end(), [&](u128 a) {
          return alerts_.at(a).kind == AlertKind::kReconciliation;
        });
    if ((c.customer == 0 && !books) || (c.alerts.empty() && CaseIsOpen(c))) {
      return Status::DataLoss("snapshot investigation without a customer or alerts");
    }
    if (c.status == CaseStatus::kOpen || c.status == CaseStatus::kInvestigating) {
      SetWorking(c, true);
    }
  }
  for (const pb::SanctionsListLoaded& l : s.sanctions_lists()) {
    // The snapshot keeps no seq for them: 0 (nothing reads it but tests and logs).
    if (Status st = ApplySanctionsList(l, 0); !st.ok()) return st;
  }
  for (const pb::CustomerScreened& e : s.screened()) {
    if (Status st = ApplyCustomerScreened(e); !st.ok()) return st;
  }
  cleared_.clear();
  for (const std::string& b : s.cleared_hits()) {
    if (b.size() <= 32) return Status::DataLoss("snapshot cleared hit");
    cleared_.insert(
        {IdFromBytesOrZero(b.substr(0, 16)), IdFromBytesOrZero(b.substr(16, 16)), b.substr(32)});
  }
  rescreen_.clear();  // ApplySanctionsList above queued everyone: the snapshot says who is left
  for (const std::string& b : s.rescreen()) {
    if (b.size() != 32) return Status::DataLoss("snapshot rescreen");
    const u128 customer = IdFromBytesOrZero(b.substr(16, 16));
    if (!screened_.contains(customer)) return Status::DataLoss("snapshot rescreen of no customer");
    rescreen_.insert({IdFromBytesOrZero(b.substr(0, 16)), customer});
  }
  return features_.Decode(s.features());
}

}  // namespace cb::risk
