#include "ledger/ledger.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "ledger/currency.h"
#include "ledger/events.h"

namespace cb::ledger {

// Readable failure messages: result names and balances instead of raw bytes.
inline void PrintTo(AccountResult r, std::ostream* os) { *os << AccountResultName(r); }
inline void PrintTo(TransferResult r, std::ostream* os) { *os << TransferResultName(r); }
inline void PrintTo(const Balances& b, std::ostream* os) {
  *os << "{debits_pending=" << U128ToString(b.debits_pending)
      << " debits_posted=" << U128ToString(b.debits_posted)
      << " credits_pending=" << U128ToString(b.credits_pending)
      << " credits_posted=" << U128ToString(b.credits_posted) << "}";
}

namespace {

using AR = AccountResult;
using TR = TransferResult;

constexpr TimestampNs kT0 = 1'700'000'000 * kNsPerSecond;
constexpr uint16_t kCode = 10;
constexpr LedgerCode kEur = 1;
constexpr LedgerCode kUsd = 2;
constexpr u128 kHalf = u128{1} << 127;  // two of these overflow a u128

Account MakeAccount(u128 id, LedgerCode ledger = kEur, uint16_t flags = 0, uint64_t limit = 0) {
  Account a;
  a.id = AccountId{id};
  a.ledger = ledger;
  a.code = kCode;
  a.flags = flags;
  a.limit = limit;
  return a;
}

Transfer MakeTransfer(u128 id, u128 debit, u128 credit, u128 amount, uint16_t flags = 0,
                      LedgerCode ledger = kEur) {
  Transfer t;
  t.id = TransferId{id};
  t.debit_account_id = AccountId{debit};
  t.credit_account_id = AccountId{credit};
  t.amount = amount;
  t.ledger = ledger;
  t.code = kCode;
  t.flags = flags;
  return t;
}

Transfer MakePending(u128 id, u128 debit, u128 credit, u128 amount, uint32_t timeout_s = 0) {
  Transfer t = MakeTransfer(id, debit, credit, amount, kTransferPending);
  t.timeout_s = timeout_s;
  return t;
}

// Post and void leave accounts, ledger and code zero: they come from the pending transfer.
Transfer MakePost(u128 id, u128 pending_id, u128 amount = 0) {
  Transfer t;
  t.id = TransferId{id};
  t.pending_id = TransferId{pending_id};
  t.amount = amount;
  t.flags = kTransferPostPending;
  return t;
}

Transfer MakeVoid(u128 id, u128 pending_id) {
  Transfer t = MakePost(id, pending_id);
  t.flags = kTransferVoidPending;
  return t;
}

template <typename T>
T Linked(T item) {
  item.flags = static_cast<uint16_t>(item.flags | 1);  // kAccountLinked == kTransferLinked
  return item;
}

Balances Bal(u128 debits_pending, u128 debits_posted, u128 credits_pending, u128 credits_posted) {
  return Balances{debits_pending, debits_posted, credits_pending, credits_posted};
}

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(DefineLedger(&state_, *CurrencyLedger(kEur, "EUR"), &out_), AR::kOk);
    ASSERT_EQ(DefineLedger(&state_, *CurrencyLedger(kUsd, "USD"), &out_), AR::kOk);
  }

  // Whatever a test did, every ledger is balanced and every limit holds.
  void TearDown() override {
    for (const LedgerTotals& t : state_.TrialBalance()) {
      EXPECT_TRUE(t.balanced()) << "ledger " << t.ledger;
    }
    state_.CheckInvariants();
  }

  std::vector<AR> CreateAccountBatch(const std::vector<Account>& accounts) {
    std::vector<AR> results;
    CreateAccounts(&state_, accounts, &ts_, &out_, &results);
    return results;
  }
  AR CreateAccount(const Account& a) { return CreateAccountBatch({a})[0]; }
  void CreateAccountsOk(std::initializer_list<u128> ids, LedgerCode ledger = kEur) {
    for (u128 id : ids) ASSERT_EQ(CreateAccount(MakeAccount(id, ledger)), AR::kOk);
  }

  std::vector<TR> TrBatch(const std::vector<Transfer>& transfers) {
    std::vector<TR> results;
    CreateTransfers(&state_, transfers, &ts_, &out_, &results);
    return results;
  }
  TR Tr(const Transfer& t) {
    std::vector<TR> results;
    CreateTransfers(&state_, std::span<const Transfer>(&t, 1), &ts_, &out_, &results);
    return results[0];
  }

  const Account& Acc(u128 id) const {
    const uint32_t row = state_.AccountRow(AccountId{id});
    CB_CHECK(row != kNoRow);
    return state_.account(row);
  }
  Balances B(u128 id) const { return Acc(id).balances; }
  const Transfer& Rec(u128 id) const {
    const uint32_t row = state_.TransferRow(TransferId{id});
    CB_CHECK(row != kNoRow);
    return state_.record(row);
  }
  PendingStatus StatusOf(u128 id) const {
    const uint32_t row = state_.TransferRow(TransferId{id});
    CB_CHECK(row != kNoRow);
    return state_.status(row);
  }
  size_t Expire(size_t count_max = 1000) { return ExpireDue(&state_, ts_, count_max, &ts_, &out_); }

  // A rejected or idempotent command leaves no trace: same state, no event, clock unmoved.
  void ExpectNoEffect(const Transfer& t, TR expected) {
    const Hash256 hash = state_.StateHash();
    const uint32_t events = out_.event_count();
    const TimestampNs ts = ts_;
    EXPECT_EQ(Tr(t), expected);
    EXPECT_EQ(state_.StateHash(), hash);
    EXPECT_EQ(out_.event_count(), events);
    EXPECT_EQ(ts_, ts);
  }
  void ExpectNoEffect(const Account& a, AR expected) {
    const Hash256 hash = state_.StateHash();
    const uint32_t events = out_.event_count();
    const TimestampNs ts = ts_;
    EXPECT_EQ(CreateAccount(a), expected);
    EXPECT_EQ(state_.StateHash(), hash);
    EXPECT_EQ(out_.event_count(), events);
    EXPECT_EQ(ts_, ts);
  }

  LedgerState state_;
  journal::RecordBuilder out_;
  TimestampNs ts_ = kT0;
};

// --- accounts -------------------------------------------------------------------------

TEST_F(LedgerTest, CreatedAccountHasZeroBalancesAndTheBatchTimestamp) {
  const uint32_t events = out_.event_count();
  EXPECT_EQ(CreateAccount(MakeAccount(1)), AR::kOk);
  EXPECT_EQ(Acc(1).timestamp, kT0);
  EXPECT_EQ(B(1), Balances{});
  EXPECT_EQ(ts_, kT0 + 1);
  EXPECT_EQ(out_.event_count(), events + 1);
  EXPECT_EQ(CreateAccount(MakeAccount(2)), AR::kOk);
  EXPECT_EQ(Acc(2).timestamp, kT0 + 1);
}

TEST_F(LedgerTest, AccountWithSameIdAndFieldsIsExistsAndChangesNothing) {
  Account a = MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits, 50);
  a.user_data_128 = 7;
  ASSERT_EQ(CreateAccount(a), AR::kOk);
  ExpectNoEffect(a, AR::kExists);
}

TEST_F(LedgerTest, AccountWithSameIdAndDifferentFieldReportsTheField) {
  Account base = MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits, 50);
  base.user_data_128 = 7;
  base.user_data_64 = 8;
  base.user_data_32 = 9;
  ASSERT_EQ(CreateAccount(base), AR::kOk);
  struct Case {
    const char* name;
    void (*mutate)(Account*);
    AR expected;
  };
  const Case cases[] = {
      {"flags", [](Account* a) { a->flags = kAccountCreditsMustNotExceedDebits; },
       AR::kExistsWithDifferentFlags},
      {"no flags", [](Account* a) { a->flags = 0; }, AR::kExistsWithDifferentFlags},
      {"user_data_128", [](Account* a) { a->user_data_128 = 1; },
       AR::kExistsWithDifferentUserData128},
      {"user_data_64", [](Account* a) { a->user_data_64 = 1; }, AR::kExistsWithDifferentUserData64},
      {"user_data_32", [](Account* a) { a->user_data_32 = 1; }, AR::kExistsWithDifferentUserData32},
      {"ledger", [](Account* a) { a->ledger = kUsd; }, AR::kExistsWithDifferentLedger},
      {"code", [](Account* a) { a->code = kCode + 1; }, AR::kExistsWithDifferentCode},
      {"limit", [](Account* a) { a->limit = 51; }, AR::kExistsWithDifferentLimit},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Account a = base;
    c.mutate(&a);
    ExpectNoEffect(a, c.expected);
  }
}

TEST_F(LedgerTest, InvalidAccountIsRejectedWithTheRuleItBreaks) {
  struct Case {
    const char* name;
    void (*mutate)(Account*);
    AR expected;
  };
  const Case cases[] = {
      {"timestamp", [](Account* a) { a->timestamp = 1; }, AR::kTimestampMustBeZero},
      {"closed at creation", [](Account* a) { a->flags = kAccountClosed; }, AR::kReservedFlag},
      {"unknown flag", [](Account* a) { a->flags = 1 << 5; }, AR::kReservedFlag},
      {"history_head", [](Account* a) { a->history_head = 1; }, AR::kReservedField},
      {"reserved2", [](Account* a) { a->reserved2 = 1; }, AR::kReservedField},
      {"id zero", [](Account* a) { a->id = AccountId{0}; }, AR::kIdMustNotBeZero},
      {"id max", [](Account* a) { a->id = AccountId{kU128Max}; }, AR::kIdMustNotBeIntMax},
      {"both limit flags",
       [](Account* a) {
         a->flags = kAccountDebitsMustNotExceedCredits | kAccountCreditsMustNotExceedDebits;
       },
       AR::kFlagsAreMutuallyExclusive},
      {"debits_pending", [](Account* a) { a->balances.debits_pending = 1; },
       AR::kBalancesMustBeZero},
      {"debits_posted", [](Account* a) { a->balances.debits_posted = 1; }, AR::kBalancesMustBeZero},
      {"credits_pending", [](Account* a) { a->balances.credits_pending = 1; },
       AR::kBalancesMustBeZero},
      {"credits_posted", [](Account* a) { a->balances.credits_posted = 1; },
       AR::kBalancesMustBeZero},
      {"ledger zero", [](Account* a) { a->ledger = 0; }, AR::kLedgerMustNotBeZero},
      {"code zero", [](Account* a) { a->code = 0; }, AR::kCodeMustNotBeZero},
      {"undefined ledger", [](Account* a) { a->ledger = 3; }, AR::kLedgerNotFound},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Account a = MakeAccount(1);
    c.mutate(&a);
    ExpectNoEffect(a, c.expected);
  }
  EXPECT_EQ(state_.account_count(), 0u);
}

TEST_F(LedgerTest, LinkedAccountChainIsCreatedAsAUnit) {
  EXPECT_EQ(CreateAccountBatch({Linked(MakeAccount(1)), Linked(MakeAccount(2)), MakeAccount(3)}),
            (std::vector<AR>{AR::kOk, AR::kOk, AR::kOk}));
  EXPECT_EQ(state_.account_count(), 3u);
}

TEST_F(LedgerTest, FailingItemFailsTheWholeAccountChainAndLaterItemsStillApply) {
  Account bad = Linked(MakeAccount(2));
  bad.code = 0;
  const Hash256 hash = state_.StateHash();
  const uint32_t events = out_.event_count();
  EXPECT_EQ(
      CreateAccountBatch({Linked(MakeAccount(1)), bad, MakeAccount(3)}),
      (std::vector<AR>{AR::kLinkedEventFailed, AR::kCodeMustNotBeZero, AR::kLinkedEventFailed}));
  EXPECT_EQ(state_.StateHash(), hash);
  EXPECT_EQ(out_.event_count(), events);
  EXPECT_EQ(ts_, kT0);
  EXPECT_EQ(state_.AccountRow(AccountId{1}), kNoRow);

  // The chain is gone entirely: an independent item after it is stamped as if it never ran.
  EXPECT_EQ(CreateAccountBatch({Linked(MakeAccount(1)), bad, MakeAccount(3), MakeAccount(4)}),
            (std::vector<AR>{AR::kLinkedEventFailed, AR::kCodeMustNotBeZero, AR::kLinkedEventFailed,
                             AR::kOk}));
  EXPECT_EQ(Acc(4).timestamp, kT0);
  EXPECT_EQ(state_.account_count(), 1u);
  EXPECT_EQ(CreateAccount(MakeAccount(1)), AR::kOk);  // the rolled-back id is free again
}

TEST_F(LedgerTest, AccountChainLeftOpenAtTheEndOfTheBatchFailsEveryItemInIt) {
  EXPECT_EQ(CreateAccountBatch({MakeAccount(5), Linked(MakeAccount(1)), Linked(MakeAccount(2))}),
            (std::vector<AR>{AR::kOk, AR::kLinkedEventFailed, AR::kLinkedEventChainOpen}));
  EXPECT_EQ(state_.account_count(), 1u);
  EXPECT_EQ(state_.AccountRow(AccountId{1}), kNoRow);
  EXPECT_EQ(CreateAccountBatch({Linked(MakeAccount(1))}),
            (std::vector<AR>{AR::kLinkedEventChainOpen}));
}

TEST_F(LedgerTest, ExistingAccountDoesNotBreakALinkedChain) {
  ASSERT_EQ(CreateAccount(MakeAccount(1)), AR::kOk);
  // The retry carries the linked flag the original lacked: `linked` is not compared.
  EXPECT_EQ(CreateAccountBatch({Linked(MakeAccount(1)), MakeAccount(2)}),
            (std::vector<AR>{AR::kExists, AR::kOk}));
  EXPECT_EQ(state_.account_count(), 2u);
}

// --- ledgers and chart of accounts ------------------------------------------------------

TEST_F(LedgerTest, CurrencyLedgerUsesIsoMinorUnits) {
  EXPECT_EQ(CurrencyLedger(5, "EUR")->scale, 2);
  EXPECT_EQ(CurrencyLedger(5, "JPY")->scale, 0);
  EXPECT_EQ(CurrencyLedger(5, "BHD")->scale, 3);
  EXPECT_EQ(CurrencyLedger(5, "USD")->ledger, 5u);
  EXPECT_STREQ(CurrencyLedger(5, "USD")->currency, "USD");
  EXPECT_FALSE(CurrencyLedger(5, "XXX").has_value());
  EXPECT_FALSE(CurrencyLedger(5, "eur").has_value());
}

TEST_F(LedgerTest, DefineLedgerRejectsAnInvalidCurrency) {
  struct Case {
    const char* name;
    void (*mutate)(LedgerInfo*);
    AR expected;
  };
  const Case cases[] = {
      {"ledger zero", [](LedgerInfo* l) { l->ledger = 0; }, AR::kLedgerMustNotBeZero},
      {"lower case", [](LedgerInfo* l) { std::memcpy(l->currency, "gbp", 3); },
       AR::kCurrencyInvalid},
      {"too short", [](LedgerInfo* l) { l->currency[2] = 0; }, AR::kCurrencyInvalid},
      {"symbol", [](LedgerInfo* l) { l->currency[1] = '$'; }, AR::kCurrencyInvalid},
      {"garbage after NUL", [](LedgerInfo* l) { l->currency[4] = 'X'; }, AR::kCurrencyInvalid},
      // NUL-padded, up to 7 characters (types.h): eight leave no terminator.
      {"eight characters", [](LedgerInfo* l) { std::memcpy(l->currency, "ABCDEFGH", 8); },
       AR::kCurrencyInvalid},
      {"scale 19", [](LedgerInfo* l) { l->scale = 19; }, AR::kCurrencyInvalid},
      {"reserved", [](LedgerInfo* l) { l->reserved[2] = 1; }, AR::kCurrencyInvalid},
  };
  LedgerCode ledger = 10;  // one per case, so a wrongly accepted case cannot mask the next
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    LedgerInfo info = *CurrencyLedger(ledger, "GBP");
    c.mutate(&info);
    const uint32_t events = out_.event_count();
    EXPECT_EQ(DefineLedger(&state_, info, &out_), c.expected);
    EXPECT_EQ(state_.FindLedger(ledger), nullptr);
    EXPECT_EQ(out_.event_count(), events);
    ledger++;
  }
  EXPECT_EQ(state_.FindLedger(0), nullptr);
  // An asset code of up to 7 letters and digits with an explicit scale is fine.
  LedgerInfo asset;
  asset.ledger = 4;
  std::memcpy(asset.currency, "XAU9999", 7);
  asset.scale = 18;
  EXPECT_EQ(DefineLedger(&state_, asset, &out_), AR::kOk);
  ASSERT_NE(state_.FindLedger(4), nullptr);
  EXPECT_EQ(state_.FindLedger(4)->scale, 18);
}

TEST_F(LedgerTest, RedefiningALedgerIsExistsOnlyWithTheSameCurrency) {
  const uint32_t events = out_.event_count();
  EXPECT_EQ(DefineLedger(&state_, *CurrencyLedger(kEur, "EUR"), &out_), AR::kExists);
  EXPECT_EQ(DefineLedger(&state_, *CurrencyLedger(kEur, "USD"), &out_),
            AR::kExistsWithDifferentLedger);
  EXPECT_EQ(out_.event_count(), events);
  EXPECT_STREQ(state_.FindLedger(kEur)->currency, "EUR");
  EXPECT_EQ(DefineLedger(&state_, *CurrencyLedger(3, "JPY"), &out_), AR::kOk);
  EXPECT_EQ(out_.event_count(), events + 1);
  EXPECT_EQ(state_.ledgers().size(), 3u);
}

GlCode MakeGl(uint16_t code, GlKind kind, const char* name) {
  GlCode gl;
  gl.code = code;
  gl.kind = kind;
  std::memcpy(gl.name, name, std::min(std::strlen(name), sizeof(gl.name) - 1));
  return gl;
}

TEST_F(LedgerTest, DefineGlCodeAddsAnEntryToTheChartOnce) {
  const uint32_t events = out_.event_count();
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(1000, GlKind::kAsset, "Cash"), &out_), AR::kOk);
  EXPECT_EQ(out_.event_count(), events + 1);
  ASSERT_EQ(state_.chart().count(1000), 1u);
  EXPECT_STREQ(state_.chart().at(1000).name, "Cash");
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(1000, GlKind::kAsset, "Cash"), &out_), AR::kExists);
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(1000, GlKind::kAsset, "Till"), &out_),
            AR::kExistsWithDifferentCode);
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(1000, GlKind::kIncome, "Cash"), &out_),
            AR::kExistsWithDifferentCode);
  EXPECT_EQ(out_.event_count(), events + 1);
}

TEST_F(LedgerTest, InvalidGlCodeIsRejected) {
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(0, GlKind::kAsset, "Zero"), &out_),
            AR::kCodeMustNotBeZero);
  GlCode reserved = MakeGl(1, GlKind::kAsset, "Reserved");
  reserved.reserved = 1;
  EXPECT_EQ(DefineGlCode(&state_, reserved, &out_), AR::kReservedField);
  GlCode unterminated = MakeGl(2, GlKind::kAsset, "");
  std::memset(unterminated.name, 'A', sizeof(unterminated.name));
  EXPECT_EQ(DefineGlCode(&state_, unterminated, &out_), AR::kReservedField);
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(3, static_cast<GlKind>(0), "Kind 0"), &out_),
            AR::kReservedField);
  EXPECT_EQ(DefineGlCode(&state_, MakeGl(4, static_cast<GlKind>(6), "Kind 6"), &out_),
            AR::kReservedField);
  EXPECT_TRUE(state_.chart().empty());
}

// --- single-phase and two-phase transfers -----------------------------------------------

TEST_F(LedgerTest, SinglePhaseTransferMovesPostedBalances) {
  CreateAccountsOk({1, 2});
  const uint32_t events = out_.event_count();
  const TimestampNs ts = ts_;
  EXPECT_EQ(Tr(MakeTransfer(10, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 0, 100));
  EXPECT_EQ(Rec(10).timestamp, ts);
  EXPECT_EQ(Rec(10).amount, 100u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kNone);
  EXPECT_EQ(out_.event_count(), events + 1);
  EXPECT_EQ(ts_, ts + 1);
}

TEST_F(LedgerTest, PendingTransferReservesPendingBalancesOnly) {
  CreateAccountsOk({1, 2});
  EXPECT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(B(1), Bal(100, 0, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 100, 0));
  EXPECT_EQ(StatusOf(10), PendingStatus::kPending);
}

TEST_F(LedgerTest, PostWithZeroAmountPostsTheFullPendingAmount) {
  CreateAccountsOk({1, 2});
  Transfer pending = MakePending(10, 1, 2, 100);
  pending.user_data_64 = 42;
  ASSERT_EQ(Tr(pending), TR::kOk);
  EXPECT_EQ(Tr(MakePost(11, 10)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 0, 100));
  EXPECT_EQ(StatusOf(10), PendingStatus::kPosted);
  // The post record is resolved from the pending transfer.
  const Transfer& post = Rec(11);
  EXPECT_EQ(post.amount, 100u);
  EXPECT_EQ(post.debit_account_id, AccountId{1});
  EXPECT_EQ(post.credit_account_id, AccountId{2});
  EXPECT_EQ(post.ledger, kEur);
  EXPECT_EQ(post.code, kCode);
  EXPECT_EQ(post.user_data_64, 42u);
}

TEST_F(LedgerTest, PartialPostPostsTheGivenAmountAndReleasesTheRest) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(Tr(MakePost(11, 10, 30)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 30, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 0, 30));
  EXPECT_EQ(Rec(11).amount, 30u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPosted);
}

TEST_F(LedgerTest, VoidReleasesThePendingAmountWithoutPosting) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(Tr(MakeVoid(11, 10)), TR::kOk);
  EXPECT_EQ(B(1), Balances{});
  EXPECT_EQ(B(2), Balances{});
  EXPECT_EQ(StatusOf(10), PendingStatus::kVoided);
}

TEST_F(LedgerTest, PostOrVoidOfAFinishedPendingTransferReportsHowItFinished) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePost(11, 10)), TR::kOk);
  ExpectNoEffect(MakePost(12, 10), TR::kPendingTransferAlreadyPosted);
  ExpectNoEffect(MakeVoid(12, 10), TR::kPendingTransferAlreadyPosted);
  ASSERT_EQ(Tr(MakePending(20, 1, 2, 50)), TR::kOk);
  ASSERT_EQ(Tr(MakeVoid(21, 20)), TR::kOk);
  ExpectNoEffect(MakePost(22, 20), TR::kPendingTransferAlreadyVoided);
  ExpectNoEffect(MakeVoid(22, 20), TR::kPendingTransferAlreadyVoided);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
}

TEST_F(LedgerTest, ExpiredPendingTransferIsReleasedAndCannotBePostedOrVoided) {
  CreateAccountsOk({1, 2});
  const TimestampNs created = ts_;
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100, /*timeout_s=*/1)), TR::kOk);
  EXPECT_EQ(state_.NextExpiry(), created + kNsPerSecond);

  ts_ = created + kNsPerSecond - 1;
  EXPECT_EQ(Expire(), 0u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPending);

  ts_ = created + kNsPerSecond;
  const size_t records = state_.record_count();
  EXPECT_EQ(Expire(), 1u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kExpired);
  EXPECT_EQ(B(1), Balances{});
  EXPECT_EQ(B(2), Balances{});
  EXPECT_FALSE(state_.NextExpiry().has_value());
  // The expiry is recorded for history: the pending amount, released at the batch clock.
  ASSERT_EQ(state_.record_count(), records + 1);
  const Transfer& expiry = state_.record(static_cast<uint32_t>(records));
  EXPECT_EQ(expiry.flags, kTransferExpiryRecord);
  EXPECT_EQ(expiry.pending_id, TransferId{10});
  EXPECT_EQ(expiry.amount, 100u);
  EXPECT_EQ(expiry.timestamp, created + kNsPerSecond);

  ExpectNoEffect(MakePost(11, 10), TR::kPendingTransferExpired);
  ExpectNoEffect(MakeVoid(11, 10), TR::kPendingTransferExpired);
  EXPECT_EQ(Expire(), 0u);
}

TEST_F(LedgerTest, PendingTransferPastItsTimeoutCannotBePostedBeforeExpiryRuns) {
  CreateAccountsOk({1, 2});
  const TimestampNs created = ts_;
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100, 1)), TR::kOk);
  ts_ = created + kNsPerSecond;
  ExpectNoEffect(MakePost(11, 10), TR::kPendingTransferExpired);
  EXPECT_EQ(B(1), Bal(100, 0, 0, 0));  // released only by the expiry event
  EXPECT_EQ(Expire(), 1u);
  EXPECT_EQ(B(1), Balances{});
}

TEST_F(LedgerTest, PostingBeforeTheTimeoutCancelsTheExpiry) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100, 10)), TR::kOk);
  EXPECT_EQ(Tr(MakePost(11, 10)), TR::kOk);
  EXPECT_FALSE(state_.NextExpiry().has_value());
  ts_ += 20 * kNsPerSecond;
  EXPECT_EQ(Expire(), 0u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPosted);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
}

TEST_F(LedgerTest, ExpireDueExpiresAtMostCountMaxOldestDeadlineFirst) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 1, 3)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(11, 1, 2, 2, 1)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(12, 1, 2, 4, 2)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(13, 1, 2, 8)), TR::kOk);  // no timeout: never expires
  ts_ += 5 * kNsPerSecond;
  EXPECT_EQ(Expire(2), 2u);
  EXPECT_EQ(StatusOf(11), PendingStatus::kExpired);
  EXPECT_EQ(StatusOf(12), PendingStatus::kExpired);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPending);
  EXPECT_EQ(B(1), Bal(9, 0, 0, 0));
  EXPECT_EQ(Expire(2), 1u);
  EXPECT_EQ(StatusOf(10), PendingStatus::kExpired);
  EXPECT_EQ(StatusOf(13), PendingStatus::kPending);
  EXPECT_EQ(B(1), Bal(8, 0, 0, 0));
}

TEST_F(LedgerTest, TimeoutIsReservedForPendingTransfers) {
  CreateAccountsOk({1, 2});
  Transfer single = MakeTransfer(10, 1, 2, 100);
  single.timeout_s = 5;
  ExpectNoEffect(single, TR::kTimeoutReservedForPendingTransfer);
  ASSERT_EQ(Tr(MakePending(11, 1, 2, 100)), TR::kOk);
  Transfer post = MakePost(12, 11);
  post.timeout_s = 5;
  ExpectNoEffect(post, TR::kTimeoutReservedForPendingTransfer);
}

TEST_F(LedgerTest, PostingMoreThanThePendingAmountIsRejected) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  ExpectNoEffect(MakePost(11, 10, 101), TR::kExceedsPendingTransferAmount);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPending);
  EXPECT_EQ(Tr(MakePost(11, 10, 100)), TR::kOk);
}

TEST_F(LedgerTest, VoidWithAnAmountOtherThanThePendingAmountIsRejected) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  Transfer v = MakeVoid(11, 10);
  v.amount = 50;
  ExpectNoEffect(v, TR::kPendingTransferHasDifferentAmount);
  v.amount = 100;
  EXPECT_EQ(Tr(v), TR::kOk);
  EXPECT_EQ(B(1), Balances{});
}

TEST_F(LedgerTest, PostMustMatchThePendingTransfersAccountsLedgerAndCode) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  struct Case {
    const char* name;
    void (*mutate)(Transfer*);
    TR expected;
  };
  const Case cases[] = {
      {"debit", [](Transfer* t) { t->debit_account_id = AccountId{3}; },
       TR::kPendingTransferHasDifferentDebitAccountId},
      {"credit", [](Transfer* t) { t->credit_account_id = AccountId{3}; },
       TR::kPendingTransferHasDifferentCreditAccountId},
      {"ledger", [](Transfer* t) { t->ledger = kUsd; }, TR::kPendingTransferHasDifferentLedger},
      {"code", [](Transfer* t) { t->code = kCode + 1; }, TR::kPendingTransferHasDifferentCode},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    for (Transfer t : {MakePost(11, 10), MakeVoid(11, 10)}) {
      c.mutate(&t);
      ExpectNoEffect(t, c.expected);
    }
  }
  // Restating the pending transfer's own fields is fine.
  Transfer post = MakePost(11, 10);
  post.debit_account_id = AccountId{1};
  post.credit_account_id = AccountId{2};
  post.ledger = kEur;
  post.code = kCode;
  EXPECT_EQ(Tr(post), TR::kOk);
}

TEST_F(LedgerTest, PostOfAnUnknownOrSinglePhaseTransferIsRejected) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakeTransfer(10, 1, 2, 100)), TR::kOk);
  ExpectNoEffect(MakePost(11, 99), TR::kPendingTransferNotFound);
  ExpectNoEffect(MakeVoid(11, 99), TR::kPendingTransferNotFound);
  ExpectNoEffect(MakePost(11, 10), TR::kPendingTransferNotPending);
  ExpectNoEffect(MakeVoid(11, 10), TR::kPendingTransferNotPending);
}

TEST_F(LedgerTest, PendingIdIsRequiredExactlyForPostAndVoid) {
  CreateAccountsOk({1, 2});
  Transfer single = MakeTransfer(10, 1, 2, 100);
  single.pending_id = TransferId{5};
  ExpectNoEffect(single, TR::kPendingIdMustBeZero);
  ExpectNoEffect(MakePost(11, 0), TR::kPendingIdMustNotBeZero);
  ExpectNoEffect(MakeVoid(11, kU128Max), TR::kPendingIdMustNotBeIntMax);
  ExpectNoEffect(MakePost(11, 11), TR::kPendingIdMustBeDifferent);
}

TEST_F(LedgerTest, InvalidTransferIsRejectedWithTheRuleItBreaks) {
  CreateAccountsOk({1, 2});
  struct Case {
    const char* name;
    void (*mutate)(Transfer*);
    TR expected;
  };
  const Case cases[] = {
      {"timestamp", [](Transfer* t) { t->timestamp = 1; }, TR::kTimestampMustBeZero},
      {"unknown flag", [](Transfer* t) { t->flags = 1 << 7; }, TR::kReservedFlag},
      {"expiry record flag", [](Transfer* t) { t->flags = kTransferExpiryRecord; },
       TR::kReservedFlag},
      {"id zero", [](Transfer* t) { t->id = TransferId{0}; }, TR::kIdMustNotBeZero},
      {"id max", [](Transfer* t) { t->id = TransferId{kU128Max}; }, TR::kIdMustNotBeIntMax},
      {"pending and post", [](Transfer* t) { t->flags = kTransferPending | kTransferPostPending; },
       TR::kFlagsAreMutuallyExclusive},
      {"pending and void", [](Transfer* t) { t->flags = kTransferPending | kTransferVoidPending; },
       TR::kFlagsAreMutuallyExclusive},
      {"post and void", [](Transfer* t) { t->flags = kTransferPostPending | kTransferVoidPending; },
       TR::kFlagsAreMutuallyExclusive},
      {"balancing post",
       [](Transfer* t) { t->flags = kTransferBalancingDebit | kTransferPostPending; },
       TR::kFlagsAreMutuallyExclusive},
      {"balancing void",
       [](Transfer* t) { t->flags = kTransferBalancingCredit | kTransferVoidPending; },
       TR::kFlagsAreMutuallyExclusive},
      {"debit zero", [](Transfer* t) { t->debit_account_id = AccountId{0}; },
       TR::kDebitAccountIdMustNotBeZero},
      {"debit max", [](Transfer* t) { t->debit_account_id = AccountId{kU128Max}; },
       TR::kDebitAccountIdMustNotBeIntMax},
      {"credit zero", [](Transfer* t) { t->credit_account_id = AccountId{0}; },
       TR::kCreditAccountIdMustNotBeZero},
      {"credit max", [](Transfer* t) { t->credit_account_id = AccountId{kU128Max}; },
       TR::kCreditAccountIdMustNotBeIntMax},
      {"same accounts", [](Transfer* t) { t->credit_account_id = AccountId{1}; },
       TR::kAccountsMustBeDifferent},
      {"amount zero", [](Transfer* t) { t->amount = 0; }, TR::kAmountMustNotBeZero},
      {"ledger zero", [](Transfer* t) { t->ledger = 0; }, TR::kLedgerMustNotBeZero},
      {"code zero", [](Transfer* t) { t->code = 0; }, TR::kCodeMustNotBeZero},
      {"undefined ledger", [](Transfer* t) { t->ledger = 9; }, TR::kLedgerNotFound},
      {"unknown debit", [](Transfer* t) { t->debit_account_id = AccountId{99}; },
       TR::kDebitAccountNotFound},
      {"unknown credit", [](Transfer* t) { t->credit_account_id = AccountId{99}; },
       TR::kCreditAccountNotFound},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Transfer t = MakeTransfer(10, 1, 2, 100);
    c.mutate(&t);
    ExpectNoEffect(t, c.expected);
  }
  EXPECT_EQ(state_.record_count(), 0u);
}

TEST_F(LedgerTest, TransferBetweenLedgersIsRejected) {
  CreateAccountsOk({1, 2});
  CreateAccountsOk({3}, kUsd);
  ExpectNoEffect(MakeTransfer(10, 1, 3, 100), TR::kAccountsMustHaveTheSameLedger);
  ExpectNoEffect(MakeTransfer(10, 3, 1, 100, 0, kUsd), TR::kAccountsMustHaveTheSameLedger);
  ExpectNoEffect(MakeTransfer(10, 1, 2, 100, 0, kUsd),
                 TR::kTransferMustHaveTheSameLedgerAsAccounts);
}

TEST_F(LedgerTest, ValidateTransferResolvesWithoutChangingState) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  const Hash256 hash = state_.StateHash();
  Transfer resolved;
  EXPECT_EQ(ValidateTransfer(state_, MakePost(11, 10, 40), ts_, &resolved), TR::kOk);
  EXPECT_EQ(resolved.amount, 40u);
  EXPECT_EQ(resolved.debit_account_id, AccountId{1});
  EXPECT_EQ(resolved.timestamp, ts_);
  EXPECT_EQ(ValidateTransfer(state_, MakePost(11, 10, 101), ts_, &resolved),
            TR::kExceedsPendingTransferAmount);
  EXPECT_EQ(state_.StateHash(), hash);
  EXPECT_EQ(StatusOf(10), PendingStatus::kPending);
}

// --- linked transfer chains -------------------------------------------------------------

TEST_F(LedgerTest, LinkedTransfersSucceedTogether) {
  CreateAccountsOk({1, 2, 3});
  EXPECT_EQ(TrBatch({Linked(MakeTransfer(10, 1, 2, 10)), MakeTransfer(11, 2, 3, 5)}),
            (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EQ(B(2), Bal(0, 5, 0, 10));
}

TEST_F(LedgerTest, FailingLinkedTransferRollsBackStateAndEventsOfTheWholeChain) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakePending(5, 1, 2, 70, 60)), TR::kOk);
  const Hash256 hash = state_.StateHash();
  const uint32_t events = out_.event_count();
  const size_t bytes = out_.size_bytes();
  const size_t records = state_.record_count();
  const TimestampNs ts = ts_;
  const auto next_expiry = state_.NextExpiry();

  // Posts, pending with a timeout, a post of a pending from the same chain: all undone.
  EXPECT_EQ(
      TrBatch({Linked(MakeTransfer(10, 1, 2, 100)), Linked(MakePending(11, 2, 3, 50, 1)),
               Linked(MakePost(12, 5)), Linked(MakePending(13, 3, 1, 7)), Linked(MakePost(14, 13)),
               MakeTransfer(15, 1, 2, 0)}),
      (std::vector<TR>{TR::kLinkedEventFailed, TR::kLinkedEventFailed, TR::kLinkedEventFailed,
                       TR::kLinkedEventFailed, TR::kLinkedEventFailed, TR::kAmountMustNotBeZero}));
  EXPECT_EQ(state_.StateHash(), hash);
  EXPECT_EQ(out_.event_count(), events);
  EXPECT_EQ(out_.size_bytes(), bytes);
  EXPECT_EQ(state_.record_count(), records);
  EXPECT_EQ(ts_, ts);
  EXPECT_EQ(state_.NextExpiry(), next_expiry);
  EXPECT_EQ(B(1), Bal(70, 0, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 70, 0));
  EXPECT_EQ(B(3), Balances{});
  EXPECT_EQ(StatusOf(5), PendingStatus::kPending);
  for (u128 id : {10, 11, 12, 13, 14}) EXPECT_EQ(state_.TransferRow(TransferId{id}), kNoRow);

  // The ids are free and the pending transfer can still be posted.
  EXPECT_EQ(Tr(MakeTransfer(10, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(Tr(MakePost(12, 5)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 170, 0, 0));
}

TEST_F(LedgerTest, FailureInsideAChainReportsLinkedEventFailedForTheUnrunRest) {
  CreateAccountsOk({1, 2});
  EXPECT_EQ(TrBatch({Linked(MakeTransfer(10, 1, 2, 1)), Linked(MakeTransfer(11, 1, 1, 1)),
                     MakeTransfer(12, 1, 2, 1), MakeTransfer(13, 1, 2, 1)}),
            (std::vector<TR>{TR::kLinkedEventFailed, TR::kAccountsMustBeDifferent,
                             TR::kLinkedEventFailed, TR::kOk}));
  EXPECT_EQ(B(1), Bal(0, 1, 0, 0));
  EXPECT_EQ(state_.TransferRow(TransferId{10}), kNoRow);
  EXPECT_EQ(state_.TransferRow(TransferId{12}), kNoRow);
}

TEST_F(LedgerTest, TransferChainLeftOpenAtTheEndOfTheBatchFailsEveryItemInIt) {
  CreateAccountsOk({1, 2});
  EXPECT_EQ(TrBatch({MakeTransfer(10, 1, 2, 1), Linked(MakeTransfer(11, 1, 2, 1)),
                     Linked(MakeTransfer(12, 1, 2, 1))}),
            (std::vector<TR>{TR::kOk, TR::kLinkedEventFailed, TR::kLinkedEventChainOpen}));
  EXPECT_EQ(B(1), Bal(0, 1, 0, 0));
  EXPECT_EQ(state_.TransferRow(TransferId{11}), kNoRow);
}

TEST_F(LedgerTest, RetriedLinkedChainIsExistsAndDoesNotBreakTheChain) {
  CreateAccountsOk({1, 2});
  const std::vector<Transfer> chain = {Linked(MakeTransfer(10, 1, 2, 5)),
                                       MakeTransfer(11, 1, 2, 6)};
  ASSERT_EQ(TrBatch(chain), (std::vector<TR>{TR::kOk, TR::kOk}));
  const uint32_t events = out_.event_count();
  EXPECT_EQ(TrBatch(chain), (std::vector<TR>{TR::kExists, TR::kExists}));
  EXPECT_EQ(out_.event_count(), events);
  EXPECT_EQ(TrBatch({chain[0], MakeTransfer(12, 1, 2, 7)}),
            (std::vector<TR>{TR::kExists, TR::kOk}));
  EXPECT_EQ(B(1), Bal(0, 18, 0, 0));
}

// --- balancing transfers ----------------------------------------------------------------

TEST_F(LedgerTest, BalancingDebitTransfersAtMostTheAvailableCredit) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  CreateAccountsOk({2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 60)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(11, 1, 3, 100, kTransferBalancingDebit)), TR::kOk);
  EXPECT_EQ(Rec(11).amount, 60u);
  EXPECT_EQ(B(1), Bal(0, 60, 0, 60));
  EXPECT_EQ(B(3), Bal(0, 0, 0, 60));
  ExpectNoEffect(MakeTransfer(12, 1, 3, 100, kTransferBalancingDebit), TR::kExceedsCredits);
}

TEST_F(LedgerTest, BalancingDebitCountsTheOverdraftLimitAndPendingDebits) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits, 50)), AR::kOk);
  CreateAccountsOk({2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(11, 1, 3, 30)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(12, 1, 3, 1000, kTransferBalancingDebit)), TR::kOk);
  EXPECT_EQ(Rec(12).amount, 120u);  // 100 credits + 50 overdraft - 30 pending
  EXPECT_EQ(B(1), Bal(30, 120, 0, 100));
}

TEST_F(LedgerTest, BalancingCreditTransfersAtMostTheAvailableDebit) {
  ASSERT_EQ(CreateAccount(MakeAccount(4, kEur, kAccountCreditsMustNotExceedDebits)), AR::kOk);
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakeTransfer(10, 4, 2, 80)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(11, 1, 4, 100, kTransferBalancingCredit)), TR::kOk);
  EXPECT_EQ(Rec(11).amount, 80u);
  EXPECT_EQ(B(4), Bal(0, 80, 0, 80));
  ExpectNoEffect(MakeTransfer(12, 1, 4, 100, kTransferBalancingCredit), TR::kExceedsDebits);
}

TEST_F(LedgerTest, BalancingTransferMovesTheWholeAmountWhenEnoughIsAvailable) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 500)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(11, 1, 3, 100, kTransferBalancingDebit)), TR::kOk);
  EXPECT_EQ(Rec(11).amount, 100u);
}

// --- account limits ---------------------------------------------------------------------

TEST_F(LedgerTest, DebitBeyondCreditsIsRejectedWithoutAnOverdraft) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  CreateAccountsOk({2});
  ExpectNoEffect(MakeTransfer(10, 1, 2, 1), TR::kExceedsCredits);
  ASSERT_EQ(Tr(MakeTransfer(11, 2, 1, 100)), TR::kOk);
  ExpectNoEffect(MakeTransfer(12, 1, 2, 101), TR::kExceedsCredits);
  EXPECT_EQ(Tr(MakeTransfer(12, 1, 2, 100)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 100));
}

TEST_F(LedgerTest, OverdraftLimitLetsDebitsExceedCreditsByAtMostTheLimit) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits, 50)), AR::kOk);
  CreateAccountsOk({2});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 100)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(11, 1, 2, 150)), TR::kOk);
  ExpectNoEffect(MakeTransfer(12, 1, 2, 1), TR::kExceedsCredits);
  EXPECT_EQ(B(1), Bal(0, 150, 0, 100));
}

TEST_F(LedgerTest, PendingDebitsCountAgainstTheLimitAndPendingCreditsDoNotHelp) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  CreateAccountsOk({2});
  ASSERT_EQ(Tr(MakePending(10, 2, 1, 100)), TR::kOk);
  ExpectNoEffect(MakeTransfer(11, 1, 2, 1), TR::kExceedsCredits);  // credit still pending
  ASSERT_EQ(Tr(MakePost(12, 10)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(13, 1, 2, 80)), TR::kOk);
  ExpectNoEffect(MakeTransfer(14, 1, 2, 30), TR::kExceedsCredits);
  ExpectNoEffect(MakePending(14, 1, 2, 30), TR::kExceedsCredits);
  ASSERT_EQ(Tr(MakeVoid(15, 13)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(14, 1, 2, 30)), TR::kOk);
}

TEST_F(LedgerTest, CreditBeyondDebitsIsRejected) {
  ASSERT_EQ(CreateAccount(MakeAccount(4, kEur, kAccountCreditsMustNotExceedDebits, 10)), AR::kOk);
  CreateAccountsOk({1});
  ASSERT_EQ(Tr(MakeTransfer(10, 4, 1, 100)), TR::kOk);
  ExpectNoEffect(MakeTransfer(11, 1, 4, 111), TR::kExceedsDebits);
  ExpectNoEffect(MakePending(11, 1, 4, 111), TR::kExceedsDebits);
  EXPECT_EQ(Tr(MakeTransfer(11, 1, 4, 110)), TR::kOk);
}

TEST_F(LedgerTest, SetAccountLimitRaisesAndLowersButNotBelowWhatIsUsed) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  CreateAccountsOk({2});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakeTransfer(11, 1, 2, 100)), TR::kOk);
  ExpectNoEffect(MakeTransfer(12, 1, 2, 50), TR::kExceedsCredits);

  uint32_t events = out_.event_count();
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{1}, 50, &ts_, &out_), AR::kOk);
  EXPECT_EQ(Acc(1).limit, 50u);
  EXPECT_EQ(out_.event_count(), events + 1);
  EXPECT_EQ(Tr(MakeTransfer(12, 1, 2, 50)), TR::kOk);

  events = out_.event_count();
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{1}, 49, &ts_, &out_), AR::kLimitBelowCurrentBalance);
  EXPECT_EQ(Acc(1).limit, 50u);
  EXPECT_EQ(out_.event_count(), events);
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{1}, 1000, &ts_, &out_), AR::kOk);
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{1}, 50, &ts_, &out_), AR::kOk);
  EXPECT_EQ(Acc(1).limit, 50u);
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{99}, 50, &ts_, &out_), AR::kAccountNotFound);
  ASSERT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  EXPECT_EQ(SetAccountLimit(&state_, AccountId{1}, 500, &ts_, &out_), AR::kAccountClosed);
  EXPECT_EQ(Acc(1).limit, 50u);
}

// --- closing and reopening --------------------------------------------------------------

TEST_F(LedgerTest, ClosedAccountRefusesNewTransfers) {
  CreateAccountsOk({1, 2});
  const uint32_t events = out_.event_count();
  EXPECT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  EXPECT_TRUE(Acc(1).flags & kAccountClosed);
  EXPECT_EQ(out_.event_count(), events + 1);
  ExpectNoEffect(MakeTransfer(10, 1, 2, 1), TR::kDebitAccountClosed);
  ExpectNoEffect(MakeTransfer(10, 2, 1, 1), TR::kCreditAccountClosed);
  ExpectNoEffect(MakePending(10, 1, 2, 1), TR::kDebitAccountClosed);
  EXPECT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kAccountAlreadyClosed);
  EXPECT_EQ(CloseAccount(&state_, AccountId{99}, &ts_, &out_), AR::kAccountNotFound);
  EXPECT_EQ(out_.event_count(), events + 1);
}

TEST_F(LedgerTest, ClosedAccountStillSettlesItsPendingTransfers) {
  CreateAccountsOk({1, 2});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(11, 1, 2, 50)), TR::kOk);
  ASSERT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  ASSERT_EQ(CloseAccount(&state_, AccountId{2}, &ts_, &out_), AR::kOk);
  EXPECT_EQ(Tr(MakePost(12, 10)), TR::kOk);
  EXPECT_EQ(Tr(MakeVoid(13, 11)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 0, 100));
}

TEST_F(LedgerTest, ReopenedAccountAcceptsTransfersAgain) {
  CreateAccountsOk({1, 2});
  EXPECT_EQ(ReopenAccount(&state_, AccountId{1}, &ts_, &out_), AR::kAccountNotClosed);
  EXPECT_EQ(ReopenAccount(&state_, AccountId{99}, &ts_, &out_), AR::kAccountNotFound);
  ASSERT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  EXPECT_EQ(ReopenAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  EXPECT_FALSE(Acc(1).flags & kAccountClosed);
  EXPECT_EQ(Tr(MakeTransfer(10, 1, 2, 5)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, 5, 0, 0));
}

TEST_F(LedgerTest, ClosingAndReopeningKeepTheLimitFlags) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits)), AR::kOk);
  CreateAccountsOk({2});
  ASSERT_EQ(CloseAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  ASSERT_EQ(ReopenAccount(&state_, AccountId{1}, &ts_, &out_), AR::kOk);
  EXPECT_EQ(Acc(1).flags, kAccountDebitsMustNotExceedCredits);
  ExpectNoEffect(MakeTransfer(10, 1, 2, 1), TR::kExceedsCredits);
}

// --- internal accounts ------------------------------------------------------------------

TEST_F(LedgerTest, InternalAccountMovesOnlyByAnInternalTransfer) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountInternal)), AR::kOk);
  CreateAccountsOk({2, 3});
  // Neither side of an ordinary transfer, pending or not, may be the internal account.
  ExpectNoEffect(MakeTransfer(10, 1, 2, 100), TR::kInternalAccountNeedsInternalTransfer);
  ExpectNoEffect(MakeTransfer(10, 2, 1, 100), TR::kInternalAccountNeedsInternalTransfer);
  ExpectNoEffect(MakePending(10, 1, 2, 100), TR::kInternalAccountNeedsInternalTransfer);
  ExpectNoEffect(MakeTransfer(10, 1, 2, 100, kTransferBalancingCredit),
                 TR::kInternalAccountNeedsInternalTransfer);
  EXPECT_EQ(Tr(MakeTransfer(10, 1, 2, 100, kTransferInternal)), TR::kOk);
  EXPECT_EQ(Tr(MakeTransfer(11, 2, 3, 40)), TR::kOk);  // customers among themselves
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 40, 0, 100));
  EXPECT_EQ(FindUnauthorizedInternalMove(state_), kNoRow);
}

TEST_F(LedgerTest, PostAndVoidOfAnInternalPendingTransferNeedNoFlagOfTheirOwn) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountInternal)), AR::kOk);
  CreateAccountsOk({2});
  Transfer p = MakePending(10, 1, 2, 100);
  p.flags |= kTransferInternal;
  ASSERT_EQ(Tr(p), TR::kOk);
  Transfer p2 = MakePending(11, 1, 2, 50, /*timeout_s=*/1);
  p2.flags |= kTransferInternal;
  ASSERT_EQ(Tr(p2), TR::kOk);
  EXPECT_EQ(Tr(MakePost(12, 10, 60)), TR::kOk);
  ts_ += 2 * kNsPerSecond;
  EXPECT_EQ(Expire(), 1u);
  EXPECT_EQ(B(2), Bal(0, 0, 0, 60));
  EXPECT_EQ(FindUnauthorizedInternalMove(state_), kNoRow);
}

TEST_F(LedgerTest, InternalFlagIsPartOfAnAccountsIdentity) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountInternal)), AR::kOk);
  ExpectNoEffect(MakeAccount(1, kEur), AR::kExistsWithDifferentFlags);
  ASSERT_EQ(CreateAccount(MakeAccount(2, kEur)), AR::kOk);
  ExpectNoEffect(MakeAccount(2, kEur, kAccountInternal), AR::kExistsWithDifferentFlags);
}

TEST_F(LedgerTest, AuditFindsAnInternalMoveThatBypassedValidation) {
  ASSERT_EQ(CreateAccount(MakeAccount(1, kEur, kAccountInternal)), AR::kOk);
  CreateAccountsOk({2});
  ASSERT_EQ(Tr(MakeTransfer(10, 1, 2, 100, kTransferInternal)), TR::kOk);
  EXPECT_EQ(FindUnauthorizedInternalMove(state_), kNoRow);
  // Replay applies events without validating them: an old or forged journal could hold one.
  Transfer forged = MakeTransfer(11, 1, 2, 5);
  forged.timestamp = ts_++;
  state_.ApplyTransferCreated(forged);
  EXPECT_EQ(FindUnauthorizedInternalMove(state_), state_.TransferRow(TransferId{11}));
}

// --- overflow -----------------------------------------------------------------------------

TEST_F(LedgerTest, PostedAmountsNearU128MaxOverflowInsteadOfWrapping) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 1, 2, kU128Max)), TR::kOk);
  ExpectNoEffect(MakeTransfer(11, 1, 3, 1), TR::kOverflowsDebitsPosted);
  ExpectNoEffect(MakeTransfer(11, 3, 2, 1), TR::kOverflowsCreditsPosted);
  EXPECT_EQ(B(1), Bal(0, kU128Max, 0, 0));
  EXPECT_EQ(B(2), Bal(0, 0, 0, kU128Max));
}

TEST_F(LedgerTest, PendingAmountsNearU128MaxOverflowInsteadOfWrapping) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakePending(10, 1, 2, kU128Max)), TR::kOk);
  ExpectNoEffect(MakePending(11, 1, 3, 1), TR::kOverflowsDebitsPending);
  ExpectNoEffect(MakePending(11, 3, 2, 1), TR::kOverflowsCreditsPending);
  EXPECT_EQ(Tr(MakePost(12, 10)), TR::kOk);
  EXPECT_EQ(B(1), Bal(0, kU128Max, 0, 0));
}

TEST_F(LedgerTest, PendingPlusPostedBeyondU128MaxOverflowsTheTotal) {
  CreateAccountsOk({1, 2, 3, 4});
  ASSERT_EQ(Tr(MakeTransfer(10, 1, 2, kHalf)), TR::kOk);
  ExpectNoEffect(MakePending(11, 1, 3, kHalf), TR::kOverflowsDebits);
  ExpectNoEffect(MakePending(11, 4, 2, kHalf), TR::kOverflowsCredits);
  EXPECT_EQ(Tr(MakePending(11, 1, 3, kHalf - 1)), TR::kOk);
  EXPECT_EQ(B(1), Bal(kHalf - 1, kHalf, 0, 0));
}

TEST_F(LedgerTest, PendingTimeoutBeyondTheClockRangeOverflows) {
  ts_ = UINT64_MAX - 10 * kNsPerSecond;
  CreateAccountsOk({1, 2});
  ExpectNoEffect(MakePending(10, 1, 2, 1, 11), TR::kOverflowsTimeout);
  EXPECT_EQ(Tr(MakePending(10, 1, 2, 1, 5)), TR::kOk);
}

// Two transfers of 2^127 between disjoint pairs are each valid, but their per-ledger sum is
// 2^128: the trial balance must not abort on a state the ledger accepted (recovery runs
// CheckInvariants and would crash-loop). Runs in a child process so an abort fails only this
// test, on a state of its own so TearDown does not trip over it.
TEST_F(LedgerTest, TrialBalanceOfAcceptedNearMaxTransfersDoesNotAbort) {
  LedgerState big;
  journal::RecordBuilder out;
  TimestampNs ts = kT0;
  ASSERT_EQ(DefineLedger(&big, *CurrencyLedger(kEur, "EUR"), &out), AR::kOk);
  std::vector<AR> account_results;
  CreateAccounts(
      &big, std::vector<Account>{MakeAccount(1), MakeAccount(2), MakeAccount(3), MakeAccount(4)},
      &ts, &out, &account_results);
  ASSERT_EQ(account_results, std::vector<AR>(4, AR::kOk));
  std::vector<TR> results;
  CreateTransfers(
      &big, std::vector<Transfer>{MakeTransfer(10, 1, 2, kHalf), MakeTransfer(11, 3, 4, kHalf)},
      &ts, &out, &results);
  ASSERT_EQ(results, (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EXIT(
      {
        const std::vector<LedgerTotals> totals = big.TrialBalance();
        big.CheckInvariants();
        std::exit(totals.size() == 1 && totals[0].balanced() ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
}

// --- idempotency --------------------------------------------------------------------------

TEST_F(LedgerTest, TransferWithSameIdAndFieldsIsExistsAndChangesNothing) {
  CreateAccountsOk({1, 2});
  Transfer t = MakePending(10, 1, 2, 100, 60);
  t.user_data_128 = 1;
  ASSERT_EQ(Tr(t), TR::kOk);
  ExpectNoEffect(t, TR::kExists);
  ASSERT_EQ(Tr(MakePost(11, 10)), TR::kOk);
  ExpectNoEffect(t, TR::kExists);  // still exists after the pending transfer was posted
  EXPECT_EQ(B(1), Bal(0, 100, 0, 0));
}

TEST_F(LedgerTest, TransferWithSameIdAndDifferentFieldReportsTheField) {
  CreateAccountsOk({1, 2, 3});
  Transfer base = MakePending(10, 1, 2, 100, 60);
  base.user_data_128 = 7;
  base.user_data_64 = 8;
  base.user_data_32 = 9;
  ASSERT_EQ(Tr(base), TR::kOk);
  struct Case {
    const char* name;
    void (*mutate)(Transfer*);
    TR expected;
  };
  const Case cases[] = {
      {"flags", [](Transfer* t) { t->flags = 0; }, TR::kExistsWithDifferentFlags},
      {"debit", [](Transfer* t) { t->debit_account_id = AccountId{3}; },
       TR::kExistsWithDifferentDebitAccountId},
      {"credit", [](Transfer* t) { t->credit_account_id = AccountId{3}; },
       TR::kExistsWithDifferentCreditAccountId},
      {"amount", [](Transfer* t) { t->amount = 99; }, TR::kExistsWithDifferentAmount},
      {"pending_id", [](Transfer* t) { t->pending_id = TransferId{5}; },
       TR::kExistsWithDifferentPendingId},
      {"user_data_128", [](Transfer* t) { t->user_data_128 = 1; },
       TR::kExistsWithDifferentUserData128},
      {"user_data_64", [](Transfer* t) { t->user_data_64 = 1; },
       TR::kExistsWithDifferentUserData64},
      {"user_data_32", [](Transfer* t) { t->user_data_32 = 1; },
       TR::kExistsWithDifferentUserData32},
      {"timeout", [](Transfer* t) { t->timeout_s = 61; }, TR::kExistsWithDifferentTimeout},
      {"code", [](Transfer* t) { t->code = kCode + 1; }, TR::kExistsWithDifferentCode},
      {"ledger", [](Transfer* t) { t->ledger = kUsd; }, TR::kExistsWithDifferentLedger},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    Transfer t = base;
    c.mutate(&t);
    ExpectNoEffect(t, c.expected);
  }
}

TEST_F(LedgerTest, RetriedPostMayOmitFieldsButNotContradictThem) {
  CreateAccountsOk({1, 2, 3});
  Transfer pending = MakePending(10, 1, 2, 100);
  pending.user_data_128 = 7;
  ASSERT_EQ(Tr(pending), TR::kOk);
  ASSERT_EQ(Tr(MakePending(20, 1, 2, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePost(11, 10, 60)), TR::kOk);
  ExpectNoEffect(MakePost(11, 10, 60), TR::kExists);
  ExpectNoEffect(MakePost(11, 10, 0), TR::kExists);
  ExpectNoEffect(MakePost(11, 10, 50), TR::kExistsWithDifferentAmount);
  ExpectNoEffect(MakeVoid(11, 10), TR::kExistsWithDifferentFlags);
  ExpectNoEffect(MakePost(11, 20, 60), TR::kExistsWithDifferentPendingId);
  Transfer post = MakePost(11, 10, 60);
  post.debit_account_id = AccountId{3};
  ExpectNoEffect(post, TR::kExistsWithDifferentDebitAccountId);
  post = MakePost(11, 10, 60);
  post.credit_account_id = AccountId{3};
  ExpectNoEffect(post, TR::kExistsWithDifferentCreditAccountId);
  post = MakePost(11, 10, 60);
  post.user_data_128 = 8;
  ExpectNoEffect(post, TR::kExistsWithDifferentUserData128);
  post.user_data_128 = 7;  // inherited from the pending transfer
  ExpectNoEffect(post, TR::kExists);
}

TEST_F(LedgerTest, RetriedBalancingTransferIsExistsEvenThoughItMovedLess) {
  CreateAccountsOk({1, 2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 60)), TR::kOk);
  const Transfer t = MakeTransfer(11, 1, 3, 100, kTransferBalancingDebit);
  ASSERT_EQ(Tr(t), TR::kOk);
  ASSERT_EQ(Rec(11).amount, 60u);
  ExpectNoEffect(t, TR::kExists);
  Transfer smaller = t;
  smaller.amount = 59;
  ExpectNoEffect(smaller, TR::kExistsWithDifferentAmount);
}

// --- multi-currency -----------------------------------------------------------------------

class FxTest : public LedgerTest {
 protected:
  // EUR (ledger 1): customer 1, bank funding 2, FX liquidity 10.
  // USD (ledger 2): FX liquidity 20 (may not go negative), customer 21, bank funding 22.
  void SetUp() override {
    LedgerTest::SetUp();
    CreateAccountsOk({1, 2, 10}, kEur);
    ASSERT_EQ(CreateAccount(MakeAccount(20, kUsd, kAccountDebitsMustNotExceedCredits)), AR::kOk);
    CreateAccountsOk({21, 22}, kUsd);
    ASSERT_EQ(Tr(MakeTransfer(100, 2, 1, 1000, 0, kEur)), TR::kOk);
    ASSERT_EQ(Tr(MakeTransfer(101, 22, 20, 500, 0, kUsd)), TR::kOk);
  }
  // Customer 1 sells `eur` and customer 21 receives `usd`, as one unit.
  std::vector<TR> Exchange(u128 id, u128 eur, u128 usd) {
    return TrBatch({Linked(MakeTransfer(id, 1, 10, eur, 0, kEur)),
                    MakeTransfer(id + 1, 20, 21, usd, 0, kUsd)});
  }
};

TEST_F(FxTest, CurrencyExchangeAppliesBothLegsAndBalancesEachLedger) {
  EXPECT_EQ(Exchange(200, 100, 108), (std::vector<TR>{TR::kOk, TR::kOk}));
  EXPECT_EQ(B(1), Bal(0, 100, 0, 1000));
  EXPECT_EQ(B(10), Bal(0, 0, 0, 100));
  EXPECT_EQ(B(20), Bal(0, 108, 0, 500));
  EXPECT_EQ(B(21), Bal(0, 0, 0, 108));
  const std::vector<LedgerTotals> totals = state_.TrialBalance();
  ASSERT_EQ(totals.size(), 2u);
  EXPECT_EQ(totals[0].ledger, kEur);
  EXPECT_EQ(totals[0].debits_posted, 1100u);
  EXPECT_EQ(totals[0].credits_posted, 1100u);
  EXPECT_EQ(totals[1].ledger, kUsd);
  EXPECT_EQ(totals[1].debits_posted, 608u);
  EXPECT_EQ(totals[1].credits_posted, 608u);
  for (const LedgerTotals& t : totals) EXPECT_TRUE(t.balanced());
}

TEST_F(FxTest, FailingSecondLegRollsBackTheFirst) {
  const Hash256 hash = state_.StateHash();
  EXPECT_EQ(Exchange(200, 1000, 501),
            (std::vector<TR>{TR::kLinkedEventFailed, TR::kExceedsCredits}));
  EXPECT_EQ(state_.StateHash(), hash);
  EXPECT_EQ(B(1), Bal(0, 0, 0, 1000));
  EXPECT_EQ(B(10), Balances{});
  EXPECT_EQ(B(20), Bal(0, 0, 0, 500));
}

TEST_F(FxTest, SingleTransferAcrossLedgersIsRejected) {
  ExpectNoEffect(MakeTransfer(200, 1, 21, 100, 0, kEur), TR::kAccountsMustHaveTheSameLedger);
  ExpectNoEffect(MakeTransfer(200, 20, 21, 100, 0, kEur),
                 TR::kTransferMustHaveTheSameLedgerAsAccounts);
}

// --- invariants, names, replay ------------------------------------------------------------

TEST_F(LedgerTest, GlTrialBalanceSumsPostedBalancesPerLedgerAndCode) {
  Account cash = MakeAccount(1);
  cash.code = 1000;
  ASSERT_EQ(CreateAccount(cash), AR::kOk);
  CreateAccountsOk({2, 3});
  ASSERT_EQ(Tr(MakeTransfer(10, 1, 2, 30)), TR::kOk);
  ASSERT_EQ(Tr(MakeTransfer(11, 1, 3, 12)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(12, 2, 1, 5)), TR::kOk);
  const std::vector<GlTotals> gl = state_.GlTrialBalance();
  ASSERT_EQ(gl.size(), 2u);
  EXPECT_EQ(gl[0].code, kCode);
  EXPECT_EQ(gl[0].credits_posted, 42u);
  EXPECT_EQ(gl[0].debits_posted, 0u);
  EXPECT_EQ(gl[1].code, 1000);
  EXPECT_EQ(gl[1].debits_posted, 42u);
}

TEST_F(LedgerTest, EveryResultCodeHasADistinctName) {
  std::set<std::string> names;
  for (uint32_t v = 0; v <= static_cast<uint32_t>(AR::kCurrencyInvalid); v++) {
    const std::string name = AccountResultName(static_cast<AR>(v));
    EXPECT_NE(name, "unknown") << v;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
  names.clear();
  for (uint32_t v = 0; v <= static_cast<uint32_t>(TR::kLedgerNotFound); v++) {
    const std::string name = TransferResultName(static_cast<TR>(v));
    EXPECT_NE(name, "unknown") << v;
    EXPECT_TRUE(names.insert(name).second) << name;
  }
}

TEST_F(LedgerTest, ReplayingTheEmittedEventsReproducesTheState) {
  ASSERT_EQ(DefineGlCode(&state_, MakeGl(1000, GlKind::kLiability, "Deposits"), &out_), AR::kOk);
  ASSERT_EQ(CreateAccountBatch(
                {Linked(MakeAccount(1, kEur, kAccountDebitsMustNotExceedCredits, 20)),
                 MakeAccount(2), MakeAccount(3), MakeAccount(4, kUsd), MakeAccount(5, kUsd)}),
            (std::vector<AR>(5, AR::kOk)));
  Account bad = MakeAccount(6);
  bad.code = 0;
  ASSERT_EQ(CreateAccountBatch({Linked(MakeAccount(7)), bad})[1], AR::kCodeMustNotBeZero);
  ASSERT_EQ(Tr(MakeTransfer(10, 2, 1, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(11, 1, 3, 50, 1)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(12, 1, 3, 40, 100)), TR::kOk);
  ASSERT_EQ(Tr(MakePending(13, 2, 3, 30)), TR::kOk);
  ASSERT_EQ(Tr(MakePost(14, 12, 25)), TR::kOk);
  ASSERT_EQ(Tr(MakeVoid(15, 13)), TR::kOk);
  ASSERT_EQ(Tr(MakeTransfer(16, 1, 3, 1000, kTransferBalancingDebit)), TR::kOk);
  ASSERT_EQ(TrBatch({Linked(MakeTransfer(17, 4, 5, 9, 0, kUsd)), MakeTransfer(18, 1, 1, 1)})[1],
            TR::kAccountsMustBeDifferent);
  ASSERT_EQ(TrBatch({Linked(MakeTransfer(19, 4, 5, 9, 0, kUsd)), MakePending(20, 5, 4, 3)})[1],
            TR::kTransferMustHaveTheSameLedgerAsAccounts);
  ASSERT_EQ(
      TrBatch({Linked(MakeTransfer(21, 4, 5, 9, 0, kUsd)), MakeTransfer(22, 5, 4, 3, 0, kUsd)}),
      (std::vector<TR>{TR::kOk, TR::kOk}));
  ASSERT_EQ(SetAccountLimit(&state_, AccountId{1}, 500, &ts_, &out_), AR::kOk);
  ASSERT_EQ(CloseAccount(&state_, AccountId{2}, &ts_, &out_), AR::kOk);
  ASSERT_EQ(CloseAccount(&state_, AccountId{5}, &ts_, &out_), AR::kOk);
  ASSERT_EQ(ReopenAccount(&state_, AccountId{5}, &ts_, &out_), AR::kOk);
  ASSERT_EQ(Tr(MakePending(23, 1, 3, 7, 2)), TR::kOk);
  ts_ += 3 * kNsPerSecond;
  ASSERT_EQ(Expire(), 2u);  // 11 and 23

  const Hash256 sealed_hash = out_.Seal(0, 1, kT0, Hash256{}, 0);
  journal::RecordHeader header;
  std::span<const uint8_t> events;
  ASSERT_EQ(journal::DecodeRecord(out_.bytes(), &header, &events), journal::DecodeError::kNone);
  EXPECT_EQ(header.hash, sealed_hash);
  EXPECT_EQ(header.event_count, out_.event_count());

  LedgerState replica;
  journal::EventIterator it(events);
  journal::EventView event;
  uint32_t applied = 0;
  TimestampNs ts_last = 0;
  while (it.Next(&event)) {
    ASSERT_TRUE(ApplyEvent(&replica, event).ok()) << "event " << applied;
    // The batch clock advances one nanosecond per stamped event.
    const TimestampNs ts = EventTimestamp(event);
    if (ts != 0) {
      EXPECT_GT(ts, ts_last) << "event " << applied;
      ts_last = ts;
    }
    applied++;
  }
  EXPECT_EQ(applied, header.event_count);
  EXPECT_EQ(replica.StateHash(), state_.StateHash());
  EXPECT_EQ(replica.record_count(), state_.record_count());
  EXPECT_EQ(replica.account_count(), state_.account_count());
  EXPECT_EQ(replica.NextExpiry(), state_.NextExpiry());
  for (u128 id : {1, 2, 3, 4, 5}) {
    EXPECT_EQ(replica.account(replica.AccountRow(AccountId{id})).balances, B(id));
  }
  replica.CheckInvariants();
}

TEST_F(LedgerTest, ApplyEventRejectsUnknownTypesAndWrongSizes) {
  LedgerState replica;
  uint8_t payload[sizeof(Transfer)] = {};
  EXPECT_EQ(ApplyEvent(&replica, {99, kEventVersion, payload}).code(), StatusCode::kDataLoss);
  EXPECT_EQ(ApplyEvent(&replica, {static_cast<uint16_t>(EventType::kTransferCreated), kEventVersion,
                                  std::span<const uint8_t>(payload, 100)})
                .code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(ApplyEvent(&replica, {static_cast<uint16_t>(EventType::kTransferCreated),
                                  kEventVersion + 1, payload})
                .code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(replica.record_count(), 0u);
}

}  // namespace
}  // namespace cb::ledger
