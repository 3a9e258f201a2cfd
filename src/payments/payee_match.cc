// Confirmation-of-payee name matching: normalise, then exact, reordered, initials, typos.
#include "payments/payee_match.h"

#include <algorithm>
#include <string>
#include <vector>

namespace cb::payments {

namespace {

bool IsTitle(std::string_view t) {
  return t == "mr" || t == "mrs" || t == "ms" || t == "miss" || t == "mx" || t == "dr";
}

std::vector<std::string> Tokens(std::string_view name) {
  name = name.substr(0, std::min(name.size(), kPayeeNameBytesMax));
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (cur.empty()) return;
    if (cur == "limited") cur = "ltd";
    if (!IsTitle(cur)) out.push_back(cur);
    cur.clear();
  };
  for (char ch : name) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 'A' && c <= 'Z') {
      cur.push_back(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      cur.push_back(static_cast<char>(c));  // UTF-8 bytes compared as they are
    } else if (c == '\'') {
      continue;  // O'Brien = OBrien
    } else {
      flush();
    }
  }
  flush();
  return out;
}

std::string Joined(const std::vector<std::string>& t) {
  std::string s;
  for (const std::string& x : t) s += (s.empty() ? "" : " ") + x;
  return s;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions ("deo").
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev2(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (size_t j = 0; j <= b.size(); j++) prev[j] = j;
  for (size_t i = 1; i <= a.size(); i++) {
    cur[0] = i;
    for (size_t j = 1; j <= b.size(); j++) {
      const size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        cur[j] = std::min(cur[j], prev2[j - 2] + 1);
      }
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "j smith" / "j a smith" for "john andrew smith": same surname, every given name of the
// shorter is the other's (in order) or its initial.
bool InitialsMatch(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.size() < 2 || a.size() != b.size() || a.back() != b.back()) return false;
  for (size_t i = 0; i + 1 < a.size(); i++) {
    const std::string& x = a[i];
    const std::string& y = b[i];
    if (x == y) continue;
    const bool initial = (x.size() == 1 && y[0] == x[0]) || (y.size() == 1 && x[0] == y[0]);
    if (!initial) return false;
  }
  return true;
}

}  // namespace

PayeeMatch MatchPayeeName(std::string_view given, std::string_view holder) {
  const std::vector<std::string> a = Tokens(given);
  const std::vector<std::string> b = Tokens(holder);
  if (a.empty() || b.empty()) return PayeeMatch::kNoMatch;
  if (a == b) return PayeeMatch::kMatch;
  std::vector<std::string> sa = a, sb = b;
  std::sort(sa.begin(), sa.end());
  std::sort(sb.begin(), sb.end());
  if (sa == sb) return PayeeMatch::kCloseMatch;
  if (InitialsMatch(a, b)) return PayeeMatch::kCloseMatch;
  const std::string ja = Joined(a), jb = Joined(b);
  const size_t shorter = std::min(ja.size(), jb.size());
  if (shorter >= 6) {
    const size_t allowed = std::min<size_t>(3, shorter / 6);
    if (EditDistance(ja, jb) <= allowed) return PayeeMatch::kCloseMatch;
  }
  return PayeeMatch::kNoMatch;
}

const char* PayeeMatchName(PayeeMatch m) {
  switch (m) {
    case PayeeMatch::kMatch:
      return "match";
    case PayeeMatch::kCloseMatch:
      return "close_match";
    case PayeeMatch::kNoMatch:
      return "no_match";
  }
  return "no_match";
}

}  // namespace cb::payments
