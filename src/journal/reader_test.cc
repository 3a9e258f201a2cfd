// JournalReader over a PositionIndex shared with the journal: a read starts at the nearest
// noted record, so an idempotent replay or an event page after a restart reads a few
// headers, not the journal from segment 0.
#include "journal/reader.h"

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "base/uint128.h"
#include "journal/journal.h"

namespace cb::journal {
namespace {

constexpr TimestampNs kTs0 = 1'700'000'000ull * kNsPerSecond;
constexpr uint64_t kSegmentBytes = 64 << 10;
constexpr size_t kPayloadBytes = 200;  // ~330 records per segment

TEST(PositionIndexTest, NotesSegmentStartsAndAboutOneRecordPerStride) {
  PositionIndex index;
  index.Note(1, {0, 0});
  index.Note(2, {0, 500});  // within a stride of the entry before: covered by it
  EXPECT_EQ(index.size(), 1u);
  index.Note(90, {0, PositionIndex::kStrideBytes});
  index.Note(100, {1, 0});  // a new segment always gets one
  index.Note(1, {0, 0});    // again: nothing new
  EXPECT_EQ(index.size(), 3u);
  EXPECT_FALSE(index.Floor(0).has_value());
  EXPECT_EQ(index.Floor(1)->seq_first, 1u);
  EXPECT_EQ(index.Floor(89)->seq_first, 1u);
  EXPECT_EQ(index.Floor(99)->position.offset, PositionIndex::kStrideBytes);
  EXPECT_EQ(index.Floor(5000)->position.segment, 1u);
}

class JournalReaderTest : public ::testing::Test {
 protected:
  Result<std::unique_ptr<FileJournal>> Open(const ScanStart& start, PositionIndex* positions) {
    JournalOptions o;
    o.dir = dir_;
    o.segment_bytes = kSegmentBytes;
    o.durability = Durability::kNone;
    o.positions = positions;
    return FileJournal::Open(
        disk_.get(), o, start,
        [this](const RecordRef& r) {
          last_hash_by_segment_[r.position.segment] = {r.header->seq_first + r.header->event_count,
                                                       r.header->hash};
          return Status::Ok();
        },
        nullptr);
  }

  // `records` single-event records, one per group; event payloads carry their seq.
  void Append(FileJournal* j, size_t records) {
    for (size_t k = 0; k < records; k++) {
      RecordBuilder b;
      const uint64_t seq = j->seq_next();
      uint8_t* p = b.AddEvent(7, 1, kPayloadBytes);
      std::memset(p, 0, kPayloadBytes);
      StoreLe<uint64_t>(p, seq);
      const BatchToWrite w{&b, seq, kTs0 + seq};
      ASSERT_TRUE(j->AppendGroup({&w, 1}).ok());
    }
  }

  // Reads event `seq` and checks it is the one written.
  void ExpectEvent(JournalReader* reader, uint64_t seq, uint64_t durable_seq_next) {
    auto ev = reader->ReadEvent(seq, durable_seq_next);
    ASSERT_TRUE(ev.ok()) << ev.status().ToString();
    ASSERT_EQ(ev->payload.size(), kPayloadBytes);
    EXPECT_EQ(LoadLe<uint64_t>(ev->payload.data()), seq);
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  std::string dir_ = JoinPath(tmp_.path(), "journal");
  struct SegmentEnd {
    uint64_t seq_next;
    Hash256 last_hash;
  };
  std::map<uint64_t, SegmentEnd> last_hash_by_segment_;
};

TEST_F(JournalReaderTest, ReadAfterARestartStartsInTheEventsSegmentNotAtSegmentZero) {
  {
    auto j = Open(ScanStart{}, nullptr);
    ASSERT_TRUE(j.ok()) << j.status().ToString();
    Append(j->get(), 6000);  // ~18 segments
    ASSERT_GE((*j)->position().segment, 15u);
  }
  PositionIndex positions;  // a new process
  auto j = Open(ScanStart{}, &positions);
  ASSERT_TRUE(j.ok());
  const uint64_t durable = (*j)->seq_next();
  JournalReader indexed(disk_.get(), dir_, &positions);
  ExpectEvent(&indexed, 5900, durable);
  const uint64_t records_per_segment = kSegmentBytes / (kRecordHeaderSize + 8 + kPayloadBytes);
  EXPECT_LE(indexed.headers_read(), records_per_segment + 2);
  // Without the index the same read walks every header before it.
  JournalReader blind(disk_.get(), dir_);
  ExpectEvent(&blind, 5900, durable);
  EXPECT_GE(blind.headers_read(), 5900u);
}

TEST_F(JournalReaderTest, SegmentsBeforeTheRecoveryStartAreIndexedToo) {
  {
    auto j = Open(ScanStart{}, nullptr);
    ASSERT_TRUE(j.ok());
    Append(j->get(), 6000);
  }
  {
    auto j = Open(ScanStart{}, nullptr);  // learn where segment 10 starts and its chain
    ASSERT_TRUE(j.ok());
  }
  const SegmentEnd before = last_hash_by_segment_.at(9);
  // As after a snapshot: recovery scans only from segment 10.
  PositionIndex positions;
  auto j = Open(ScanStart{{10, 0}, before.seq_next, before.last_hash}, &positions);
  ASSERT_TRUE(j.ok()) << j.status().ToString();
  JournalReader reader(disk_.get(), dir_, &positions);
  ExpectEvent(&reader, 1000, (*j)->seq_next());  // in segment 3
  EXPECT_LE(reader.headers_read(), 400u);
}

TEST_F(JournalReaderTest, AppendedRecordsAreIndexedAsTheyAreWritten) {
  PositionIndex positions;
  auto j = Open(ScanStart{}, &positions);
  ASSERT_TRUE(j.ok());
  JournalReader reader(disk_.get(), dir_, &positions);
  Append(j->get(), 3000);
  const uint64_t before = reader.headers_read();
  ExpectEvent(&reader, 2990, (*j)->seq_next());
  EXPECT_LE(reader.headers_read() - before, 400u);
  // Nothing past what is durable is ever read.
  EXPECT_FALSE(reader.ReadEvent((*j)->seq_next(), (*j)->seq_next()).ok());
}

// Skipped records are read by header only, without their CRC: a damaged header on the way
// must still fail the read (DataLoss), never return another event under the wanted seq.
TEST_F(JournalReaderTest, DamagedHeaderOfASkippedRecordIsDataLossNotAWrongEvent) {
  {
    auto j = Open(ScanStart{}, nullptr);
    ASSERT_TRUE(j.ok());
    Append(j->get(), 20);
  }
  const uint64_t record_bytes = kRecordHeaderSize + 8 + kPayloadBytes;
  const std::string segment = JoinPath(dir_, SegmentName(0));
  auto file = disk_->Open(segment, false);
  ASSERT_TRUE(file.ok());
  const uint8_t bumped[4] = {2, 0, 0, 0};  // record 5 claims two events: seqs shift by one
  ASSERT_TRUE((*file)->WriteAt(5 * record_bytes + 24, bumped).ok());
  JournalReader reader(disk_.get(), dir_);
  auto ev = reader.ReadEvent(10, 21);
  ASSERT_FALSE(ev.ok());
  EXPECT_EQ(ev.status().code(), StatusCode::kDataLoss) << ev.status().ToString();
}

}  // namespace
}  // namespace cb::journal
