#pragma once
// Result codes of ledger commands, TigerBeetle-compatible in spirit: every rejection says
// exactly why. Values are stable (stored in idempotency replies): append only.
#include <cstdint>

namespace cb::ledger {

enum class AccountResult : uint32_t {
  kOk = 0,
  kLinkedEventFailed = 1,
  kLinkedEventChainOpen = 2,
  kTimestampMustBeZero = 3,
  kReservedField = 4,
  kReservedFlag = 5,
  kIdMustNotBeZero = 6,
  kIdMustNotBeIntMax = 7,
  kFlagsAreMutuallyExclusive = 8,
  kBalancesMustBeZero = 9,
  kLedgerMustNotBeZero = 10,
  kCodeMustNotBeZero = 11,
  kLedgerNotFound = 12,
  kExistsWithDifferentFlags = 13,
  kExistsWithDifferentUserData128 = 14,
  kExistsWithDifferentUserData64 = 15,
  kExistsWithDifferentUserData32 = 16,
  kExistsWithDifferentLedger = 17,
  kExistsWithDifferentCode = 18,
  kExistsWithDifferentLimit = 19,
  kExists = 20,
  kAccountNotFound = 21,   // limit/close/reopen commands
  kAccountClosed = 22,     // limit change on a closed account
  kAccountNotClosed = 23,  // reopen of an open account
  kAccountAlreadyClosed = 24,
  kLimitBelowCurrentBalance = 25,  // lowering a limit below what is already used
  kCurrencyInvalid = 26,           // ledger definition: bad currency code or scale
};
const char* AccountResultName(AccountResult r);

enum class TransferResult : uint32_t {
  kOk = 0,
  kLinkedEventFailed = 1,
  kLinkedEventChainOpen = 2,
  kTimestampMustBeZero = 3,
  kReservedFlag = 4,
  kIdMustNotBeZero = 5,
  kIdMustNotBeIntMax = 6,
  kFlagsAreMutuallyExclusive = 7,
  kDebitAccountIdMustNotBeZero = 8,
  kDebitAccountIdMustNotBeIntMax = 9,
  kCreditAccountIdMustNotBeZero = 10,
  kCreditAccountIdMustNotBeIntMax = 11,
  kAccountsMustBeDifferent = 12,
  kPendingIdMustBeZero = 13,
  kPendingIdMustNotBeZero = 14,
  kPendingIdMustNotBeIntMax = 15,
  kPendingIdMustBeDifferent = 16,
  kTimeoutReservedForPendingTransfer = 17,
  kAmountMustNotBeZero = 18,
  kLedgerMustNotBeZero = 19,
  kCodeMustNotBeZero = 20,
  kDebitAccountNotFound = 21,
  kCreditAccountNotFound = 22,
  kAccountsMustHaveTheSameLedger = 23,
  kTransferMustHaveTheSameLedgerAsAccounts = 24,
  kPendingTransferNotFound = 25,
  kPendingTransferNotPending = 26,
  kPendingTransferHasDifferentDebitAccountId = 27,
  kPendingTransferHasDifferentCreditAccountId = 28,
  kPendingTransferHasDifferentLedger = 29,
  kPendingTransferHasDifferentCode = 30,
  kExceedsPendingTransferAmount = 31,
  kPendingTransferHasDifferentAmount = 32,
  kPendingTransferAlreadyPosted = 33,
  kPendingTransferAlreadyVoided = 34,
  kPendingTransferExpired = 35,
  kExistsWithDifferentFlags = 36,
  kExistsWithDifferentDebitAccountId = 37,
  kExistsWithDifferentCreditAccountId = 38,
  kExistsWithDifferentAmount = 39,
  kExistsWithDifferentPendingId = 40,
  kExistsWithDifferentUserData128 = 41,
  kExistsWithDifferentUserData64 = 42,
  kExistsWithDifferentUserData32 = 43,
  kExistsWithDifferentTimeout = 44,
  kExistsWithDifferentCode = 45,
  kExistsWithDifferentLedger = 46,
  kExists = 47,
  kOverflowsDebitsPending = 48,
  kOverflowsCreditsPending = 49,
  kOverflowsDebitsPosted = 50,
  kOverflowsCreditsPosted = 51,
  kOverflowsDebits = 52,
  kOverflowsCredits = 53,
  kOverflowsTimeout = 54,
  kExceedsCredits = 55,
  kExceedsDebits = 56,
  kDebitAccountClosed = 57,
  kCreditAccountClosed = 58,
  kLedgerNotFound = 59,
  kInternalAccountNeedsInternalTransfer = 60,
};
const char* TransferResultName(TransferResult r);

// `exists` is an idempotent no-op: it neither changes state nor breaks a linked chain.
inline bool Succeeded(TransferResult r) {
  return r == TransferResult::kOk || r == TransferResult::kExists;
}
inline bool Succeeded(AccountResult r) {
  return r == AccountResult::kOk || r == AccountResult::kExists;
}

}  // namespace cb::ledger
