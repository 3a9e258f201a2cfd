#include "risk/screening/normalize.h"

#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <mutex>

namespace cb::risk::screening {
namespace {

// BGN/PCGN for Russian first (Ч -> ch, not c), then any script to Latin (Arabic, Greek,
// Han -> pinyin, kana...), then accents and ligatures to ASCII.
constexpr char kTransliteratorId[] = "NFKC; Russian-Latin/BGN; Any-Latin; Latin-ASCII; Lower; NFKC";

template <size_t N>
bool InSorted(const std::array<std::string_view, N>& words, std::string_view w) {
  return std::binary_search(words.begin(), words.end(), w);
}

// Sorted (binary search). Ambiguous words that are also common given names or name
// parts (general, major, sayed, md) are deliberately left out.
constexpr std::array<std::string_view, 35> kHonorifics = {
    "alhaj",   "alhaji", "dame", "dr",     "esq",    "frau",  "hadji",  "haj",     "haji",
    "hajj",    "hajji",  "herr", "hon",    "ii",     "iii",   "jr",     "maulana", "maulvi",
    "mawlawi", "miss",   "mlle", "mme",    "mr",     "mrs",   "ms",     "mufti",   "mulla",
    "mullah",  "prof",   "rev",  "shaikh", "shaykh", "sheik", "sheikh", "sir"};

constexpr std::array<std::string_view, 56> kLegalForms = {
    "ab",   "ad",      "ag",   "ao",          "as",           "bhd",  "bv",   "cjsc",
    "co",   "company", "corp", "corporation", "dd",           "doo",  "eood", "fzc",
    "fzco", "fze",     "gmbh", "inc",         "incorporated", "jsc",  "kft",  "kg",
    "kk",   "limited", "llc",  "llp",         "lp",           "ltd",  "nv",   "oao",
    "ojsc", "ood",     "ooo",  "oy",          "oyj",          "pao",  "pjsc", "plc",
    "pte",  "pty",     "sa",   "sae",         "sal",          "sarl", "sas",  "sdn",
    "sl",   "spa",     "srl",  "sro",         "tov",          "wll",  "zao",  "zrt"};

// Single letters are initials, never stopwords.
constexpr std::array<std::string_view, 26> kStopwords = {
    "al", "and", "bin", "bint", "da", "de",  "del", "der", "des", "di",  "do",  "dos", "du",
    "el", "et",  "for", "ibn",  "la", "las", "le",  "los", "of",  "the", "und", "van", "von"};

constexpr std::array<std::string_view, 4> kVesselPrefixes = {"mt", "mv", "my", "ss"};
static_assert(std::is_sorted(kHonorifics.begin(), kHonorifics.end()));
static_assert(std::is_sorted(kLegalForms.begin(), kLegalForms.end()));
static_assert(std::is_sorted(kStopwords.begin(), kStopwords.end()));
static_assert(std::is_sorted(kVesselPrefixes.begin(), kVesselPrefixes.end()));

bool IsWordByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80;
}

std::string_view CutUtf8(std::string_view s, size_t bytes_max) {
  if (s.size() <= bytes_max) return s;
  size_t n = bytes_max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;  // continuation
  return s.substr(0, n);
}

bool HasNonAscii(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// Non-ASCII left after transliteration (a script ICU cannot romanise): letters and digits
// stay as UTF-8, anything else becomes a space.
std::string KeepLettersOfUnknownScripts(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  while (i < n) {
    const int32_t at = i;
    UChar32 c = 0;
    U8_NEXT(reinterpret_cast<const uint8_t*>(s.data()), i, n, c);
    if (c < 0) {
      out.push_back(' ');
    } else if (c < 0x80) {
      out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    } else if (u_isalnum(c)) {
      out.append(s.substr(at, i - at));
    } else {
      out.push_back(' ');
    }
  }
  return out;
}

struct RawToken {
  std::string text;
  bool initial = false;
  bool dotted_legal_form = false;  // "s.a." -> "sa", recognised only as a whole
};

// One whitespace/punctuation-delimited chunk (letters, digits, '.', '-', apostrophes).
void SplitChunk(std::string_view chunk, std::vector<RawToken>* out) {
  std::string text;
  for (char c : chunk) {
    if (c != '\'' && c != '`') text.push_back(c);  // o'brien -> obrien, d'yakov -> dyakov
  }
  // Dotted single letters: "a.i.c." are initials, "s.a." / "s.r.l." a legal form.
  std::vector<std::string> pieces;
  std::string piece;
  bool all_single = text.find('.') != std::string::npos && text.find('-') == std::string::npos;
  for (char c : text) {
    if (c == '.' || c == '-') {
      if (!piece.empty()) pieces.push_back(piece);
      piece.clear();
    } else {
      piece.push_back(c);
    }
  }
  if (!piece.empty()) pieces.push_back(piece);
  for (const std::string& p : pieces) all_single = all_single && p.size() == 1;
  if (all_single && pieces.size() >= 2) {
    std::string joined;
    for (const std::string& p : pieces) joined += p;
    if (IsLegalForm(joined)) {
      out->push_back({joined, false, true});
      return;
    }
  }
  for (std::string& p : pieces) {
    const bool initial = p.size() == 1 && p[0] >= 'a' && p[0] <= 'z';
    out->push_back({std::move(p), initial, false});
  }
}

int SoundClass(char c) {
  switch (c) {
    case 'b':
    case 'f':
    case 'p':
    case 'v':
    case 'w':
      return 1;
    case 'c':
    case 'g':
    case 'j':
    case 'k':
    case 'q':
    case 's':
    case 'x':
    case 'z':
      return 2;
    case 'd':
    case 't':
      return 3;
    case 'l':
      return 4;
    case 'm':
    case 'n':
      return 5;
    case 'r':
      return 6;
    default:
      return 0;  // vowels, h, y: dropped
  }
}

}  // namespace

struct NameNormalizer::Impl {
  mutable std::mutex mu;  // guards translit: ICU transliterators are not thread-safe
  std::unique_ptr<icu::Transliterator> translit;
};

NameNormalizer::NameNormalizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NameNormalizer::~NameNormalizer() = default;

Result<std::unique_ptr<NameNormalizer>> NameNormalizer::Create() {
  auto impl = std::make_unique<Impl>();
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error;
  impl->translit.reset(
      icu::Transliterator::createInstance(kTransliteratorId, UTRANS_FORWARD, parse_error, status));
  if (U_FAILURE(status) || impl->translit == nullptr) {
    return Status::FailedPrecondition(std::string("ICU transliterator '") + kTransliteratorId +
                                      "' unavailable: " + u_errorName(status));
  }
  return std::unique_ptr<NameNormalizer>(new NameNormalizer(std::move(impl)));
}

std::string NameNormalizer::Fold(std::string_view raw) const {
  const std::string_view cut = CutUtf8(raw, kNameBytesMax);
  if (!HasNonAscii(cut)) {
    std::string out(cut);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(cut);
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->translit->transliterate(u);
  }
  std::string utf8;
  u.toUTF8String(utf8);
  return KeepLettersOfUnknownScripts(CutUtf8(utf8, 4 * kNameBytesMax));
}

NormalizedName NameNormalizer::Normalize(std::string_view raw) const {
  const std::string folded = Fold(raw);
  std::vector<RawToken> raw_tokens;
  size_t i = 0;
  while (i < folded.size() && raw_tokens.size() < 2 * kNameTokensMax) {
    const auto c = static_cast<unsigned char>(folded[i]);
    if (!IsWordByte(c) && c != '.' && c != '-' && c != '\'' && c != '`') {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < folded.size()) {
      const auto d = static_cast<unsigned char>(folded[j]);
      if (!IsWordByte(d) && d != '.' && d != '-' && d != '\'' && d != '`') break;
      ++j;
    }
    SplitChunk(std::string_view(folded).substr(i, j - i), &raw_tokens);
    i = j;
  }

  NormalizedName out;
  auto is_word = [](const RawToken& t) { return !IsHonorific(t.text) && !IsLegalForm(t.text); };
  const size_t words =
      static_cast<size_t>(std::count_if(raw_tokens.begin(), raw_tokens.end(), is_word));
  // Legal forms count only at either end ("co ltd" at the end, "ooo" at the start) and
  // only while a real word remains: "sa" inside a name is a name part.
  size_t first = 0, last = raw_tokens.size();
  if (words > 0) {
    while (first < last &&
           (IsLegalForm(raw_tokens[first].text) || IsHonorific(raw_tokens[first].text))) {
      (IsLegalForm(raw_tokens[first].text) ? out.legal_form : out.honorific) = true;
      ++first;
    }
    while (last > first &&
           (IsLegalForm(raw_tokens[last - 1].text) || IsHonorific(raw_tokens[last - 1].text))) {
      (IsLegalForm(raw_tokens[last - 1].text) ? out.legal_form : out.honorific) = true;
      --last;
    }
  }
  for (const RawToken& t : raw_tokens) {
    if (out.glued.size() + t.text.size() <= kNameBytesMax) out.glued += t.text;
  }
  for (size_t k = first; k < last; ++k) {
    RawToken& t = raw_tokens[k];
    if (t.dotted_legal_form) {
      out.legal_form = true;  // "s.a." mid-name is still a legal form, never a name part
      continue;
    }
    if (IsHonorific(t.text) && words > 0) {
      out.honorific = true;
      continue;
    }
    if (out.tokens.empty() && last - k >= 2 &&
        InSorted(kVesselPrefixes, std::string_view(t.text))) {
      out.vessel_prefix = true;
      continue;
    }
    if (out.tokens.size() == kNameTokensMax) break;
    if (t.text.size() > kTokenBytesMax) t.text.resize(kTokenBytesMax);
    out.tokens.push_back(std::move(t.text));
  }
  return out;
}

bool IsHonorific(std::string_view token) { return InSorted(kHonorifics, token); }
bool IsLegalForm(std::string_view token) { return InSorted(kLegalForms, token); }
bool IsStopword(std::string_view token) { return InSorted(kStopwords, token); }

std::string PhoneticKey(std::string_view token) {
  std::string key;
  if (token.empty()) return key;
  const char first = token[0];
  if (first == 'a' || first == 'e' || first == 'i' || first == 'o' || first == 'u')
    key.push_back('0');
  int previous = -1;
  for (size_t i = 0; i < token.size() && key.size() < kPhoneticKeyBytesMax; ++i) {
    char c = token[i];
    // Digraphs that are one sound: ph -> f, ck -> k.
    if (c == 'p' && i + 1 < token.size() && token[i + 1] == 'h') c = 'f';
    if (c >= '0' && c <= '9') {
      key.push_back(c);
      previous = -1;
      continue;
    }
    const int cls = SoundClass(c);
    if (cls == 0) continue;  // vowels do not separate: "mhmd" and "mohamed" share a key
    if (cls != previous) key.push_back(static_cast<char>('0' + cls));
    previous = cls;
  }
  return key;
}

}  // namespace cb::risk::screening
