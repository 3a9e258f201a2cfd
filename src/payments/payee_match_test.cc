#include "payments/payee_match.h"

#include <gtest/gtest.h>

#include <string>

namespace cb::payments {
namespace {

TEST(PayeeMatch, ExactAfterNormalisation) {
  EXPECT_EQ(MatchPayeeName("Jane Doe", "Jane Doe"), PayeeMatch::kMatch);
  EXPECT_EQ(MatchPayeeName("  JANE   doe ", "Jane Doe"), PayeeMatch::kMatch);
  EXPECT_EQ(MatchPayeeName("Mrs Jane Doe", "Jane Doe"), PayeeMatch::kMatch);
  EXPECT_EQ(MatchPayeeName("Acme Limited", "ACME LTD."), PayeeMatch::kMatch);
  EXPECT_EQ(MatchPayeeName("Sean O'Brien", "Sean OBrien"), PayeeMatch::kMatch);
}

TEST(PayeeMatch, CloseMatches) {
  EXPECT_EQ(MatchPayeeName("Doe Jane", "Jane Doe"), PayeeMatch::kCloseMatch);
  EXPECT_EQ(MatchPayeeName("J Doe", "Jane Doe"), PayeeMatch::kCloseMatch);
  EXPECT_EQ(MatchPayeeName("Jane A Doe", "Jane Alice Doe"), PayeeMatch::kCloseMatch);
  EXPECT_EQ(MatchPayeeName("Jane Deo", "Jane Doe"), PayeeMatch::kCloseMatch);  // one swap
  EXPECT_EQ(MatchPayeeName("Jonathan Smyth", "Jonathan Smith"), PayeeMatch::kCloseMatch);
}

TEST(PayeeMatch, NoMatches) {
  EXPECT_EQ(MatchPayeeName("John Smith", "Jane Doe"), PayeeMatch::kNoMatch);
  EXPECT_EQ(MatchPayeeName("J Smith", "Jane Doe"), PayeeMatch::kNoMatch);  // other surname
  EXPECT_EQ(MatchPayeeName("Ann", "Anne"), PayeeMatch::kNoMatch);          // too short for typos
  EXPECT_EQ(MatchPayeeName("", "Jane Doe"), PayeeMatch::kNoMatch);
  EXPECT_EQ(MatchPayeeName("Mr", "Jane Doe"), PayeeMatch::kNoMatch);  // only a title
  EXPECT_EQ(MatchPayeeName("Jane Doe", ""), PayeeMatch::kNoMatch);
  EXPECT_EQ(MatchPayeeName("Jane Doe Holdings", "Jane Doe"), PayeeMatch::kNoMatch);
}

TEST(PayeeMatch, LongInputsAreBounded) {
  const std::string a(100000, 'a');
  const std::string b(100000, 'b');
  EXPECT_EQ(MatchPayeeName(a, b), PayeeMatch::kNoMatch);  // compared on 140 bytes: fast
  EXPECT_EQ(MatchPayeeName(a, a + "zzz"), PayeeMatch::kMatch);
}

TEST(PayeeMatch, Names) {
  EXPECT_STREQ(PayeeMatchName(PayeeMatch::kMatch), "match");
  EXPECT_STREQ(PayeeMatchName(PayeeMatch::kCloseMatch), "close_match");
  EXPECT_STREQ(PayeeMatchName(PayeeMatch::kNoMatch), "no_match");
}

}  // namespace
}  // namespace cb::payments
