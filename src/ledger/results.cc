#include "ledger/results.h"

namespace cb::ledger {

const char* AccountResultName(AccountResult r) {
  switch (r) {
    case AccountResult::kOk: return "ok";
    case AccountResult::kLinkedEventFailed: return "linked_event_failed";
    case AccountResult::kLinkedEventChainOpen: return "linked_event_chain_open";
    case AccountResult::kTimestampMustBeZero: return "timestamp_must_be_zero";
    case AccountResult::kReservedField: return "reserved_field";
    case AccountResult::kReservedFlag: return "reserved_flag";
    case AccountResult::kIdMustNotBeZero: return "id_must_not_be_zero";
    case AccountResult::kIdMustNotBeIntMax: return "id_must_not_be_int_max";
    case AccountResult::kFlagsAreMutuallyExclusive: return "flags_are_mutually_exclusive";
    case AccountResult::kBalancesMustBeZero: return "balances_must_be_zero";
    case AccountResult::kLedgerMustNotBeZero: return "ledger_must_not_be_zero";
    case AccountResult::kCodeMustNotBeZero: return "code_must_not_be_zero";
    case AccountResult::kLedgerNotFound: return "ledger_not_found";
    case AccountResult::kExistsWithDifferentFlags: return "exists_with_different_flags";
    case AccountResult::kExistsWithDifferentUserData128: return "exists_with_different_user_data_128";
    case AccountResult::kExistsWithDifferentUserData64: return "exists_with_different_user_data_64";
    case AccountResult::kExistsWithDifferentUserData32: return "exists_with_different_user_data_32";
    case AccountResult::kExistsWithDifferentLedger: return "exists_with_different_ledger";
    case AccountResult::kExistsWithDifferentCode: return "exists_with_different_code";
    case AccountResult::kExistsWithDifferentLimit: return "exists_with_different_limit";
    case AccountResult::kExists: return "exists";
    case AccountResult::kAccountNotFound: return "account_not_found";
    case AccountResult::kAccountClosed: return "account_closed";
    case AccountResult::kAccountNotClosed: return "account_not_closed";
    case AccountResult::kAccountAlreadyClosed: return "account_already_closed";
    case AccountResult::kLimitBelowCurrentBalance: return "limit_below_current_balance";
    case AccountResult::kCurrencyInvalid: return "currency_invalid";
  }
  return "unknown";
}

const char* TransferResultName(TransferResult r) {
  switch (r) {
    case TransferResult::kOk: return "ok";
    case TransferResult::kLinkedEventFailed: return "linked_event_failed";
    case TransferResult::kLinkedEventChainOpen: return "linked_event_chain_open";
    case TransferResult::kTimestampMustBeZero: return "timestamp_must_be_zero";
    case TransferResult::kReservedFlag: return "reserved_flag";
    case TransferResult::kIdMustNotBeZero: return "id_must_not_be_zero";
    case TransferResult::kIdMustNotBeIntMax: return "id_must_not_be_int_max";
    case TransferResult::kFlagsAreMutuallyExclusive: return "flags_are_mutually_exclusive";
    case TransferResult::kDebitAccountIdMustNotBeZero: return "debit_account_id_must_not_be_zero";
    case TransferResult::kDebitAccountIdMustNotBeIntMax: return "debit_account_id_must_not_be_int_max";
    case TransferResult::kCreditAccountIdMustNotBeZero: return "credit_account_id_must_not_be_zero";
    case TransferResult::kCreditAccountIdMustNotBeIntMax: return "credit_account_id_must_not_be_int_max";
    case TransferResult::kAccountsMustBeDifferent: return "accounts_must_be_different";
    case TransferResult::kPendingIdMustBeZero: return "pending_id_must_be_zero";
    case TransferResult::kPendingIdMustNotBeZero: return "pending_id_must_not_be_zero";
    case TransferResult::kPendingIdMustNotBeIntMax: return "pending_id_must_not_be_int_max";
    case TransferResult::kPendingIdMustBeDifferent: return "pending_id_must_be_different";
    case TransferResult::kTimeoutReservedForPendingTransfer: return "timeout_reserved_for_pending_transfer";
    case TransferResult::kAmountMustNotBeZero: return "amount_must_not_be_zero";
    case TransferResult::kLedgerMustNotBeZero: return "ledger_must_not_be_zero";
    case TransferResult::kCodeMustNotBeZero: return "code_must_not_be_zero";
    case TransferResult::kDebitAccountNotFound: return "debit_account_not_found";
    case TransferResult::kCreditAccountNotFound: return "credit_account_not_found";
    case TransferResult::kAccountsMustHaveTheSameLedger: return "accounts_must_have_the_same_ledger";
    case TransferResult::kTransferMustHaveTheSameLedgerAsAccounts: return "transfer_must_have_the_same_ledger_as_accounts";
    case TransferResult::kPendingTransferNotFound: return "pending_transfer_not_found";
    case TransferResult::kPendingTransferNotPending: return "pending_transfer_not_pending";
    case TransferResult::kPendingTransferHasDifferentDebitAccountId: return "pending_transfer_has_different_debit_account_id";
    case TransferResult::kPendingTransferHasDifferentCreditAccountId: return "pending_transfer_has_different_credit_account_id";
    case TransferResult::kPendingTransferHasDifferentLedger: return "pending_transfer_has_different_ledger";
    case TransferResult::kPendingTransferHasDifferentCode: return "pending_transfer_has_different_code";
    case TransferResult::kExceedsPendingTransferAmount: return "exceeds_pending_transfer_amount";
    case TransferResult::kPendingTransferHasDifferentAmount: return "pending_transfer_has_different_amount";
    case TransferResult::kPendingTransferAlreadyPosted: return "pending_transfer_already_posted";
    case TransferResult::kPendingTransferAlreadyVoided: return "pending_transfer_already_voided";
    case TransferResult::kPendingTransferExpired: return "pending_transfer_expired";
    case TransferResult::kExistsWithDifferentFlags: return "exists_with_different_flags";
    case TransferResult::kExistsWithDifferentDebitAccountId: return "exists_with_different_debit_account_id";
    case TransferResult::kExistsWithDifferentCreditAccountId: return "exists_with_different_credit_account_id";
    case TransferResult::kExistsWithDifferentAmount: return "exists_with_different_amount";
    case TransferResult::kExistsWithDifferentPendingId: return "exists_with_different_pending_id";
    case TransferResult::kExistsWithDifferentUserData128: return "exists_with_different_user_data_128";
    case TransferResult::kExistsWithDifferentUserData64: return "exists_with_different_user_data_64";
    case TransferResult::kExistsWithDifferentUserData32: return "exists_with_different_user_data_32";
    case TransferResult::kExistsWithDifferentTimeout: return "exists_with_different_timeout";
    case TransferResult::kExistsWithDifferentCode: return "exists_with_different_code";
    case TransferResult::kExistsWithDifferentLedger: return "exists_with_different_ledger";
    case TransferResult::kExists: return "exists";
    case TransferResult::kOverflowsDebitsPending: return "overflows_debits_pending";
    case TransferResult::kOverflowsCreditsPending: return "overflows_credits_pending";
    case TransferResult::kOverflowsDebitsPosted: return "overflows_debits_posted";
    case TransferResult::kOverflowsCreditsPosted: return "overflows_credits_posted";
    case TransferResult::kOverflowsDebits: return "overflows_debits";
    case TransferResult::kOverflowsCredits: return "overflows_credits";
    case TransferResult::kOverflowsTimeout: return "overflows_timeout";
    case TransferResult::kExceedsCredits: return "exceeds_credits";
    case TransferResult::kExceedsDebits: return "exceeds_debits";
    case TransferResult::kDebitAccountClosed: return "debit_account_closed";
    case TransferResult::kCreditAccountClosed: return "credit_account_closed";
    case TransferResult::kLedgerNotFound: return "ledger_not_found";
  }
  return "unknown";
}

}  // namespace cb::ledger
