// `corebank bench ledger`: N accounts, then M random transfers in batches of B through the
// real executor and journal. Batch latency = submit to durable reply.
#include <algorithm>
#include <cinttypes>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <vector>

#include "app/commands.h"
#include "base/rng.h"
#include "ledger/currency.h"
#include "runtime/executor.h"

namespace cb::app {

namespace {

using namespace cb::ledger;
using namespace cb::runtime;

// Keeps `window` requests outstanding and records each one's latency.
class Pipeline {
 public:
  Pipeline(Executor* executor, uint32_t window) : executor_(executor), window_(window) {}

  // Submits a command; blocks while the window is full. Returns false on failure.
  bool Submit(Command command, std::function<void(const Reply&)> on_reply) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ < window_ || failed_; });
    if (failed_) return false;
    outstanding_++;
    lock.unlock();
    const uint64_t t0 = MonotonicNowNs();
    Status st = executor_->Submit(std::move(command), [this, t0, on_reply](Reply&& reply) {
      const uint64_t dt = MonotonicNowNs() - t0;
      if (reply.status.ok()) on_reply(reply);
      std::lock_guard<std::mutex> g(mu_);
      latencies_ns_.push_back(dt);
      if (!reply.status.ok()) {
        failed_ = true;
        error_ = reply.status.ToString();
      }
      outstanding_--;
      cv_.notify_all();
    });
    if (!st.ok()) {
      std::lock_guard<std::mutex> g(mu_);
      failed_ = true;
      error_ = st.ToString();
      outstanding_--;
      return false;
    }
    return true;
  }

  bool Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
    return !failed_;
  }

  std::vector<uint64_t> TakeLatencies() {
    std::lock_guard<std::mutex> g(mu_);
    std::vector<uint64_t> out;
    out.swap(latencies_ns_);
    return out;
  }
  std::string error() {
    std::lock_guard<std::mutex> g(mu_);
    return error_;
  }

 private:
  Executor* executor_;
  uint32_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  uint32_t outstanding_ = 0;
  bool failed_ = false;
  std::string error_;
  std::vector<uint64_t> latencies_ns_;
};

double PercentileMs(std::vector<uint64_t> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1e6;
}

}  // namespace

int RunLedgerBench(const LedgerBenchOptions& o) {
  auto disk = NewPosixDisk();
  if (disk->Exists(JoinPath(o.data_dir, "journal"))) {
    auto names = disk->List(JoinPath(o.data_dir, "journal"));
    if (names.ok() && !names->empty()) {
      std::fprintf(stderr, "bench ledger: %s already holds a journal; use an empty directory\n",
                   o.data_dir.c_str());
      return 2;
    }
  }
  ShardOptions sopts;
  sopts.data_dir = o.data_dir;
  sopts.durability =
      o.durable == "none" ? journal::Durability::kNone : journal::Durability::kFdatasync;
  sopts.transfers_expected = o.transfers;
  sopts.accounts_expected = o.accounts;
  RecoveryInfo info;
  auto shard = Shard::Open(disk.get(), sopts, &info);
  if (!shard.ok()) {
    std::fprintf(stderr, "bench ledger: %s\n", shard.status().ToString().c_str());
    return 1;
  }
  ExecutorOptions eopts;
  eopts.snapshot_interval_ms = o.snapshot_interval_ms;
  Executor executor(shard->get(), eopts);
  executor.Start();
  Pipeline pipe(&executor, o.in_flight);

  std::mutex result_mu;
  uint64_t rejected = 0;
  auto count_failures = [&](const Reply& r) {
    uint64_t bad = 0;
    for (uint32_t code : r.results) bad += code != 0;
    if (bad > 0) {
      std::lock_guard<std::mutex> g(result_mu);
      rejected += bad;
    }
  };

  pipe.Submit(DefineLedgerCmd{*CurrencyLedger(1, "EUR")}, count_failures);
  GlCode gl;
  gl.code = 2000;
  gl.kind = GlKind::kLiability;
  std::snprintf(gl.name, sizeof(gl.name), "customer deposits");
  pipe.Submit(DefineGlCodeCmd{gl}, count_failures);
  for (uint64_t first = 1; first <= o.accounts; first += o.batch) {
    CreateAccountsCmd cmd;
    const uint64_t last = std::min<uint64_t>(o.accounts, first + o.batch - 1);
    cmd.accounts.resize(last - first + 1);
    for (uint64_t id = first; id <= last; id++) {
      Account& a = cmd.accounts[id - first];
      a.id = AccountId{id};
      a.ledger = 1;
      a.code = 2000;
    }
    if (!pipe.Submit(std::move(cmd), count_failures)) break;
  }
  if (!pipe.Drain()) {
    std::fprintf(stderr, "bench ledger: account creation failed: %s\n", pipe.error().c_str());
    return 1;
  }
  pipe.TakeLatencies();

  Rng rng(o.seed);
  const uint64_t t0 = MonotonicNowNs();
  for (uint64_t first = 1; first <= o.transfers; first += o.batch) {
    CreateTransfersCmd cmd;
    const uint64_t last = std::min<uint64_t>(o.transfers, first + o.batch - 1);
    cmd.transfers.resize(last - first + 1);
    for (uint64_t id = first; id <= last; id++) {
      Transfer& t = cmd.transfers[id - first];
      t.id = TransferId{id};
      uint64_t dr = 1 + rng.Below(o.accounts);
      uint64_t cr = 1 + rng.Below(o.accounts - 1);
      if (cr >= dr) cr++;
      if (o.hot_percent > 0 && rng.Below(100) < o.hot_percent) {
        // One side is the hot account (1), like a bank's settlement account.
        if (rng.Below(2) == 0) {
          dr = 1;
          if (cr == 1) cr = 2;
        } else {
          cr = 1;
          if (dr == 1) dr = 2;
        }
      }
      t.debit_account_id = AccountId{dr};
      t.credit_account_id = AccountId{cr};
      t.amount = 1 + rng.Below(100'000);
      t.ledger = 1;
      t.code = 1;
    }
    auto on_reply = [&, first, last](const Reply& r) {
      count_failures(r);
      if (o.progress) {
        std::printf("durable: transfers first_id=%" PRIu64 " last_id=%" PRIu64 " seq_last=%" PRIu64
                    "\n",
                    first, last, r.seq_last);
        std::fflush(stdout);
      }
    };
    if (!pipe.Submit(std::move(cmd), on_reply)) break;
  }
  const bool ok = pipe.Drain();
  const double seconds = static_cast<double>(MonotonicNowNs() - t0) / 1e9;
  executor.Stop();
  if (!ok) {
    std::fprintf(stderr, "bench ledger: failed: %s\n", pipe.error().c_str());
    return 1;
  }
  std::vector<uint64_t> lat = pipe.TakeLatencies();
  if (rejected > 0) {
    std::fprintf(stderr, "bench ledger: %" PRIu64 " items were rejected by the ledger\n", rejected);
    return 1;
  }
  std::printf("ledger bench: transfers=%" PRIu64
              " seconds=%.3f transfers_per_s=%.0f "
              "batch_p50_ms=%.2f batch_p99_ms=%.2f rss_mb=%" PRIu64 " durable=%s\n",
              o.transfers, seconds, seconds > 0 ? static_cast<double>(o.transfers) / seconds : 0.0,
              PercentileMs(lat, 0.50), PercentileMs(lat, 0.99), PeakRssMb(), o.durable.c_str());
  return 0;
}

}  // namespace cb::app
