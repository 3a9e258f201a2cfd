#pragma once
// Sanctions/PEP name screening as a module sees it (issue 14, ADR 0018): one name against
// the lists the risk service has loaded, answered with ranked hits. Scores are integers in
// basis points (1/10000), so what a module journals and compares is exact.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::kernel {

enum class ScreenedParty : uint8_t { kPerson = 1, kOrganization = 2 };

struct ScreeningQuery {
  std::string_view name;
  ScreenedParty type = ScreenedParty::kPerson;
  int32_t dob_year = 0;  // 0: unknown
  uint32_t dob_month = 0, dob_day = 0;
  std::string_view country_iso2;  // ISO 3166-1 alpha-2, or empty
};

inline constexpr uint32_t kScoreBpWhole = 10'000;

struct ScreeningHit {
  uint32_t score_bp = 0;  // 0..kScoreBpWhole
  std::string list;
  std::string entry_id;
  std::string matched_name;
};

// A hit at or above review_bp needs an analyst; at or above block_bp it is treated as a
// match (review_bp <= block_bp).
struct ScreeningThresholds {
  uint32_t review_bp = 0;
  uint32_t block_bp = 0;
};

class Screener {
 public:
  virtual ~Screener() = default;
  // Hits scoring at least the review threshold, best first, at most `hits_max`.
  // Unavailable when no sanctions lists are loaded. Writer thread.
  virtual Result<std::vector<ScreeningHit>> ScreenName(const ScreeningQuery& query,
                                                       size_t hits_max) const = 0;
  virtual ScreeningThresholds screening_thresholds() const = 0;
};

}  // namespace cb::kernel
