// kernel::Screener on the risk service (ADR 0018): the screen POST /v1/screenings runs,
// for modules (KYC of a customer, every UBO and director of a business), on the writer
// thread against the same index.
#include <algorithm>
#include <cmath>

#include "base/check.h"
#include "risk/screening/country.h"
#include "risk/screening/screening.h"
#include "risk/service.h"

namespace cb::risk {

namespace {

// A score this close to 1 is treated as a match, not a possible one. The review threshold
// is RiskOptions::screening_score_min (what POST /v1/screenings reports from).
constexpr uint32_t kScreeningBlockBp = 9'500;

uint32_t ScoreBp(double score) {
  const double clamped = std::clamp(score, 0.0, 1.0);
  return static_cast<uint32_t>(std::lround(clamped * kernel::kScoreBpWhole));
}

}  // namespace

kernel::ScreeningThresholds RiskService::screening_thresholds() const {
  const uint32_t review = ScoreBp(options_.screening_score_min);
  return {.review_bp = review, .block_bp = std::max(review, kScreeningBlockBp)};
}

Result<std::vector<kernel::ScreeningHit>> RiskService::ScreenName(const kernel::ScreeningQuery& q,
                                                                  size_t hits_max) const {
  if (screening_index_ == nullptr) {
    return Status::Unavailable("no sanctions lists are loaded on this server (sanctions_dir)");
  }
  screening::ScreenQuery query;
  query.name = std::string(q.name);
  query.type = q.type == kernel::ScreenedParty::kPerson ? screening::EntityType::kPerson
                                                        : screening::EntityType::kOrganization;
  if (q.dob_year != 0) {
    query.dob = screening::BirthDate{q.dob_year, static_cast<int>(q.dob_month),
                                     static_cast<int>(q.dob_day)};
  }
  if (!q.country_iso2.empty()) {
    // An unknown code screens without a country rather than failing the screen.
    query.country = screening::CountryNameOfIso2(q.country_iso2).value_or("");
  }
  const size_t limit = std::min(hits_max, kScreenHitsMax);
  const std::vector<screening::Hit> hits =
      screening_index_->Screen(query, limit, options_.screening_score_min);
  CB_CHECK(hits.size() <= limit);
  std::vector<kernel::ScreeningHit> out;
  out.reserve(hits.size());
  for (const screening::Hit& h : hits) {
    out.push_back({.score_bp = ScoreBp(h.score),
                   .list = h.list,
                   .entry_id = h.entry_id,
                   .matched_name = h.matched_name});
  }
  return out;
}

}  // namespace cb::risk
