#pragma once
// The screening API the server calls: build an index over loaded lists once, then screen
// names against it. A screen looks up the query's rare tokens, phonetic keys and glued
// prefix in an inverted index (blocking), scores at most kCandidatesMax names fully
// (matcher.h), adjusts by entity type, date of birth and country, and returns ranked hits.
//
// Thread-safety: Screen() is const and keeps its scratch on the stack/heap per call; the
// normaliser's ICU transliterator is guarded by a mutex (normalize.h). One index may serve
// many threads; building one is single-threaded.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "risk/screening/entry.h"
#include "risk/screening/matcher.h"

namespace cb::risk::screening {

// Names fully scored per screen, at most (the best candidates by shared-key rarity).
inline constexpr size_t kCandidatesMax = 100;
// A key shared by more names than this is too common to select candidates alone
// ("mohammed", "trading"); it still counts in scoring.
inline constexpr size_t kPostingNamesMax = 1000;
// Postings read per screen, at most, over all keys.
inline constexpr size_t kPostingsReadMax = 5000;
// Hits returned per screen, at most.
inline constexpr size_t kHitsMax = 100;

struct BirthDate {
  int year = 0;   // required
  int month = 0;  // 0: unknown
  int day = 0;    // 0: unknown
};

struct ScreenQuery {
  std::string name;
  EntityType type = EntityType::kUnknown;
  std::optional<BirthDate> dob;
  std::string country;  // a country name as the lists write it ("Iran"); case-insensitive
};

struct Hit {
  double score = 0;  // [0, 1]
  std::string list;  // SanctionsList::name
  std::string entry_id;
  std::string matched_name;  // the primary name or the alias that scored best
  bool matched_alias = false;
  EntityType type = EntityType::kUnknown;
  std::vector<std::string> programs;
};

class ScreeningIndex {
 public:
  // Takes the lists (their hashes are the caller's business: list_codec.h).
  static Result<std::unique_ptr<ScreeningIndex>> Build(std::vector<SanctionsList> lists);
  ~ScreeningIndex();

  // Ranked by score (descending), ties by list name then entry id; one hit per entry.
  // `limit` is capped at kHitsMax. Deterministic for the same lists and query.
  std::vector<Hit> Screen(const ScreenQuery& query, size_t limit, double score_min) const;

  size_t entry_count() const;
  size_t name_count() const;
  const std::vector<SanctionsList>& lists() const;
  const NameNormalizer& normalizer() const;

 private:
  struct Impl;
  explicit ScreeningIndex(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

inline std::vector<Hit> Screen(const ScreeningIndex& index, const ScreenQuery& query, size_t limit,
                               double score_min) {
  return index.Screen(query, limit, score_min);
}

}  // namespace cb::risk::screening
