// Micro-benchmarks of the pieces on the ledger hot path (Google Benchmark).
#include <benchmark/benchmark.h>

#include <vector>

#include "base/crc32c.h"
#include "base/rng.h"
#include "base/sha256.h"
#include "journal/format.h"
#include "ledger/currency.h"
#include "ledger/ledger.h"

namespace {

using namespace cb;
using namespace cb::ledger;

void BM_Crc32c_1MiB(benchmark::State& state) {
  std::vector<uint8_t> data(1 << 20, 7);
  for (auto _ : state) benchmark::DoNotOptimize(Crc32c(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_Crc32c_1MiB);

void BM_Sha256_1MiB(benchmark::State& state) {
  std::vector<uint8_t> data(1 << 20, 7);
  for (auto _ : state) benchmark::DoNotOptimize(Sha256Of(data.data(), data.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * (1 << 20));
}
BENCHMARK(BM_Sha256_1MiB);

// Sealing a full batch: SHA-256 chain hash + CRC32C over 8190 transfer events.
void BM_Journal_SealBatch(benchmark::State& state) {
  journal::RecordBuilder record;
  for (int i = 0; i < 8190; i++) {
    Transfer t;
    t.id = TransferId{static_cast<u128>(i + 1)};
    std::memcpy(record.AddEvent(4, 1, sizeof(t)), &t, sizeof(t));
  }
  Hash256 prev{};
  for (auto _ : state) benchmark::DoNotOptimize(record.Seal(0, 1, 1, prev, 0));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * 8190);
}
BENCHMARK(BM_Journal_SealBatch);

// Validating and applying transfers in memory (no journal write), `range(0)` accounts.
void BM_Ledger_CreateTransfers(benchmark::State& state) {
  const auto accounts = static_cast<uint64_t>(state.range(0));
  LedgerState s(1 << 22, accounts);
  journal::RecordBuilder out;
  TimestampNs ts = 1;
  DefineLedger(&s, *CurrencyLedger(1, "EUR"), &out);
  std::vector<Account> batch;
  std::vector<AccountResult> ar;
  for (uint64_t id = 1; id <= accounts; id++) {
    Account a;
    a.id = AccountId{id};
    a.ledger = 1;
    a.code = 1;
    batch.push_back(a);
    if (batch.size() == kItemsPerCommandMax || id == accounts) {
      out.Reset();
      CreateAccounts(&s, batch, &ts, &out, &ar);
      batch.clear();
    }
  }
  Rng rng(1);
  uint64_t next_id = 1;
  std::vector<Transfer> transfers(kItemsPerCommandMax);
  std::vector<TransferResult> results;
  for (auto _ : state) {
    state.PauseTiming();
    if (next_id + kItemsPerCommandMax > (1 << 22)) state.SkipWithError("out of ids");
    for (Transfer& t : transfers) {
      t = Transfer{};
      t.id = TransferId{next_id++};
      const uint64_t dr = 1 + rng.Below(accounts);
      uint64_t cr = 1 + rng.Below(accounts - 1);
      if (cr >= dr) cr++;
      t.debit_account_id = AccountId{dr};
      t.credit_account_id = AccountId{cr};
      t.amount = 1 + rng.Below(1000);
      t.ledger = 1;
      t.code = 1;
    }
    out.Reset();
    state.ResumeTiming();
    CreateTransfers(&s, transfers, &ts, &out, &results);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()) * kItemsPerCommandMax);
}
BENCHMARK(BM_Ledger_CreateTransfers)->Arg(10000)->Arg(1000000)->Iterations(400);

}  // namespace

BENCHMARK_MAIN();
