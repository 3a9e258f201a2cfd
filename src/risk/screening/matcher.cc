#include "risk/screening/matcher.h"

#include <algorithm>
#include <array>

#include "base/check.h"
#include "risk/screening/watchman_jw.h"

namespace cb::risk::screening {
namespace {

// Token pairs below this similarity are not a match at all: partial credit for
// "dominguez" vs "jimenez" is how plain Jaro-Winkler floods analysts.
constexpr double kTokenSimilarityFloor = 0.75;
// An initial against the word it abbreviates: likely, not certain.
constexpr double kInitialSimilarity = 0.8;
// Equal phonetic keys lift a pair to at least this ("sdam" / "saddam").
constexpr double kPhoneticSimilarity = 0.88;
constexpr double kPhoneticJaroMin = 0.7;
// Tokens unmatched on one side only count this much of their weight against the score: a
// missing middle name is common, so it costs less than a conflicting one.
constexpr double kUnmatchedWeightShare = 0.6;
constexpr double kConflictingWeightShare = 0.85;
// Glued-string comparison: only a near-identical glue counts, a little below a token match.
constexpr double kJoinedSimilarityMin = 0.9;
constexpr double kJoinedDiscount = 0.95;
constexpr size_t kGluedBytesMax = 48;
// One side a company, the other a person.
constexpr double kCompanyPersonFactor = 0.85;

float BaseWeight(std::string_view token) {
  if (token.size() == 1) return 0.35f;  // an initial says little
  if (IsStopword(token)) return 0.25f;
  if (token.size() == 2) return 0.6f;
  return 1.0f;
}

char FirstClass(char c) {
  switch (c) {
    case 'a':
    case 'e':
    case 'i':
    case 'o':
    case 'u':
    case 'y':
      return 'a';
    case 'b':
    case 'f':
    case 'p':
    case 'v':
      return 'b';
    case 'c':
    case 'g':
    case 'j':
    case 'k':
    case 'q':
    case 's':
    case 'x':
    case 'z':
      return 'c';
    case 'd':
    case 't':
      return 'd';
    case 'm':
    case 'n':
      return 'm';
    case 'h':
    case 'w':
      return 'h';
    default:
      return c;
  }
}

bool IsLetter(char c) { return c >= 'a' && c <= 'z'; }

bool HasVowel(std::string_view t) { return t.find_first_of("aeiou") != std::string_view::npos; }

double TokenSimilarity(std::string_view a, std::string_view ka, std::string_view b,
                       std::string_view kb, bool allow_initials) {
  if (a == b) return 1.0;
  if (a.size() == 1 || b.size() == 1) {
    return allow_initials && IsLetter(a[0]) && a[0] == b[0] ? kInitialSimilarity : 0.0;
  }
  // Different first sounds ("smith" / "jones") never pair, as in watchman.
  if (FirstClass(a[0]) != FirstClass(b[0])) return 0.0;
  double s = JaroWinkler(a, b);
  const double shorter = static_cast<double>(std::min(a.size(), b.size()));
  const double longer = static_cast<double>(std::max(a.size(), b.size()));
  const double ratio = shorter / longer;
  if (ratio < watchman::kLengthDifferenceCutoffFactor) {
    s *= 1.0 - (1.0 - ratio) * watchman::kLengthDifferencePenaltyWeight;
  }
  // Equal keys lift the pair when the spelling already agrees somewhat, or when one side
  // has no written vowels (an abjad transliteration: "hsyn" for "hussein"). Short keys
  // alone are too coarse: "patek" and "badege" share one.
  if (ka == kb && ka.size() >= 2 && ratio >= 0.5 &&
      (s >= kPhoneticJaroMin || !HasVowel(a) || !HasVowel(b))) {
    s = std::max(s, kPhoneticSimilarity);
  }
  return s;
}

size_t CountBin(char c) {
  if (c >= 'a' && c <= 'z') return static_cast<size_t>(c - 'a');
  if (c >= '0' && c <= '9') return 26 + static_cast<size_t>(c - '0');
  return 36;
}

void Count(std::string_view s, std::array<uint8_t, 37>* counts) {
  for (char c : s) {
    uint8_t& n = (*counts)[CountBin(c)];
    if (n < 255) ++n;
  }
}

// Jaro matches at most the bytes both strings have in common, so
// Jaro <= (common/la + common/lb + 1) / 3; Winkler's boost adds at most 0.4 * (1 - Jaro).
double JaroWinklerUpperBound(const std::array<uint8_t, 37>& ca, size_t la,
                             const std::array<uint8_t, 37>& cb, size_t lb) {
  size_t common = 0;
  for (size_t i = 0; i < ca.size(); ++i) common += std::min(ca[i], cb[i]);
  const double c = static_cast<double>(common);
  const double j = (c / static_cast<double>(la) + c / static_cast<double>(lb) + 1.0) / 3.0;
  return j + 0.4 * (1.0 - j);
}

struct Pair {
  float similarity;
  uint8_t a;
  uint8_t b;
};

}  // namespace

PreparedName Prepare(const NormalizedName& name, const IdfTable* idf) {
  PreparedName p;
  p.tokens = name.tokens;
  p.legal_form = name.legal_form;
  p.honorific = name.honorific;
  p.vessel_prefix = name.vessel_prefix;
  p.keys.reserve(p.tokens.size());
  p.weights.reserve(p.tokens.size());
  for (const std::string& t : p.tokens) {
    p.keys.push_back(PhoneticKey(t));
    float w = BaseWeight(t);
    if (idf != nullptr && t.size() > 1) {
      auto it = idf->idf.find(t);
      w *= it == idf->idf.end() ? idf->unseen_idf : it->second;
    }
    CB_CHECK(w > 0);
    p.weights.push_back(w);
  }
  p.glued = name.glued;
  for (const std::string& t : p.tokens) p.joined += t;
  Count(p.joined, &p.joined_counts);
  Count(p.glued, &p.glued_counts);
  std::vector<std::string> sorted = p.tokens;
  std::sort(sorted.begin(), sorted.end());
  for (const std::string& t : sorted) p.joined_sorted += t;
  return p;
}

double ScoreNames(const PreparedName& a, const PreparedName& b, const MatchOptions& options) {
  const size_t na = a.tokens.size(), nb = b.tokens.size();
  if (na == 0 || nb == 0) return 0.0;
  CB_CHECK(na <= kNameTokensMax);
  CB_CHECK(nb <= kNameTokensMax);
  std::array<Pair, kNameTokensMax * kNameTokensMax> pairs;
  size_t count = 0;
  for (size_t i = 0; i < na; ++i) {
    for (size_t j = 0; j < nb; ++j) {
      const double s =
          TokenSimilarity(a.tokens[i], a.keys[i], b.tokens[j], b.keys[j], options.allow_initials);
      if (s < kTokenSimilarityFloor) continue;
      pairs[count++] = {static_cast<float>(s), static_cast<uint8_t>(i), static_cast<uint8_t>(j)};
    }
  }
  // Best pairs first; ties by position so the result never depends on sort internals.
  std::sort(pairs.begin(), pairs.begin() + count, [](const Pair& x, const Pair& y) {
    if (x.similarity != y.similarity) return x.similarity > y.similarity;
    if (x.a != y.a) return x.a < y.a;
    return x.b < y.b;
  });
  std::array<bool, kNameTokensMax> used_a{}, used_b{};
  double matched = 0.0, total = 0.0;
  for (size_t k = 0; k < count; ++k) {
    const Pair& p = pairs[k];
    if (used_a[p.a] || used_b[p.b]) continue;
    used_a[p.a] = used_b[p.b] = true;
    const double w = a.weights[p.a] + b.weights[p.b];
    matched += p.similarity * w;
    total += w;
  }
  double unmatched_a = 0.0, unmatched_b = 0.0;
  for (size_t i = 0; i < na; ++i) {
    if (!used_a[i]) unmatched_a += a.weights[i];
  }
  for (size_t j = 0; j < nb; ++j) {
    if (!used_b[j]) unmatched_b += b.weights[j];
  }
  // Left-over tokens on both sides conflict ("Sergei Ivanov" / "Sergei Petrov"): full
  // weight, nearly. On one side only they are a name the other omits: a share.
  const double share =
      unmatched_a > 0 && unmatched_b > 0 ? kConflictingWeightShare : kUnmatchedWeightShare;
  total += share * (unmatched_a + unmatched_b);
  double score = total > 0 ? matched / total : 0.0;
  // The glued comparison only matters where the token counts differ ("xi jin ping" /
  // "xi jinping") or a legal form was glued on, and can only help below its own ceiling.
  // Jaro is quadratic in length: long glued names are left to the tokens.
  const bool glue_differs =
      na != nb || a.glued.size() != a.joined.size() || b.glued.size() != b.joined.size();
  if (glue_differs && score < kJoinedDiscount && a.joined.size() >= 4 && b.joined.size() >= 4 &&
      a.glued.size() <= kGluedBytesMax && b.glued.size() <= kGluedBytesMax) {
    double glued = 0.0;
    if (JaroWinklerUpperBound(a.joined_counts, a.joined.size(), b.joined_counts, b.joined.size()) >=
        kJoinedSimilarityMin) {
      glued =
          std::max(JaroWinkler(a.joined, b.joined), JaroWinkler(a.joined_sorted, b.joined_sorted));
    }
    if (!a.glued.empty() && !b.glued.empty() &&
        JaroWinklerUpperBound(a.glued_counts, a.glued.size(), b.glued_counts, b.glued.size()) >=
            kJoinedSimilarityMin) {
      glued = std::max(glued, JaroWinkler(a.glued, b.glued));
    }
    if (glued >= kJoinedSimilarityMin) score = std::max(score, glued * kJoinedDiscount);
  }
  CB_CHECK(score >= 0.0);
  return std::min(score, 1.0);
}

double ScoreNamePair(const NameNormalizer& normalizer, std::string_view a, std::string_view b) {
  const PreparedName pa = Prepare(normalizer.Normalize(a), nullptr);
  const PreparedName pb = Prepare(normalizer.Normalize(b), nullptr);
  const bool company_vs_person = (pa.legal_form && pb.honorific && !pb.legal_form) ||
                                 (pb.legal_form && pa.honorific && !pa.legal_form);
  // Initials only when neither side is marked a company.
  MatchOptions options;
  options.allow_initials = !pa.legal_form && !pb.legal_form;
  double score = ScoreNames(pa, pb, options);
  if (company_vs_person) score *= kCompanyPersonFactor;
  return score;
}

double TypeFactor(EntityType query, EntityType entry) {
  if (query == EntityType::kUnknown || entry == EntityType::kUnknown || query == entry) return 1.0;
  const auto is = [&](EntityType x, EntityType y) {
    return (query == x && entry == y) || (query == y && entry == x);
  };
  if (is(EntityType::kPerson, EntityType::kOrganization)) return 0.8;
  if (is(EntityType::kOrganization, EntityType::kVessel)) return 0.9;
  if (is(EntityType::kOrganization, EntityType::kAircraft)) return 0.9;
  if (is(EntityType::kVessel, EntityType::kAircraft)) return 0.85;
  return 0.75;  // a person against a vessel or an aircraft
}

EntityType InferType(EntityType given, const PreparedName& name) {
  if (given != EntityType::kUnknown) return given;
  if (name.legal_form) return EntityType::kOrganization;
  if (name.honorific) return EntityType::kPerson;
  if (name.vessel_prefix) return EntityType::kVessel;
  return EntityType::kUnknown;
}

}  // namespace cb::risk::screening
