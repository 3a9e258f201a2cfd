#include "kernel/ids.h"

#include <openssl/rand.h>

#include <cstring>

#include "base/check.h"
#include "base/sha256.h"

namespace cb::kernel {

namespace {
constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";  // Crockford: no I L O U

// Base32 value of each byte, -1 for bytes outside the alphabet (case-insensitive).
struct DecodeTable {
  int8_t value[256];
  constexpr DecodeTable() : value() {
    for (int c = 0; c < 256; c++) value[c] = -1;
    for (int i = 0; i < 32; i++) {
      const char ch = kAlphabet[i];
      value[static_cast<unsigned char>(ch)] = static_cast<int8_t>(i);
      if (ch >= 'A' && ch <= 'Z')
        value[static_cast<unsigned char>(ch - 'A' + 'a')] = static_cast<int8_t>(i);
    }
  }
};
constexpr DecodeTable kDecode;

int DecodeChar(char c) { return kDecode.value[static_cast<unsigned char>(c)]; }
}  // namespace

void AppendId(std::string* out, std::string_view prefix, u128 value) {
  out->append(prefix);
  char buf[kIdBase32Chars];
  // 26 chars * 5 bits = 130 bits: the first char carries the top 3 bits.
  for (int i = static_cast<int>(kIdBase32Chars) - 1; i >= 0; i--) {
    buf[i] = kAlphabet[static_cast<unsigned>(value & 31)];
    value >>= 5;
  }
  out->append(buf, kIdBase32Chars);
}

u128 DerivedId(u128 base, uint8_t tag) {
  uint8_t buf[17];
  StoreLe(buf, base);
  buf[16] = tag;
  const Hash256 h = Sha256Of(buf, sizeof(buf));
  u128 v = LoadLe<u128>(h.data());
  if (v == 0 || v == kU128Max) v = 1;
  return v;
}

std::string FormatId(std::string_view prefix, u128 value) {
  std::string out;
  out.reserve(prefix.size() + kIdBase32Chars);
  AppendId(&out, prefix, value);
  return out;
}

bool ParseId(std::string_view text, std::string_view prefix, u128* out) {
  if (text.size() != prefix.size() + kIdBase32Chars || text.substr(0, prefix.size()) != prefix) {
    return false;
  }
  u128 v = 0;
  for (size_t i = prefix.size(); i < text.size(); i++) {
    const int d = DecodeChar(text[i]);
    if (d < 0) return false;
    if (i == prefix.size() && d > 7) return false;  // would overflow 128 bits
    v = (v << 5) | static_cast<u128>(d);
  }
  if (v == 0 || v == kU128Max) return false;  // the ledger reserves both
  *out = v;
  return true;
}

std::string IdBytes(u128 v) {
  std::string s(16, '\0');
  StoreLe(reinterpret_cast<uint8_t*>(s.data()), v);
  return s;
}

bool IdFromBytes(const std::string& bytes, u128* out) {
  if (bytes.size() != 16) return false;
  *out = LoadLe<u128>(reinterpret_cast<const uint8_t*>(bytes.data()));
  return true;
}

u128 IdFromBytesOrZero(const std::string& bytes) {
  u128 v = 0;
  (void)IdFromBytes(bytes, &v);
  return v;
}

u128 RandomU128() {
  // CSPRNG bytes fetched 4 KiB at a time per thread: one RAND_bytes call per request costs
  // more than the rest of decoding a transfer (OpenSSL's DRBG takes a lock and looks up
  // parameters every call). Unpredictability is the same: every byte comes from the CSPRNG
  // and is used once.
  thread_local uint8_t pool[4096];
  thread_local size_t used = sizeof(pool);
  for (;;) {
    if (used + 16 > sizeof(pool)) {
      CB_CHECK(RAND_bytes(pool, sizeof(pool)) == 1);
      used = 0;
    }
    const u128 v = LoadLe<u128>(pool + used);
    std::memset(pool + used, 0, 16);  // never hand out the same bytes twice
    used += 16;
    if (v != 0 && v != kU128Max) return v;
  }
}

}  // namespace cb::kernel
