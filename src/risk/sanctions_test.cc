// SanctionsListLoaded through the real shard (journal over the posix disk in a temp dir):
// journaled only when a list's hash changes, rebuilt by replay and kept in snapshots; the
// content-addressed list store; a screen through the service.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <string>

#include "base/temp_dir.h"
#include "journal/disk.h"
#include "platform/key_directory.h"
#include "platform/service.h"
#include "risk/events.h"
#include "risk/sanctions_load.h"
#include "risk/sanctions_store.h"
#include "risk/screening/list_codec.h"
#include "risk/screening/lists.h"
#include "risk/screening/screening.h"
#include "risk/service.h"
#include "runtime/service_set.h"
#include "runtime/shard.h"

namespace cb::risk {
namespace {

namespace sc = screening;
using runtime::Reply;

const std::string kTinyDir = std::string(CB_SHARED_DATA_DIR) + "/sanctions/ofac_tiny";

struct Node {
  Node() : platform(&keys, {}), risk(&platform) {
    services.Add(0, &platform, runtime::kServiceEventTypeFirst, kEventTypeFirst - 1);
    services.Add(kRiskServiceId, &risk, kEventTypeFirst, kEventTypeLast);
  }
  platform::KeyDirectory keys;
  platform::PlatformService platform;
  RiskService risk;
  runtime::ServiceSet services;
  std::unique_ptr<runtime::Shard> shard;
  runtime::RecoveryInfo info;
};

Hash256 H(std::string_view s) { return Sha256Of(s.data(), s.size()); }

LoadSanctionsOp Load(std::vector<SanctionsListMeta> lists,
                     std::shared_ptr<const sc::ScreeningIndex> index = nullptr) {
  LoadSanctionsOp op;
  op.lists = std::move(lists);
  op.index = std::move(index);
  return op;
}

class SanctionsTest : public ::testing::Test {
 protected:
  SanctionsTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
    options_.durability = journal::Durability::kNone;
  }

  std::unique_ptr<Node> Open() {
    auto node = std::make_unique<Node>();
    runtime::ShardOptions o = options_;
    o.service = &node->services;
    auto shard = runtime::Shard::Open(disk_.get(), o, &node->info);
    EXPECT_TRUE(shard.ok()) << shard.status().ToString();
    node->shard = std::move(*shard);
    return node;
  }

  Reply Run(Node* node, decltype(RiskOp::body) body, kernel::Principal caller = {}) {
    auto op = std::make_shared<RiskOp>();
    op->caller = caller;
    op->trace_id = "t";
    op->body = std::move(body);
    return RunOp(node, std::move(op));
  }

  Reply RunOp(Node* node, std::shared_ptr<runtime::ServiceOp> op) {
    runtime::Command command = runtime::ServiceCmd{std::move(op)};
    const runtime::Command* ptrs[] = {&command};
    runtime::PreparedBatch batch;
    std::vector<Reply> replies;
    now_ += kNsPerSecond;
    node->shard->ExecuteBatch(ptrs, now_, &batch, &replies);
    runtime::PreparedBatch* const batches[] = {&batch};
    EXPECT_TRUE(node->shard->Commit(batches).ok());
    return std::move(replies.at(0));
  }

  static SanctionsListMeta Meta(std::string name, std::string_view content) {
    return {.name = std::move(name), .version = "v", .entries = 3, .sha256 = H(content)};
  }

  TempDir tmp_;
  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  runtime::ShardOptions options_;
  TimestampNs now_ = 1'700'000'000ull * kNsPerSecond;
};

TEST_F(SanctionsTest, ListIsJournaledOnlyWhenItsHashChanges) {
  auto node = Open();
  Reply r = Run(node.get(), Load({Meta("ofac-sdn", "a"), Meta("un", "u")}));
  EXPECT_EQ(r.body, R"({"journaled":2})");
  r = Run(node.get(), Load({Meta("ofac-sdn", "a"), Meta("un", "u")}));
  EXPECT_EQ(r.body, R"({"journaled":0})");
  r = Run(node.get(), Load({Meta("ofac-sdn", "b")}));
  EXPECT_EQ(r.body, R"({"journaled":1})");
  ASSERT_EQ(node->risk.sanctions_lists().size(), 2u);
  EXPECT_EQ(node->risk.sanctions_lists().at("ofac-sdn").meta.sha256, H("b"));
  EXPECT_EQ(node->risk.sanctions_lists().at("un").meta.sha256, H("u"));
}

TEST_F(SanctionsTest, ReplayAndSnapshotKeepTheLatestHashPerList) {
  {
    auto node = Open();
    Run(node.get(), Load({Meta("ofac-sdn", "a"), Meta("un", "u")}));
    Run(node.get(), Load({Meta("ofac-sdn", "b")}));
  }
  auto node = Open();  // replays the journal
  const auto& lists = node->risk.sanctions_lists();
  ASSERT_EQ(lists.size(), 2u);
  EXPECT_EQ(lists.at("ofac-sdn").meta.sha256, H("b"));
  EXPECT_EQ(lists.at("ofac-sdn").meta.version, "v");
  EXPECT_EQ(lists.at("ofac-sdn").meta.entries, 3u);
  EXPECT_EQ(lists.at("un").meta.sha256, H("u"));
  EXPECT_GT(lists.at("ofac-sdn").seq, lists.at("un").seq);
  // The same hash again after the replay journals nothing.
  EXPECT_EQ(Run(node.get(), Load({Meta("ofac-sdn", "b")})).body, R"({"journaled":0})");

  platform::KeyDirectory keys;
  platform::PlatformService platform(&keys, {});
  RiskService copy(&platform);
  ASSERT_TRUE(copy.LoadSnapshot(node->risk.CaptureSnapshot()).ok());
  ASSERT_EQ(copy.sanctions_lists().size(), 2u);
  for (const auto& [name, r] : lists) {
    const SanctionsListRecord& c = copy.sanctions_lists().at(name);
    EXPECT_EQ(c.meta.sha256, r.meta.sha256) << name;
    EXPECT_EQ(c.meta.version, r.meta.version) << name;
    EXPECT_EQ(c.meta.entries, r.meta.entries) << name;
    EXPECT_EQ(c.loaded, r.loaded) << name;
  }
}

TEST_F(SanctionsTest, StoredListReadsBackAndRefusesAChangedFile) {
  Result<sc::SanctionsList> list = sc::LoadOfacSdn(kTinyDir);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  Result<std::string> bytes = sc::SerializeList(*list);
  ASSERT_TRUE(bytes.ok());
  const Hash256 h = H(*bytes);
  const std::string data = options_.data_dir;
  ASSERT_EQ(ReadSanctionsList(disk_.get(), data, h).status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(StoreSanctionsList(disk_.get(), data, h, *bytes).ok());
  ASSERT_TRUE(StoreSanctionsList(disk_.get(), data, h, *bytes).ok());  // present: skipped
  Result<sc::SanctionsList> back = ReadSanctionsList(disk_.get(), data, h);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *list);
  EXPECT_FALSE(disk_->Exists(SanctionsListPath(data, h) + ".tmp"));

  std::string changed = *bytes;
  changed[changed.size() / 2] ^= 1;
  std::ofstream(SanctionsListPath(data, h), std::ios::binary | std::ios::trunc) << changed;
  EXPECT_EQ(ReadSanctionsList(disk_.get(), data, h).status().code(), StatusCode::kDataLoss);
  std::ofstream(SanctionsListPath(data, h), std::ios::binary | std::ios::trunc)
      << bytes->substr(0, bytes->size() - 1);
  EXPECT_EQ(ReadSanctionsList(disk_.get(), data, h).status().code(), StatusCode::kDataLoss);
}

TEST_F(SanctionsTest, ScreenFindsAListedNameWithATypoAndNotAnUnrelatedOne) {
  auto node = Open();
  std::string token;
  ASSERT_EQ(RunOp(node.get(), platform::MakeBootstrapOp("root", &token)).http_status, 201);
  const kernel::Principal admin = *node->keys.Authenticate(token);
  ScreenOp q;
  q.name = "Elvis Angus Logan Morei";  // listed as "LOGAN MOREY, Elvis Angus" (10278)
  q.type = sc::EntityType::kPerson;
  Reply r = Run(node.get(), q, admin);
  EXPECT_EQ(r.http_status, 409) << r.body;  // no lists yet
  EXPECT_NE(r.body.find("screening_unavailable"), std::string::npos) << r.body;

  Result<sc::SanctionsList> list = sc::LoadOfacSdn(kTinyDir);
  ASSERT_TRUE(list.ok());
  Result<std::string> bytes = sc::SerializeList(*list);
  ASSERT_TRUE(bytes.ok());
  const SanctionsListMeta meta{.name = list->name,
                               .version = list->version,
                               .entries = static_cast<uint32_t>(list->entries.size()),
                               .sha256 = H(*bytes)};
  std::vector<sc::SanctionsList> lists = {*list};
  auto index = sc::ScreeningIndex::Build(std::move(lists));
  ASSERT_TRUE(index.ok());
  ASSERT_EQ(
      Run(node.get(), Load({meta}, std::shared_ptr<const sc::ScreeningIndex>(std::move(*index))))
          .body,
      R"({"journaled":1})");

  r = Run(node.get(), q, admin);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("entry_id":"10278")"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find(HashHex(meta.sha256)), std::string::npos) << r.body;
  q.name = "Johanna Weissenberger";
  r = Run(node.get(), q, admin);
  ASSERT_EQ(r.http_status, 200) << r.body;
  EXPECT_NE(r.body.find(R"("hits":[])"), std::string::npos) << r.body;
}

TEST_F(SanctionsTest, PrepareStoresTheSourcesAndBuildsTheIndexFromTheStoredFiles) {
  const std::string data = options_.data_dir;
  LoadSanctionsOp op;
  std::string line;
  ASSERT_TRUE(PrepareSanctions(disk_.get(), data, kTinyDir, {}, &op, &line).ok()) << line;
  ASSERT_EQ(op.lists.size(), 1u);  // the tiny set has no UN file
  const SanctionsListMeta m = op.lists[0];
  EXPECT_EQ(m.name, "ofac-sdn");
  EXPECT_EQ(m.entries, 17u);
  EXPECT_TRUE(disk_->Exists(SanctionsListPath(data, m.sha256)));
  ASSERT_NE(op.index, nullptr);
  EXPECT_EQ(op.index->entry_count(), 17u);
  EXPECT_NE(line.find("1 newly journaled"), std::string::npos) << line;

  // Already recorded with that hash: nothing new to journal, the same index.
  std::map<std::string, SanctionsListRecord> recorded;
  recorded["ofac-sdn"].meta = m;
  LoadSanctionsOp again;
  ASSERT_TRUE(PrepareSanctions(disk_.get(), data, kTinyDir, recorded, &again, &line).ok());
  EXPECT_NE(line.find("0 newly journaled"), std::string::npos) << line;
  ASSERT_NE(again.index, nullptr);

  // No sources any more: the recorded list is still screened, from its stored file.
  LoadSanctionsOp stored;
  ASSERT_TRUE(
      PrepareSanctions(disk_.get(), data, tmp_.path() + "/none", recorded, &stored, &line).ok());
  EXPECT_TRUE(stored.lists.empty());
  ASSERT_NE(stored.index, nullptr);
  EXPECT_EQ(stored.index->entry_count(), 17u);
}

TEST_F(SanctionsTest, PrepareWithoutAnyListTurnsScreeningOff) {
  LoadSanctionsOp op;
  std::string line;
  ASSERT_TRUE(
      PrepareSanctions(disk_.get(), options_.data_dir, tmp_.path() + "/none", {}, &op, &line).ok());
  EXPECT_TRUE(op.lists.empty());
  EXPECT_EQ(op.index, nullptr);
  EXPECT_NE(line.find("OFF"), std::string::npos) << line;
}

TEST_F(SanctionsTest, PrepareRefusesARecordedListWhoseStoredFileIsMissingOrChanged) {
  const std::string data = options_.data_dir;
  LoadSanctionsOp op;
  std::string line;
  ASSERT_TRUE(PrepareSanctions(disk_.get(), data, kTinyDir, {}, &op, &line).ok());
  std::map<std::string, SanctionsListRecord> recorded;
  recorded["ofac-sdn"].meta = op.lists.at(0);
  const std::string path = SanctionsListPath(data, op.lists[0].sha256);
  const std::string none = tmp_.path() + "/none";

  std::ofstream(path, std::ios::binary | std::ios::app) << "x";  // changed after the fact
  LoadSanctionsOp changed;
  Status st = PrepareSanctions(disk_.get(), data, none, recorded, &changed, &line);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_NE(st.message().find("ofac-sdn"), std::string::npos) << st.ToString();

  ASSERT_TRUE(disk_->Remove(path).ok());
  LoadSanctionsOp missing;
  st = PrepareSanctions(disk_.get(), data, none, recorded, &missing, &line);
  EXPECT_EQ(st.code(), StatusCode::kDataLoss) << st.ToString();
  EXPECT_EQ(missing.index, nullptr);
}

}  // namespace
}  // namespace cb::risk
