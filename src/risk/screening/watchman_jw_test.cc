// Every case of ../shared/data/sanctions/jaro_winkler_cases.tsv (watchman's own test values)
// through our primitives, within the row's tolerance. No row is skipped.
#include "risk/screening/watchman_jw.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cb::risk::screening {
namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  std::istringstream in(line);
  while (std::getline(in, cell, '\t')) out.push_back(cell);
  if (!line.empty() && line.back() == '\t') out.emplace_back();
  return out;
}

bool NoteHas(const std::string& note, const std::string& what) {
  return note.find(what) != std::string::npos;
}

double Fields2(const std::string& a, const std::string& b, bool combination) {
  const auto fa = watchman::Fields(a);
  const auto fb = watchman::Fields(b);
  return combination ? watchman::BestPairCombinationJaroWinkler(fb, fa)
                     : watchman::BestPairsJaroWinkler(fb, fa);
}

TEST(WatchmanJaroWinklerTest, EveryCaseOfTheSharedTsvIsWithinItsTolerance) {
  std::ifstream in(CB_SHARED_DATA_DIR "/sanctions/jaro_winkler_cases.tsv");
  ASSERT_TRUE(in.good()) << "missing " CB_SHARED_DATA_DIR "/sanctions/jaro_winkler_cases.tsv";
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  ASSERT_EQ(line.rfind("a\tb\texpected_score", 0), 0u) << "header changed: " << line;
  int rows = 0;
  int line_no = 1;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    const std::vector<std::string> c = SplitTabs(line);
    ASSERT_GE(c.size(), 7u) << "line " << line_no;
    std::string a = c[0], b = c[1];
    const double expected = std::stod(c[2]);
    const std::string& scorer = c[5];
    const double tolerance = std::stod(c[6]);
    const std::string note = c.size() > 7 ? c[7] : "";
    // "ToLower(applied)" means the TSV already holds the lower-cased text.
    if (NoteHas(note, "a:LowerAndRemovePunctuation")) a = watchman::LowerAndRemovePunctuation(a);
    if (NoteHas(note, "b:LowerAndRemovePunctuation")) b = watchman::LowerAndRemovePunctuation(b);
    double got = -1;
    if (scorer.rfind("BestPairsJaroWinkler(fields(b), fields(a))", 0) == 0) {
      got = Fields2(a, b, false);
    } else if (scorer.rfind("BestPairCombinationJaroWinkler(fields(b), fields(a))", 0) == 0) {
      got = Fields2(a, b, true);
    } else if (scorer == "JaroWinkler(a, b)") {
      got = watchman::WholeStringJaroWinkler(a, b);
    } else if (scorer.rfind("JaroWinklerWithFavoritism(a, b, favoritism=", 0) == 0) {
      const std::string arg = scorer.substr(scorer.find('=') + 1);
      // "exactMatchFavoritism default 0.0": watchman's default.
      const double favoritism = arg.rfind("exactMatchFavoritism", 0) == 0 ? 0.0 : std::stod(arg);
      got = watchman::JaroWinklerWithFavoritism(a, b, favoritism);
    } else {
      ADD_FAILURE() << "line " << line_no << ": unknown scorer '" << scorer << "'";
      continue;
    }
    ++rows;
    EXPECT_NEAR(got, expected, tolerance)
        << "line " << line_no << ": " << scorer << " a='" << a << "' b='" << b << "'";
  }
  // The README's count: a silently truncated file must not pass.
  EXPECT_EQ(rows, 134);
}

TEST(WatchmanJaroWinklerTest, TextbookJaroWinklerKnownValues) {
  // Winkler's classic examples.
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.961, 0.001);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 0.001);
  EXPECT_NEAR(Jaro("dixon", "dicksonx"), 0.767, 0.001);
  EXPECT_DOUBLE_EQ(Jaro("", ""), 1.0);
  EXPECT_DOUBLE_EQ(Jaro("abc", ""), 0.0);
}

TEST(WatchmanJaroWinklerTest, LowerAndRemovePunctuationFoldsCaseMarksAndPunctuation) {
  EXPECT_EQ(watchman::LowerAndRemovePunctuation("A.I.C. SOGO KENKYUSHO"), "a i c sogo kenkyusho");
  EXPECT_EQ(watchman::LowerAndRemovePunctuation("Nicolás  Maduro!"), "nicolas maduro");
  EXPECT_EQ(watchman::LowerAndRemovePunctuation("11,420.2-1 CORP."), "11 420 2 1 corp");
}

}  // namespace
}  // namespace cb::risk::screening
