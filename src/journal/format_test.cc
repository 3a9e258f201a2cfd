#include "journal/format.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "base/uint128.h"

namespace cb::journal {
namespace {

constexpr TimestampNs kBatchTs = 1'700'000'000ull * kNsPerSecond;

// Adds an event whose payload is `size` bytes counting up from `seed`.
void AddCountingEvent(RecordBuilder* b, uint16_t type, uint32_t size, uint8_t seed) {
  uint8_t* p = b->AddEvent(type, 1, size);
  for (uint32_t i = 0; i < size; i++) p[i] = static_cast<uint8_t>(seed + i);
}

// A record with three events: an empty payload, an unaligned one and an aligned one.
RecordBuilder ThreeEventRecord() {
  RecordBuilder b;
  AddCountingEvent(&b, 7, 0, 0);
  AddCountingEvent(&b, 8, 5, 10);
  AddCountingEvent(&b, 9, 16, 100);
  return b;
}

Hash256 PrevHashFixture() {
  Hash256 h{};
  for (size_t i = 0; i < h.size(); i++) h[i] = static_cast<uint8_t>(0xA0 + i);
  return h;
}

TEST(FormatTest, SealedRecordDecodesToTheSameHeader) {
  RecordBuilder b = ThreeEventRecord();
  const Hash256 prev = PrevHashFixture();
  const Hash256 hash = b.Seal(/*shard=*/3, /*seq_first=*/42, kBatchTs, prev, /*group_offset=*/4096);

  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kNone);
  EXPECT_EQ(h.record_size, b.size_bytes());
  EXPECT_EQ(h.record_size % 8, 0u);
  EXPECT_EQ(h.version, kRecordVersion);
  EXPECT_EQ(h.shard, 3);
  EXPECT_EQ(h.seq_first, 42u);
  EXPECT_EQ(h.event_count, 3u);
  EXPECT_EQ(h.timestamp_ns, kBatchTs);
  EXPECT_EQ(h.group_offset, 4096u);
  EXPECT_EQ(h.prev_hash, prev);
  EXPECT_EQ(h.hash, hash);
  EXPECT_EQ(hash, ComputeRecordHash(prev, b.bytes()));
  EXPECT_EQ(events.size(), b.size_bytes() - kRecordHeaderSize);
}

TEST(FormatTest, RecordSizeIsHeaderPlusPaddedEvents) {
  RecordBuilder b = ThreeEventRecord();
  // 0 -> 8, 5 -> 8 + 8, 16 -> 8 + 16.
  EXPECT_EQ(b.size_bytes(), kRecordHeaderSize + 8 + 16 + 24);
  EXPECT_EQ(b.event_count(), 3u);
}

TEST(FormatTest, EventIteratorYieldsEventsInOrderWithExactPayloads) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kNone);

  EventIterator it(events);
  EventView ev;
  ASSERT_TRUE(it.Next(&ev));
  EXPECT_EQ(ev.type, 7);
  EXPECT_EQ(ev.version, 1);
  EXPECT_EQ(ev.payload.size(), 0u);

  ASSERT_TRUE(it.Next(&ev));
  EXPECT_EQ(ev.type, 8);
  ASSERT_EQ(ev.payload.size(), 5u);
  for (size_t i = 0; i < 5; i++) EXPECT_EQ(ev.payload[i], 10 + i);

  ASSERT_TRUE(it.Next(&ev));
  EXPECT_EQ(ev.type, 9);
  ASSERT_EQ(ev.payload.size(), 16u);
  for (size_t i = 0; i < 16; i++) EXPECT_EQ(ev.payload[i], 100 + i);

  EXPECT_FALSE(it.Next(&ev));
  EXPECT_FALSE(it.Next(&ev));
}

TEST(FormatTest, EveryFlippedByteOfARecordIsDetected) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(1, 9, kBatchTs, PrevHashFixture(), 64);
  const std::vector<uint8_t> good(b.bytes().begin(), b.bytes().end());
  for (size_t i = 0; i < good.size(); i++) {
    for (uint8_t mask : {uint8_t{0x01}, uint8_t{0x80}, uint8_t{0xFF}}) {
      std::vector<uint8_t> bad = good;
      bad[i] ^= mask;
      RecordHeader h;
      std::span<const uint8_t> events;
      EXPECT_NE(DecodeRecord(bad, &h, &events), DecodeError::kNone)
          << "byte " << i << " mask " << int{mask};
    }
  }
}

TEST(FormatTest, FlippedPayloadByteFailsTheCrc) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  std::vector<uint8_t> bad(b.bytes().begin(), b.bytes().end());
  bad[kRecordHeaderSize + 8 + 8 + 2] ^= 0x04;  // inside the second event's payload
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(bad, &h, &events), DecodeError::kBadCrc);
}

TEST(FormatTest, FlippedMagicIsReportedAsBadMagic) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  std::vector<uint8_t> bad(b.bytes().begin(), b.bytes().end());
  bad[5] ^= 0x10;
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(bad, &h, &events), DecodeError::kBadMagic);
}

// A forged record with a correct CRC but a hash that does not match its content.
TEST(FormatTest, RecordWithRecomputedCrcButWrongHashIsRejected) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  std::span<uint8_t> bytes = b.mutable_bytes();
  bytes[kRecordHeaderSize + 8 + 8] ^= 0x01;
  RestampGroupOffset(bytes, 0);  // re-seals the CRC only
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kBadHash);
}

TEST(FormatTest, ZeroHeaderDecodesAsZero) {
  const std::vector<uint8_t> zeros(4096, 0);
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(zeros, &h, &events), DecodeError::kZero);
  // Preallocated space shorter than a header is also a clean end.
  EXPECT_EQ(DecodeRecord(std::span<const uint8_t>(zeros.data(), 40), &h, &events),
            DecodeError::kZero);
  EXPECT_EQ(DecodeRecord(std::span<const uint8_t>(), &h, &events), DecodeError::kZero);
}

TEST(FormatTest, ShortNonZeroTailIsABadSizeNotAnEnd) {
  std::vector<uint8_t> tail(40, 0);
  tail[17] = 1;
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(tail, &h, &events), DecodeError::kBadSize);
}

TEST(FormatTest, RecordCutShortIsABadSize) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  RecordHeader h;
  std::span<const uint8_t> events;
  EXPECT_EQ(DecodeRecord(b.bytes().first(b.size_bytes() - 8), &h, &events), DecodeError::kBadSize);
}

TEST(FormatTest, TrailingBytesAfterARecordAreNotPartOfIt) {
  RecordBuilder b = ThreeEventRecord();
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  std::vector<uint8_t> buf(b.bytes().begin(), b.bytes().end());
  buf.resize(buf.size() + 64, 0xEE);
  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(buf, &h, &events), DecodeError::kNone);
  EXPECT_EQ(h.record_size, b.size_bytes());
}

TEST(FormatTest, RestampedGroupOffsetKeepsTheHashAndDecodes) {
  RecordBuilder b = ThreeEventRecord();
  const Hash256 hash = b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  RestampGroupOffset(b.mutable_bytes(), 8192);
  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kNone);
  EXPECT_EQ(h.group_offset, 8192u);
  EXPECT_EQ(h.hash, hash);
}

// The hash chain covers logical content only, so framing (group_offset) does not change it,
// while any logical field does.
TEST(FormatTest, HashDependsOnPrevHashAndContentButNotOnGroupOffset) {
  RecordBuilder a = ThreeEventRecord();
  RecordBuilder b = ThreeEventRecord();
  EXPECT_EQ(a.Seal(0, 1, kBatchTs, Hash256{}, 0), b.Seal(0, 1, kBatchTs, Hash256{}, 512));
  RecordBuilder c = ThreeEventRecord();
  EXPECT_NE(a.Seal(0, 1, kBatchTs, Hash256{}, 0), c.Seal(0, 1, kBatchTs, PrevHashFixture(), 0));
  RecordBuilder d = ThreeEventRecord();
  EXPECT_NE(a.Seal(0, 1, kBatchTs, Hash256{}, 0), d.Seal(0, 2, kBatchTs, Hash256{}, 0));
  RecordBuilder e = ThreeEventRecord();
  EXPECT_NE(a.Seal(0, 1, kBatchTs, Hash256{}, 0), e.Seal(0, 1, kBatchTs + 1, Hash256{}, 0));
}

TEST(FormatTest, RollbackDropsEventsAddedAfterTheMark) {
  RecordBuilder b;
  AddCountingEvent(&b, 1, 8, 0);
  const RecordBuilder::Mark m = b.mark();
  AddCountingEvent(&b, 2, 24, 0);
  AddCountingEvent(&b, 3, 3, 0);
  b.RollbackTo(m);
  EXPECT_EQ(b.event_count(), 1u);
  EXPECT_EQ(b.size_bytes(), kRecordHeaderSize + 16);
  b.Seal(0, 1, kBatchTs, Hash256{}, 0);
  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kNone);
  EXPECT_EQ(h.event_count, 1u);
}

TEST(FormatTest, EmptyRecordRoundTrips) {
  RecordBuilder b;
  b.Seal(0, 5, kBatchTs, Hash256{}, 0);
  RecordHeader h;
  std::span<const uint8_t> events;
  ASSERT_EQ(DecodeRecord(b.bytes(), &h, &events), DecodeError::kNone);
  EXPECT_EQ(h.event_count, 0u);
  EXPECT_TRUE(events.empty());
}

}  // namespace
}  // namespace cb::journal
