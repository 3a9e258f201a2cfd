#pragma once
// SHA-256 (OpenSSL) for the journal hash chain and state hashes.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace cb {

using Hash256 = std::array<uint8_t, 32>;

std::string HexEncode(const uint8_t* data, size_t size);
inline std::string HashHex(const Hash256& h) { return HexEncode(h.data(), h.size()); }

// Incremental hasher; OpenSSL's EVP context lives in the .cc.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t size);
  Hash256 Finish();

 private:
  void* ctx_;
};

Hash256 Sha256Of(const void* data, size_t size);

}  // namespace cb
