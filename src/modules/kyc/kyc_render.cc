// JSON of the kyc module's objects: fixed shapes, every field present (null when empty).
#include <cstdio>

#include "base/check.h"
#include "kernel/json_out.h"
#include "modules/kyc/kyc_internal.h"

namespace cb::modules::kyc {

namespace {

using kernel::AppendJsonString;
using kernel::AppendJsonStringOrNull;

void AppendScore(std::string* o, uint32_t bp) {
  CB_CHECK(bp <= kernel::kScoreBpWhole);
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%u.%04u", bp / 10'000, bp % 10'000);
  CB_CHECK(n > 0 && static_cast<size_t>(n) < sizeof buf);
  o->append(buf, static_cast<size_t>(n));
}

void AppendScreening(std::string* o, const ScreenResult& s) {
  o->append(R"({"result":)");
  AppendJsonString(o, s.result);
  o->append(R"(,"hits":[)");
  for (size_t i = 0; i < s.hits.size(); i++) {
    const kernel::ScreeningHit& h = s.hits[i];
    if (i > 0) o->push_back(',');
    o->append(R"({"score":)");
    AppendScore(o, h.score_bp);
    o->append(R"(,"list":)");
    AppendJsonString(o, h.list);
    o->append(R"(,"entry_id":)");
    AppendJsonString(o, h.entry_id);
    o->append(R"(,"matched_name":)");
    AppendJsonString(o, h.matched_name);
    o->push_back('}');
  }
  o->append("]}");
}

void AppendStrings(std::string* o, const std::vector<std::string>& v) {
  o->push_back('[');
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0) o->push_back(',');
    AppendJsonString(o, v[i]);
  }
  o->push_back(']');
}

void AppendEffective(std::string* o, const std::vector<Ubo>& v, const Ownership* screens) {
  o->push_back('[');
  for (size_t i = 0; i < v.size(); i++) {
    if (i > 0) o->push_back(',');
    o->append(R"({"ref":)");
    AppendJsonString(o, v[i].ref);
    o->append(R"(,"effective_percent":)");
    AppendJsonString(o, FormatEffectivePercent(v[i].effective));
    if (screens != nullptr) {
      o->append(R"(,"screening":)");
      const ScreenedParty* found = nullptr;
      for (const ScreenedParty& s : screens->screened) {
        if (s.ref == v[i].ref) found = &s;
      }
      CB_CHECK(found != nullptr);  // every UBO is screened before the event is written
      AppendScreening(o, found->screening);
    }
    o->push_back('}');
  }
  o->push_back(']');
}

}  // namespace

std::string RenderVerification(const Verification& v) {
  std::string o = R"({"object":"verification","id":)";
  AppendJsonString(&o, kernel::FormatId(kVerificationPrefix, v.id));
  o.append(R"(,"customer":)");
  AppendJsonString(&o, kernel::FormatId(kernel::prefix::kCustomer, v.customer));
  o.append(R"(,"status":)");
  AppendJsonString(&o, v.status);
  o.append(R"(,"kyc_tier":)").append(std::to_string(v.kyc_tier));
  o.append(R"(,"customer_kyc_tier":)").append(std::to_string(v.customer_kyc_tier));
  o.append(R"(,"checks":[)");
  for (size_t i = 0; i < v.checks.size(); i++) {
    if (i > 0) o.push_back(',');
    o.append(R"({"name":)");
    AppendJsonString(&o, v.checks[i].name);
    o.append(R"(,"result":)");
    AppendJsonString(&o, v.checks[i].result);
    o.append(R"(,"reason_code":)");
    AppendJsonStringOrNull(&o, v.checks[i].reason_code);
    o.push_back('}');
  }
  o.append(R"(],"reason_codes":)");
  AppendStrings(&o, v.reason_codes);
  o.append(R"(,"screening":)");
  AppendScreening(&o, v.screening);
  o.append(R"(,"document_format":)");
  AppendJsonStringOrNull(&o, v.document_format);
  o.append(R"(,"provider":)");
  AppendJsonString(&o, v.provider);
  o.append(R"(,"provider_ref":)");
  AppendJsonStringOrNull(&o, v.provider_ref);
  o.append(R"(,"created_at":)");
  kernel::AppendTimestamp(&o, v.created);
  o.push_back('}');
  return o;
}

std::string RenderOwnership(const Ownership& own) {
  std::string o = R"({"object":"ownership","customer":)";
  AppendJsonString(&o, kernel::FormatId(kernel::prefix::kCustomer, own.customer));
  o.append(R"(,"version":)").append(std::to_string(own.version));
  o.append(R"(,"status":)");
  AppendJsonString(&o, own.status);
  o.append(R"(,"reason_codes":)");
  AppendStrings(&o, own.reason_codes);
  o.append(R"(,"parties":[)");
  for (size_t i = 0; i < own.parties.size(); i++) {
    const Party& p = own.parties[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"ref":)");
    AppendJsonString(&o, p.ref);
    o.append(R"(,"type":")").append(PartyTypeName(p.type));
    o.append(R"(","name":)");
    AppendJsonString(&o, p.name);
    o.append(R"(,"date_of_birth":)");
    AppendJsonStringOrNull(&o, FormatDate(p.birth_date));
    o.append(R"(,"country":)");
    AppendJsonStringOrNull(&o, p.country);
    o.push_back('}');
  }
  o.append(R"(],"holdings":[)");
  for (size_t i = 0; i < own.holdings.size(); i++) {
    const Holding& h = own.holdings[i];
    if (i > 0) o.push_back(',');
    o.append(R"({"owner":)");
    AppendJsonString(&o, h.owner);
    o.append(R"(,"owned":)");
    AppendJsonString(&o, h.owned);
    // ppm back to the percent it was given as: 4 decimals, exact.
    char buf[16];
    const int n =
        std::snprintf(buf, sizeof buf, "%u.%04u", h.share_ppm / 10'000, h.share_ppm % 10'000);
    CB_CHECK(n > 0 && static_cast<size_t>(n) < sizeof buf);
    o.append(R"(,"share_percent":")").append(buf, static_cast<size_t>(n)).append("\"}");
  }
  o.append(R"(],"directors":)");
  AppendStrings(&o, own.directors);
  o.append(R"(,"ubos":)");
  AppendEffective(&o, own.ubos, &own);
  o.append(R"(,"opaque_entities":)");
  AppendEffective(&o, own.opaque_entities, nullptr);
  o.append(R"(,"screened_directors":[)");
  for (size_t i = 0; i < own.directors.size(); i++) {
    // A director who is also a UBO was screened once, as a UBO: the same result.
    const ScreenedParty* found = nullptr;
    for (const ScreenedParty& s : own.screened) {
      if (s.ref == own.directors[i]) found = &s;
    }
    CB_CHECK(found != nullptr);  // every director is screened before the event is written
    if (i > 0) o.push_back(',');
    o.append(R"({"ref":)");
    AppendJsonString(&o, found->ref);
    o.append(R"(,"screening":)");
    AppendScreening(&o, found->screening);
    o.push_back('}');
  }
  o.append(R"(],"updated_at":)");
  kernel::AppendTimestamp(&o, own.updated);
  o.push_back('}');
  return o;
}

}  // namespace cb::modules::kyc
