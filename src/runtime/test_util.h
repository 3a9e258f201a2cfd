#pragma once
// Tests only: accounts and transfers on ledger 1 for the runtime tests.
#include "ledger/types.h"

namespace cb::runtime::testing {

inline ledger::Account NewAccount(u128 id) {
  ledger::Account a;
  a.id = ledger::AccountId{id};
  a.ledger = 1;
  a.code = 10;
  return a;
}

inline ledger::Transfer NewTransfer(u128 id, u128 debit, u128 credit, u128 amount,
                                    uint16_t flags = 0, uint32_t timeout_s = 0) {
  ledger::Transfer t;
  t.id = ledger::TransferId{id};
  t.debit_account_id = ledger::AccountId{debit};
  t.credit_account_id = ledger::AccountId{credit};
  t.amount = amount;
  t.ledger = 1;
  t.code = 1;
  t.flags = flags;
  t.timeout_s = timeout_s;
  return t;
}

}  // namespace cb::runtime::testing
