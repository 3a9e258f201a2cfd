// Exact conversions of the kyc module: percent strings to ppm, effective shares to percent
// strings, dates, country codes, and the events' protobuf to and from recorded results.
#include <unicode/uloc.h>

#include <cstdio>

#include "base/check.h"
#include "kernel/ids.h"
#include "modules/kyc/kyc_internal.h"
#include "risk/kyc/ubo.h"

namespace cb::modules::kyc {

namespace {

constexpr std::string_view kPartyTypeNames[] = {"person", "company",    "partnership",
                                                "trust",  "foundation", "other"};

bool Digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

uint32_t Number(std::string_view digits) {
  uint32_t n = 0;
  for (char c : digits) n = n * 10 + static_cast<uint32_t>(c - '0');
  return n;
}

bool ValidResult(std::string_view r) {
  return r == "clear" || r == "possible_match" || r == "match";
}

void ToProto(const ScreenResult& s, pb::ScreenResult* e) {
  e->set_result(s.result);
  for (const kernel::ScreeningHit& h : s.hits) {
    pb::ScreeningHit* x = e->add_hits();
    x->set_score_bp(h.score_bp);
    x->set_list(h.list);
    x->set_entry_id(h.entry_id);
    x->set_matched_name(h.matched_name);
  }
}

bool FromProto(const pb::ScreenResult& e, ScreenResult* s) {
  if (!ValidResult(e.result()) || static_cast<size_t>(e.hits_size()) > kHitsPerScreenMax) {
    return false;
  }
  s->result = e.result();
  s->hits.clear();
  for (const pb::ScreeningHit& h : e.hits()) {
    if (h.score_bp() > kernel::kScoreBpWhole) return false;
    s->hits.push_back({h.score_bp(), h.list(), h.entry_id(), h.matched_name()});
  }
  return true;
}

void ToProto(const Ubo& u, pb::EffectiveOwner* e) {
  e->set_ref(u.ref);
  e->set_effective(kernel::IdBytes(u.effective));
}

bool FromProto(const pb::EffectiveOwner& e, Ubo* u) {
  u->ref = e.ref();
  // IdBytes refuses zero (an id); an effective share may not be zero either.
  return !u->ref.empty() && kernel::IdFromBytes(e.effective(), &u->effective);
}

}  // namespace

const char* PartyTypeName(PartyType t) {
  const auto i = static_cast<size_t>(t) - 1;
  CB_CHECK(i < std::size(kPartyTypeNames));
  return kPartyTypeNames[i].data();
}

bool ParsePartyType(std::string_view s, PartyType* out) {
  for (size_t i = 0; i < std::size(kPartyTypeNames); i++) {
    if (s == kPartyTypeNames[i]) {
      *out = static_cast<PartyType>(i + 1);
      return true;
    }
  }
  return false;
}

std::optional<uint32_t> ParsePercentPpm(std::string_view text) {
  // ppm = percent * 10^4: four decimals are exact, a fifth could not be represented.
  const size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (!Digits(whole) || whole.size() > 3) return std::nullopt;
  if (dot != std::string_view::npos && (!Digits(frac) || frac.size() > 4)) return std::nullopt;
  uint32_t ppm = Number(whole) * 10'000;
  uint32_t scale = 1'000;
  for (char c : frac) {
    ppm += static_cast<uint32_t>(c - '0') * scale;
    scale /= 10;
  }
  if (ppm == 0 || ppm > risk::kyc::kSharePpmWhole) return std::nullopt;
  return ppm;
}

std::string FormatEffectivePercent(u128 effective) {
  // kEffectiveWhole is 10^24 for 100%: one percent is 10^22, a 1/10000 percent 10^18.
  const u128 units = effective / static_cast<u128>(1'000'000'000'000'000'000ull);  // 10^18
  const auto whole = static_cast<uint64_t>(units / 10'000);
  const auto frac = static_cast<uint64_t>(units % 10'000);
  char buf[32];
  const int n =
      std::snprintf(buf, sizeof buf, "%llu.%04llu", static_cast<unsigned long long>(whole),
                    static_cast<unsigned long long>(frac));
  CB_CHECK(n > 0 && static_cast<size_t>(n) < sizeof buf);
  return std::string(buf, static_cast<size_t>(n));
}

risk::kyc::KycDate DateOfTimestamp(TimestampNs ts) {
  // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm; no time zone: UTC).
  const auto days = static_cast<int64_t>(ts / (86'400ull * kNsPerSecond));
  const int64_t z = days + 719'468;
  const int64_t era = z / 146'097;  // ts is unsigned: z >= 0
  const int64_t doe = z - era * 146'097;
  const int64_t yoe = (doe - doe / 1'460 + doe / 36'524 - doe / 146'096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return {static_cast<int32_t>(y), static_cast<uint32_t>(m), static_cast<uint32_t>(d)};
}

std::string Alpha3OfAlpha2(std::string_view alpha2) {
  if (alpha2.size() != 2) return std::string(alpha2);
  const std::string locale = "und_" + std::string(alpha2);
  const char* iso3 = uloc_getISO3Country(locale.c_str());
  if (iso3 == nullptr || iso3[0] == '\0') return std::string(alpha2);
  return iso3;
}

std::string FormatDate(const Date& d) {
  if (!d.present()) return "";
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", d.year, d.month, d.day);
  CB_CHECK(n == 10);
  return std::string(buf, 10);
}

bool ParseDate(std::string_view s, Date* out) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s.substr(0, 4)) ||
      !Digits(s.substr(5, 2)) || !Digits(s.substr(8, 2))) {
    return false;
  }
  const Date d{static_cast<int32_t>(Number(s.substr(0, 4))), Number(s.substr(5, 2)),
               Number(s.substr(8, 2))};
  if (!risk::kyc::IsValidKycDate({d.year, d.month, d.day})) return false;
  *out = d;
  return true;
}

void ToProto(const Verification& v, pb::VerificationCompleted* e) {
  e->set_tenant_id(kernel::IdBytes(v.tenant));
  e->set_id(kernel::IdBytes(v.id));
  e->set_customer_id(kernel::IdBytes(v.customer));
  e->set_status(v.status);
  e->set_kyc_tier(v.kyc_tier);
  e->set_customer_kyc_tier(v.customer_kyc_tier);
  for (const CheckRecord& c : v.checks) {
    pb::Check* x = e->add_checks();
    x->set_name(c.name);
    x->set_result(c.result);
    x->set_reason_code(c.reason_code);
  }
  for (const std::string& r : v.reason_codes) e->add_reason_codes(r);
  e->set_provider(v.provider);
  e->set_provider_ref(v.provider_ref);
  ToProto(v.screening, e->mutable_screening());
  e->set_document_format(v.document_format);
  e->set_created_ns(static_cast<int64_t>(v.created));
}

bool FromProto(const pb::VerificationCompleted& e, Verification* v) {
  if (!kernel::IdFromBytes(e.tenant_id(), &v->tenant) || !kernel::IdFromBytes(e.id(), &v->id) ||
      !kernel::IdFromBytes(e.customer_id(), &v->customer)) {
    return false;
  }
  if (e.status() != "verified" && e.status() != "rejected" && e.status() != "review") return false;
  if (e.kyc_tier() > 3 || e.customer_kyc_tier() > 3 ||
      e.checks_size() > static_cast<int>(kChecksMax) ||
      static_cast<size_t>(e.reason_codes_size()) > kReasonCodesMax) {
    return false;
  }
  v->status = e.status();
  v->kyc_tier = static_cast<uint8_t>(e.kyc_tier());
  v->customer_kyc_tier = static_cast<uint8_t>(e.customer_kyc_tier());
  v->checks.clear();
  for (const pb::Check& c : e.checks())
    v->checks.push_back({c.name(), c.result(), c.reason_code()});
  v->reason_codes.assign(e.reason_codes().begin(), e.reason_codes().end());
  v->provider = e.provider();
  v->provider_ref = e.provider_ref();
  if (!FromProto(e.screening(), &v->screening)) return false;
  v->document_format = e.document_format();
  v->created = static_cast<TimestampNs>(e.created_ns());
  return true;
}

void ToProto(const Ownership& o, pb::OwnershipUpdated* e) {
  e->set_tenant_id(kernel::IdBytes(o.tenant));
  e->set_customer_id(kernel::IdBytes(o.customer));
  e->set_version(o.version);
  for (const Party& p : o.parties) {
    pb::Party* x = e->add_parties();
    x->set_ref(p.ref);
    x->set_type(static_cast<uint32_t>(p.type));
    x->set_name(p.name);
    x->set_birth_date(FormatDate(p.birth_date));
    x->set_country(p.country);
  }
  for (const Holding& h : o.holdings) {
    pb::Holding* x = e->add_holdings();
    x->set_owner(h.owner);
    x->set_owned(h.owned);
    x->set_share_ppm(h.share_ppm);
  }
  for (const std::string& d : o.directors) e->add_directors(d);
  for (const Ubo& u : o.ubos) ToProto(u, e->add_ubos());
  for (const Ubo& u : o.opaque_entities) ToProto(u, e->add_opaque_entities());
  for (const ScreenedParty& s : o.screened) {
    pb::ScreenedParty* x = e->add_screened();
    x->set_ref(s.ref);
    x->set_role(s.role);
    ToProto(s.screening, x->mutable_screening());
  }
  e->set_status(o.status);
  for (const std::string& r : o.reason_codes) e->add_reason_codes(r);
  e->set_updated_ns(static_cast<int64_t>(o.updated));
}

bool FromProto(const pb::OwnershipUpdated& e, Ownership* o) {
  if (!kernel::IdFromBytes(e.tenant_id(), &o->tenant) ||
      !kernel::IdFromBytes(e.customer_id(), &o->customer)) {
    return false;
  }
  if (static_cast<size_t>(e.parties_size()) > kPartiesMax ||
      static_cast<size_t>(e.holdings_size()) > kHoldingsMax ||
      static_cast<size_t>(e.directors_size()) > kDirectorsMax ||
      static_cast<size_t>(e.ubos_size()) > kPartiesMax ||
      static_cast<size_t>(e.opaque_entities_size()) > kPartiesMax ||
      static_cast<size_t>(e.screened_size()) > kPartiesMax + kDirectorsMax ||
      static_cast<size_t>(e.reason_codes_size()) > kReasonCodesMax ||
      (e.status() != "clear" && e.status() != "review")) {
    return false;
  }
  o->version = e.version();
  o->parties.clear();
  for (const pb::Party& p : e.parties()) {
    Party x;
    x.ref = p.ref();
    if (p.type() < 1 || p.type() > std::size(kPartyTypeNames)) return false;
    x.type = static_cast<PartyType>(p.type());
    x.name = p.name();
    if (!p.birth_date().empty() && !ParseDate(p.birth_date(), &x.birth_date)) return false;
    x.country = p.country();
    o->parties.push_back(std::move(x));
  }
  o->holdings.clear();
  for (const pb::Holding& h : e.holdings()) {
    if (h.share_ppm() == 0 || h.share_ppm() > risk::kyc::kSharePpmWhole) return false;
    o->holdings.push_back({h.owner(), h.owned(), h.share_ppm()});
  }
  o->directors.assign(e.directors().begin(), e.directors().end());
  o->ubos.clear();
  o->opaque_entities.clear();
  for (const pb::EffectiveOwner& u : e.ubos()) {
    if (!FromProto(u, &o->ubos.emplace_back())) return false;
  }
  for (const pb::EffectiveOwner& u : e.opaque_entities()) {
    if (!FromProto(u, &o->opaque_entities.emplace_back())) return false;
  }
  o->screened.clear();
  for (const pb::ScreenedParty& s : e.screened()) {
    ScreenedParty x;
    x.ref = s.ref();
    x.role = s.role();
    if ((x.role != "ubo" && x.role != "director") || !FromProto(s.screening(), &x.screening)) {
      return false;
    }
    o->screened.push_back(std::move(x));
  }
  // Every UBO and director was screened: rendering relies on it.
  auto screened = [&](const std::string& ref) {
    for (const ScreenedParty& s : o->screened) {
      if (s.ref == ref) return true;
    }
    return false;
  };
  for (const Ubo& u : o->ubos) {
    if (!screened(u.ref)) return false;
  }
  for (const std::string& d : o->directors) {
    if (!screened(d)) return false;
  }
  o->status = e.status();
  o->reason_codes.assign(e.reason_codes().begin(), e.reason_codes().end());
  o->updated = static_cast<TimestampNs>(e.updated_ns());
  return true;
}

}  // namespace cb::modules::kyc
