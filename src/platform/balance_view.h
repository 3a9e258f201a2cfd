#pragma once
// The durable read view of accounts behind GET /v1/accounts/{id}/balances on the io threads
// (ADR 0013): one row per ledger account row, written only with state that is durable
// (balance_view_feed.h publishes it after each batch's commit, before its replies).
//
// One publisher, any number of readers, no locks: each row is a seqlock (an even version is
// stable, odd is being written; a reader that sees the version change retries, a bounded
// number of times, and then gives up so the caller takes the writer path). Rows are found
// through an insert-only open-addressing index of account id -> row, filled after the row's
// first version is complete. Memory is bounded by rows_max, reserved up front and faulted in
// as rows are first written.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "base/time.h"
#include "ledger/types.h"
#include "platform/model.h"

namespace cb::platform {

// What a balances answer needs of an account, as of one durable batch. 144 bytes, no
// implicit padding (copied as words):
//   0 id | 16 tenant | 32 customer | 48 balances (64) | 112 ledger info (16) | 128 timestamp
// 136 type | 137 status | 138 flags | 140 reserved
struct BalanceRow {
  AccountId id;
  TenantId tenant;
  CustomerId customer;  // zero for internal accounts
  ledger::Balances balances;
  ledger::LedgerInfo info;    // currency and scale of the account's ledger
  TimestampNs timestamp = 0;  // the ledger account's creation
  AccountType type = AccountType::kCurrent;
  AccountStatus status = AccountStatus::kOpen;
  uint16_t flags = 0;  // ledger account flags (internal, closed)
  uint32_t reserved = 0;
  // No padding anywhere (LedgerInfo has no operator==): the bytes are the value.
  bool operator==(const BalanceRow& o) const { return std::memcmp(this, &o, sizeof(o)) == 0; }
};
static_assert(sizeof(BalanceRow) == 144);
static_assert(std::is_trivially_copyable_v<BalanceRow>);

class BalanceView {
 public:
  // Rows (and ledger rows served) from 0 to rows_max - 1.
  explicit BalanceView(size_t rows_max);
  ~BalanceView();
  BalanceView(const BalanceView&) = delete;
  BalanceView& operator=(const BalanceView&) = delete;

  size_t rows_max() const { return rows_max_; }

  // Publisher only (one thread at a time): `row` is the ledger row of `data.id`, which
  // never changes once published.
  void Publish(uint32_t row, const BalanceRow& data);

  // Any thread: the account's row as of some published batch, never torn. False when it is
  // not in the view, or when it kept changing under this reader (then: ask the writer).
  [[nodiscard]] bool Read(AccountId id, BalanceRow* out) const;
  // Any thread: row `row` if published (tests compare the view with the state this way).
  [[nodiscard]] bool ReadRow(uint32_t row, BalanceRow* out) const;

  uint64_t rows_published() const;  // distinct rows, for tests and metrics

 private:
  static constexpr size_t kDataWords = sizeof(BalanceRow) / 8;
  // version | data words | padding to 160 bytes (two rows share no more than one line).
  static constexpr size_t kRowWords = 20;
  static_assert(1 + kDataWords <= kRowWords);

  uint64_t* RowWords(uint32_t row) const { return rows_ + size_t{row} * kRowWords; }
  AccountId StoredId(uint32_t row) const;
  void IndexInsert(AccountId id, uint32_t row);

  size_t rows_max_;
  size_t index_mask_;  // index slots - 1 (a power of two, at least twice rows_max)
  size_t rows_bytes_;
  size_t index_bytes_;
  uint64_t* rows_;                      // rows_max * kRowWords, through std::atomic_ref only
  uint32_t* index_;                     // row + 1, 0 = empty; through std::atomic_ref only
  std::atomic<uint64_t> published_{0};  // distinct rows
};

}  // namespace cb::platform
