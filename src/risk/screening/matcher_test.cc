#include "risk/screening/matcher.h"

#include <gtest/gtest.h>

namespace cb::risk::screening {
namespace {

class MatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto n = NameNormalizer::Create();
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    normalizer_ = std::move(*n);
  }
  double S(std::string_view a, std::string_view b) { return ScoreNamePair(*normalizer_, a, b); }
  std::unique_ptr<NameNormalizer> normalizer_;
};

TEST_F(MatcherTest, SameNameScoresOne) {
  EXPECT_DOUBLE_EQ(S("Vladimir Putin", "VLADIMIR PUTIN"), 1.0);
}

TEST_F(MatcherTest, OrderDoesNotMatter) {
  EXPECT_DOUBLE_EQ(S("PUTIN, Vladimir", "Vladimir Putin"), 1.0);
}

TEST_F(MatcherTest, TyposAndSpellingVariantsScoreHigh) {
  EXPECT_GT(S("Vladimir Putin", "Vladmir Puttin"), 0.85);
  EXPECT_GT(S("Muammar Gaddafi", "Moammar Qadhafi"), 0.8);
  EXPECT_GT(S("Mohamed Ali", "Muhammad Aly"), 0.8);
}

TEST_F(MatcherTest, TransliterationsMatchTheirLatinSpelling) {
  EXPECT_GT(S("Владимир Путин", "Vladimir Putin"), 0.95);
  EXPECT_GT(S("Saddam Hussein", "صدام حسين"), 0.8);
  EXPECT_GT(S("Xi Jinping", "习近平"), 0.85);
  EXPECT_GT(S("Alexis Tsipras", "Αλέξης Τσίπρας"), 0.85);
}

TEST_F(MatcherTest, InitialsMatchTheirWord) {
  const double initial = S("J. Smith", "John Smith");
  EXPECT_GT(initial, 0.8);
  EXPECT_LT(initial, S("John Smith", "John Smith"));
  EXPECT_LT(S("K. Smith", "John Smith"), 0.8);
}

TEST_F(MatcherTest, MissingMiddleNameCostsLittle) {
  EXPECT_GT(S("Saddam Hussein", "Saddam Hussein al-Tikriti"), 0.75);
  EXPECT_GT(S("John Smith", "John Michael Smith"), 0.8);
}

TEST_F(MatcherTest, ConflictingTokenCostsMoreThanAnOmittedOne) {
  EXPECT_LT(S("Sergei Ivanov", "Sergei Petrov"), S("Sergei Ivanov", "Sergei Ivanov Petrovich"));
  EXPECT_LT(S("Sergei Ivanov", "Sergei Petrov"), 0.6);
}

TEST_F(MatcherTest, LegalFormsDoNotDecide) {
  EXPECT_DOUBLE_EQ(S("Rosneft OOO", "ROSNEFT LLC"), 1.0);
  EXPECT_DOUBLE_EQ(S("Banco Nacional de Cuba S.A.", "BANCO NACIONAL DE CUBA"), 1.0);
}

TEST_F(MatcherTest, UnrelatedNamesScoreLow) {
  EXPECT_LT(S("John Smith", "Maria Garcia"), 0.3);
  EXPECT_LT(S("Dominguez", "Jimenez"), 0.3);
  EXPECT_LT(S("Mohammed Ali", "Mohammed Hassan"), 0.7);
  EXPECT_LT(S("Bank of America", "Bank Melli Iran"), 0.7);
}

TEST_F(MatcherTest, CompanyAgainstPersonIsLowered) {
  EXPECT_LT(S("Mr John Smith", "John Smith Ltd"), S("John Smith", "John Smith"));
}

TEST_F(MatcherTest, GluedNamesMatchSpacedOnes) {
  EXPECT_GT(S("Abdulrahman", "Abdul Rahman"), 0.85);
  EXPECT_GT(S("JSC ARGUMENT", "JSCARGUMENT"), 0.85);
}

TEST_F(MatcherTest, ScoresStayInUnitRangeAndAreSymmetric) {
  const char* names[] = {"", "a", "Al", "J. R. Smith", "Владимир", "ООО", "x y z w v u"};
  for (const char* a : names) {
    for (const char* b : names) {
      const double s = S(a, b);
      EXPECT_GE(s, 0.0);
      EXPECT_LE(s, 1.0);
      EXPECT_NEAR(s, S(b, a), 1e-9) << a << " / " << b;
    }
  }
}

TEST(TypeFactorTest, MismatchedTypesLowerAndUnknownIsNeutral) {
  EXPECT_DOUBLE_EQ(TypeFactor(EntityType::kUnknown, EntityType::kVessel), 1.0);
  EXPECT_DOUBLE_EQ(TypeFactor(EntityType::kPerson, EntityType::kPerson), 1.0);
  EXPECT_LT(TypeFactor(EntityType::kPerson, EntityType::kOrganization), 1.0);
  EXPECT_LT(TypeFactor(EntityType::kPerson, EntityType::kVessel),
            TypeFactor(EntityType::kOrganization, EntityType::kVessel));
}

}  // namespace
}  // namespace cb::risk::screening
