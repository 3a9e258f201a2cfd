// The risk service's sanctions lists (SanctionsListLoaded: journaled at serve start when a
// list's content changed) and ad-hoc screens (POST /v1/screenings) against the index built
// from the content-addressed files those events name. ADR 0016, "Screening on the shard".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <tuple>

#include "base/check.h"
#include "base/json_string.h"
#include "journal/format.h"
#include "risk/screening/screening.h"
#include "risk/service.h"

namespace cb::risk {

namespace pb = corebank::risk::v1;
namespace sc = screening;
using kernel::Answer;
using kernel::ErrorAnswer;
using kernel::ErrorKind;

Status RiskService::ApplySanctionsList(const pb::SanctionsListLoaded& e, uint64_t seq) {
  if (e.name().empty() || e.name().size() > sc::kListStringBytesMax ||
      e.sha256().size() != std::tuple_size_v<Hash256> || e.entries() > sc::kListEntriesMax) {
    return Status::DataLoss("SanctionsListLoaded: bad name, hash or entry count");
  }
  SanctionsListRecord r;
  r.meta.name = e.name();
  r.meta.version = e.version();
  r.meta.entries = e.entries();
  std::copy(e.sha256().begin(), e.sha256().end(), r.meta.sha256.begin());
  r.loaded = e.loaded_ns();
  r.seq = seq;
  sanctions_lists_[e.name()] = std::move(r);
  // A list changed: every customer is screened again (RunDue, a few a batch), in customer
  // order so that live execution and replay queue exactly the same.
  for (const auto& [customer, sc] : screened_) rescreen_.insert({sc.tenant, customer});
  return Status::Ok();
}

Answer RiskService::LoadSanctions(const LoadSanctionsOp& l, runtime::ServiceContext& ctx) {
  uint32_t journaled = 0;
  for (const SanctionsListMeta& m : l.lists) {
    CB_CHECK(!m.name.empty());
    auto it = sanctions_lists_.find(m.name);
    // Same content, same hash: nothing to say (a restart must not grow the journal).
    if (it != sanctions_lists_.end() && it->second.meta.sha256 == m.sha256) continue;
    pb::SanctionsListLoaded e;
    e.set_name(m.name);
    e.set_version(m.version);
    e.set_entries(m.entries);
    e.set_sha256(m.sha256.data(), m.sha256.size());
    e.set_loaded_ns(ctx.batch_timestamp);
    const uint64_t seq = ctx.NextSeq();
    journal::AddMessageEvent(ctx.out, static_cast<uint16_t>(EventType::kSanctionsListLoaded),
                             kEventVersion, e);
    CB_CHECK(ApplySanctionsList(e, seq).ok());  // built from checked metadata
    journaled++;
  }
  if (l.index != nullptr) {
    // The index must cover exactly the lists the journal now names.
    CB_CHECK(l.index->lists().size() == sanctions_lists_.size());
    screening_index_ = l.index;
  }
  return {200, R"({"journaled":)" + std::to_string(journaled) + "}"};
}

namespace {

void AppendScore(std::string* out, double score) {
  char buf[16];
  const int n = std::snprintf(buf, sizeof buf, "%.4f", std::clamp(score, 0.0, 1.0));
  CB_CHECK(n > 0 && static_cast<size_t>(n) < sizeof buf);
  out->append(buf, static_cast<size_t>(n));
}

void AppendQuery(std::string* o, const ScreenOp& q) {
  o->append(R"({"name":)");
  AppendJsonString(o, q.name);
  o->append(R"(,"type":")").append(sc::EntityTypeName(q.type));
  o->append(R"(","date_of_birth":)");
  if (q.dob_year == 0) {
    o->append("null");
  } else {
    char buf[16];
    std::snprintf(buf, sizeof buf, "\"%04d-%02d-%02d\"", q.dob_year, q.dob_month, q.dob_day);
    o->append(buf);
  }
  o->append(R"(,"country":)");
  if (q.country_code.empty()) {
    o->append("null");
  } else {
    AppendJsonString(o, q.country_code);
  }
  o->push_back('}');
}

void AppendHit(std::string* o, const sc::Hit& h) {
  o->append(R"({"score":)");
  AppendScore(o, h.score);
  o->append(R"(,"list":)");
  AppendJsonString(o, h.list);
  o->append(R"(,"entry_id":)");
  AppendJsonString(o, h.entry_id);
  o->append(R"(,"matched_name":)");
  AppendJsonString(o, h.matched_name);
  o->append(R"(,"matched_alias":)").append(h.matched_alias ? "true" : "false");
  o->append(R"(,"type":")").append(sc::EntityTypeName(h.type));
  o->append(R"(","programs":[)");
  for (size_t i = 0; i < h.programs.size(); i++) {
    if (i > 0) o->push_back(',');
    AppendJsonString(o, h.programs[i]);
  }
  o->append("]}");
}

}  // namespace

Answer RiskService::Screen(const RiskOp& op, const ScreenOp& q) const {
  if (screening_index_ == nullptr) {
    return ErrorAnswer(ErrorKind::kConflict, "screening_unavailable",
                       "No sanctions lists are loaded on this server (sanctions_dir).", "",
                       op.trace_id);
  }
  sc::ScreenQuery query;
  query.name = q.name;
  query.type = q.type;
  if (q.dob_year != 0) query.dob = sc::BirthDate{q.dob_year, q.dob_month, q.dob_day};
  query.country = q.country_name;
  const std::vector<sc::Hit> hits =
      screening_index_->Screen(query, kScreenHitsMax, options_.screening_score_min);
  CB_CHECK(hits.size() <= kScreenHitsMax);
  std::string o = R"({"object":"screening","query":)";
  AppendQuery(&o, q);
  o.append(R"(,"lists":[)");
  bool first = true;
  for (const auto& [name, r] : sanctions_lists_) {
    if (!first) o.push_back(',');
    first = false;
    o.append(R"({"name":)");
    AppendJsonString(&o, name);
    o.append(R"(,"version":)");
    AppendJsonString(&o, r.meta.version);
    o.append(R"(,"sha256":")").append(HashHex(r.meta.sha256));
    o.append(R"(","entries":)").append(std::to_string(r.meta.entries)).push_back('}');
  }
  o.append(R"(],"hits":[)");
  for (size_t i = 0; i < hits.size(); i++) {
    if (i > 0) o.push_back(',');
    AppendHit(&o, hits[i]);
  }
  o.append("]}");
  return {200, std::move(o)};
}

}  // namespace cb::risk
