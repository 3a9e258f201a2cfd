#include "scheme/scheme_store.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"
#include "journal/sim_disk.h"

namespace cb::scheme {
namespace {

constexpr char kDir[] = "/data";

// A record as recovery saw it.
struct Seen {
  RecordType type;
  std::vector<uint8_t> payload;
  uint64_t offset;
};

std::vector<uint8_t> Payload(size_t bytes, uint8_t fill) {
  return std::vector<uint8_t>(bytes, fill);
}

Result<std::unique_ptr<SchemeLog>> Reopen(Disk* disk, std::vector<Seen>* seen,
                                          RecoveryReport* report) {
  seen->clear();
  return SchemeLog::Open(
      disk, kDir,
      [seen](const RecoveredRecord& r) {
        seen->push_back(Seen{r.frame.type,
                             std::vector<uint8_t>(r.frame.payload.begin(), r.frame.payload.end()),
                             r.offset});
        return Status::Ok();
      },
      report);
}

// Frames `payloads` as one group at the log's end.
std::vector<uint8_t> Group(const SchemeLog& log,
                           const std::vector<std::vector<uint8_t>>& payloads) {
  std::vector<uint8_t> group;
  for (const auto& p : payloads) AppendFrame(&group, RecordType::kReceived, log.end_offset(), p);
  return group;
}

class SchemeLogTest : public ::testing::Test {
 protected:
  SimDisk disk_{1, SimDiskFaults{}};
  std::vector<Seen> seen_;
  RecoveryReport report_;
};

TEST_F(SchemeLogTest, RecordsComeBackInOrderWithTheirOffsets) {
  {
    auto log = Reopen(&disk_, &seen_, &report_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    EXPECT_EQ(report_.records, 0u);
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(10, 1), Payload(0, 2)})).ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(3000, 3)})).ok());
  }
  auto log = Reopen(&disk_, &seen_, &report_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(seen_.size(), 3u);
  EXPECT_EQ(seen_[0].payload, Payload(10, 1));
  EXPECT_EQ(seen_[1].payload, Payload(0, 2));
  EXPECT_EQ(seen_[2].payload, Payload(3000, 3));
  EXPECT_EQ(seen_[0].offset, 0u);
  EXPECT_EQ(seen_[1].offset, kRecordHeaderBytes + 10);
  EXPECT_EQ(seen_[2].offset, 2 * kRecordHeaderBytes + 10);
  EXPECT_EQ(report_.torn_bytes, 0u);
  EXPECT_EQ((*log)->end_offset(), 3 * kRecordHeaderBytes + 3010);
  // ReadAt reads back what a group made durable (the feed's XML).
  std::vector<uint8_t> back(3000);
  ASSERT_TRUE((*log)->ReadAt(seen_[2].offset + kRecordHeaderBytes, back).ok());
  EXPECT_EQ(back, Payload(3000, 3));
}

TEST_F(SchemeLogTest, TornTailIsCutAndTheNextGroupFollowsTheLastGoodRecord) {
  uint64_t good_end = 0;
  {
    auto log = Reopen(&disk_, &seen_, &report_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(100, 1)})).ok());
    good_end = (*log)->end_offset();
    // Half of a second group reaches the file: the process died inside write().
    std::vector<uint8_t> torn = Group(**log, {Payload(100, 2)});
    torn.resize(torn.size() / 2);
    auto file = disk_.Open(std::string(kDir) + "/" + kLogFileName, false);
    ASSERT_TRUE(file.ok());
    ASSERT_TRUE((*file)->WriteAt(good_end, torn).ok());
    ASSERT_TRUE((*file)->Sync().ok());
  }
  auto log = Reopen(&disk_, &seen_, &report_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(report_.torn_bytes, (kRecordHeaderBytes + 100) / 2);
  EXPECT_NE(report_.torn_detail.find("short record"), std::string::npos) << report_.torn_detail;
  EXPECT_EQ((*log)->end_offset(), good_end);
  EXPECT_EQ(disk_.FileSize(std::string(kDir) + "/" + kLogFileName), good_end);
  ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(5, 3)})).ok());
  log->reset();
  ASSERT_TRUE(Reopen(&disk_, &seen_, &report_).ok());
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[1].payload, Payload(5, 3));
  EXPECT_EQ(report_.torn_bytes, 0u);
}

TEST_F(SchemeLogTest, BadCrcInTheLastGroupIsATornTail) {
  uint64_t second = 0;
  {
    auto log = Reopen(&disk_, &seen_, &report_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(50, 1)})).ok());
    second = (*log)->end_offset();
    // One group of two records, the first damaged: the second is of the same group, so it
    // proves nothing was synced after the damage.
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(50, 2), Payload(50, 3)})).ok());
  }
  disk_.FlipBit(std::string(kDir) + "/" + kLogFileName, second + kRecordHeaderBytes + 7, 3);
  auto log = Reopen(&disk_, &seen_, &report_);
  ASSERT_TRUE(log.ok()) << log.status().ToString();
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(report_.torn_bytes, 2 * (kRecordHeaderBytes + 50));
  EXPECT_NE(report_.torn_detail.find("bad CRC"), std::string::npos) << report_.torn_detail;
  EXPECT_EQ((*log)->end_offset(), second);
}

TEST_F(SchemeLogTest, BadCrcFollowedByALaterGroupIsDataLoss) {
  {
    auto log = Reopen(&disk_, &seen_, &report_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(50, 1)})).ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(50, 2)})).ok());
  }
  const std::string path = std::string(kDir) + "/" + kLogFileName;
  const uint64_t size = disk_.FileSize(path);
  disk_.FlipBit(path, kRecordHeaderBytes + 20, 0);  // inside the first, synced, group
  auto log = Reopen(&disk_, &seen_, &report_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().code(), StatusCode::kDataLoss);
  EXPECT_NE(log.status().message().find("offset 0"), std::string::npos) << log.status().message();
  // Refused, not repaired: the file is as it was.
  EXPECT_EQ(disk_.FileSize(path), size);
}

TEST_F(SchemeLogTest, AnErrorFromTheCallerStopsRecovery) {
  {
    auto log = Reopen(&disk_, &seen_, &report_);
    ASSERT_TRUE(log.ok());
    ASSERT_TRUE((*log)->AppendGroup(Group(**log, {Payload(1, 1)})).ok());
  }
  auto log = SchemeLog::Open(
      &disk_, kDir, [](const RecoveredRecord&) { return Status::DataLoss("not ours"); }, &report_);
  ASSERT_FALSE(log.ok());
  EXPECT_EQ(log.status().message(), "not ours");
}

// Power loss after an unsynced group (a real disk may keep none, part or all of it, torn at
// any sector): recovery always keeps every synced record, keeps a prefix of the unsynced
// group, and never reports DataLoss.
TEST_F(SchemeLogTest, PowerLossKeepsEverySyncedRecordWhateverTheSeed) {
  for (uint64_t seed = 1; seed <= 300; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    SimDisk disk(seed, SimDiskFaults{.sync_fail_per_million = 0, .sector_bytes = 64});
    Rng rng(seed);
    std::vector<std::vector<uint8_t>> synced;
    std::vector<std::vector<uint8_t>> unsynced;
    {
      auto log = Reopen(&disk, &seen_, &report_);
      ASSERT_TRUE(log.ok());
      for (int g = 0; g < 3; g++) {
        std::vector<std::vector<uint8_t>> group;
        for (uint64_t r = 0; r < 1 + rng.Below(3); r++) {
          group.push_back(Payload(rng.Below(300), static_cast<uint8_t>(synced.size() + 1)));
        }
        ASSERT_TRUE((*log)->AppendGroup(Group(**log, group)).ok());
        synced.insert(synced.end(), group.begin(), group.end());
      }
      for (uint64_t r = 0; r < 1 + rng.Below(4); r++) {
        unsynced.push_back(Payload(rng.Below(300), static_cast<uint8_t>(100 + r)));
      }
      // Written in one write, not synced: the crash comes first.
      auto file = disk.Open(std::string(kDir) + "/" + kLogFileName, false);
      ASSERT_TRUE(file.ok());
      ASSERT_TRUE((*file)->WriteAt((*log)->end_offset(), Group(**log, unsynced)).ok());
    }
    disk.Crash();
    auto log = Reopen(&disk, &seen_, &report_);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    ASSERT_GE(seen_.size(), synced.size());
    ASSERT_LE(seen_.size(), synced.size() + unsynced.size());
    for (size_t i = 0; i < seen_.size(); i++) {
      const auto& want = i < synced.size() ? synced[i] : unsynced[i - synced.size()];
      EXPECT_EQ(seen_[i].payload, want) << "record " << i;
    }
  }
}

TEST(SchemeRecordTest, PayloadsRoundTrip) {
  ReceivedRecord received;
  received.received_ns = 1'793'611'800'123'456'789;
  received.message_id = "MSG-1";
  received.end_to_end_id = "E2E-1";
  received.tx_id = "TX-1";
  received.body_sha256 = Sha256Of("x", 1);
  received.amount = {12'345, "EUR", 2};
  received.remittance = "Invoice";
  received.outcome = {OutcomeKind::kReturn, "AC04"};
  received.xml = "<Document/>";
  auto r = DecodeReceived(EncodeReceived(received));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(*r, received);

  PublishedRecord published;
  published.published_ns = 7;
  published.seq_first = 42;
  published.copies = 2;
  published.message_type = payments::iso::MessageType::kPacs008;
  published.cause = PublishCause::kInboundCredit;
  published.subject_message_id = "CBS00000000-8-42";
  published.message_id = "CBS00000000-8-42";
  published.entry = BookedEntry{7, EntryKind::kCreditIn, true, 1000, "CBS00000000-8-42", "E", "R"};
  published.xml = "<x/>";
  auto p = DecodePublished(EncodePublished(published));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, published);

  OpenedRecord opened{kFormatVersion, "ABCDEFGH", 9};
  auto o = DecodeOpened(EncodeOpened(opened));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(*o, opened);
}

TEST(SchemeRecordTest, ShortOrLongPayloadsAreDataLoss) {
  ReceivedRecord received;
  received.message_id = "MSG-1";
  std::vector<uint8_t> bytes = EncodeReceived(received);
  for (size_t cut = 0; cut < bytes.size(); cut++) {
    auto r = DecodeReceived(std::span<const uint8_t>(bytes.data(), cut));
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss);
  }
  bytes.push_back(0);
  EXPECT_FALSE(DecodeReceived(bytes).ok());
  PublishedRecord published;
  std::vector<uint8_t> p = EncodePublished(published);
  p[16] = static_cast<uint8_t>(kCopiesMax + 1);  // copies: after published_ns and seq_first
  EXPECT_FALSE(DecodePublished(p).ok());
}

TEST(SchemeRecordTest, FramesRefuseDamage) {
  std::vector<uint8_t> bytes;
  AppendFrame(&bytes, RecordType::kPublished, 77, Payload(9, 5));
  Frame frame;
  ASSERT_EQ(DecodeFrame(bytes, &frame), FrameError::kNone);
  EXPECT_EQ(frame.type, RecordType::kPublished);
  EXPECT_EQ(frame.group_offset, 77u);
  EXPECT_EQ(frame.frame_bytes, bytes.size());
  EXPECT_EQ(DecodeFrame(std::span<const uint8_t>(bytes.data(), bytes.size() - 1), &frame),
            FrameError::kShort);
  for (size_t i = 0; i < bytes.size(); i++) {
    std::vector<uint8_t> bad = bytes;
    bad[i] ^= 0x10;
    EXPECT_NE(DecodeFrame(bad, &frame), FrameError::kNone) << "byte " << i;
  }
}

}  // namespace
}  // namespace cb::scheme
