#include "risk/screening/normalize.h"

#include <gtest/gtest.h>

namespace cb::risk::screening {
namespace {

using Tokens = std::vector<std::string>;

class NormalizeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = NameNormalizer::Create();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(*n);
  }
  Tokens T(std::string_view raw) { return normalizer_->Normalize(raw).tokens; }
  std::unique_ptr<NameNormalizer> normalizer_;
};

TEST_F(NormalizeTest, CyrillicIsRomanisedWithBgnSpellings) {
  EXPECT_EQ(T("Владимир Владимирович ПУТИН"), (Tokens{"vladimir", "vladimirovich", "putin"}));
  EXPECT_EQ(T("Юрий Щербаков"), (Tokens{"yuriy", "shcherbakov"}));
}

TEST_F(NormalizeTest, ArabicGreekAndCjkAreRomanised) {
  EXPECT_EQ(T("صدام حسين"), (Tokens{"sdam", "hsyn"}));
  EXPECT_EQ(T("Αλέξης Τσίπρας"), (Tokens{"alexes", "tsipras"}));
  EXPECT_EQ(T("习近平"), (Tokens{"xi", "jin", "ping"}));
}

TEST_F(NormalizeTest, AccentsCaseAndPunctuationFold) {
  EXPECT_EQ(T("NICOLÁS  Maduro-Moros"), (Tokens{"nicolas", "maduro", "moros"}));
  EXPECT_EQ(T("O'Brien, Seán"), (Tokens{"obrien", "sean"}));
  EXPECT_EQ(T("Müller Straße"), (Tokens{"muller", "strasse"}));
}

TEST_F(NormalizeTest, LegalFormsAreRemovedAndFlagged) {
  NormalizedName n = normalizer_->Normalize("ANGLO-CARIBBEAN CO., LTD.");
  EXPECT_EQ(n.tokens, (Tokens{"anglo", "caribbean"}));
  EXPECT_TRUE(n.legal_form);
  n = normalizer_->Normalize("ООО «Ромашка»");
  EXPECT_EQ(n.tokens, (Tokens{"romashka"}));
  EXPECT_TRUE(n.legal_form);
  n = normalizer_->Normalize("TNK Trading International S.A.");
  EXPECT_EQ(n.tokens, (Tokens{"tnk", "trading", "international"}));
  EXPECT_TRUE(n.legal_form);
  n = normalizer_->Normalize("Siemens GmbH");
  EXPECT_EQ(n.tokens, (Tokens{"siemens"}));
  // A legal-form word alone is the name, not a form.
  n = normalizer_->Normalize("Ltd");
  EXPECT_EQ(n.tokens, (Tokens{"ltd"}));
  EXPECT_FALSE(normalizer_->Normalize("John Smith").legal_form);
}

TEST_F(NormalizeTest, HonorificsAreRemovedAndFlagged) {
  NormalizedName n = normalizer_->Normalize("Sheikh Mohammed bin Rashid");
  EXPECT_EQ(n.tokens, (Tokens{"mohammed", "bin", "rashid"}));
  EXPECT_TRUE(n.honorific);
  n = normalizer_->Normalize("Dr. Ayman al-Zawahiri");
  EXPECT_EQ(n.tokens, (Tokens{"ayman", "al", "zawahiri"}));
  EXPECT_TRUE(n.honorific);
  EXPECT_FALSE(n.legal_form);
}

TEST_F(NormalizeTest, DottedInitialsSplitIntoLetters) {
  EXPECT_EQ(T("J. Smith"), (Tokens{"j", "smith"}));
  EXPECT_EQ(T("A.I.C. SOGO"), (Tokens{"a", "i", "c", "sogo"}));
  EXPECT_EQ(T("J.R.R. Tolkien"), (Tokens{"j", "r", "r", "tolkien"}));
}

TEST_F(NormalizeTest, LimitsHoldOnHugeInput) {
  std::string huge;
  for (int i = 0; i < 500; ++i) huge += "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz ";
  const NormalizedName n = normalizer_->Normalize(huge);
  EXPECT_LE(n.tokens.size(), kNameTokensMax);
  for (const auto& t : n.tokens) EXPECT_LE(t.size(), kTokenBytesMax);
}

TEST(PhoneticKeyTest, SpellingVariantsShareAKey) {
  EXPECT_EQ(PhoneticKey("mohamed"), PhoneticKey("muhammad"));
  EXPECT_EQ(PhoneticKey("mohamed"), PhoneticKey("mhmd"));
  EXPECT_EQ(PhoneticKey("hussein"), PhoneticKey("hsyn"));
  EXPECT_EQ(PhoneticKey("catherine"), PhoneticKey("katherine"));
  EXPECT_EQ(PhoneticKey("philip"), PhoneticKey("filip"));
  EXPECT_NE(PhoneticKey("smith"), PhoneticKey("jones"));
  EXPECT_NE(PhoneticKey("omar"), PhoneticKey("mar"));  // a leading vowel is kept
  EXPECT_LE(PhoneticKey("bartholomewbartholomew").size(), kPhoneticKeyBytesMax);
}

}  // namespace
}  // namespace cb::risk::screening
