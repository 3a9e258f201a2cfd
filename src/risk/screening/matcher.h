#pragma once
// Scores two names in [0, 1]: tokens aligned one-to-one regardless of order (best pairs
// first), each pair's similarity from Jaro-Winkler with a length penalty, raised when the
// phonetic keys agree, initials matching their word; pairs weighted by token rarity (IDF
// from the indexed list when there is one), unmatched tokens on either side lowering the
// score. A glued-string comparison catches "xi jinping" / "xijinping". ADR 0016.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "risk/screening/entry.h"
#include "risk/screening/normalize.h"

namespace cb::risk::screening {

// Inverse document frequency of tokens over the indexed names: rare tokens ("putin")
// decide a match, common ones ("mohammed", "trading") barely move it.
struct IdfTable {
  std::unordered_map<std::string, float> idf;
  float unseen_idf = 1.0f;  // tokens the list never uses: as rare as the rarest
};

struct PreparedName {
  std::vector<std::string> tokens;
  std::vector<std::string> keys;  // PhoneticKey per token
  std::vector<float> weights;     // per token, > 0
  std::string joined;             // tokens glued in order
  std::string joined_sorted;      // tokens sorted, then glued
  std::string glued;              // NormalizedName::glued (legal forms included)
  // Byte counts (a-z, 0-9, other) of `joined` and `glued`: a cheap upper bound on Jaro
  // skips glued comparisons that cannot reach the threshold.
  std::array<uint8_t, 37> joined_counts{};
  std::array<uint8_t, 37> glued_counts{};
  bool legal_form = false;
  bool honorific = false;
  bool vessel_prefix = false;
};

// `idf` may be null (no list: weights from the token's shape only).
PreparedName Prepare(const NormalizedName& name, const IdfTable* idf);

struct MatchOptions {
  bool allow_initials = true;  // persons: "j" matches "john"; organisations: no
};

// Similarity of two prepared names, symmetric up to floating point, in [0, 1].
double ScoreNames(const PreparedName& a, const PreparedName& b, const MatchOptions& options);

// The type-agnostic pair score `corebank screen pairs` prints (no list, no IDF): both names
// normalised, scored, and lowered when one is marked a company (legal form) and the other
// a person (honorific).
double ScoreNamePair(const NameNormalizer& normalizer, std::string_view a, std::string_view b);

// Multiplier in (0, 1] for a query of type `query` against an entry of type `entry`
// (kUnknown on either side: 1).
double TypeFactor(EntityType query, EntityType entry);

// The query's type when the caller gave none: a legal form says organisation, an
// honorific person, a vessel prefix vessel.
EntityType InferType(EntityType given, const PreparedName& name);

}  // namespace cb::risk::screening
