#include "scheme/scheme_rules.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

namespace cb::scheme {
namespace {

payments::iso::CreditTransfer Transfer(std::string creditor_name, std::string message_id = "M1",
                                       std::string currency = "EUR") {
  payments::iso::CreditTransfer t;
  t.message_id = std::move(message_id);
  t.amount = {100, std::move(currency), 2};
  t.creditor.name = std::move(creditor_name);
  return t;
}

TEST(SchemeRulesTest, CreditorNamesSteerTheOutcome) {
  const RuleOptions options;
  EXPECT_EQ(DecideOutcome(Transfer("REJECT AC04 closed"), options),
            (Outcome{OutcomeKind::kReject, "AC04"}));
  EXPECT_EQ(DecideOutcome(Transfer("REJECT RR04"), options),
            (Outcome{OutcomeKind::kReject, "RR04"}));
  EXPECT_EQ(DecideOutcome(Transfer("NOANSWER"), options), (Outcome{OutcomeKind::kNoAnswer, ""}));
  EXPECT_EQ(DecideOutcome(Transfer("NOANSWER Ltd"), options),
            (Outcome{OutcomeKind::kNoAnswer, ""}));
  EXPECT_EQ(DecideOutcome(Transfer("RETURN AC04"), options),
            (Outcome{OutcomeKind::kReturn, "AC04"}));
  EXPECT_EQ(DecideOutcome(Transfer("Bob"), options), (Outcome{OutcomeKind::kAccept, ""}));
}

TEST(SchemeRulesTest, ANameWithoutAWellFormedCodeIsLikeAnyOther) {
  const RuleOptions options;
  for (const char* name : {"REJECT", "REJECT AC0", "REJECT AC045", "REJECT ac04", "REJECTAC04",
                           "reject AC04", "RETURN A-04", "RETURN"}) {
    EXPECT_EQ(DecideOutcome(Transfer(name), options).kind, OutcomeKind::kAccept) << name;
  }
}

TEST(SchemeRulesTest, AnotherCurrencyIsRejectedAm03ButRejectAndNoAnswerStillRule) {
  const RuleOptions options;  // EUR
  EXPECT_EQ(DecideOutcome(Transfer("Bob", "M1", "GBP"), options),
            (Outcome{OutcomeKind::kReject, "AM03"}));
  EXPECT_EQ(DecideOutcome(Transfer("RETURN AC04", "M1", "GBP"), options),
            (Outcome{OutcomeKind::kReject, "AM03"}));
  EXPECT_EQ(DecideOutcome(Transfer("REJECT AC01", "M1", "GBP"), options),
            (Outcome{OutcomeKind::kReject, "AC01"}));
  EXPECT_EQ(DecideOutcome(Transfer("NOANSWER", "M1", "GBP"), options).kind, OutcomeKind::kNoAnswer);
}

TEST(SchemeRulesTest, RandomRejectionsFollowThePermilleAndTheSeed) {
  RuleOptions options;
  options.reject_permille = 250;
  std::map<std::string, int> codes;
  int rejected = 0;
  constexpr int kTransfers = 8000;
  for (int i = 0; i < kTransfers; i++) {
    const Outcome o = DecideOutcome(Transfer("Bob", "MSG-" + std::to_string(i)), options);
    // The same MsgId, flags and seed: the same outcome, whatever happened in between.
    EXPECT_EQ(DecideOutcome(Transfer("Bob", "MSG-" + std::to_string(i)), options), o);
    if (o.kind == OutcomeKind::kReject) {
      rejected++;
      codes[o.reason_code]++;
    }
  }
  // 250 permille of 8000 is 2000; the binomial's sigma is ~39, so +-300 never fails.
  EXPECT_GT(rejected, 1700);
  EXPECT_LT(rejected, 2300);
  EXPECT_EQ(codes.size(), std::size(kRandomRejectCodes));
  for (std::string_view code : kRandomRejectCodes) EXPECT_GT(codes[std::string(code)], 300);

  options.reject_permille = 0;
  EXPECT_EQ(DecideOutcome(Transfer("Bob", "MSG-1"), options).kind, OutcomeKind::kAccept);
  options.reject_permille = 1000;
  EXPECT_EQ(DecideOutcome(Transfer("Bob", "MSG-1"), options).kind, OutcomeKind::kReject);

  // Another seed decides otherwise for some MsgIds.
  RuleOptions a, b;
  a.reject_permille = b.reject_permille = 500;
  b.seed = 2;
  int differ = 0;
  for (int i = 0; i < 100; i++) {
    const auto t = Transfer("Bob", "MSG-" + std::to_string(i));
    differ += DecideOutcome(t, a) == DecideOutcome(t, b) ? 0 : 1;
  }
  EXPECT_GT(differ, 10);
}

TEST(SchemeRulesTest, MessageIdsFitMax35TextAndDifferByInstanceKindAndNumber) {
  const std::string instance = MakeInstanceId(0xFFFF'FFFF'FFFF'FFFFull);
  EXPECT_TRUE(IsInstanceId(instance));
  EXPECT_EQ(instance.size(), kInstanceIdChars);
  const std::string longest = MakeMessageId(instance, IdKind::kStatusReport, UINT64_MAX);
  EXPECT_LE(longest.size(), kMessageIdCharsMax);
  EXPECT_EQ(MakeMessageId("0000000A", IdKind::kReturn, 7), "CBS0000000A-4-7");
  std::set<std::string> ids;
  for (IdKind kind : {IdKind::kStatusReport, IdKind::kReturn, IdKind::kCredit, IdKind::kStatement,
                      IdKind::kNotification}) {
    for (uint64_t n = 1; n <= 100; n++) {
      ids.insert(MakeMessageId(instance, kind, n));
      ids.insert(MakeMessageId(MakeInstanceId(1), kind, n));
    }
  }
  EXPECT_EQ(ids.size(), 2u * 5 * 100);
  EXPECT_FALSE(IsInstanceId("ABCDEFGI"));  // no I in Crockford base32
  EXPECT_FALSE(IsInstanceId("ABC"));
}

TEST(SchemeRulesTest, ReasonCodesAreFourUpperCaseLettersOrDigits) {
  EXPECT_TRUE(IsReasonCode("AC04"));
  EXPECT_TRUE(IsReasonCode("FF01"));
  EXPECT_FALSE(IsReasonCode("ac04"));
  EXPECT_FALSE(IsReasonCode("AC0"));
  EXPECT_FALSE(IsReasonCode("AC04X"));
  EXPECT_FALSE(IsReasonCode("AC 4"));
}

}  // namespace
}  // namespace cb::scheme
