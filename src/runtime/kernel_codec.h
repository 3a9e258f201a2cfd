#pragma once
// Internal to src/runtime: little-endian byte writing and bounds-checked reading for the
// kernel's fixed-layout events and snapshot sections (timers, subscriber cursors).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace cb::runtime::internal {

template <typename T>
void PutLe(std::string* out, T value) {
  out->append(reinterpret_cast<const char*>(&value), sizeof(value));  // x86-64/arm64: LE
}

// Reads from the front of a byte view; any read past the end makes ok() false for good.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : bytes_(bytes) {}
  template <typename T>
  T Get() {
    T value{};
    if (!ok_ || bytes_.size() < sizeof(T)) {
      ok_ = false;
      return value;
    }
    std::memcpy(&value, bytes_.data(), sizeof(T));
    bytes_.remove_prefix(sizeof(T));
    return value;
  }
  std::string_view Bytes(size_t n) {
    if (!ok_ || bytes_.size() < n) {
      ok_ = false;
      return {};
    }
    std::string_view out = bytes_.substr(0, n);
    bytes_.remove_prefix(n);
    return out;
  }
  std::string_view rest() const { return bytes_; }
  bool ok() const { return ok_; }

 private:
  std::string_view bytes_;
  bool ok_ = true;
};

}  // namespace cb::runtime::internal
