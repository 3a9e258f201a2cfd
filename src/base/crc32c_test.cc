#include "base/crc32c.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace cb {
namespace {

uint32_t CrcOf(const std::string& s) { return Crc32c(s.data(), s.size()); }

TEST(Crc32cTest, CheckStringMatchesTheStandardCheckValue) {
  EXPECT_EQ(CrcOf("123456789"), 0xE3069283u);
}

TEST(Crc32cTest, EmptyInputChecksumsToZero) { EXPECT_EQ(Crc32c(nullptr, 0), 0u); }

// Test vectors from RFC 3720 (iSCSI), appendix B.4.
TEST(Crc32cTest, Rfc3720VectorsMatch) {
  std::array<uint8_t, 32> buf{};
  EXPECT_EQ(Crc32c(buf.data(), buf.size()), 0x8A9136AAu);
  buf.fill(0xFF);
  EXPECT_EQ(Crc32c(buf.data(), buf.size()), 0x62A8AB43u);
  for (size_t i = 0; i < buf.size(); i++) buf[i] = static_cast<uint8_t>(i);
  EXPECT_EQ(Crc32c(buf.data(), buf.size()), 0x46DD794Eu);
  for (size_t i = 0; i < buf.size(); i++) buf[i] = static_cast<uint8_t>(31 - i);
  EXPECT_EQ(Crc32c(buf.data(), buf.size()), 0x113FDB5Cu);
}

TEST(Crc32cTest, ExtendingInPiecesEqualsOneShotAtEverySplitPoint) {
  std::vector<uint8_t> data(67);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 37 + 11);
  const uint32_t whole = Crc32c(data.data(), data.size());
  for (size_t split = 0; split <= data.size(); split++) {
    const uint32_t head = Crc32cExtend(0, data.data(), split);
    EXPECT_EQ(Crc32cExtend(head, data.data() + split, data.size() - split), whole)
        << "split at " << split;
  }
}

TEST(Crc32cTest, ExtendingByteByByteEqualsOneShot) {
  const std::string text = "The quick brown fox jumps over the lazy dog";
  uint32_t crc = 0;
  for (char c : text) crc = Crc32cExtend(crc, &c, 1);
  EXPECT_EQ(crc, CrcOf(text));
  EXPECT_EQ(crc, 0x22620404u);
}

// The hardware path reads 8 bytes at a time: an unaligned start must not change the result.
TEST(Crc32cTest, ResultDoesNotDependOnBufferAlignment) {
  const std::string text = "123456789";
  for (size_t shift = 0; shift < 8; shift++) {
    std::vector<uint8_t> buf(shift + text.size());
    std::memcpy(buf.data() + shift, text.data(), text.size());
    EXPECT_EQ(Crc32c(buf.data() + shift, text.size()), 0xE3069283u) << "shift " << shift;
  }
}

TEST(Crc32cTest, EverySingleBitFlipChangesTheChecksum) {
  std::vector<uint8_t> data(40);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 7);
  const uint32_t base = Crc32c(data.data(), data.size());
  for (size_t i = 0; i < data.size(); i++) {
    for (int bit = 0; bit < 8; bit++) {
      data[i] ^= static_cast<uint8_t>(1u << bit);
      EXPECT_NE(Crc32c(data.data(), data.size()), base) << "byte " << i << " bit " << bit;
      data[i] ^= static_cast<uint8_t>(1u << bit);
    }
  }
}

}  // namespace
}  // namespace cb
