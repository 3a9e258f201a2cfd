// The two writes of the kyc module, on the writer thread: a KYC verification (document,
// screening, address, the provider's answer -> status and tier, the customer's tier set in
// the same batch) and a KYB ownership graph (UBOs, every UBO and director screened). Each
// computes its results once, records them in one event and applies that event.
#include <algorithm>
#include <array>

#include "base/check.h"
#include "journal/format.h"
#include "modules/kyc/kyc_internal.h"
#include "risk/kyc/checks.h"
#include "risk/kyc/mrz.h"
#include "risk/kyc/tier.h"
#include "risk/kyc/ubo.h"

namespace cb::modules::kyc {

namespace rk = risk::kyc;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

namespace {

const char* CheckStatusName(rk::KycCheckStatus s) {
  switch (s) {
    case rk::KycCheckStatus::kPassed:
      return "passed";
    case rk::KycCheckStatus::kFailed:
      return "failed";
    case rk::KycCheckStatus::kReview:
      return "review";
    case rk::KycCheckStatus::kNotPerformed:
      return "not_performed";
  }
  return "unknown";
}

const char* StatusOf(rk::KycOutcome o) {
  switch (o) {
    case rk::KycOutcome::kApproved:
      return "verified";
    case rk::KycOutcome::kRejected:
      return "rejected";
    case rk::KycOutcome::kReview:
      return "review";
  }
  return "review";
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty() && lines.size() <= rk::kMrzLineCountMax) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.emplace_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') i++;
    const size_t start = i;
    while (i < s.size() && s[i] != ' ') i++;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

std::string Join(std::span<const std::string_view> words) {
  std::string out;
  for (std::string_view w : words) {
    if (!out.empty()) out.push_back(' ');
    out.append(w);
  }
  return out;
}

// The customer's one `name` split into what the provider compares with the document: the
// run of words at its end (or start: family name first) that prints as the document's
// last name, the rest as first names. When no run matches, the last word is the last
// name, so the library's document check reports document_name_mismatch.
void SplitName(std::string_view name, std::string_view mrz_last, std::string* first,
               std::string* last) {
  const std::vector<std::string_view> w = Words(name);
  const std::span<const std::string_view> all(w);
  for (size_t k = 0; k < w.size() && !mrz_last.empty(); k++) {
    const std::optional<std::string> tail = rk::MrzStyleName(Join(all.subspan(k)));
    if (tail && *tail == mrz_last) {
      *first = Join(all.subspan(0, k));
      *last = Join(all.subspan(k));
      return;
    }
    const std::optional<std::string> head = rk::MrzStyleName(Join(all.subspan(0, k + 1)));
    if (k + 1 < w.size() && head && *head == mrz_last) {
      *last = Join(all.subspan(0, k + 1));
      *first = Join(all.subspan(k + 1));
      return;
    }
  }
  *last = w.empty() ? std::string() : std::string(w.back());
  *first = w.size() > 1 ? Join(all.subspan(0, w.size() - 1)) : std::string();
}

rk::KycScreening KycScreeningOf(const ScreenResult& s) {
  if (s.result == "match") return rk::KycScreening::kConfirmedMatch;
  if (s.result == "possible_match") return rk::KycScreening::kPossibleMatch;
  return rk::KycScreening::kClear;
}

}  // namespace

ScreenResult KycService::ScreenOne(const kernel::ScreeningQuery& q, Status* status) const {
  ScreenResult out;
  Result<std::vector<kernel::ScreeningHit>> hits = screener_->ScreenName(q, kHitsPerScreenMax);
  if (!hits.ok()) {
    *status = hits.status();
    return out;
  }
  CB_CHECK(hits->size() <= kHitsPerScreenMax);
  const kernel::ScreeningThresholds t = screener_->screening_thresholds();
  uint32_t best = 0;
  for (const kernel::ScreeningHit& h : *hits) best = std::max(best, h.score_bp);
  out.result = hits->empty() || best < t.review_bp ? "clear"
               : best >= t.block_bp                ? "match"
                                                   : "possible_match";
  out.hits = *std::move(hits);
  return out;
}

Answer KycService::Verify(const KycOp& op, const VerifyOp& v, runtime::ServiceContext& ctx) {
  const std::optional<kernel::CustomerInfo> c = Visible(op, v.customer);
  if (!c) {
    return ErrorAnswer(ErrorKind::kNotFound, "customer_not_found", "No such customer.", "id",
                       op.trace_id);
  }
  // Only the sandbox provider exists yet: its answers are chosen by test data, so it must
  // never verify a real customer (a verified record sets the tier the policy's limits
  // read). A production tenant gets a provider when a real one is configured (ADR 0018).
  if (!op.caller.sandbox && provider_->name() == std::string_view("sandbox")) {
    return ErrorAnswer(ErrorKind::kUnavailable, "provider_unavailable",
                       "No KYC provider is configured for production tenants (only the "
                       "sandbox provider exists; it verifies sandbox tenants' customers).",
                       "", op.trace_id);
  }
  if (c->kind != kernel::CustomerKind::kIndividual) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "customer_type_mismatch",
                       "KYC verifications are for individual customers; a business customer's "
                       "owners go in PUT /v1/customers/{id}/ownership.",
                       "id", op.trace_id);
  }
  if (c->state == kernel::CustomerState::kClosed) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "customer_closed",
                       "A closed customer cannot be changed.", "id", op.trace_id);
  }
  const CustomerKey key(op.caller.tenant.value, v.customer.value);
  auto list = by_customer_.find(key);
  if (list != by_customer_.end() && list->second.size() >= kVerificationsPerCustomerMax) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "limit_exceeded",
                       "This customer has the most verifications one may have.", "id", op.trace_id);
  }
  if (verifications_.contains(v.id)) {
    return ErrorAnswer(ErrorKind::kConflict, "resource_exists", "Id collision; retry.", "",
                       op.trace_id);
  }
  const rk::KycDate today = DateOfTimestamp(ctx.batch_timestamp);

  // What the document says, for the fields the customer did not give us.
  rk::KycVerificationRequest req;
  req.customer_ref = kernel::FormatId(kernel::prefix::kCustomer, v.customer.value);
  req.document_mrz = SplitLines(v.mrz);
  req.today = today;
  std::optional<rk::MrzDocument> doc;
  if (!v.mrz.empty()) {
    Result<rk::MrzDocument> parsed = rk::ParseMrzText(v.mrz);
    if (parsed.ok()) doc = *std::move(parsed);
  }
  SplitName(c->name, doc ? std::string_view(doc->last_name.value) : std::string_view(),
            &req.first_name, &req.last_name);
  if (v.birth_date.present()) {
    req.birth_date = {v.birth_date.year, v.birth_date.month, v.birth_date.day};
  } else if (doc && doc->birth_date.present) {
    req.birth_date = rk::ResolveMrzBirthDate(doc->birth_date.value, today).value_or(rk::KycDate{});
  }
  if (!v.nationality.empty()) {
    req.nationality = Alpha3OfAlpha2(v.nationality);
  } else if (doc && doc->nationality.present) {
    req.nationality = doc->nationality.value;
  }
  if (v.address) {
    req.address = rk::KycAddress{.line1 = v.address->line1,
                                 .line2 = v.address->line2,
                                 .city = v.address->city,
                                 .postal_code = v.address->postal_code,
                                 .country = Alpha3OfAlpha2(v.address->country),
                                 .proof_ref = v.address->proof_ref};
  }

  // The sanctions/PEP screen of the customer, before the provider is asked.
  kernel::ScreeningQuery q{.name = c->name,
                           .type = kernel::ScreenedParty::kPerson,
                           .dob_year = req.birth_date.year,
                           .dob_month = req.birth_date.month,
                           .dob_day = req.birth_date.day,
                           .country_iso2 = v.address ? v.address->country : v.nationality};
  if (!rk::IsValidKycDate(req.birth_date)) q.dob_year = 0;
  Status screened = Status::Ok();
  ScreenResult screening = ScreenOne(q, &screened);
  if (!screened.ok()) {
    return ErrorAnswer(ErrorKind::kConflict, "screening_unavailable",
                       "No sanctions lists are loaded on this server (sanctions_dir): a "
                       "verification needs a screen.",
                       "", op.trace_id);
  }
  req.screening = KycScreeningOf(screening);

  Result<rk::KycVerificationResult> result = provider_->Verify(req);
  if (!result.ok()) {
    if (result.status().code() == StatusCode::kUnavailable) {
      return ErrorAnswer(ErrorKind::kUnavailable, "provider_unavailable",
                         "The KYC provider did not answer; retry later.", "", op.trace_id);
    }
    // The edge bounds every field the provider checks: a refusal here is ours to fix.
    return ErrorAnswer(ErrorKind::kInvalidRequest, "parameter_invalid",
                       std::string(result.status().message()), "", op.trace_id);
  }

  Verification rec;
  rec.id = v.id;
  rec.tenant = key.first;
  rec.customer = key.second;
  rec.status = StatusOf(result->outcome);
  rec.kyc_tier = static_cast<uint8_t>(rk::KycTierFor(*result));
  for (const rk::KycCheck& check : result->checks) {
    if (rec.checks.size() == kChecksMax) break;  // what replay accepts (kyc_codec.cc)
    rec.checks.push_back(
        {rk::KycCheckKindName(check.kind), CheckStatusName(check.status), check.reason_code});
  }
  rec.reason_codes = result->reason_codes;
  if (rec.reason_codes.size() > kReasonCodesMax) rec.reason_codes.resize(kReasonCodesMax);
  rec.provider = std::string(provider_->name());
  rec.provider_ref = result->provider_ref.substr(0, rk::kKycRefBytesMax);
  rec.screening = std::move(screening);
  if (doc) rec.document_format = rk::MrzFormatName(doc->format);
  rec.created = ctx.batch_timestamp;
  // Only a verified outcome moves the customer's tier (ADR 0018): a rejected or pending
  // attempt leaves what an earlier verification proved.
  rec.customer_kyc_tier = c->kyc_tier;
  if (rec.status == "verified" && rec.kyc_tier != c->kyc_tier) {
    const Status set = customers_->SetKycTier(op.caller.tenant, v.customer, rec.kyc_tier, ctx);
    CB_CHECK(set.ok());  // visible, not closed, tier 0..3: checked above
    rec.customer_kyc_tier = rec.kyc_tier;
  }
  pb::VerificationCompleted e;
  ToProto(rec, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kVerificationCompleted),
                           kEventVersion, e);
  Answer a{201, RenderVerification(rec)};
  Insert(std::move(rec));
  return a;
}

Answer KycService::PutOwnership(const KycOp& op, const PutOwnershipOp& p,
                                runtime::ServiceContext& ctx) {
  const std::optional<kernel::CustomerInfo> c = Visible(op, p.customer);
  if (!c) {
    return ErrorAnswer(ErrorKind::kNotFound, "customer_not_found", "No such customer.", "id",
                       op.trace_id);
  }
  if (c->kind != kernel::CustomerKind::kBusiness) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "customer_type_mismatch",
                       "Only a business customer has an ownership graph.", "id", op.trace_id);
  }
  if (c->state == kernel::CustomerState::kClosed) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "customer_closed",
                       "A closed customer cannot be changed.", "id", op.trace_id);
  }
  auto invalid = [&](std::string_view message) {
    return ErrorAnswer(ErrorKind::kUnprocessable, "ownership_invalid", message, "", op.trace_id);
  };
  // The customer itself is the graph's root, named by its id.
  const std::string root_ref = kernel::FormatId(kernel::prefix::kCustomer, p.customer.value);
  rk::OwnershipGraph g;
  const Result<rk::PartyId> root = g.AddParty(root_ref, rk::PartyKind::kCompany);
  CB_CHECK(root.ok());
  for (const Party& party : p.parties) {
    static constexpr rk::PartyKind kKinds[] = {
        rk::PartyKind::kNaturalPerson, rk::PartyKind::kCompany,    rk::PartyKind::kPartnership,
        rk::PartyKind::kTrust,         rk::PartyKind::kFoundation, rk::PartyKind::kOtherEntity};
    const Result<rk::PartyId> id =
        g.AddParty(party.ref, kKinds[static_cast<size_t>(party.type) - 1]);
    if (!id.ok()) return invalid(id.status().message());
  }
  for (const Holding& h : p.holdings) {
    const std::optional<rk::PartyId> owner = g.Find(h.owner);
    const std::optional<rk::PartyId> owned = g.Find(h.owned);
    if (!owner || !owned) return invalid("a holding names a party that is not in `parties`");
    const Status s = g.AddOwnership(*owner, *owned, h.share_ppm);
    if (!s.ok()) return invalid(s.message());
  }
  for (const std::string& d : p.directors) {
    const std::optional<rk::PartyId> id = g.Find(d);
    if (!id) return invalid("a director is not in `parties`");
    const Status s = g.AddDirector(*id, *root);
    if (!s.ok()) return invalid(s.message());
  }
  const Result<rk::UboReport> report = rk::FindBeneficialOwners(g, *root);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kFailedPrecondition) {
      return ErrorAnswer(ErrorKind::kUnprocessable, "ownership_cycle_unresolved",
                         std::string(report.status().message()) +
                             ": cross-holdings that multiply to (almost) 100% have no "
                             "settled effective ownership.",
                         "holdings", op.trace_id);
    }
    return invalid(report.status().message());
  }

  Ownership o;
  o.tenant = op.caller.tenant.value;
  o.customer = p.customer.value;
  const CustomerKey key(o.tenant, o.customer);
  auto old = ownerships_.find(key);
  o.version = old == ownerships_.end() ? 1 : old->second.version + 1;
  o.parties = p.parties;
  o.holdings = p.holdings;
  o.directors = p.directors;
  for (const rk::EffectiveHolding& h : report->owners) {
    o.ubos.push_back({g.ref(h.party), h.effective});
  }
  for (const rk::EffectiveHolding& h : report->opaque_entities) {
    o.opaque_entities.push_back({g.ref(h.party), h.effective});
  }
  // Screen every UBO and every director (a person may be both: screened once, as a UBO).
  auto party_of = [&](const std::string& ref) -> const Party& {
    for (const Party& x : p.parties) {
      if (x.ref == ref) return x;
    }
    CB_CHECK(false);  // the graph only holds refs of `parties` besides the root
    return p.parties.front();
  };
  bool hit = false;
  auto screen = [&](const std::string& ref, const char* role) -> Status {
    for (const ScreenedParty& s : o.screened) {
      if (s.ref == ref) return Status::Ok();
    }
    const Party& x = party_of(ref);
    const kernel::ScreeningQuery q{.name = x.name,
                                   .type = kernel::ScreenedParty::kPerson,
                                   .dob_year = x.birth_date.year,
                                   .dob_month = x.birth_date.month,
                                   .dob_day = x.birth_date.day,
                                   .country_iso2 = x.country};
    Status st = Status::Ok();
    ScreenResult r = ScreenOne(q, &st);
    if (!st.ok()) return st;
    hit = hit || r.result != "clear";
    o.screened.push_back({ref, role, std::move(r)});
    return Status::Ok();
  };
  for (const Ubo& u : o.ubos) {
    if (!screen(u.ref, "ubo").ok()) {
      return ErrorAnswer(ErrorKind::kConflict, "screening_unavailable",
                         "No sanctions lists are loaded on this server (sanctions_dir): every "
                         "UBO must be screened.",
                         "", op.trace_id);
    }
  }
  for (rk::PartyId d : report->directors) {
    if (!screen(g.ref(d), "director").ok()) {
      return ErrorAnswer(ErrorKind::kConflict, "screening_unavailable",
                         "No sanctions lists are loaded on this server (sanctions_dir): every "
                         "director must be screened.",
                         "", op.trace_id);
    }
  }
  if (hit) o.reason_codes.emplace_back("screening_hit");
  if (!o.opaque_entities.empty()) o.reason_codes.emplace_back("opaque_entity");
  o.status = o.reason_codes.empty() ? "clear" : "review";
  o.updated = ctx.batch_timestamp;

  pb::OwnershipUpdated e;
  ToProto(o, &e);
  journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kOwnershipUpdated),
                           kEventVersion, e);
  Answer a{200, RenderOwnership(o)};
  ownerships_[key] = std::move(o);
  return a;
}

}  // namespace cb::modules::kyc
