// Screens against the full shared lists (OFAC SDN 2019-01 + UN consolidated): known names
// with perturbations are found, unrelated names are not.
#include "risk/screening/screening.h"

#include <gtest/gtest.h>

#include "risk/screening/lists.h"

namespace cb::risk::screening {
namespace {

const std::string kData = CB_SHARED_DATA_DIR "/sanctions";

class ScreeningTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto ofac = LoadOfacSdn(kData + "/ofac_sdn_2019-01");
    auto un = LoadUnConsolidated(kData + "/un/UN_consolidated.xml");
    ASSERT_TRUE(ofac.ok()) << ofac.status().ToString();
    ASSERT_TRUE(un.ok()) << un.status().ToString();
    std::vector<SanctionsList> lists;
    lists.push_back(std::move(*ofac));
    lists.push_back(std::move(*un));
    auto index = ScreeningIndex::Build(std::move(lists));
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index).release();
  }
  static void TearDownTestSuite() { delete index_; }

  static std::vector<Hit> Run(const std::string& name, EntityType type = EntityType::kUnknown) {
    ScreenQuery q;
    q.name = name;
    q.type = type;
    return Screen(*index_, q, 10, 0.0);
  }
  // The rank (0-based) of `entry_id` among the hits, or -1.
  static int Rank(const std::vector<Hit>& hits, const std::string& entry_id) {
    for (size_t i = 0; i < hits.size(); ++i) {
      if (hits[i].entry_id == entry_id) return static_cast<int>(i);
    }
    return -1;
  }
  static std::string Dump(const std::vector<Hit>& hits) {
    std::string s;
    for (const Hit& h : hits) {
      s += "  " + h.list + ":" + h.entry_id + " " + std::to_string(h.score) + " " + h.matched_name +
           "\n";
    }
    return s;
  }
  static ScreeningIndex* index_;
};
ScreeningIndex* ScreeningTest::index_ = nullptr;

TEST_F(ScreeningTest, IndexHoldsEveryEntry) {
  EXPECT_EQ(index_->entry_count(), 7379u + 730u + 273u);
  EXPECT_GT(index_->name_count(), index_->entry_count());
}

TEST_F(ScreeningTest, ExactNameIsTheTopHitWithItsDetails) {
  const auto hits = Run("BANCO NACIONAL DE CUBA");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].entry_id, "306") << Dump(hits);
  EXPECT_EQ(hits[0].list, "ofac-sdn");
  EXPECT_DOUBLE_EQ(hits[0].score, 1.0);
  EXPECT_EQ(hits[0].matched_name, "BANCO NACIONAL DE CUBA");
  EXPECT_FALSE(hits[0].matched_alias);
  EXPECT_EQ(hits[0].type, EntityType::kOrganization);
  EXPECT_EQ(hits[0].programs, (std::vector<std::string>{"CUBA"}));
}

TEST_F(ScreeningTest, AliasIsReportedAsTheMatchedName) {
  const auto hits = Run("National Bank of Cuba");
  ASSERT_FALSE(hits.empty());
  EXPECT_EQ(hits[0].entry_id, "306") << Dump(hits);
  EXPECT_TRUE(hits[0].matched_alias);
  EXPECT_EQ(hits[0].matched_name, "NATIONAL BANK OF CUBA");
}

TEST_F(ScreeningTest, TypoIsFound) {
  const auto hits = Run("Banco Nacionall de Kuba");
  EXPECT_EQ(Rank(hits, "306"), 0) << Dump(hits);
  EXPECT_GT(hits.at(0).score, 0.8);
}

TEST_F(ScreeningTest, ReorderedPersonNameIsFound) {
  const auto hits = Run("Aleksandrovich Alexander Malkevich", EntityType::kPerson);
  EXPECT_EQ(Rank(hits, "26235"), 0) << Dump(hits);
  EXPECT_GT(hits.at(0).score, 0.9);
}

TEST_F(ScreeningTest, CyrillicSpellingOfAListedRussianNameIsFound) {
  const auto hits = Run("Александр Александрович Малькевич");
  EXPECT_EQ(Rank(hits, "26235"), 0) << Dump(hits);
  EXPECT_GT(hits.at(0).score, 0.85);
}

TEST_F(ScreeningTest, ArabicScriptAndLatinFindTheSameEntry) {
  const auto latin = Run("Saddam Hussein al-Tikriti");
  EXPECT_GE(Rank(latin, "IQi.001"), 0) << Dump(latin);
  const auto arabic = Run("صدام حسين التكريتي");
  EXPECT_EQ(Rank(arabic, "IQi.001"), 0) << Dump(arabic);
}

// Eric Badege is on both lists (OFAC 15718, UN CDi.001): the two entries come first.
TEST_F(ScreeningTest, InitialAndSurnameFindThePerson) {
  const auto hits = Run("E. Badege", EntityType::kPerson);
  EXPECT_LE(Rank(hits, "CDi.001"), 1) << Dump(hits);
  EXPECT_GE(Rank(hits, "CDi.001"), 0) << Dump(hits);
  EXPECT_LE(Rank(hits, "15718"), 1) << Dump(hits);
  EXPECT_GT(hits.at(0).score, 0.75);
  EXPECT_LT(hits.at(0).score, Run("Eric Badege", EntityType::kPerson).at(0).score);
}

TEST_F(ScreeningTest, UnrelatedCommonNamesScoreLow) {
  for (const char* name : {"Emily Thompson", "Lukas Bergmann", "Sophie Martin",
                           "Green Valley Bakery Ltd", "Olivia Nakamura"}) {
    const auto hits = Run(name);
    if (!hits.empty()) {
      EXPECT_LT(hits[0].score, 0.8) << name << "\n" << Dump(hits);
    }
  }
}

TEST_F(ScreeningTest, TypeMismatchLowersTheScore) {
  const auto as_org = Run("BANCO NACIONAL DE CUBA", EntityType::kOrganization);
  const auto as_person = Run("BANCO NACIONAL DE CUBA", EntityType::kPerson);
  ASSERT_FALSE(as_org.empty());
  ASSERT_FALSE(as_person.empty());
  EXPECT_GT(as_org[0].score, as_person[0].score);
}

TEST_F(ScreeningTest, DateOfBirthAndCountryAdjustModestly) {
  ScreenQuery q;
  q.name = "Eric Badej";
  q.country = "";
  const auto base = Screen(*index_, q, 5, 0.0);
  ASSERT_GE(Rank(base, "CDi.001"), 0) << Dump(base);
  const double base_score = base[Rank(base, "CDi.001")].score;
  q.dob = BirthDate{1971, 0, 0};
  q.country = "rwanda";
  const auto same = Screen(*index_, q, 5, 0.0);
  q.dob = BirthDate{1950, 0, 0};
  q.country = "Peru";
  const auto other = Screen(*index_, q, 5, 0.0);
  // The UN entry has DOB 1971 and Rwanda: it now ranks first, above the OFAC one.
  ASSERT_EQ(Rank(same, "CDi.001"), 0) << Dump(same);
  ASSERT_GE(Rank(other, "CDi.001"), 0) << Dump(other);
  EXPECT_GT(same[0].score, base_score);
  const double other_score = other[Rank(other, "CDi.001")].score;
  EXPECT_LT(other_score, base_score);
  EXPECT_GT(other_score, 0.8 * base_score);  // modest
}

TEST_F(ScreeningTest, RankingIsDeterministicSortedAndBounded) {
  ScreenQuery q;
  q.name = "Mohammed Ali";
  const auto a = Screen(*index_, q, 1000, 0.0);
  const auto b = Screen(*index_, q, 1000, 0.0);
  ASSERT_EQ(a.size(), b.size());
  EXPECT_LE(a.size(), kHitsMax);
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].entry_id, b[i].entry_id);
    EXPECT_EQ(a[i].score, b[i].score);
    EXPECT_GE(a[i].score, 0.0);
    EXPECT_LE(a[i].score, 1.0);
    if (i > 0) {
      EXPECT_TRUE(a[i - 1].score > a[i].score ||
                  (a[i - 1].score == a[i].score &&
                   (a[i - 1].list < a[i].list ||
                    (a[i - 1].list == a[i].list && a[i - 1].entry_id < a[i].entry_id))));
    }
  }
  const auto few = Screen(*index_, q, 3, 0.0);
  EXPECT_LE(few.size(), 3u);
  const auto strict = Screen(*index_, q, 100, 0.99);
  for (const Hit& h : strict) EXPECT_GE(h.score, 0.99);
}

TEST_F(ScreeningTest, EmptyOrPunctuationOnlyQueryHasNoHits) {
  EXPECT_TRUE(Run("").empty());
  EXPECT_TRUE(Run(" .,;- ").empty());
}

}  // namespace
}  // namespace cb::risk::screening
