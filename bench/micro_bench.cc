// Micro-benchmarks of the pieces on the ledger hot path (Google Benchmark).
#include <benchmark/benchmark.h>

#include <vector>

#include "base/crc32c.h"
#include "base/rng.h"
#include "base/sha256.h"
#include "corebank/ledger/v1/events.pb.h"
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
  s.ReserveRecords(1 << 22);  // as the executor does: no page faults in the timed loop
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

std::vector<Transfer> SampleTransfers() {
  std::vector<Transfer> out(kItemsPerCommandMax);
  Rng rng(7);
  for (size_t i = 0; i < out.size(); i++) {
    Transfer& t = out[i];
    t.id = TransferId{static_cast<u128>(i + 1) << 20};
    t.debit_account_id = AccountId{1 + rng.Below(1000000)};
    t.credit_account_id = AccountId{1 + rng.Below(1000000)};
    t.amount = 1 + rng.Below(100000);
    t.ledger = 1;
    t.code = 1;
    t.timestamp = 1'767'225'600'000'000'000ull + i;
  }
  return out;
}

void SetU128(corebank::ledger::v1::U128* m, u128 v) {
  m->set_lo(U128Lo(v));
  m->set_hi(U128Hi(v));
}

// The decision in docs/adr/0002: journal encoding of one full batch of transfers, as the
// writer thread would do it, fixed layout (memcpy into the record) vs protobuf.
void BM_EncodeTransfers_Fixed(benchmark::State& state) {
  const std::vector<Transfer> transfers = SampleTransfers();
  journal::RecordBuilder record;
  record.Reserve(transfers.size() * 136 + 256);
  for (auto _ : state) {
    record.Reset();
    for (const Transfer& t : transfers) {
      std::memcpy(record.AddEvent(4, 1, sizeof(t)), &t, sizeof(t));
    }
    benchmark::DoNotOptimize(record.bytes().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * transfers.size()));
}
BENCHMARK(BM_EncodeTransfers_Fixed);

void BM_EncodeTransfers_Protobuf(benchmark::State& state) {
  const std::vector<Transfer> transfers = SampleTransfers();
  journal::RecordBuilder record;
  record.Reserve(transfers.size() * 160 + 256);
  corebank::ledger::v1::TransferCreated m;
  for (auto _ : state) {
    record.Reset();
    for (const Transfer& t : transfers) {
      SetU128(m.mutable_id(), t.id.value);
      SetU128(m.mutable_debit_account_id(), t.debit_account_id.value);
      SetU128(m.mutable_credit_account_id(), t.credit_account_id.value);
      SetU128(m.mutable_amount(), t.amount);
      SetU128(m.mutable_pending_id(), t.pending_id.value);
      SetU128(m.mutable_user_data_128(), t.user_data_128);
      m.set_user_data_64(t.user_data_64);
      m.set_user_data_32(t.user_data_32);
      m.set_timeout_s(t.timeout_s);
      m.set_ledger(t.ledger);
      m.set_code(t.code);
      m.set_flags(t.flags);
      m.set_timestamp_ns(t.timestamp);
      const size_t n = m.ByteSizeLong();
      m.SerializeWithCachedSizesToArray(record.AddEvent(4, 2, static_cast<uint32_t>(n)));
    }
    benchmark::DoNotOptimize(record.bytes().data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * transfers.size()));
  state.counters["bytes_per_event"] =
      static_cast<double>(record.size_bytes()) / static_cast<double>(transfers.size());
}
BENCHMARK(BM_EncodeTransfers_Protobuf);

void BM_DecodeTransfers_Protobuf(benchmark::State& state) {
  const std::vector<Transfer> transfers = SampleTransfers();
  std::vector<std::string> encoded;
  corebank::ledger::v1::TransferCreated m;
  for (const Transfer& t : transfers) {
    SetU128(m.mutable_id(), t.id.value);
    SetU128(m.mutable_debit_account_id(), t.debit_account_id.value);
    SetU128(m.mutable_credit_account_id(), t.credit_account_id.value);
    SetU128(m.mutable_amount(), t.amount);
    m.set_ledger(t.ledger);
    m.set_code(t.code);
    m.set_timestamp_ns(t.timestamp);
    encoded.push_back(m.SerializeAsString());
  }
  for (auto _ : state) {
    u128 sum = 0;
    for (const std::string& e : encoded) {
      m.ParseFromString(e);
      sum += MakeU128(m.amount().hi(), m.amount().lo());
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * encoded.size()));
}
BENCHMARK(BM_DecodeTransfers_Protobuf);

}  // namespace

BENCHMARK_MAIN();
