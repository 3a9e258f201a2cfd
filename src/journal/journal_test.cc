#include "journal/journal.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.h"
#include "base/uint128.h"
#include "journal/sim_disk.h"

namespace cb::journal {
namespace {

constexpr TimestampNs kTs0 = 1'700'000'000ull * kNsPerSecond;
constexpr uint16_t kTagEvent = 1;

using cb::TempDir;

// What a reopen saw of one record.
struct SeenRecord {
  Position position;
  uint64_t seq_first;
  uint32_t event_count;
  uint64_t tag;  // first 8 payload bytes of the first event
};

// One journal "client": builds tagged records and keeps what a reopen replays.
class JournalHarness {
 public:
  JournalHarness(Disk* disk, std::string dir, uint64_t segment_bytes = 1u << 20,
                 Durability durability = Durability::kFdatasync, bool zero_fill = false)
      : disk_(disk) {
    options_.dir = std::move(dir);
    options_.segment_bytes = segment_bytes;
    options_.durability = durability;
    options_.zero_fill = zero_fill;
  }

  // Opens (replaying into seen()); the previous journal object is closed first.
  Status Open() {
    journal_.reset();
    seen_.clear();
    auto j = FileJournal::Open(
        disk_, options_, ScanStart{},
        [this](const RecordRef& rec) -> Status {
          EventIterator it(rec.events);
          EventView ev;
          uint64_t tag = UINT64_MAX;
          if (it.Next(&ev) && ev.payload.size() >= 8) tag = LoadLe<uint64_t>(ev.payload.data());
          seen_.push_back({rec.position, rec.header->seq_first, rec.header->event_count, tag});
          return Status::Ok();
        },
        &end_);
    if (!j.ok()) return j.status();
    journal_ = std::move(*j);
    return Status::Ok();
  }

  void Close() { journal_.reset(); }

  // Appends one group of records; the k-th record carries tag `tag_first + k` and
  // `events_per_record` events of `payload_bytes` each. Returns each record's position.
  Status AppendGroup(uint64_t tag_first, size_t records, size_t payload_bytes = 200,
                     uint32_t events_per_record = 1, std::vector<Position>* positions = nullptr) {
    std::vector<RecordBuilder> builders(records);
    std::vector<BatchToWrite> writes;
    uint64_t seq = journal_->seq_next();
    for (size_t k = 0; k < records; k++) {
      for (uint32_t e = 0; e < events_per_record; e++) {
        uint8_t* p = builders[k].AddEvent(kTagEvent, 1, static_cast<uint32_t>(payload_bytes));
        std::memset(p, static_cast<int>(tag_first + k), payload_bytes);
        StoreLe<uint64_t>(p, tag_first + k);
      }
      writes.push_back({&builders[k], seq, kTs0 + (tag_first + k) * 1000});
      seq += events_per_record;
    }
    // Where each record will land, predicted the way the journal lays them out.
    if (positions != nullptr) {
      Position at = journal_->position();
      for (const RecordBuilder& b : builders) {
        if (at.offset + b.size_bytes() > options_.segment_bytes) at = {at.segment + 1, 0};
        positions->push_back(at);
        at.offset += b.size_bytes();
      }
    }
    return journal_->AppendGroup(writes);
  }

  std::vector<uint64_t> SeenTags() const {
    std::vector<uint64_t> tags;
    for (const SeenRecord& r : seen_) tags.push_back(r.tag);
    return tags;
  }

  FileJournal* journal() { return journal_.get(); }
  const ScanEnd& end() const { return end_; }
  const std::vector<SeenRecord>& seen() const { return seen_; }
  const JournalOptions& options() const { return options_; }
  std::string SegmentPath(uint64_t index) const {
    return JoinPath(options_.dir, SegmentName(index));
  }

 private:
  Disk* disk_;
  JournalOptions options_;
  std::unique_ptr<FileJournal> journal_;
  std::vector<SeenRecord> seen_;
  ScanEnd end_;
};

std::vector<uint64_t> Iota(uint64_t first, uint64_t count) {
  std::vector<uint64_t> v;
  for (uint64_t i = 0; i < count; i++) v.push_back(first + i);
  return v;
}

// --- raw file surgery (the journal must be closed) ----------------------------------------

void TruncateFile(const std::string& path, uint64_t size_bytes) {
  ASSERT_EQ(::truncate(path.c_str(), static_cast<off_t>(size_bytes)), 0) << path;
}

void WriteBytes(const std::string& path, uint64_t offset, const std::vector<uint8_t>& bytes) {
  const int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0) << path;
  const ssize_t n = ::pwrite(fd, bytes.data(), bytes.size(), static_cast<off_t>(offset));
  ::close(fd);
  ASSERT_EQ(n, static_cast<ssize_t>(bytes.size()));
}

void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  uint8_t b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x5A;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

uint64_t FileSize(const std::string& path) { return std::filesystem::file_size(path); }

size_t CountSegments(const std::string& dir) {
  size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    uint64_t index;
    if (ParseSegmentName(e.path().filename().string(), &index)) n++;
  }
  return n;
}

std::string OffsetText(uint64_t offset) { return "offset " + std::to_string(offset); }

// --- real files ---------------------------------------------------------------------------

class FileJournalTest : public ::testing::Test {
 protected:
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  std::string dir_ = JoinPath(tmp_.path(), "journal");
};

TEST_F(FileJournalTest, SegmentNamesRoundTrip) {
  EXPECT_EQ(SegmentName(0), "seg-00000000.cbj");
  EXPECT_EQ(SegmentName(12345678), "seg-12345678.cbj");
  uint64_t index = 0;
  ASSERT_TRUE(ParseSegmentName("seg-00000042.cbj", &index));
  EXPECT_EQ(index, 42u);
  EXPECT_FALSE(ParseSegmentName("seg-0000004.cbj", &index));
  EXPECT_FALSE(ParseSegmentName("seg-0000004x.cbj", &index));
  EXPECT_FALSE(ParseSegmentName("snap-00000042.cbj", &index));
  EXPECT_FALSE(ParseSegmentName("seg-00000042.cbs", &index));
}

TEST_F(FileJournalTest, NewJournalStartsAtSequenceOneWithAZeroHash) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h.journal()->seq_next(), 1u);
  EXPECT_EQ(h.journal()->last_hash(), Hash256{});
  EXPECT_TRUE(h.seen().empty());
  EXPECT_FALSE(h.end().torn_tail);
  // The first segment exists and is preallocated.
  EXPECT_EQ(FileSize(h.SegmentPath(0)), h.options().segment_bytes);
}

TEST_F(FileJournalTest, ReopenSeesTheSameSeqNextLastHashAndRecords) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 1).ok());
  ASSERT_TRUE(h.AppendGroup(2, 3, 64, /*events_per_record=*/2).ok());
  ASSERT_TRUE(h.AppendGroup(5, 1, 1000).ok());
  const uint64_t seq_next = h.journal()->seq_next();
  const Hash256 last_hash = h.journal()->last_hash();
  const Position position = h.journal()->position();
  EXPECT_EQ(seq_next, 1u + 1 + 3 * 2 + 1);
  EXPECT_NE(last_hash, Hash256{});

  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h.journal()->seq_next(), seq_next);
  EXPECT_EQ(h.journal()->last_hash(), last_hash);
  EXPECT_EQ(h.journal()->position().offset, position.offset);
  EXPECT_EQ(h.journal()->position().segment, position.segment);
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.end().records, 5u);
  EXPECT_EQ(h.SeenTags(), Iota(1, 5));
  // Sequence numbers follow event counts.
  const std::vector<uint64_t> seq_firsts = {1, 2, 4, 6, 8};
  for (size_t i = 0; i < h.seen().size(); i++) EXPECT_EQ(h.seen()[i].seq_first, seq_firsts[i]);
}

TEST_F(FileJournalTest, AppendsAfterAReopenContinueTheChain) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 2).ok());
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(3, 2).ok());
  const Hash256 last_hash = h.journal()->last_hash();
  ASSERT_TRUE(h.Open().ok());
  EXPECT_EQ(h.SeenTags(), Iota(1, 4));
  EXPECT_EQ(h.journal()->seq_next(), 5u);
  EXPECT_EQ(h.journal()->last_hash(), last_hash);
}

// A crash in the middle of the last group's write, on a preallocated file: the record is
// cut and the rest of the file is zeros.
TEST_F(FileJournalTest, RecordCutMidwayInPreallocatedSpaceIsATornTailAndIsDropped) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t tag = 1; tag <= 4; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 500).ok());
  const uint64_t seq_before_last = h.journal()->seq_next();
  const Hash256 hash_before_last = h.journal()->last_hash();
  std::vector<Position> last;
  ASSERT_TRUE(h.AppendGroup(5, 1, 500, 1, &last).ok());
  h.Close();

  const std::string seg = h.SegmentPath(0);
  TruncateFile(seg, last[0].offset + 300);
  TruncateFile(seg, h.options().segment_bytes);  // preallocated zeros again

  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(h.end().torn_tail);
  EXPECT_NE(h.end().torn_detail.find(SegmentName(0)), std::string::npos) << h.end().torn_detail;
  EXPECT_NE(h.end().torn_detail.find(OffsetText(last[0].offset)), std::string::npos)
      << h.end().torn_detail;
  EXPECT_EQ(h.SeenTags(), Iota(1, 4));
  EXPECT_EQ(h.journal()->seq_next(), seq_before_last);
  EXPECT_EQ(h.journal()->last_hash(), hash_before_last);
  EXPECT_EQ(h.journal()->position().offset, last[0].offset);

  // New appends overwrite the torn bytes and are readable on the next reopen.
  ASSERT_TRUE(h.AppendGroup(100, 1, 40).ok());
  ASSERT_TRUE(h.AppendGroup(101, 2, 40).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), (std::vector<uint64_t>{1, 2, 3, 4, 100, 101, 102}));
}

// The same crash where the file was not preallocated: it simply ends inside the record.
TEST_F(FileJournalTest, FileEndingInsideTheLastRecordIsATornTail) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> last;
  ASSERT_TRUE(h.AppendGroup(1, 2).ok());
  ASSERT_TRUE(h.AppendGroup(3, 1, 200, 1, &last).ok());
  h.Close();
  TruncateFile(h.SegmentPath(0), last[0].offset + 60);  // inside the header

  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, 2));
  // Recovery zeroed the tail and restored the preallocation.
  EXPECT_EQ(FileSize(h.SegmentPath(0)), h.options().segment_bytes);
  ASSERT_TRUE(h.AppendGroup(7, 1).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), (std::vector<uint64_t>{1, 2, 7}));
}

TEST_F(FileJournalTest, GarbageOverTheLastGroupIsATornTailAndIsDropped) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 3).ok());
  std::vector<Position> last_group;
  ASSERT_TRUE(h.AppendGroup(4, 2, 300, 1, &last_group).ok());
  const uint64_t garbage_at = last_group[0].offset + 20;
  h.Close();
  WriteBytes(h.SegmentPath(0), garbage_at, std::vector<uint8_t>(1500, 0xAB));

  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, 3));
  EXPECT_EQ(h.journal()->seq_next(), 4u);
  ASSERT_TRUE(h.AppendGroup(50, 1).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), (std::vector<uint64_t>{1, 2, 3, 50}));
}

// Stale bytes left beyond the recovered tail must never come back as records: recovery zeroes
// them, so after a shorter append the old second record of the torn group stays gone.
TEST_F(FileJournalTest, BytesOfADroppedTornGroupNeverResurface) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 1).ok());
  std::vector<Position> torn_group;
  ASSERT_TRUE(h.AppendGroup(2, 2, 300, 1, &torn_group).ok());
  h.Close();
  FlipByte(h.SegmentPath(0), torn_group[0].offset + 200);  // the group's first record only

  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, 1));
  ASSERT_TRUE(h.AppendGroup(9, 1, 8).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), (std::vector<uint64_t>{1, 9}));
}

TEST_F(FileJournalTest, FlippedByteInAMiddleRecordFailsWithDataLossNamingSegmentAndOffset) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> second;
  ASSERT_TRUE(h.AppendGroup(1, 1).ok());
  ASSERT_TRUE(h.AppendGroup(2, 1, 200, 1, &second).ok());
  for (uint64_t tag = 3; tag <= 6; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1).ok());
  h.Close();
  const std::string seg = h.SegmentPath(0);
  const uint64_t size_before = FileSize(seg);
  FlipByte(seg, second[0].offset + kRecordHeaderSize + 30);

  const Status st = h.Open();
  ASSERT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(SegmentName(0)), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(OffsetText(second[0].offset)), std::string::npos) << st.message();
  // A failed open changes nothing on disk: the later records are still there for forensics.
  EXPECT_EQ(FileSize(seg), size_before);
  EXPECT_EQ(h.Open().code(), StatusCode::kDataLoss);
}

TEST_F(FileJournalTest, FlippedHeaderByteInAMiddleRecordIsCorruptionNotATornTail) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> first;
  ASSERT_TRUE(h.AppendGroup(1, 1, 200, 1, &first).ok());
  ASSERT_TRUE(h.AppendGroup(2, 1).ok());
  h.Close();
  FlipByte(h.SegmentPath(0), first[0].offset + 5);  // the magic

  const Status st = h.Open();
  ASSERT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(OffsetText(0)), std::string::npos) << st.message();
}

TEST_F(FileJournalTest, RolloverSpansSeveralSegmentsAndReopenContinuesTheChain) {
  JournalHarness h(disk_.get(), dir_, /*segment_bytes=*/8192);
  ASSERT_TRUE(h.Open().ok());
  uint64_t tag = 1;
  for (int g = 0; g < 20; g++, tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  // A group larger than what is left of a segment is split across the rollover.
  ASSERT_TRUE(h.AppendGroup(tag, 12, 900).ok());
  tag += 12;
  const uint64_t seq_next = h.journal()->seq_next();
  const Hash256 last_hash = h.journal()->last_hash();
  EXPECT_GE(CountSegments(dir_), 4u);
  EXPECT_GT(h.journal()->position().segment, 2u);

  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, tag - 1));
  EXPECT_EQ(h.journal()->seq_next(), seq_next);
  EXPECT_EQ(h.journal()->last_hash(), last_hash);
  for (const SeenRecord& r : h.seen()) EXPECT_LT(r.position.offset, 8192u);

  for (int g = 0; g < 10; g++, tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, tag - 1));
  EXPECT_EQ(h.end().segment_count, CountSegments(dir_));
  for (uint64_t i = 0; i < h.end().segment_count; i++) {
    EXPECT_EQ(FileSize(h.SegmentPath(i)), 8192u) << SegmentName(i);
  }
}

// Zero-filled segments are prepared one ahead as "<segment>.prep" and renamed in at rollover;
// the spare file is never mistaken for a segment, and a stale one is rebuilt after a crash.
// Replay and recovery read and verify on a helper thread (ScanJournalPipelined): with a
// bound far below one segment the reader waits for the consumer often, and the consumer
// must still see exactly the sequential scan's records, in order, and the same end.
TEST_F(FileJournalTest, PipelinedScanSeesTheSameRecordsAndEndAsTheSequentialScan) {
  JournalHarness h(disk_.get(), dir_, /*segment_bytes=*/64 * 1024);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t g = 0; g < 40; g++) ASSERT_TRUE(h.AppendGroup(1 + g * 3, 3, 900, 2).ok());
  h.Close();
  auto collect = [](std::vector<std::pair<uint64_t, uint64_t>>* out) {
    return [out](const RecordRef& rec) -> Status {
      EventIterator it(rec.events);
      EventView ev;
      EXPECT_TRUE(it.Next(&ev));
      out->push_back({rec.header->seq_first, LoadLe<uint64_t>(ev.payload.data())});
      return Status::Ok();
    };
  };
  std::vector<std::pair<uint64_t, uint64_t>> sequential, pipelined;
  auto a = ScanJournal(disk_.get(), dir_, ScanStart{}, collect(&sequential));
  auto b = ScanJournalPipelined(disk_.get(), dir_, ScanStart{}, collect(&pipelined),
                                /*buffer_bytes_max=*/4096);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(sequential.size(), 120u);
  EXPECT_EQ(pipelined, sequential);
  EXPECT_EQ(b->records, a->records);
  EXPECT_EQ(b->seq_next, a->seq_next);
  EXPECT_EQ(b->last_hash, a->last_hash);
  EXPECT_EQ(b->end.segment, a->end.segment);
  EXPECT_EQ(b->end.offset, a->end.offset);
  EXPECT_GT(b->segment_count, 1u);
}

TEST_F(FileJournalTest, PipelinedScanStopsAtTheConsumersErrorAndReturnsIt) {
  JournalHarness h(disk_.get(), dir_, /*segment_bytes=*/64 * 1024);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t g = 0; g < 20; g++) ASSERT_TRUE(h.AppendGroup(1 + g, 1, 900).ok());
  h.Close();
  size_t calls = 0;
  auto r = ScanJournalPipelined(
      disk_.get(), dir_, ScanStart{},
      [&](const RecordRef&) -> Status {
        return ++calls == 5 ? Status::FailedPrecondition("stop here") : Status::Ok();
      },
      /*buffer_bytes_max=*/1024);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(calls, 5u);
}

// Corruption found by the reader thread reaches the caller after every record before it.
TEST_F(FileJournalTest, PipelinedScanReportsAMiddleCorruptionAfterTheRecordsBeforeIt) {
  JournalHarness h(disk_.get(), dir_);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> positions;
  ASSERT_TRUE(h.AppendGroup(1, 6, 200, 1, &positions).ok());
  ASSERT_TRUE(h.AppendGroup(7, 1).ok());
  h.Close();
  FlipByte(h.SegmentPath(0), positions[3].offset + 100);
  size_t calls = 0;
  auto r = ScanJournalPipelined(disk_.get(), dir_, ScanStart{}, [&](const RecordRef&) {
    calls++;
    return Status::Ok();
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(r.status().message().find(OffsetText(positions[3].offset)), std::string::npos);
  EXPECT_EQ(calls, 3u);
}

TEST_F(FileJournalTest, ZeroFilledSegmentsRollOverThroughPreparedFiles) {
  JournalHarness h(disk_.get(), dir_, /*segment_bytes=*/8192, Durability::kFdatasync,
                   /*zero_fill=*/true);
  ASSERT_TRUE(h.Open().ok());
  uint64_t tag = 1;
  for (int g = 0; g < 30; g++, tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  const uint64_t segments = CountSegments(dir_);
  EXPECT_GE(segments, 3u);
  const std::string next_prep = h.SegmentPath(h.journal()->position().segment + 1) + ".prep";
  h.Close();  // waits for the background preparation
  EXPECT_EQ(FileSize(next_prep), 8192u);
  // A stale, partly written .prep (crash mid-preparation) is rebuilt, not trusted.
  TruncateFile(next_prep, 100);
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, tag - 1));
  EXPECT_EQ(h.end().segment_count, segments);
  for (int g = 0; g < 30; g++, tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, tag - 1));
  for (uint64_t i = 0; i < h.end().segment_count; i++) {
    EXPECT_EQ(FileSize(h.SegmentPath(i)), 8192u) << SegmentName(i);
  }
}

TEST_F(FileJournalTest, DeletedMiddleSegmentIsDetectedAsDataLoss) {
  JournalHarness h(disk_.get(), dir_, 8192);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t tag = 1; tag <= 24; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  ASSERT_GE(CountSegments(dir_), 3u);
  h.Close();
  ASSERT_TRUE(std::filesystem::remove(h.SegmentPath(1)));

  const Status st = h.Open();
  ASSERT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(SegmentName(2)), std::string::npos) << st.message();
}

TEST_F(FileJournalTest, DeletedFirstSegmentBreaksTheChainAndIsDataLoss) {
  JournalHarness h(disk_.get(), dir_, 8192);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t tag = 1; tag <= 24; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  h.Close();
  ASSERT_TRUE(std::filesystem::remove(h.SegmentPath(0)));
  EXPECT_EQ(h.Open().code(), StatusCode::kDataLoss);
}

// Segment N is synced before N+1 is started, so damage at the end of N followed by valid
// records in N+1 cannot be a torn tail.
TEST_F(FileJournalTest, DamagedLastRecordOfAnOlderSegmentIsDataLoss) {
  JournalHarness h(disk_.get(), dir_, 8192);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> all;
  for (uint64_t tag = 1; tag <= 24; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900, 1, &all).ok());
  h.Close();
  Position last_in_first{};
  for (const Position& p : all) {
    if (p.segment == 0) last_in_first = p;
  }
  FlipByte(h.SegmentPath(0), last_in_first.offset + kRecordHeaderSize + 8);

  const Status st = h.Open();
  ASSERT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(SegmentName(0)), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(OffsetText(last_in_first.offset)), std::string::npos) << st.message();
}

TEST_F(FileJournalTest, TornTailInTheNewestSegmentIsDroppedAfterRollover) {
  JournalHarness h(disk_.get(), dir_, 8192);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> all;
  for (uint64_t tag = 1; tag <= 20; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900, 1, &all).ok());
  h.Close();
  const Position last = all.back();
  ASSERT_GT(last.segment, 0u);
  TruncateFile(h.SegmentPath(last.segment), last.offset + 500);
  TruncateFile(h.SegmentPath(last.segment), 8192);

  ASSERT_TRUE(h.Open().ok());
  EXPECT_TRUE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, 19));
  for (uint64_t tag = 30; tag < 40; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  std::vector<uint64_t> expected = Iota(1, 19);
  for (uint64_t tag = 30; tag < 40; tag++) expected.push_back(tag);
  EXPECT_EQ(h.SeenTags(), expected);
}

// --- SimDisk: crashes and fsync failures --------------------------------------------------

constexpr const char* kSimDir = "data/journal";

TEST(SimJournalTest, CrashKeepsSyncedGroupsAndDropsOrTearsOnlyTheUnsyncedOne) {
  int kept = 0, torn = 0, lost = 0;
  for (uint64_t seed = 1; seed <= 64; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimDisk disk(seed, SimDiskFaults{});
    JournalHarness synced(&disk, kSimDir);
    ASSERT_TRUE(synced.Open().ok());
    for (uint64_t tag = 1; tag <= 3; tag++) ASSERT_TRUE(synced.AppendGroup(tag, 1, 1500).ok());
    synced.Close();
    // The fourth group is written without fdatasync and then the power goes out.
    JournalHarness unsynced(&disk, kSimDir, 1u << 20, Durability::kNone);
    ASSERT_TRUE(unsynced.Open().ok());
    ASSERT_TRUE(unsynced.AppendGroup(4, 1, 1500).ok());
    unsynced.Close();
    disk.Crash();

    JournalHarness after(&disk, kSimDir);
    ASSERT_TRUE(after.Open().ok());
    const std::vector<uint64_t> tags = after.SeenTags();
    ASSERT_GE(tags.size(), 3u);
    EXPECT_EQ(std::vector<uint64_t>(tags.begin(), tags.begin() + 3), Iota(1, 3));
    if (tags.size() == 4) {
      EXPECT_EQ(tags[3], 4u);
      EXPECT_FALSE(after.end().torn_tail);
      kept++;
    } else {
      ASSERT_EQ(tags.size(), 3u);
      if (after.end().torn_tail) {
        torn++;
      } else {
        lost++;
      }
    }
    // Whatever survived, the journal continues and a synced append survives the next crash.
    const uint64_t seq_next = after.journal()->seq_next();
    ASSERT_TRUE(after.AppendGroup(10, 1).ok());
    after.Close();
    disk.Crash();
    JournalHarness again(&disk, kSimDir);
    ASSERT_TRUE(again.Open().ok());
    EXPECT_FALSE(again.end().torn_tail);
    EXPECT_EQ(again.seen().size(), tags.size() + 1);
    EXPECT_EQ(again.seen().back().tag, 10u);
    EXPECT_EQ(again.seen().back().seq_first, seq_next);
  }
  // Over 64 seeds every outcome of an unsynced write happens.
  EXPECT_GT(kept, 0);
  EXPECT_GT(torn, 0);
  EXPECT_GT(lost, 0);
}

TEST(SimJournalTest, CrashAfterSyncedAppendsLosesNothing) {
  SimDisk disk(7, SimDiskFaults{});
  JournalHarness h(&disk, kSimDir, 8192);
  ASSERT_TRUE(h.Open().ok());
  for (uint64_t tag = 1; tag <= 20; tag++) ASSERT_TRUE(h.AppendGroup(tag, 1, 900).ok());
  const Hash256 last_hash = h.journal()->last_hash();
  h.Close();
  disk.Crash();
  ASSERT_TRUE(h.Open().ok());
  EXPECT_FALSE(h.end().torn_tail);
  EXPECT_EQ(h.SeenTags(), Iota(1, 20));
  EXPECT_EQ(h.journal()->last_hash(), last_hash);
}

TEST(SimJournalTest, SyncFailureFailsTheAppendAndTheJournalStaysFailed) {
  SimDisk disk(11, SimDiskFaults{});
  JournalHarness h(&disk, kSimDir);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 1).ok());
  ASSERT_TRUE(h.AppendGroup(2, 1).ok());
  const uint64_t seq_next = h.journal()->seq_next();
  const Hash256 last_hash = h.journal()->last_hash();

  disk.set_faults({.sync_fail_per_million = 1'000'000, .sector_bytes = 512});
  const Status failed = h.AppendGroup(3, 1);
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.ToString();
  EXPECT_TRUE(h.journal()->failed());
  EXPECT_EQ(h.journal()->seq_next(), seq_next);
  EXPECT_EQ(h.journal()->last_hash(), last_hash);

  // Even once the disk is healthy again, nothing more is appended until a restart.
  disk.set_faults(SimDiskFaults{});
  const Status later = h.AppendGroup(3, 1);
  EXPECT_EQ(later.code(), StatusCode::kUnavailable) << later.ToString();
  EXPECT_TRUE(h.journal()->failed());
  EXPECT_EQ(h.journal()->seq_next(), seq_next);

  // After the crash every acknowledged group is there; the failed one may or may not be.
  h.Close();
  disk.Crash();
  ASSERT_TRUE(h.Open().ok());
  const std::vector<uint64_t> tags = h.SeenTags();
  ASSERT_GE(tags.size(), 2u);
  ASSERT_LE(tags.size(), 3u);
  EXPECT_EQ(tags[0], 1u);
  EXPECT_EQ(tags[1], 2u);
  EXPECT_FALSE(h.journal()->failed());
  ASSERT_TRUE(h.AppendGroup(20, 1).ok());
}

TEST(SimJournalTest, SyncFailureDuringRolloverFailsTheJournal) {
  SimDisk disk(3, SimDiskFaults{});
  JournalHarness h(&disk, kSimDir, 8192);
  ASSERT_TRUE(h.Open().ok());
  ASSERT_TRUE(h.AppendGroup(1, 6, 900).ok());
  disk.set_faults({.sync_fail_per_million = 1'000'000, .sector_bytes = 512});
  EXPECT_FALSE(h.AppendGroup(7, 6, 900).ok());  // needs a new segment
  EXPECT_TRUE(h.journal()->failed());
  disk.set_faults(SimDiskFaults{});
  h.Close();
  disk.Crash();
  ASSERT_TRUE(h.Open().ok());
  const std::vector<uint64_t> tags = h.SeenTags();
  ASSERT_GE(tags.size(), 6u);
  EXPECT_EQ(std::vector<uint64_t>(tags.begin(), tags.begin() + 6), Iota(1, 6));
}

TEST(SimJournalTest, FlippedBitInAMiddleRecordIsDataLoss) {
  SimDisk disk(5, SimDiskFaults{});
  JournalHarness h(&disk, kSimDir);
  ASSERT_TRUE(h.Open().ok());
  std::vector<Position> positions;
  for (uint64_t tag = 1; tag <= 4; tag++)
    ASSERT_TRUE(h.AppendGroup(tag, 1, 200, 1, &positions).ok());
  h.Close();
  disk.FlipBit(h.SegmentPath(0), positions[1].offset + 150, 3);
  const Status st = h.Open();
  ASSERT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(OffsetText(positions[1].offset)), std::string::npos) << st.message();
}

}  // namespace
}  // namespace cb::journal
