#pragma once
// Jaro-Winkler as moov-io/watchman computes it (the cases in
// ../shared/data/sanctions/jaro_winkler_cases.tsv come from its tests). These are the
// reference primitives; the screening matcher (matcher.h) builds on Jaro/JaroWinkler and
// adds normalisation, weights and phonetics. All lengths are in bytes, as in Go.
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cb::risk::screening {

// Textbook Jaro similarity over bytes; 1 for two empty strings, 0 when only one is empty.
double Jaro(std::string_view a, std::string_view b);
// Jaro plus Winkler's prefix boost (0.1 per shared leading byte, at most prefix_bytes_max)
// when Jaro is above boost_threshold.
double JaroWinkler(std::string_view a, std::string_view b, double boost_threshold = 0.7,
                   size_t prefix_bytes_max = 4);

namespace watchman {

// watchman's default similarity settings (docs/config.md).
inline constexpr double kBoostThreshold = 0.7;
inline constexpr size_t kPrefixBytesMax = 4;
inline constexpr double kLengthDifferenceCutoffFactor = 0.9;
inline constexpr double kLengthDifferencePenaltyWeight = 0.3;
inline constexpr double kDifferentLetterPenaltyWeight = 0.9;
inline constexpr double kUnmatchedIndexTokenWeight = 0.15;
inline constexpr int kAdjacentSimilarityPositions = 3;

// strings.Fields: split on Unicode white space (ASCII white space here, plus NBSP/NEL).
std::vector<std::string_view> Fields(std::string_view s);
// Lower-case, punctuation and symbols to single spaces, other non-letters/digits dropped,
// diacritics (non-spacing marks after NFD) removed, NFC.
std::string LowerAndRemovePunctuation(std::string_view s);
// The first letters fall in the same coarse phonetic class (soundex-like; A E I O U Y are
// one class, C G J K Q S X Z another...).
bool FirstCharacterSoundexMatch(std::string_view a, std::string_view b);
// Jaro-Winkler with a length-difference penalty and a different-first-sound penalty.
double CustomJaroWinkler(std::string_view indexed, std::string_view query);
// Token-based: each search token takes its best unused indexed token (pairs whose first
// sounds differ are skipped), pair scores weighted by byte length, then scaled down by the
// unmatched share of the indexed name.
double BestPairsJaroWinkler(std::span<const std::string_view> search_tokens,
                            std::span<const std::string_view> indexed_tokens);
// BestPairsJaroWinkler over the variants where short tokens (<= 3 bytes) are glued to a
// neighbour ("jsc argument" -> "jscargument"); the best score wins.
double BestPairCombinationJaroWinkler(std::span<const std::string_view> search_tokens,
                                      std::span<const std::string_view> indexed_tokens);
// watchman's old whole-string scorer: each indexed word takes its best query word within
// kAdjacentSimilarityPositions, with boosts and penalties for word-count differences.
double JaroWinklerWithFavoritism(std::string_view indexed, std::string_view query,
                                 double favoritism);
inline double WholeStringJaroWinkler(std::string_view indexed, std::string_view query) {
  return JaroWinklerWithFavoritism(indexed, query, 0.0);
}

}  // namespace watchman
}  // namespace cb::risk::screening
