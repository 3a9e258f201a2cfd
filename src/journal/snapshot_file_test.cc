#include "journal/snapshot_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/temp_dir.h"

namespace cb::journal {
namespace {

constexpr size_t kSnapshotHeaderSize = 128;

using cb::TempDir;

void FlipByte(const std::string& path, uint64_t offset) {
  const int fd = ::open(path.c_str(), O_RDWR);
  ASSERT_GE(fd, 0) << path;
  uint8_t b = 0;
  ASSERT_EQ(::pread(fd, &b, 1, static_cast<off_t>(offset)), 1);
  b ^= 0x01;
  ASSERT_EQ(::pwrite(fd, &b, 1, static_cast<off_t>(offset)), 1);
  ::close(fd);
}

SnapshotMeta MetaAt(uint64_t seq_next) {
  SnapshotMeta meta;
  meta.seq_next = seq_next;
  meta.position = {3, 4096 + seq_next * 8};
  meta.timestamp_last_ns = 1'700'000'000ull * kNsPerSecond + seq_next;
  for (size_t i = 0; i < meta.last_hash.size(); i++) {
    meta.last_hash[i] = static_cast<uint8_t>(seq_next + i);
  }
  return meta;
}

std::vector<uint8_t> Body(size_t size_bytes, uint8_t seed) {
  std::vector<uint8_t> body(size_bytes);
  for (size_t i = 0; i < body.size(); i++) body[i] = static_cast<uint8_t>(seed + i * 31);
  return body;
}

class SnapshotFileTest : public ::testing::Test {
 protected:
  // Writes `body` in uneven pieces (the writer buffers), keeping `keep_count` snapshots.
  Status Write(uint64_t seq_next, const std::vector<uint8_t>& body, size_t keep_count = 10) {
    auto w = SnapshotWriter::Create(disk_.get(), dir_, MetaAt(seq_next));
    CB_RETURN_IF_ERROR(w.status());
    size_t at = 0;
    for (size_t piece = 1; at < body.size(); piece = piece * 3 + 1) {
      const size_t n = std::min(piece, body.size() - at);
      CB_RETURN_IF_ERROR((*w)->Append(body.data() + at, n));
      at += n;
    }
    return (*w)->Finish(keep_count);
  }

  std::string PathOf(uint64_t seq_next) const {
    char name[40];
    std::snprintf(name, sizeof(name), "snap-%020llu.cbs",
                  static_cast<unsigned long long>(seq_next));
    return JoinPath(dir_, name);
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  std::string dir_ = JoinPath(tmp_.path(), "snapshots");
};

TEST_F(SnapshotFileTest, WrittenSnapshotReadsBackWithTheSameMetaAndBody) {
  const std::vector<uint8_t> body = Body(10'000, 7);
  ASSERT_TRUE(Write(42, body).ok());
  ASSERT_TRUE(std::filesystem::exists(PathOf(42)));
  EXPECT_EQ(std::filesystem::file_size(PathOf(42)), kSnapshotHeaderSize + body.size());

  auto r = SnapshotReader::Open(disk_.get(), PathOf(42));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SnapshotMeta want = MetaAt(42);
  EXPECT_EQ((*r)->meta().seq_next, want.seq_next);
  EXPECT_EQ((*r)->meta().position.segment, want.position.segment);
  EXPECT_EQ((*r)->meta().position.offset, want.position.offset);
  EXPECT_EQ((*r)->meta().timestamp_last_ns, want.timestamp_last_ns);
  EXPECT_EQ((*r)->meta().last_hash, want.last_hash);
  EXPECT_EQ((*r)->body_size(), body.size());

  std::vector<uint8_t> got(body.size());
  ASSERT_TRUE((*r)->Read(got.data(), 1000).ok());
  ASSERT_TRUE((*r)->Read(got.data() + 1000, got.size() - 1000).ok());
  EXPECT_EQ((*r)->body_remaining(), 0u);
  EXPECT_EQ(got, body);
  EXPECT_TRUE((*r)->Finish().ok());
}

TEST_F(SnapshotFileTest, EmptyBodyRoundTrips) {
  ASSERT_TRUE(Write(1, {}).ok());
  auto r = SnapshotReader::Open(disk_.get(), PathOf(1));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ((*r)->body_size(), 0u);
  EXPECT_TRUE((*r)->Finish().ok());
}

TEST_F(SnapshotFileTest, FinishLeavesNoTemporaryFileBehind) {
  ASSERT_TRUE(Write(5, Body(100, 1)).ok());
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"snap-00000000000000000005.cbs"});
}

TEST_F(SnapshotFileTest, AbandonedWriterRemovesItsTemporaryFileAndPublishesNothing) {
  {
    auto w = SnapshotWriter::Create(disk_.get(), dir_, MetaAt(9));
    ASSERT_TRUE(w.ok());
    const std::vector<uint8_t> body = Body(64, 2);
    ASSERT_TRUE((*w)->Append(body.data(), body.size()).ok());
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir_));
  auto list = ListSnapshots(disk_.get(), dir_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(SnapshotFileTest, FlippedBodyByteIsDataLossAtFinish) {
  const std::vector<uint8_t> body = Body(5000, 3);
  ASSERT_TRUE(Write(10, body).ok());
  FlipByte(PathOf(10), kSnapshotHeaderSize + 4321);

  auto r = SnapshotReader::Open(disk_.get(), PathOf(10));
  ASSERT_TRUE(r.ok()) << r.status().ToString();  // the header is intact
  std::vector<uint8_t> got(body.size());
  ASSERT_TRUE((*r)->Read(got.data(), got.size()).ok());
  const Status st = (*r)->Finish();
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find(PathOf(10)), std::string::npos) << st.message();
}

TEST_F(SnapshotFileTest, EveryFlippedHeaderByteIsDataLossAtOpen) {
  ASSERT_TRUE(Write(10, Body(300, 4)).ok());
  for (uint64_t offset = 0; offset < kSnapshotHeaderSize; offset++) {
    FlipByte(PathOf(10), offset);
    auto r = SnapshotReader::Open(disk_.get(), PathOf(10));
    EXPECT_EQ(r.status().code(), StatusCode::kDataLoss) << "header byte " << offset;
    FlipByte(PathOf(10), offset);  // restore
  }
  EXPECT_TRUE(SnapshotReader::Open(disk_.get(), PathOf(10)).ok());
}

TEST_F(SnapshotFileTest, TruncatedSnapshotIsDataLossAtOpen) {
  ASSERT_TRUE(Write(10, Body(300, 4)).ok());
  std::filesystem::resize_file(PathOf(10), kSnapshotHeaderSize + 299);
  EXPECT_EQ(SnapshotReader::Open(disk_.get(), PathOf(10)).status().code(), StatusCode::kDataLoss);
  std::filesystem::resize_file(PathOf(10), 100);
  EXPECT_EQ(SnapshotReader::Open(disk_.get(), PathOf(10)).status().code(), StatusCode::kDataLoss);
}

TEST_F(SnapshotFileTest, ReadingPastTheBodyIsDataLoss) {
  ASSERT_TRUE(Write(10, Body(16, 4)).ok());
  auto r = SnapshotReader::Open(disk_.get(), PathOf(10));
  ASSERT_TRUE(r.ok());
  uint8_t buf[32];
  EXPECT_EQ((*r)->Read(buf, sizeof(buf)).code(), StatusCode::kDataLoss);
}

TEST_F(SnapshotFileTest, FinishBeforeReadingTheWholeBodyIsDataLoss) {
  ASSERT_TRUE(Write(10, Body(16, 4)).ok());
  auto r = SnapshotReader::Open(disk_.get(), PathOf(10));
  ASSERT_TRUE(r.ok());
  uint8_t buf[8];
  ASSERT_TRUE((*r)->Read(buf, sizeof(buf)).ok());
  EXPECT_EQ((*r)->Finish().code(), StatusCode::kDataLoss);
}

TEST_F(SnapshotFileTest, MissingSnapshotIsNotFound) {
  EXPECT_EQ(SnapshotReader::Open(disk_.get(), PathOf(77)).status().code(), StatusCode::kNotFound);
}

TEST_F(SnapshotFileTest, ListSnapshotsIsNewestFirstAndIgnoresOtherFiles) {
  for (uint64_t seq : {100u, 7u, 2'000'000u, 55u}) ASSERT_TRUE(Write(seq, Body(10, 1)).ok());
  std::filesystem::create_directories(dir_);
  for (const char* stray : {"snap-00000000000000000999.cbs.tmp", "notes.txt", "seg-00000000.cbj"}) {
    const int fd = ::open(JoinPath(dir_, stray).c_str(), O_CREAT | O_WRONLY, 0644);
    ASSERT_GE(fd, 0);
    ::close(fd);
  }
  auto list = ListSnapshots(disk_.get(), dir_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list,
            (std::vector<std::string>{PathOf(2'000'000), PathOf(100), PathOf(55), PathOf(7)}));
}

TEST_F(SnapshotFileTest, ListingAMissingDirectoryIsEmpty) {
  auto list = ListSnapshots(disk_.get(), JoinPath(tmp_.path(), "nope"));
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(SnapshotFileTest, KeepCountPrunesOlderSnapshots) {
  ASSERT_TRUE(Write(10, Body(10, 1), 2).ok());
  ASSERT_TRUE(Write(20, Body(10, 2), 2).ok());
  ASSERT_TRUE(Write(30, Body(10, 3), 2).ok());
  auto list = ListSnapshots(disk_.get(), dir_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{PathOf(30), PathOf(20)}));
  EXPECT_FALSE(std::filesystem::exists(PathOf(10)));

  ASSERT_TRUE(Write(40, Body(10, 4), 1).ok());
  list = ListSnapshots(disk_.get(), dir_);
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, std::vector<std::string>{PathOf(40)});
}

TEST_F(SnapshotFileTest, RewritingTheSameSequenceReplacesTheSnapshot) {
  ASSERT_TRUE(Write(10, Body(10, 1)).ok());
  const std::vector<uint8_t> body = Body(20, 9);
  ASSERT_TRUE(Write(10, body).ok());
  auto r = SnapshotReader::Open(disk_.get(), PathOf(10));
  ASSERT_TRUE(r.ok());
  std::vector<uint8_t> got(body.size());
  ASSERT_TRUE((*r)->Read(got.data(), got.size()).ok());
  EXPECT_TRUE((*r)->Finish().ok());
  EXPECT_EQ(got, body);
}

}  // namespace
}  // namespace cb::journal
