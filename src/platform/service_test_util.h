#pragma once
// The fixture of the platform service tests: PlatformService driven through a real Shard
// (journal on disk in a TempDir), with helpers that build ops the way the edge does.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/temp_dir.h"
#include "journal/disk.h"
#include "journal/reader.h"
#include "platform/events.h"
#include "platform/ids.h"
#include "platform/service.h"
#include "runtime/shard.h"

namespace cb::platform::testing {

using runtime::Reply;

inline constexpr TimestampNs kT0 = 1'700'000'000ull * kNsPerSecond;

// The first value of `"key":` in a JSON body: the string's content, or the raw token
// (null, true, 123, {...} is not handled). Empty when absent.
inline std::string Field(std::string_view body, std::string_view key, size_t from = 0) {
  const std::string needle = "\"" + std::string(key) + "\":";
  const size_t at = body.find(needle, from);
  if (at == std::string_view::npos) return "";
  size_t p = at + needle.size();
  if (p < body.size() && body[p] == '"') {
    const size_t end = body.find('"', p + 1);
    return std::string(body.substr(p + 1, end - p - 1));
  }
  size_t end = p;
  while (end < body.size() && body[end] != ',' && body[end] != '}' && body[end] != ']') end++;
  return std::string(body.substr(p, end - p));
}

inline bool Contains(std::string_view body, std::string_view part) {
  return body.find(part) != std::string_view::npos;
}

// A service snapshot (u16 type | u32 size | payload, repeated) with its TransferAnnotated
// records sorted: those come out of a hash map, in an order that depends on the map's
// history (see SnapshotBytesAreStableAcrossASnapshotRoundTrip). Everything else
// must match byte for byte.
inline std::string CanonicalSnapshot(std::string_view bytes) {
  std::string out;
  std::vector<std::string> annotations;
  size_t off = 0;
  while (off < bytes.size()) {
    CB_CHECK(bytes.size() - off >= 6);
    const auto* p = reinterpret_cast<const uint8_t*>(bytes.data() + off);
    const uint16_t type = LoadLe<uint16_t>(p);
    const uint32_t size = LoadLe<uint32_t>(p + 2);
    CB_CHECK(bytes.size() - off - 6 >= size);
    const std::string record(bytes.substr(off, 6 + size));
    if (type == static_cast<uint16_t>(EventType::kTransferAnnotated)) {
      annotations.push_back(record);
    } else {
      if (!annotations.empty()) {
        std::sort(annotations.begin(), annotations.end());
        for (const std::string& a : annotations) out += a;
        annotations.clear();
      }
      out += record;
    }
    off += 6 + size;
  }
  std::sort(annotations.begin(), annotations.end());
  for (const std::string& a : annotations) out += a;
  return out;
}

// One shard process: key directory, service and shard, in destruction-safe order.
struct Node {
  explicit Node(PlatformOptions options) : service(&keys, options) {}
  KeyDirectory keys;
  PlatformService service;
  std::unique_ptr<runtime::Shard> shard;
  runtime::RecoveryInfo info;
};

class PlatformServiceTest : public ::testing::Test {
 protected:
  PlatformServiceTest() {
    options_.data_dir = JoinPath(tmp_.path(), "data");
    options_.segment_bytes = 1u << 20;
    options_.durability = journal::Durability::kNone;
    options_.snapshots_kept = 3;
  }

  std::unique_ptr<Node> Open() {
    auto node = std::make_unique<Node>(platform_options_);
    runtime::ShardOptions o = options_;
    o.service = &node->service;
    auto shard = runtime::Shard::Open(disk_.get(), o, &node->info);
    EXPECT_TRUE(shard.ok()) << shard.status().ToString();
    if (!shard.ok()) return nullptr;
    node->shard = std::move(*shard);
    return node;
  }

  // Runs `ops` as one batch and commits it.
  std::vector<Reply> RunBatch(Node* node, const std::vector<std::shared_ptr<PlatformOp>>& ops) {
    std::vector<runtime::Command> commands;
    for (const auto& op : ops) commands.push_back(runtime::ServiceCmd{op});
    std::vector<const runtime::Command*> ptrs;
    for (const auto& c : commands) ptrs.push_back(&c);
    runtime::PreparedBatch batch;
    std::vector<Reply> replies;
    now_ += kNsPerSecond;
    node->shard->ExecuteBatch(ptrs, now_, &batch, &replies);
    runtime::PreparedBatch* const batches[] = {&batch};
    const Status st = node->shard->Commit(batches);
    EXPECT_TRUE(st.ok()) << st.ToString();
    for (const Reply& r : replies) EXPECT_TRUE(r.status.ok()) << r.status.ToString();
    return replies;
  }

  Reply Run(Node* node, std::shared_ptr<PlatformOp> op) {
    std::vector<Reply> r = RunBatch(node, {std::move(op)});
    CB_CHECK(r.size() == 1);
    return std::move(r[0]);
  }

  static std::shared_ptr<PlatformOp> Op(const Principal& who, OpBody body,
                                        std::string idempotency_key = "",
                                        std::string_view request = "") {
    auto op = std::make_shared<PlatformOp>();
    op->caller = who;
    op->trace_id = "trace-1";
    op->body = std::move(body);
    op->idempotency_key = std::move(idempotency_key);
    if (!op->idempotency_key.empty()) {
      op->request_sha256 = Sha256Of(request.data(), request.size());
    }
    return op;
  }

  // Creates the root tenant; returns its admin principal (authenticated by token).
  Principal Bootstrap(Node* node) {
    auto op = MakeBootstrapOp("root", &root_token_);
    const Reply r = Run(node, op);
    EXPECT_EQ(r.http_status, 201) << r.body;
    const auto p = node->keys.Authenticate(root_token_);
    CB_CHECK(p.has_value());
    return *p;
  }

  // Root creates a tenant; returns its admin principal and token.
  Principal CreateTenant(Node* node, const Principal& root, std::string name, bool sandbox,
                         std::string* token_out = nullptr) {
    const CreateTenantOp t = NewTenantOp(std::move(name), sandbox);
    const NewKeySecret s{t.admin_token, t.admin_secret_sha256};
    const Reply r = Run(node, Op(root, t, "tenant-" + t.name, t.name));
    EXPECT_EQ(r.http_status, 201) << r.body;
    if (token_out != nullptr) *token_out = s.token;
    const auto p = node->keys.Authenticate(s.token);
    CB_CHECK(p.has_value());
    return *p;
  }

  Principal CreateKey(Node* node, const Principal& admin, Role role,
                      std::string* token_out = nullptr) {
    CreateApiKeyOp k;
    k.id = ApiKeyId(RandomU128());
    k.role = role;
    k.name = RoleName(role);
    NewKeySecret s = MakeKeySecret(k.id);
    k.secret_sha256 = s.secret_sha256;
    k.token = s.token;
    const Reply r = Run(node, Op(admin, k));
    EXPECT_EQ(r.http_status, 201) << r.body;
    if (token_out != nullptr) *token_out = s.token;
    const auto p = node->keys.Authenticate(s.token);
    CB_CHECK(p.has_value());
    return *p;
  }

  CustomerId CreateCustomer(Node* node, const Principal& who, std::string name) {
    CreateCustomerOp c;
    c.id = CustomerId(RandomU128());
    c.name = std::move(name);
    c.email = "x@example.com";
    const Reply r = Run(node, Op(who, c, "cus-" + c.name, c.name));
    EXPECT_EQ(r.http_status, 201) << r.body;
    return c.id;
  }

  AccountId OpenAccount(Node* node, const Principal& who, CustomerId customer,
                        std::string currency = "EUR", std::vector<std::string> aliases = {}) {
    OpenAccountOp a;
    a.id = AccountId(RandomU128());
    a.settlement_id = AccountId(RandomU128());
    a.customer = customer;
    a.currency = std::move(currency);
    a.aliases = std::move(aliases);
    const Reply r = Run(node, Op(who, a));
    EXPECT_EQ(r.http_status, 201) << r.body;
    return a.id;
  }

  Reply Deposit(Node* node, const Principal& who, AccountId account, u128 amount_minor,
                std::string currency = "EUR") {
    SandboxDepositOp d;
    d.id = TransferId(RandomU128());
    d.account = account;
    d.amount_minor = amount_minor;
    d.currency = std::move(currency);
    return Run(node, Op(who, d));
  }

  static TransferSpec Spec(AccountId from, AccountId to, u128 amount_minor, bool pending = false) {
    TransferSpec s;
    s.id = TransferId(RandomU128());
    s.from.id = from;
    s.to.id = to;
    s.amount_minor = amount_minor;
    s.currency = "EUR";
    s.pending = pending;
    return s;
  }

  Reply Transfer(Node* node, const Principal& who, const TransferSpec& spec,
                 std::string idempotency_key = "") {
    return Run(node, Op(who, CreateTransferOp{spec}, idempotency_key, "transfer"));
  }

  std::string Balance(Node* node, const Principal& who, AccountId account,
                      std::string_view which = "current") {
    const Reply r = Run(node, Op(who, GetBalancesOp{account, std::nullopt}));
    EXPECT_EQ(r.http_status, 200) << r.body;
    return Field(r.body, which);
  }

  // The answer bytes an IdempotencyRecorded event at `seq` holds, read back from the journal
  // the way the edge does for a replay.
  std::string RecordedBody(Node* node, uint64_t seq) {
    journal::JournalReader reader(disk_.get(), runtime::JournalDir(options_.data_dir));
    auto ev = reader.ReadEvent(seq, node->shard->seq_durable_next());
    EXPECT_TRUE(ev.ok()) << ev.status().ToString();
    if (!ev.ok()) return "";
    EXPECT_EQ(ev->type, static_cast<uint16_t>(EventType::kIdempotencyRecorded));
    pb::IdempotencyRecorded m;
    EXPECT_TRUE(m.ParseFromArray(ev->payload.data(), static_cast<int>(ev->payload.size())));
    return m.body();
  }

  // What the client gets: the fresh answer, or for a replay the recorded one.
  std::string ClientBody(Node* node, const Reply& r) {
    if (!r.replayed) return r.body;
    EXPECT_TRUE(r.body.empty());
    EXPECT_NE(r.replay_seq, 0u);
    return RecordedBody(node, r.replay_seq);
  }

  std::unique_ptr<Disk> disk_ = NewPosixDisk();
  TempDir tmp_;
  runtime::ShardOptions options_;
  PlatformOptions platform_options_;
  TimestampNs now_ = kT0;
  std::string root_token_;
};

}  // namespace cb::platform::testing
