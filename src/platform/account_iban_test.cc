#include "platform/account_iban.h"

#include <gtest/gtest.h>

#include "payments/iban.h"

namespace cb::platform {
namespace {

TEST(AccountIban, NumbersMakeValidIbansOfThisBankAndBack) {
  for (uint64_t n : {uint64_t{1}, uint64_t{42}, uint64_t{12'345'678}, kAccountNumberMax}) {
    const std::string iban = AccountIban(n);
    ASSERT_EQ(iban.size(), 22u) << n;  // GB IBANs are 22 characters
    Result<payments::Iban> parsed = payments::ParseIban(iban);
    ASSERT_TRUE(parsed.ok()) << iban << ": " << parsed.status().message();
    EXPECT_EQ(parsed->bank_code(), kBankCode);
    EXPECT_EQ(AccountNumberOfIban(iban), n);
  }
  EXPECT_EQ(AccountIban(1), "GB" + AccountIban(1).substr(2, 2) + "CBNK00000100000001");
}

TEST(AccountIban, OtherIbansAndNumbersAreNotOurs) {
  EXPECT_EQ(AccountIban(0), "");
  EXPECT_EQ(AccountIban(kAccountNumberMax + 1), "");
  EXPECT_EQ(AccountNumberOfIban("GB29NWBK60161331926819"), std::nullopt);  // another bank
  EXPECT_EQ(AccountNumberOfIban("DE89370400440532013000"), std::nullopt);
  EXPECT_EQ(AccountNumberOfIban("not an iban"), std::nullopt);
  std::string bad = AccountIban(7);
  bad[21] = bad[21] == '7' ? '8' : '7';  // check digits no longer match
  EXPECT_EQ(AccountNumberOfIban(bad), std::nullopt);
}

}  // namespace
}  // namespace cb::platform
