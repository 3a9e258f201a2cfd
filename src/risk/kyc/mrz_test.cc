#include "risk/kyc/mrz.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/rng.h"

namespace cb::risk::kyc {
namespace {

std::string WithCheckDigit(std::string data) {
  const std::optional<int> digit = MrzCheckDigit(data);
  CB_CHECK(digit.has_value());
  return data + static_cast<char>('0' + *digit);
}

// A TD3 passport for `state`, every check digit computed.
std::vector<std::string> Passport(const std::string& state, const std::string& birth,
                                  const std::string& expiry) {
  std::string line1 = "P<" + state + "ERIKSSON<<ANNA<MARIA";
  line1.resize(44, '<');
  const std::string number = WithCheckDigit("L898902C3");
  const std::string birth_cd = WithCheckDigit(birth);
  const std::string expiry_cd = WithCheckDigit(expiry);
  const std::string personal = WithCheckDigit("ZE184226B<<<<<");
  const std::string nationality = (state + "<<").substr(0, 3);
  // The composite digit covers number, birth, expiry and personal number with their check
  // digits (not nationality or sex).
  const std::string line2 = number + nationality + birth_cd + "F" + expiry_cd + personal +
                            WithCheckDigit(number + birth_cd + expiry_cd + personal).back();
  return {line1, line2};
}

Result<MrzDocument> Parse(const std::vector<std::string>& lines) {
  std::vector<std::string_view> views(lines.begin(), lines.end());
  return ParseMrz(views);
}

TEST(MrzTest, APassportFromAKnownStateIsValid) {
  const Result<MrzDocument> doc = Parse(Passport("SWE", "740812", "320415"));
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_TRUE(doc->valid) << doc->error;
  EXPECT_EQ(doc->format, MrzFormat::kTd3);
  EXPECT_EQ(doc->issuing_state.value, "SWE");
  EXPECT_EQ(doc->last_name.value, "ERIKSSON");
  EXPECT_EQ(doc->first_name.value, "ANNA MARIA");
  EXPECT_EQ(doc->sex_kind, MrzSex::kFemale);
  EXPECT_TRUE(doc->issuing_state_known);
}

TEST(MrzTest, TheUtopiaSpecimenHasGoodDigitsButIsNotValid) {
  const Result<MrzDocument> doc = Parse(Passport("UTO", "740812", "120415"));
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->check_digits_valid);
  EXPECT_FALSE(doc->issuing_state_known);
  EXPECT_FALSE(doc->nationality_known);
  EXPECT_FALSE(doc->valid);
  EXPECT_NE(doc->error.find("issuing_state"), std::string::npos) << doc->error;
}

TEST(MrzTest, GermanyPrintsItsStateAsOneLetter) {
  const Result<MrzDocument> doc = Parse(Passport("D<<", "640812", "271031"));
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->valid) << doc->error;
  EXPECT_EQ(doc->nationality.value, "D");
}

TEST(MrzTest, ADateThatDoesNotExistIsAnInvalidFieldNotAnError) {
  // 30 February, with a matching check digit: the digit is right, the date is not.
  const Result<MrzDocument> doc = Parse(Passport("SWE", "740230", "320415"));
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->check_digits_valid);
  EXPECT_FALSE(doc->birth_date.valid);
  EXPECT_FALSE(doc->valid);
  EXPECT_TRUE(Parse(Passport("SWE", "960229", "320415"))->birth_date.valid);  // leap year
  EXPECT_FALSE(Parse(Passport("SWE", "970229", "320415"))->birth_date.valid);
  EXPECT_FALSE(Parse(Passport("SWE", "741312", "320415"))->birth_date.valid);
}

TEST(MrzTest, AChangedCharacterBreaksItsCheckDigit) {
  std::vector<std::string> lines = Passport("SWE", "740812", "320415");
  lines[1][3] = lines[1][3] == '8' ? '9' : '8';  // inside the document number
  const Result<MrzDocument> doc = Parse(lines);
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(doc->document_number_check_digit.valid);
  EXPECT_FALSE(doc->composite_check_digit.valid);
  EXPECT_TRUE(doc->birth_date_check_digit.valid);
  EXPECT_FALSE(doc->check_digits_valid);
}

TEST(MrzTest, AnUnreadableCharacterInvalidatesOnlyItsFields) {
  std::vector<std::string> lines = Passport("SWE", "740812", "320415");
  lines[0][8] = '?';  // in the last name
  const Result<MrzDocument> doc = Parse(lines);
  ASSERT_TRUE(doc.ok());
  EXPECT_FALSE(doc->last_name.valid);
  EXPECT_TRUE(doc->first_name.valid);
  EXPECT_TRUE(doc->check_digits_valid);  // names are not under a check digit
  EXPECT_FALSE(doc->valid);
}

TEST(MrzTest, ATd1LongDocumentNumberContinuesInTheOptionalField) {
  // 12-character number: 9 in place, '<' as its check digit, 3 more + the digit after.
  const std::string number = "AB1234567XY9";
  const std::string cd = std::to_string(*MrzCheckDigit(number));
  std::string line1 = "I<PRT" + number.substr(0, 9) + "<" + number.substr(9) + cd;
  line1.resize(30, '<');
  std::string line2 = WithCheckDigit("830314") + "M" + WithCheckDigit("340528") + "PRT";
  line2.resize(29, '<');
  line2 += std::to_string(*MrzCheckDigit(line1.substr(5) + line2.substr(0, 7) + line2.substr(8, 7) +
                                         line2.substr(18, 11)));
  const Result<MrzDocument> doc = Parse({line1, line2, "CACADOR<<ANDRE<<<<<<<<<<<<<<<<"});
  ASSERT_TRUE(doc.ok());
  EXPECT_TRUE(doc->valid) << doc->error;
  EXPECT_EQ(doc->document_number.value, number);
  EXPECT_EQ(doc->document_number_check_digit.value, cd);
}

TEST(MrzTest, BadShapesAndCharactersAreInvalidArguments) {
  const std::vector<std::vector<std::string>> bad = {
      {},
      {std::string(44, '<'), std::string(43, '<')},
      {std::string(36, '<'), std::string(44, '<')},
      {std::string(30, '<'), std::string(30, '<'), std::string(30, '<'), std::string(30, '<')},
      {std::string(45, '<'), std::string(45, '<')},
      {std::string(44, 'a'), std::string(44, '<')},  // lower case
      {std::string(43, '<') + "\n", std::string(44, '<')},
      {std::string(43, '<') + '\0', std::string(44, '<')},
      {std::string(43, '<') + "\xC3", std::string(44, '<')},
  };
  for (const auto& lines : bad) {
    const Result<MrzDocument> doc = Parse(lines);
    EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument) << (lines.empty() ? "" : lines[0]);
  }
  const Status shape = Parse({std::string(44, '<'), std::string(43, '<')}).status();
  EXPECT_NE(shape.message().find("44/43"), std::string::npos) << shape.message();
  const Status character = Parse({std::string(44, 'a'), std::string(44, '<')}).status();
  EXPECT_NE(character.message().find("line 1 column 1"), std::string::npos) << character.message();
}

TEST(MrzTest, TextWithCrLfAndATrailingNewlineParses) {
  const std::vector<std::string> lines = Passport("SWE", "740812", "320415");
  const Result<MrzDocument> doc = ParseMrzText(lines[0] + "\r\n" + lines[1] + "\r\n");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_TRUE(doc->valid);
  EXPECT_EQ(ParseMrzText(lines[0] + "\n" + lines[1] + "\n\n").status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMrzText(std::string(kMrzTextBytesMax + 1, '<')).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseMrzText("A\nB\nC\nD").status().code(), StatusCode::kInvalidArgument);
}

TEST(MrzTest, CheckDigitRejectsCharactersOutsideTheMrzSet) {
  EXPECT_EQ(MrzCheckDigit("L898902C3"), 6);  // ICAO 9303 part 3's worked example
  EXPECT_EQ(MrzCheckDigit(""), 0);
  EXPECT_FALSE(MrzCheckDigit("AB?").has_value());
  EXPECT_FALSE(MrzCheckDigit("ab").has_value());
}

// Random lines of every accepted shape and alphabet: a parse either succeeds with a
// document whose `valid` agrees with its fields, or fails with InvalidArgument. Seeded.
TEST(MrzTest, RandomInputNeverBreaksTheParser) {
  constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<<<<<<?";
  const std::vector<std::vector<size_t>> shapes = {{30, 30, 30}, {36, 36},    {44, 44},
                                                   {30},         {9, 30, 30}, {44, 30}};
  Rng rng(14);
  for (int round = 0; round < 3000; ++round) {
    const auto& shape = shapes[rng.Below(shapes.size())];
    std::vector<std::string> lines;
    for (size_t length : shape) {
      std::string line;
      for (size_t i = 0; i < length; ++i) line.push_back(kAlphabet[rng.Below(kAlphabet.size())]);
      lines.push_back(line);
    }
    const Result<MrzDocument> doc = Parse(lines);
    if (!doc.ok()) {
      EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
      continue;
    }
    bool all_valid = true;
    for (const auto& [name, field] : MrzFields(*doc)) all_valid = all_valid && field->valid;
    EXPECT_EQ(doc->valid, all_valid && doc->error.empty()) << lines[0];
    EXPECT_EQ(doc->valid, doc->error.empty()) << lines[0];
  }
}

}  // namespace
}  // namespace cb::risk::kyc
