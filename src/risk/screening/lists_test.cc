#include "risk/screening/lists.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "risk/screening/list_codec.h"

namespace cb::risk::screening {
namespace {

const std::string kData = CB_SHARED_DATA_DIR "/sanctions";

const ListEntry* Find(const SanctionsList& l, const std::string& id) {
  auto it = std::find_if(l.entries.begin(), l.entries.end(),
                         [&](const ListEntry& e) { return e.id == id; });
  return it == l.entries.end() ? nullptr : &*it;
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(ListsTest, OfacTinySetLoadsEveryRecordWithTypesProgramsAndAliases) {
  OfacLoadStats stats;
  auto list = LoadOfacSdn(kData + "/ofac_tiny", &stats);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(stats.sdn_rows, 17u);
  EXPECT_EQ(stats.alt_rows, 18u);
  EXPECT_EQ(stats.add_rows, 28u);
  EXPECT_EQ(list->entries.size(), 17u);
  EXPECT_EQ(list->name, "ofac-sdn");
  const ListEntry* morey = Find(*list, "10278");
  ASSERT_NE(morey, nullptr);
  EXPECT_EQ(morey->name, "LOGAN MOREY, Elvis Angus");
  EXPECT_EQ(morey->type, EntityType::kPerson);
  EXPECT_TRUE(Has(morey->programs, "SDNT"));
  EXPECT_EQ(morey->birth_dates, (std::vector<std::string>{"1963-07-28"}));
  const ListEntry* iran = Find(*list, "11195");
  ASSERT_NE(iran, nullptr);
  EXPECT_EQ(iran->type, EntityType::kOrganization);
  EXPECT_EQ(iran->programs, (std::vector<std::string>{"IFSR", "IRAN-CON-ARMS-EO", "NPWMD"}));
  const ListEntry* tasca = Find(*list, "52327");
  ASSERT_NE(tasca, nullptr);
  EXPECT_EQ(tasca->type, EntityType::kVessel);
  const ListEntry* plane = Find(*list, "20540");
  ASSERT_NE(plane, nullptr);
  EXPECT_EQ(plane->type, EntityType::kAircraft);
  size_t aliases = 0;
  for (const auto& e : list->entries) aliases += e.aliases.size();
  EXPECT_GT(aliases, 0u);
  EXPECT_LE(aliases, stats.alt_rows);
}

// The README counts lines (wc -l); each CSV's last record has no newline, so there is one
// record more than it says: 7379 SDN rows and 9682 alt names, ids all distinct.
TEST(ListsTest, OfacFullSetCountsMatchTheFiles) {
  OfacLoadStats stats;
  auto list = LoadOfacSdn(kData + "/ofac_sdn_2019-01", &stats);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(stats.sdn_rows, 7378u + 1);
  EXPECT_EQ(stats.alt_rows, 9681u + 1);
  EXPECT_EQ(stats.add_rows, 11695u + 1);
  EXPECT_EQ(list->entries.size(), stats.sdn_rows);
  size_t persons = 0, vessels = 0, aircraft = 0;
  for (const auto& e : list->entries) {
    persons += e.type == EntityType::kPerson;
    vessels += e.type == EntityType::kVessel;
    aircraft += e.type == EntityType::kAircraft;
  }
  EXPECT_EQ(persons, 3845u);
  EXPECT_EQ(vessels, 323u);
  EXPECT_EQ(aircraft, 217u);
  const ListEntry* bnc = Find(*list, "306");
  ASSERT_NE(bnc, nullptr);
  EXPECT_EQ(bnc->name, "BANCO NACIONAL DE CUBA");
  EXPECT_TRUE(Has(bnc->aliases, "NATIONAL BANK OF CUBA"));
  EXPECT_TRUE(Has(bnc->countries, "Switzerland"));
}

TEST(ListsTest, UnConsolidatedHasItsIndividualsAndEntities) {
  auto list = LoadUnConsolidated(kData + "/un/UN_consolidated.xml");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  size_t individuals = 0, entities = 0;
  for (const auto& e : list->entries) {
    individuals += e.type == EntityType::kPerson;
    entities += e.type == EntityType::kOrganization;
  }
  EXPECT_EQ(individuals, 730u);
  EXPECT_EQ(entities, 273u);
  EXPECT_EQ(list->version, "2026-02-27T00:00:09.554Z");
  const ListEntry* badege = Find(*list, "CDi.001");
  ASSERT_NE(badege, nullptr);
  EXPECT_EQ(badege->name, "ERIC BADEGE");
  EXPECT_TRUE(Has(badege->birth_dates, "1971"));
  EXPECT_TRUE(Has(badege->countries, "Democratic Republic of the Congo"));
  EXPECT_TRUE(Has(badege->countries, "Rwanda"));
  const ListEntry* saddam = Find(*list, "IQi.001");
  ASSERT_NE(saddam, nullptr);
  EXPECT_TRUE(Has(saddam->aliases, "صدام حسين التكريتي"));  // NAME_ORIGINAL_SCRIPT
}

TEST(ListsTest, MissingFilesAreNotFound) {
  EXPECT_EQ(LoadOfacSdn("/nonexistent-dir").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(LoadUnConsolidated("/nonexistent.xml").status().code(), StatusCode::kNotFound);
}

TEST(ListCodecTest, SerializeRoundTripsAndHashIsStable) {
  auto list = LoadOfacSdn(kData + "/ofac_tiny");
  ASSERT_TRUE(list.ok());
  auto bytes = SerializeList(*list);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto back = DeserializeList(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *list);
  auto again = SerializeList(*back);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *bytes);
  auto h1 = ListHash(*list);
  auto h2 = ListHash(*back);
  ASSERT_TRUE(h1.ok() && h2.ok());
  EXPECT_EQ(*h1, *h2);
  // Any change of content changes the hash.
  SanctionsList changed = *list;
  changed.entries[0].name += "X";
  auto h3 = ListHash(changed);
  ASSERT_TRUE(h3.ok());
  EXPECT_NE(*h1, *h3);
}

TEST(ListCodecTest, FullListsRoundTrip) {
  auto un = LoadUnConsolidated(kData + "/un/UN_consolidated.xml");
  ASSERT_TRUE(un.ok());
  auto bytes = SerializeList(*un);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto back = DeserializeList(*bytes);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, *un);
}

TEST(ListCodecTest, LoadingTwiceGivesTheSameBytes) {
  auto a = LoadOfacSdn(kData + "/ofac_sdn_2019-01");
  auto b = LoadOfacSdn(kData + "/ofac_sdn_2019-01");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*SerializeList(*a), *SerializeList(*b));
}

TEST(ListCodecTest, CorruptOrTruncatedBytesAreRefused) {
  auto list = LoadOfacSdn(kData + "/ofac_tiny");
  ASSERT_TRUE(list.ok());
  const std::string bytes = *SerializeList(*list);
  EXPECT_EQ(DeserializeList(bytes.substr(0, bytes.size() - 1)).status().code(),
            StatusCode::kDataLoss);
  EXPECT_EQ(DeserializeList(bytes + "x").status().code(), StatusCode::kDataLoss);
  EXPECT_EQ(DeserializeList("NOTALIST").status().code(), StatusCode::kDataLoss);
  std::string huge_count = bytes;
  // The entry count sits after the magic and the two strings: make it absurd.
  const size_t at = kListMagicBytes + 4 + list->name.size() + 4 + list->version.size();
  huge_count[at + 3] = '\x7f';
  EXPECT_EQ(DeserializeList(huge_count).status().code(), StatusCode::kDataLoss);
}

TEST(ListCodecTest, NonCanonicalListIsRefused) {
  SanctionsList l;
  l.name = "t";
  l.entries.push_back({"2", EntityType::kPerson, "B", {}, {}, {}, {}});
  l.entries.push_back({"1", EntityType::kPerson, "A", {}, {}, {}, {}});
  EXPECT_FALSE(SerializeList(l).ok());
  Canonicalize(&l);
  EXPECT_TRUE(SerializeList(l).ok());
}

}  // namespace
}  // namespace cb::risk::screening
