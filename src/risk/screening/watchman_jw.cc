#include "risk/screening/watchman_jw.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/check.h"

namespace cb::risk::screening {
namespace {

// Matching flags live on the stack for tokens up to this size (names are short); longer
// inputs take the heap path.
constexpr size_t kStackFlagsBytesMax = 128;

double JaroWithFlags(std::string_view a, std::string_view b, bool* matched_a, bool* matched_b) {
  const size_t la = a.size(), lb = b.size();
  // Characters match when equal and no further apart than half the longer length, minus one.
  const size_t longer = std::max(la, lb);
  const size_t range = longer / 2 >= 1 ? longer / 2 - 1 : 0;
  size_t matches = 0;
  for (size_t i = 0; i < la; ++i) {
    const size_t start = i >= range ? i - range : 0;
    const size_t end = std::min(lb - 1, i + range);  // inclusive
    for (size_t j = start; j <= end; ++j) {
      if (matched_b[j] || a[i] != b[j]) continue;
      matched_a[i] = true;
      matched_b[j] = true;
      ++matches;
      break;
    }
  }
  if (matches == 0) return 0.0;
  size_t unaligned = 0;
  size_t j = 0;
  for (size_t i = 0; i < la; ++i) {
    if (!matched_a[i]) continue;
    while (!matched_b[j]) ++j;
    if (a[i] != b[j]) ++unaligned;
    ++j;
  }
  const double m = static_cast<double>(matches);
  const double t = static_cast<double>(unaligned / 2);
  return (m / static_cast<double>(la) + m / static_cast<double>(lb) + (m - t) / m) / 3.0;
}

}  // namespace

double Jaro(std::string_view a, std::string_view b) {
  if (a.empty() && b.empty()) return 1.0;
  if (a.empty() || b.empty()) return 0.0;
  if (a.size() <= kStackFlagsBytesMax && b.size() <= kStackFlagsBytesMax) {
    bool fa[kStackFlagsBytesMax];
    bool fb[kStackFlagsBytesMax];
    std::fill_n(fa, a.size(), false);
    std::fill_n(fb, b.size(), false);
    return JaroWithFlags(a, b, fa, fb);
  }
  std::vector<char> fa(a.size(), 0), fb(b.size(), 0);
  static_assert(sizeof(bool) == sizeof(char));
  return JaroWithFlags(a, b, reinterpret_cast<bool*>(fa.data()),
                       reinterpret_cast<bool*>(fb.data()));
}

double JaroWinkler(std::string_view a, std::string_view b, double boost_threshold,
                   size_t prefix_bytes_max) {
  const double j = Jaro(a, b);
  if (j <= boost_threshold) return j;
  const size_t n = std::min({a.size(), b.size(), prefix_bytes_max});
  size_t prefix = 0;
  while (prefix < n && a[prefix] == b[prefix]) ++prefix;
  return j + 0.1 * static_cast<double>(prefix) * (1.0 - j);
}

namespace watchman {
namespace {

bool IsGoSpace(UChar32 c) {
  if (c < 0x80) return c == ' ' || (c >= '\t' && c <= '\r');
  return c == 0x85 || c == 0xA0 || u_isUWhiteSpace(c);
}

UChar32 DecodeFirst(std::string_view s) {
  int32_t i = 0;
  UChar32 c = 0;
  U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, static_cast<int32_t>(s.size()), c);
  return c < 0 ? 0xFFFD : c;
}

// The coarse class of an upper-case letter, or the letter itself when it has none.
UChar32 PhoneticClass(UChar32 upper) {
  switch (upper) {
    case 'A':
    case 'E':
    case 'I':
    case 'O':
    case 'U':
    case 'Y':
      return 'A';
    case 'B':
    case 'F':
    case 'P':
    case 'V':
      return 'B';
    case 'C':
    case 'G':
    case 'J':
    case 'K':
    case 'Q':
    case 'S':
    case 'X':
    case 'Z':
      return 'C';
    case 'D':
    case 'T':
      return 'D';
    case 'L':
      return 'L';
    case 'M':
    case 'N':
      return 'M';
    case 'R':
      return 'R';
    case 'H':
    case 'W':
      return 'H';
    default:
      return upper;
  }
}

double ScalingFactor(double metric, double weight) { return 1.0 - (1.0 - metric) * weight; }

size_t SumBytes(std::span<const std::string_view> tokens) {
  size_t n = 0;
  for (std::string_view t : tokens) n += t.size();
  return n;
}

// Variants of `tokens` with short tokens glued to the next (forward) or previous
// (backward) token; the original always comes first.
std::vector<std::vector<std::string>> WordCombinations(std::span<const std::string_view> tokens) {
  std::vector<std::vector<std::string>> out;
  out.emplace_back(tokens.begin(), tokens.end());
  if (tokens.size() <= 1) return out;
  std::vector<std::string> forward;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i + 1 < tokens.size() && tokens[i].size() <= 3) {
      forward.push_back(std::string(tokens[i]) + std::string(tokens[i + 1]));
      ++i;
    } else {
      forward.emplace_back(tokens[i]);
    }
  }
  if (forward.size() == tokens.size()) return out;
  std::vector<std::string> backward;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > 0 && tokens[i].size() <= 3) {
      if (!backward.empty()) backward.back() += tokens[i];
    } else {
      backward.emplace_back(tokens[i]);
    }
  }
  const bool add_backward = backward.size() < tokens.size() && backward != forward;
  out.push_back(std::move(forward));
  if (add_backward) out.push_back(std::move(backward));
  return out;
}

}  // namespace

std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  int32_t start = -1;
  while (i < n) {
    const int32_t at = i;
    UChar32 c = 0;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (IsGoSpace(c)) {
      if (start >= 0) out.push_back(s.substr(start, at - start));
      start = -1;
    } else if (start < 0) {
      start = at;
    }
  }
  if (start >= 0) out.push_back(s.substr(start));
  return out;
}

std::string LowerAndRemovePunctuation(std::string_view s) {
  std::string replaced(s);
  for (char& c : replaced) {
    if (c == '.' || c == ',' || c == '-') c = ' ';
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(replaced);
  u.toLower(icu::Locale::getRoot());
  icu::UnicodeString kept;
  bool last_was_space = true;  // drops leading spaces
  for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
    const UChar32 c = u.char32At(i);
    const int8_t type = u_charType(c);
    const bool punct_or_symbol =
        type == U_CONNECTOR_PUNCTUATION || type == U_DASH_PUNCTUATION ||
        type == U_START_PUNCTUATION || type == U_END_PUNCTUATION || type == U_INITIAL_PUNCTUATION ||
        type == U_FINAL_PUNCTUATION || type == U_OTHER_PUNCTUATION || type == U_MATH_SYMBOL ||
        type == U_CURRENCY_SYMBOL || type == U_MODIFIER_SYMBOL || type == U_OTHER_SYMBOL;
    if (punct_or_symbol || IsGoSpace(c)) {
      if (!last_was_space) kept.append(static_cast<UChar>(' '));
      last_was_space = true;
    } else if (u_isalpha(c) || u_charType(c) == U_DECIMAL_DIGIT_NUMBER || type == U_LETTER_NUMBER ||
               type == U_OTHER_NUMBER) {
      kept.append(c);
      last_was_space = false;
    }
  }
  while (kept.length() > 0 && kept.charAt(kept.length() - 1) == ' ')
    kept.truncate(kept.length() - 1);
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfd = icu::Normalizer2::getNFDInstance(status);
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  CB_CHECK(U_SUCCESS(status));  // built into ICU's data: failing here is a broken install
  icu::UnicodeString decomposed = nfd->normalize(kept, status);
  icu::UnicodeString no_marks;
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    const UChar32 c = decomposed.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK) no_marks.append(c);
  }
  icu::UnicodeString composed = nfc->normalize(no_marks, status);
  CB_CHECK(U_SUCCESS(status));
  std::string out;
  composed.toUTF8String(out);
  return out;
}

bool FirstCharacterSoundexMatch(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty()) return false;
  return PhoneticClass(u_toupper(DecodeFirst(a))) == PhoneticClass(u_toupper(DecodeFirst(b)));
}

double CustomJaroWinkler(std::string_view indexed, std::string_view query) {
  double score = JaroWinkler(indexed, query, kBoostThreshold, kPrefixBytesMax);
  const double shorter = static_cast<double>(std::min(indexed.size(), query.size()));
  const double longer = static_cast<double>(std::max(indexed.size(), query.size()));
  // Go divides 0 by 0 here (NaN, never below the cutoff) when both are empty.
  if (longer > 0 && shorter / longer < kLengthDifferenceCutoffFactor) {
    score *= ScalingFactor(shorter / longer, kLengthDifferencePenaltyWeight);
  }
  if (!indexed.empty() && !query.empty() && !FirstCharacterSoundexMatch(indexed, query)) {
    score *= kDifferentLetterPenaltyWeight;
  }
  return score;
}

double BestPairsJaroWinkler(std::span<const std::string_view> search_tokens,
                            std::span<const std::string_view> indexed_tokens) {
  struct Pair {
    double score;
    size_t search_idx;
    size_t index_idx;
  };
  std::vector<Pair> pairs;
  for (size_t s = 0; s < search_tokens.size(); ++s) {
    for (size_t i = 0; i < indexed_tokens.size(); ++i) {
      if (!FirstCharacterSoundexMatch(indexed_tokens[i], search_tokens[s])) continue;
      pairs.push_back({CustomJaroWinkler(indexed_tokens[i], search_tokens[s]), s, i});
    }
  }
  // Stable: equal scores keep (search, index) order, so the result is deterministic.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& x, const Pair& y) { return x.score > y.score; });
  std::vector<bool> search_used(search_tokens.size()), index_used(indexed_tokens.size());
  double weighted = 0.0;
  size_t matched_index_bytes = 0;
  for (const Pair& p : pairs) {
    if (search_used[p.search_idx] || index_used[p.index_idx]) continue;
    const size_t bytes = search_tokens[p.search_idx].size() + indexed_tokens[p.index_idx].size();
    weighted += p.score * static_cast<double>(bytes);
    search_used[p.search_idx] = true;
    index_used[p.index_idx] = true;
    matched_index_bytes += indexed_tokens[p.index_idx].size();
  }
  const size_t denominator = SumBytes(search_tokens) + matched_index_bytes;
  const double average = denominator == 0 ? 0.0 : weighted / static_cast<double>(denominator);
  const size_t index_bytes = SumBytes(indexed_tokens);
  const double matched_fraction = index_bytes == 0 ? 0.0
                                                   : static_cast<double>(matched_index_bytes) /
                                                         static_cast<double>(index_bytes);
  return average * ScalingFactor(matched_fraction, kUnmatchedIndexTokenWeight);
}

double BestPairCombinationJaroWinkler(std::span<const std::string_view> search_tokens,
                                      std::span<const std::string_view> indexed_tokens) {
  const auto searches = WordCombinations(search_tokens);
  const auto indexes = WordCombinations(indexed_tokens);
  double best = 0.0;
  for (const auto& s : searches) {
    std::vector<std::string_view> sv(s.begin(), s.end());
    for (const auto& i : indexes) {
      std::vector<std::string_view> iv(i.begin(), i.end());
      best = std::max(best, BestPairsJaroWinkler(sv, iv));
    }
  }
  return best;
}

double JaroWinklerWithFavoritism(std::string_view indexed, std::string_view query,
                                 double favoritism) {
  const std::vector<std::string_view> iw = Fields(indexed), qw = Fields(query);
  if (iw.empty() || qw.empty()) return 0.0;
  const double ni = static_cast<double>(iw.size()), nq = static_cast<double>(qw.size());
  std::vector<double> scores;
  scores.reserve(iw.size());
  for (size_t i = 0; i < iw.size(); ++i) {
    // The best query word near position i (window [i-3, i+3)).
    double best = 0.0;
    std::string_view best_term;
    const long lo = static_cast<long>(i) - kAdjacentSimilarityPositions;
    const long hi = static_cast<long>(i) + kAdjacentSimilarityPositions;
    for (long k = std::max(lo, 0L); k < hi && k < static_cast<long>(qw.size()); ++k) {
      const double s = JaroWinkler(iw[i], qw[k], kBoostThreshold, kPrefixBytesMax);
      if (s > best) {
        best = s;
        best_term = qw[k];
      }
    }
    if (best >= 1.0) {
      if (qw.size() > iw.size() && (iw.size() > 3 || qw.size() > 3)) {
        best *= ni / nq;  // a long query: no single word may dominate
      } else if (iw.size() == 1 && qw.size() > 1) {
        best *= 0.9;  // a one-word indexed name caps at 90%
      } else {
        best += favoritism;
      }
      scores.push_back(best);
    } else if (qw.size() > iw.size()) {
      scores.push_back(best * ni / nq);
    } else {
      // Closer word lengths weigh more. Go divides by (len(term) - 1), which is 0 for a
      // one-byte term (+Inf, capped at 1) and -1 when nothing matched (|.| then capped).
      const double s1 = static_cast<double>(iw[i].size());
      const double t = static_cast<double>(best_term.size()) - 1.0;
      const double ratio = t == 0.0 ? std::numeric_limits<double>::infinity() : std::fabs(s1 / t);
      scores.push_back(best * std::min(ratio, 1.0));
    }
  }
  std::sort(scores.begin(), scores.end());
  size_t first = 0;
  if (iw.size() > qw.size() && qw.size() > 5) first = iw.size() - qw.size();
  double sum = 0.0;
  for (size_t k = first; k < scores.size(); ++k) sum += scores[k];
  return std::min(sum / static_cast<double>(scores.size() - first), 1.0);
}

}  // namespace watchman
}  // namespace cb::risk::screening
