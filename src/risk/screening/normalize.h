#pragma once
// Name normalisation for screening: any script to lower-case ASCII (ICU transliteration),
// punctuation folded, honorifics and legal-form words taken out of the tokens (kept as
// flags: a small type signal), dotted abbreviations split into initials, and a phonetic
// key per token. See docs/adr/0016-screening-name-matching.md.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::risk::screening {

// Longer input is cut at a UTF-8 boundary first: no real name is near this.
inline constexpr size_t kNameBytesMax = 1024;
// Tokens past the first kNameTokensMax are dropped; a token is cut to kTokenBytesMax.
inline constexpr size_t kNameTokensMax = 24;
inline constexpr size_t kTokenBytesMax = 48;
// A phonetic key is at most this many characters.
inline constexpr size_t kPhoneticKeyBytesMax = 8;

struct NormalizedName {
  std::vector<std::string> tokens;  // lower-case ASCII words and one-letter initials, in order
  bool legal_form = false;          // llc, ltd, ooo, gmbh, s.a. ... was present
  bool honorific = false;           // mr, dr, sheikh, haji ... was present
  bool vessel_prefix = false;       // mv, mt ... was present
  std::string glued;  // every word, legal forms included, glued: "jsc argument" -> "jscargument"
};

// Holds one ICU transliterator. Thread-safe: ICU transliterators are not, so calls that
// need it (input with non-ASCII bytes) take a mutex; ASCII input never does.
class NameNormalizer {
 public:
  static Result<std::unique_ptr<NameNormalizer>> Create();
  ~NameNormalizer();
  NameNormalizer(const NameNormalizer&) = delete;
  NameNormalizer& operator=(const NameNormalizer&) = delete;

  // Transliterated to Latin, ASCII and lower case; punctuation still present.
  std::string Fold(std::string_view raw) const;
  NormalizedName Normalize(std::string_view raw) const;

 private:
  struct Impl;
  explicit NameNormalizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

bool IsHonorific(std::string_view token);
bool IsLegalForm(std::string_view token);
// Particles and connectives ("al", "bin", "de", "of", "the"): kept, but weigh little.
bool IsStopword(std::string_view token);
// A consonant skeleton: letters mapped to sound classes (b f p v w / c g j k q s x z / d t
// / l / m n / r), vowels, h and y dropped, repeats collapsed, a leading vowel kept as '0'.
// "mohamed", "muhammad" and "mhmd" (Arabic transliterated) all give "53". Digits stay.
std::string PhoneticKey(std::string_view token);

}  // namespace cb::risk::screening
