#include "base/sha256.h"

#include <openssl/evp.h>

#include "base/check.h"

namespace cb {

std::string HexEncode(const uint8_t* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(size * 2, '0');
  for (size_t i = 0; i < size; i++) {
    out[2 * i] = kDigits[data[i] >> 4];
    out[2 * i + 1] = kDigits[data[i] & 0xF];
  }
  return out;
}

namespace {
// Fetched once: EVP_sha256() makes OpenSSL 3 look the algorithm up (under a lock) on every
// init, which costs more than hashing a short key.
const EVP_MD* Sha256Md() {
  static EVP_MD* md = [] {
    EVP_MD* m = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    CB_CHECK(m != nullptr);
    return m;
  }();
  return md;
}
}  // namespace

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  CB_CHECK(ctx_ != nullptr);
  CB_CHECK(EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), Sha256Md(), nullptr) == 1);
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::Update(const void* data, size_t size) {
  CB_CHECK(EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size) == 1);
}

Hash256 Sha256::Finish() {
  Hash256 out{};
  unsigned int len = 0;
  CB_CHECK(EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len) == 1);
  CB_CHECK(len == out.size());
  return out;
}

Hash256 Sha256Of(const void* data, size_t size) {
  Hash256 out{};
  unsigned int len = 0;
  CB_CHECK(EVP_Digest(data, size, out.data(), &len, Sha256Md(), nullptr) == 1);
  CB_CHECK(len == out.size());
  return out;
}

}  // namespace cb
