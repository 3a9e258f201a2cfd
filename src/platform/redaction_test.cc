// A service's own secret fields (Envelope::secret_fields) never reach the journal: the
// caller gets them once, the idempotency record keeps null, and a replay answers null.
#include <gtest/gtest.h>

#include "corebank/platform/v1/events.pb.h"
#include "platform/service_test_util.h"
#include "runtime/service_set.h"

namespace cb::platform::testing {
namespace {

constexpr uint32_t kVaultServiceId = 50;
constexpr std::string_view kSecretFields[] = {"api_token"};

struct RevealOp final : runtime::ServiceOp {
  Principal caller;
  std::string idempotency_key;
  Hash256 request_sha256{};
  uint32_t service_id() const override { return kVaultServiceId; }
};

// Hands out a token once, the way a module would: through the platform's envelope.
class VaultService final : public runtime::Service {
 public:
  explicit VaultService(PlatformService* platform) : platform_(platform) {}
  void Execute(const runtime::ServiceOp& base, runtime::ServiceContext& ctx,
               Reply* reply) override {
    const auto& op = static_cast<const RevealOp&>(base);
    const Envelope env{.caller = op.caller,
                       .trace_id = "trace-v",
                       .idempotency_key = op.idempotency_key,
                       .request_sha256 = op.request_sha256,
                       .scope = scope_,
                       .secret_fields = kSecretFields};
    platform_->RunEnveloped(env, ctx, reply, [] {
      return Answer{201, R"({"object":"vault","api_token":"tok_s3cr3t","name":"v"})"};
    });
  }
  Status ApplyEvent(const journal::EventView&, uint64_t, TimestampNs) override {
    return Status::DataLoss("no events");
  }
  // A module bug to test: a scope that is not exactly one registered scope.
  void set_scope(kernel::ScopeSet scope) { scope_ = scope; }
  void Clear() override {}
  std::string CaptureSnapshot() const override { return ""; }
  Status LoadSnapshot(std::string_view) override { return Status::Ok(); }

 private:
  PlatformService* platform_;
  kernel::ScopeSet scope_ = kernel::kScopeAdmin;
};

class RedactionTest : public PlatformServiceTest {
 protected:
  std::unique_ptr<Node> OpenWithVault(VaultService** vault_out) {
    auto node = std::make_unique<Node>(platform_options_);
    vault_ = std::make_unique<VaultService>(&node->service);
    services_ = std::make_unique<runtime::ServiceSet>();
    services_->Add(0, &node->service, runtime::kServiceEventTypeFirst, 511);
    services_->Add(kVaultServiceId, vault_.get(), 2000, 2009);
    runtime::ShardOptions o = options_;
    o.service = services_.get();
    auto shard = runtime::Shard::Open(disk_.get(), o, &node->info);
    CB_CHECK(shard.ok());
    node->shard = std::move(*shard);
    *vault_out = vault_.get();
    return node;
  }

  Reply Reveal(Node* node, const Principal& who) {
    auto op = std::make_shared<RevealOp>();
    op->caller = who;
    op->idempotency_key = "reveal-1";
    op->request_sha256 = Sha256Of("r", 1);
    runtime::Command c = runtime::ServiceCmd{op};
    const runtime::Command* ptrs[] = {&c};
    runtime::PreparedBatch batch;
    std::vector<Reply> replies;
    now_ += kNsPerSecond;
    node->shard->ExecuteBatch(ptrs, now_, &batch, &replies);
    runtime::PreparedBatch* const batches[] = {&batch};
    CB_CHECK(node->shard->Commit(batches).ok());
    return replies.at(0);
  }

  std::unique_ptr<VaultService> vault_;
  std::unique_ptr<runtime::ServiceSet> services_;
};

TEST_F(RedactionTest, AServicesOwnSecretFieldsAreRecordedAsNull) {
  VaultService* vault = nullptr;
  auto node = OpenWithVault(&vault);
  const Principal root = Bootstrap(node.get());
  const Reply first = Reveal(node.get(), root);
  EXPECT_EQ(first.http_status, 201);
  EXPECT_TRUE(Contains(first.body, "tok_s3cr3t"));  // shown once, to the caller

  // The journal holds the answer without it.
  journal::JournalReader reader(disk_.get(), runtime::JournalDir(options_.data_dir));
  std::string recorded;
  ASSERT_TRUE(reader
                  .Read(1, node->shard->seq_durable_next(),
                        [&](const journal::RecordHeader&, std::span<const uint8_t> bytes) {
                          journal::EventIterator it(bytes);
                          journal::EventView ev;
                          while (it.Next(&ev)) {
                            if (ev.type != static_cast<uint16_t>(EventType::kIdempotencyRecorded))
                              continue;
                            pb::IdempotencyRecorded m;
                            CB_CHECK(m.ParseFromArray(ev.payload.data(),
                                                      static_cast<int>(ev.payload.size())));
                            if (m.key() == "reveal-1") recorded = m.body();
                          }
                          return true;
                        })
                  .ok());
  EXPECT_EQ(recorded, R"({"object":"vault","api_token":null,"name":"v"})");

  // A replay is answered from that record: never the secret again.
  const Reply again = Reveal(node.get(), root);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.http_status, 201);
}

// An empty scope set would pass every caller's Covers(): the envelope refuses to run it
// (a module that did not resolve its scope), as it refuses a set of two scopes.
TEST_F(RedactionTest, AnEnvelopeWithoutExactlyOneRegisteredScopeStopsTheWriter) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  for (const kernel::ScopeSet bad :
       {kernel::ScopeSet(), kernel::kScopeAdmin | kernel::kScopeAccountsRead}) {
    EXPECT_DEATH(
        {
          VaultService* vault = nullptr;
          auto node = OpenWithVault(&vault);
          const Principal root = Bootstrap(node.get());
          vault->set_scope(bad);
          Reveal(node.get(), root);
        },
        "");
  }
}

}  // namespace
}  // namespace cb::platform::testing
