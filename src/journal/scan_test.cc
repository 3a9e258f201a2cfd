// ScanJournal at a segment rollover whose next segment starts with zeros (cases found by
// fuzz/journal_record_fuzzer): only a segment that is zero throughout is an empty newest
// segment; zeros over its first record are damage, judged like damage anywhere else.
#include "journal/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "journal/sim_disk.h"

namespace cb::journal {
namespace {

constexpr TimestampNs kTs0 = 1'700'000'000ull * kNsPerSecond;
const std::string kDir = "journal";

// Segment files built record by record, chained as the journal chains them.
class Segments {
 public:
  // Appends a one-event record to segment `segment`; `new_group` starts a group-commit write
  // at it (the first record of a segment always does). Returns its offset.
  uint64_t Append(uint64_t segment, bool new_group) {
    if (segments_.size() <= segment) segments_.resize(segment + 1);
    std::vector<uint8_t>& seg = segments_[segment];
    if (seg.empty() || new_group) group_offset_ = seg.size();
    RecordBuilder b;
    std::memset(b.AddEvent(1, 1, 40), static_cast<int>(seq_next_), 40);
    prev_ = b.Seal(0, seq_next_, kTs0 + seq_next_, prev_, group_offset_);
    seq_next_++;
    const uint64_t offset = seg.size();
    seg.insert(seg.end(), b.bytes().begin(), b.bytes().end());
    return offset;
  }
  void Zero(uint64_t segment, uint64_t offset, size_t bytes) {
    std::fill_n(segments_[segment].begin() + static_cast<std::ptrdiff_t>(offset), bytes, 0);
  }
  // Writes every segment, each followed by `prealloc_bytes` of zeros (fallocated space).
  void WriteTo(SimDisk* disk, size_t prealloc_bytes) const {
    ASSERT_TRUE(disk->CreateDir(kDir).ok());
    for (size_t i = 0; i < segments_.size(); i++) {
      std::vector<uint8_t> data = segments_[i];
      data.resize(data.size() + prealloc_bytes, 0);
      auto f = disk->Open(JoinPath(kDir, SegmentName(i)), true);
      ASSERT_TRUE(f.ok());
      ASSERT_TRUE((*f)->WriteAt(0, data).ok());
    }
  }

 private:
  std::vector<std::vector<uint8_t>> segments_;
  uint64_t seq_next_ = 1;
  uint64_t group_offset_ = 0;
  Hash256 prev_{};
};

Result<ScanEnd> Scan(SimDisk* disk, uint64_t* records) {
  *records = 0;
  return ScanJournal(disk, kDir, ScanStart{}, [records](const RecordRef&) {
    ++*records;
    return Status::Ok();
  });
}

TEST(ScanJournalTest, AllZeroNewestSegmentEndsTheJournalAtItsStart) {
  Segments s;
  s.Append(0, true);
  s.Append(0, true);
  SimDisk disk(1, {});
  s.WriteTo(&disk, 1024);
  auto f = disk.Open(JoinPath(kDir, SegmentName(1)), true);  // created, nothing written yet
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE((*f)->Preallocate(4096).ok());

  uint64_t records = 0;
  const auto end = Scan(&disk, &records);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(records, 2u);
  EXPECT_FALSE(end->torn_tail);
  EXPECT_EQ(end->end.segment, 1u);
  EXPECT_EQ(end->end.offset, 0u);
}

// The first record of segment 1 reads back as zeros (a lost first sector), but a later
// group-commit write in the same segment is intact: that write began after the damaged one
// was synced and acknowledged, so this is corruption, not a torn tail to drop.
TEST(ScanJournalTest, ZeroedFirstRecordOfANewerSegmentWithALaterGroupAfterItIsDataLoss) {
  Segments s;
  s.Append(0, true);
  s.Append(0, false);
  s.Append(1, true);
  s.Append(1, true);  // a later group
  s.Zero(1, 0, kRecordHeaderSize);
  SimDisk disk(1, {});
  s.WriteTo(&disk, 1024);

  uint64_t records = 0;
  const auto end = Scan(&disk, &records);
  ASSERT_FALSE(end.ok()) << "dropped an acknowledged record: records=" << records;
  EXPECT_EQ(end.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(end.status().message().find(SegmentName(1) + " offset 0"), std::string::npos)
      << end.status().message();
}

// The same zeros over a segment's only group: it may be the last, torn write. Recovery keeps
// what precedes it and reports a torn tail, so the writer zeroes the stale bytes before it
// appends (they must never resurface as records).
TEST(ScanJournalTest, ZeroedFirstRecordOfTheNewestSegmentsOnlyGroupIsATornTail) {
  Segments s;
  s.Append(0, true);
  s.Append(1, true);
  s.Append(1, false);  // same group
  s.Zero(1, 0, kRecordHeaderSize);
  SimDisk disk(1, {});
  s.WriteTo(&disk, 1024);

  uint64_t records = 0;
  const auto end = Scan(&disk, &records);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  EXPECT_EQ(records, 1u);
  EXPECT_TRUE(end->torn_tail);
  EXPECT_EQ(end->end.segment, 1u);
  EXPECT_EQ(end->end.offset, 0u);
}

}  // namespace
}  // namespace cb::journal
