#include "ledger/touched_rows.h"

#include <gtest/gtest.h>

#include <vector>

#include "ledger/state.h"

namespace cb::ledger {
namespace {

std::vector<uint32_t> Rows(const TouchedRows& t) { return {t.rows().begin(), t.rows().end()}; }

TEST(TouchedRowsTest, EachRowIsListedOnceUntilCleared) {
  TouchedRows t(100);
  t.Mark(7);
  t.Mark(3);
  t.Mark(7);
  t.Mark(64);
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{7, 3, 64}));
  t.Clear();
  EXPECT_TRUE(t.rows().empty());
  t.Mark(7);
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{7}));
}

TEST(TouchedRowsTest, RowsPastTheMaximumAreNotTracked) {
  TouchedRows t(10);
  t.Mark(9);
  t.Mark(10);
  t.Mark(1000);
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{9}));
}

Account NewAccount(u128 id) {
  Account a;
  a.id = AccountId(id);
  a.ledger = 1;
  a.code = 1;
  return a;
}

// The state marks every row an event changes: created accounts, both sides of a transfer,
// and flag changes; nothing while no tracker is attached (recovery).
TEST(TouchedRowsTest, LedgerStateMarksTheRowsItsEventsChange) {
  LedgerState state;
  state.ApplyAccountCreated(NewAccount(1));  // row 0, before tracking
  TouchedRows t(16);
  state.set_touched_rows(&t);
  state.ApplyAccountCreated(NewAccount(2));  // row 1
  state.ApplyAccountCreated(NewAccount(3));  // row 2
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{1, 2}));
  t.Clear();
  Transfer tr;
  tr.id = TransferId(9);
  tr.debit_account_id = AccountId(3);
  tr.credit_account_id = AccountId(1);
  tr.amount = 5;
  tr.ledger = 1;
  tr.timestamp = 10;
  state.ApplyTransferCreated(tr);
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{2, 0}));
  t.Clear();
  state.ApplyAccountFlagsSet(AccountId(2), kAccountClosed);
  EXPECT_EQ(Rows(t), (std::vector<uint32_t>{1}));
  state.set_touched_rows(nullptr);
  t.Clear();
  state.ApplyAccountFlagsSet(AccountId(2), 0);
  EXPECT_TRUE(t.rows().empty());
}

}  // namespace
}  // namespace cb::ledger
