// Every case of ../shared/data/identity-docs/mrz_test_vectors.json (from cheminfo/mrz's own
// tests), read at run time: the overall `valid`, each expected field, and the check digits.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "risk/kyc/mrz.h"

namespace cb::risk::kyc {
namespace {

namespace json = boost::json;

const json::value& Vectors() {
  static const json::value root = [] {
    const std::string path =
        std::string(CB_SHARED_DATA_DIR) + "/identity-docs/mrz_test_vectors.json";
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    boost::system::error_code ec;
    json::value v = json::parse(text.str(), ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "cannot read " << path << ": " << ec.message();
      return json::value(json::object());
    }
    return v;
  }();
  return root;
}

const json::array& Array(std::string_view key) {
  static const json::array kEmpty;
  const json::value* v = Vectors().as_object().if_contains(key);
  return v != nullptr && v->is_array() ? v->as_array() : kEmpty;
}

std::string Label(const json::object& c) {
  return std::string(c.at("test_file").as_string()) + " / " + std::string(c.at("name").as_string());
}

Result<MrzDocument> ParseCase(const json::object& c) {
  std::vector<std::string> storage;
  for (const json::value& l : c.at("mrz").as_array()) storage.emplace_back(l.as_string());
  std::vector<std::string_view> lines(storage.begin(), storage.end());
  return ParseMrz(lines);
}

// cheminfo's camelCase names to ours; TD2's single optional field is our optional1.
std::string OurName(std::string_view upstream) {
  if (upstream == "optional") return "optional1";
  std::string out;
  for (char c : upstream) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else {
      out.push_back(c);
    }
  }
  return out;
}

TEST(MrzVectorsTest, TheFileHasEveryCaseItsReadmeCounts) {
  EXPECT_EQ(Array("mrz_cases").size(), 31u);
  EXPECT_EQ(Array("check_digit_cases").size(), 13u);
}

TEST(MrzVectorsTest, EveryCaseParsesWithTheExpectedFormatAndValidity) {
  int checked = 0;
  for (const json::value& v : Array("mrz_cases")) {
    const json::object& c = v.as_object();
    if (c.at("valid").is_null()) continue;  // autocorrection cases: see below
    const Result<MrzDocument> doc = ParseCase(c);
    ASSERT_TRUE(doc.ok()) << Label(c) << ": " << doc.status().ToString();
    EXPECT_EQ(doc->valid, c.at("valid").as_bool()) << Label(c) << ": " << doc->error;
    EXPECT_EQ(MrzFormatName(doc->format), c.at("format").as_string()) << Label(c);
    ++checked;
  }
  EXPECT_EQ(checked, 26);
}

// Upstream reports a field it rejects as null: for us that field is present and invalid.
TEST(MrzVectorsTest, EveryExpectedFieldMatches) {
  int fields_checked = 0;
  for (const json::value& v : Array("mrz_cases")) {
    const json::object& c = v.as_object();
    if (!c.at("fields").is_object()) continue;
    const Result<MrzDocument> doc = ParseCase(c);
    ASSERT_TRUE(doc.ok()) << Label(c);
    std::map<std::string, const MrzField*> ours;
    for (const auto& [name, field] : MrzFields(*doc)) ours[std::string(name)] = field;
    std::set<std::string> expected_names;
    for (const auto& [key, expected] : c.at("fields").as_object()) {
      const std::string name = OurName(key);
      expected_names.insert(name);
      const auto it = ours.find(name);
      ASSERT_NE(it, ours.end()) << Label(c) << ": no field " << name;
      const MrzField& f = *it->second;
      if (expected.is_null()) {
        EXPECT_FALSE(f.valid) << Label(c) << ": " << name << " = '" << f.value << "'";
      } else if (name == "sex") {
        const std::string_view sex = expected.as_string();
        EXPECT_TRUE(f.valid) << Label(c);
        EXPECT_EQ(doc->sex_kind, sex == "male" ? MrzSex::kMale : MrzSex::kFemale) << Label(c);
        EXPECT_TRUE(sex == "male" || sex == "female") << Label(c) << ": " << sex;
      } else {
        EXPECT_TRUE(f.valid) << Label(c) << ": " << name << ": " << f.error;
        EXPECT_EQ(f.value, expected.as_string()) << Label(c) << ": " << name;
      }
      ++fields_checked;
    }
    if (c.at("fields_match").as_string() == "toStrictEqual") {
      std::set<std::string> our_names;
      for (const auto& [name, field] : ours) our_names.insert(name);
      EXPECT_EQ(our_names, expected_names) << Label(c) << ": the format's fields differ";
    }
  }
  EXPECT_GT(fields_checked, 200);
}

// Cases upstream tests only for their errors or field positions (fields: null). Which fields
// must fail follows from the case: the composite check digit covers every other checked
// field, so a wrong digit anywhere also breaks it; Utopia ("UTO") is no state.
TEST(MrzVectorsTest, CasesWithoutFieldsFailOnExactlyTheFieldsTheyBreak) {
  const std::map<std::string, std::set<std::string>> kInvalid = {
      {"Document number field details", {"issuing_state", "nationality"}},
      {"parse document number ICAO Doc 9303 Sample", {"issuing_state", "nationality"}},
      {"No last name", {}},
      {"Belgium ID BEL-BO-03003, with wrong document number check digit",
       {"document_number_check_digit", "composite_check_digit"}},
      {"Belgium ID BEL-BO-03003, with wrong birth date check digit",
       {"birth_date_check_digit", "composite_check_digit"}},
      {"Utopia example - wrong personal number check digit",
       {"issuing_state", "nationality", "personal_number_check_digit", "composite_check_digit"}},
  };
  size_t checked = 0;
  for (const json::value& v : Array("mrz_cases")) {
    const json::object& c = v.as_object();
    if (!c.at("fields").is_null() || c.at("valid").is_null()) continue;
    const auto expected = kInvalid.find(std::string(c.at("name").as_string()));
    ASSERT_NE(expected, kInvalid.end()) << Label(c) << ": a new case, add it here";
    const Result<MrzDocument> doc = ParseCase(c);
    ASSERT_TRUE(doc.ok()) << Label(c);
    std::set<std::string> invalid;
    for (const auto& [name, field] : MrzFields(*doc)) {
      if (!field->valid) invalid.insert(std::string(name));
    }
    EXPECT_EQ(invalid, expected->second) << Label(c);
    ++checked;
  }
  EXPECT_EQ(checked, kInvalid.size());
}

// "Use autocorrection" cases run upstream's OCR correction (O/0, I/1 ...) over lines that
// are already clean. We do not correct: a provider's OCR hands us its best reading and a
// wrong character fails a check digit. What we can assert: each parses exactly like the
// case with the same lines and a stated validity.
TEST(MrzVectorsTest, AutocorrectionCasesParseLikeTheirTwins) {
  int twins = 0;
  const json::array& cases = Array("mrz_cases");
  for (const json::value& v : cases) {
    const json::object& c = v.as_object();
    if (!c.at("valid").is_null()) continue;
    const Result<MrzDocument> doc = ParseCase(c);
    ASSERT_TRUE(doc.ok()) << Label(c) << ": " << doc.status().ToString();
    for (const json::value& w : cases) {
      const json::object& twin = w.as_object();
      if (twin.at("valid").is_null() || twin.at("mrz") != c.at("mrz")) continue;
      EXPECT_EQ(doc->valid, twin.at("valid").as_bool()) << Label(c);
      ++twins;
      break;
    }
  }
  EXPECT_EQ(twins, 5);
}

TEST(MrzVectorsTest, CheckDigitsFollowTheSevenThreeOneRule) {
  for (const json::value& v : Array("check_digit_cases")) {
    const json::object& c = v.as_object();
    const std::string_view input = c.at("input").as_string();
    const std::optional<int> digit = MrzCheckDigit(input);
    ASSERT_TRUE(digit.has_value()) << input;
    EXPECT_EQ(*digit, c.at("computed_7_3_1").as_int64()) << input;
    const int printed = c.at("check_digit").as_string()[0] - '0';
    // expected_valid null rows state what the digit computes to.
    const bool valid_expected =
        c.at("expected_valid").is_null() ? true : c.at("expected_valid").as_bool();
    EXPECT_EQ(*digit == printed, valid_expected) << input;
  }
}

}  // namespace
}  // namespace cb::risk::kyc
