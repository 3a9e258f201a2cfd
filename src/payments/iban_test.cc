#include "payments/iban.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace cb::payments {
namespace {

struct Example {
  std::string iban;
  std::string expected;  // valid | invalid
  std::string list;      // schwifty's list: valid | experimental | invalid
  std::string comment;
};

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) fields.push_back(field);
  return fields;
}

std::vector<Example> ReadExamples() {
  std::ifstream in(std::string(CB_SHARED_DATA_DIR) + "/iban/iban_examples.tsv");
  EXPECT_TRUE(in.good()) << "cannot open iban_examples.tsv under " << CB_SHARED_DATA_DIR;
  std::vector<Example> examples;
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "iban\texpected\tschwifty_list\tcomment");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::vector<std::string> f = SplitTabs(line);
    EXPECT_EQ(f.size(), 4u) << line;
    if (f.size() != 4) continue;
    examples.push_back({f[0], f[1], f[2], f[3]});
  }
  return examples;
}

// The refusal kind the example's comment names, as a phrase our message must contain; empty
// when the comment names none we distinguish.
std::string ExpectedReason(const std::string& comment) {
  if (comment.find("Too short") != std::string::npos) return "length";
  if (comment.find("Too long") != std::string::npos) return "length";
  if (comment.find("country-code") != std::string::npos) return "country code";
  if (comment.find("check digits") != std::string::npos) return "check digits";
  if (comment.find("checksum") != std::string::npos) return "check digits";
  if (comment.find("country specific") != std::string::npos) return "format";
  return "";
}

TEST(IbanTest, EveryExampleGetsItsExpectedVerdict) {
  const std::vector<Example> examples = ReadExamples();
  ASSERT_EQ(examples.size(), 116u);
  size_t valid_count = 0;
  size_t invalid_count = 0;
  for (const Example& e : examples) {
    SCOPED_TRACE(e.iban + " (" + e.list + ": " + e.comment + ")");
    const Result<Iban> iban = ParseIban(e.iban);
    if (e.expected == "valid") {
      ASSERT_TRUE(iban.ok()) << iban.status().message();
      EXPECT_EQ(iban->printed(), e.iban);  // the examples are in print form
      EXPECT_EQ(ParseIban(iban->electronic())->electronic(), iban->electronic());
      ++valid_count;
    } else {
      ASSERT_EQ(e.expected, "invalid");
      ASSERT_FALSE(iban.ok());
      EXPECT_EQ(iban.status().code(), StatusCode::kInvalidArgument);
      const std::string reason = ExpectedReason(e.comment);
      ASSERT_FALSE(reason.empty()) << "unclassified comment";
      EXPECT_NE(iban.status().message().find(reason), std::string::npos) << iban.status().message();
      ++invalid_count;
    }
  }
  EXPECT_EQ(valid_count, 104u);  // 80 valid + 24 experimental
  EXPECT_EQ(invalid_count, 12u);
}

TEST(IbanTest, LowerCaseAndSpacesAreNormalised) {
  const Result<Iban> iban = ParseIban("  de89 3704 0044 0532 0130 00 ");
  ASSERT_TRUE(iban.ok()) << iban.status().message();
  EXPECT_EQ(iban->electronic(), "DE89370400440532013000");
  EXPECT_EQ(iban->printed(), "DE89 3704 0044 0532 0130 00");
  EXPECT_EQ(iban->country(), "DE");
  EXPECT_EQ(iban->check_digits(), "89");
  EXPECT_EQ(iban->bban(), "370400440532013000");
  EXPECT_EQ(iban->bank_code(), "37040044");
  EXPECT_EQ(iban->branch_code(), "");
  EXPECT_TRUE(iban->in_sepa());
  EXPECT_EQ(*iban, *ParseIban("DE89370400440532013000"));
}

TEST(IbanTest, BankAndBranchCodesComeFromTheRegistryPositions) {
  const Result<Iban> gb = ParseIban("GB29NWBK60161331926819");
  ASSERT_TRUE(gb.ok()) << gb.status().message();
  EXPECT_EQ(gb->bank_code(), "NWBK");
  EXPECT_EQ(gb->branch_code(), "601613");
  const Result<Iban> ae = ParseIban("AE07 0331 2345 6789 0123 456");
  ASSERT_TRUE(ae.ok()) << ae.status().message();
  EXPECT_EQ(ae->bank_code(), "033");
  EXPECT_EQ(ae->branch_code(), "");
  EXPECT_FALSE(ae->in_sepa());
}

TEST(IbanTest, ASingleChangedDigitFailsMod97) {
  const Result<Iban> iban = ParseIban("DE89 3704 0044 0532 0130 01");
  ASSERT_FALSE(iban.ok());
  EXPECT_EQ(iban.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(iban.status().message().find("mod 97"), std::string::npos) << iban.status().message();
}

TEST(IbanTest, CheckDigitsOutside02To98AreRefusedEvenWhenMod97Passes) {
  // Each passes mod 97 (found by search); ISO 13616 never issues 00, 01 or 99.
  for (const char* text :
       {"DE00370400441000000026", "DE01370400441000000008", "DE99370400441000000087"}) {
    const Result<Iban> iban = ParseIban(text);
    ASSERT_FALSE(iban.ok()) << text;
    EXPECT_NE(iban.status().message().find("out of range"), std::string::npos)
        << iban.status().message();
  }
}

TEST(IbanTest, InputOver64BytesIsRefusedBeforeAnyWork) {
  std::string padded = "DE89370400440532013000";
  padded.resize(kIbanInputBytesMax, ' ');
  EXPECT_TRUE(ParseIban(padded).ok());
  padded.push_back(' ');
  ASSERT_EQ(padded.size(), 65u);
  const Result<Iban> iban = ParseIban(padded);
  ASSERT_FALSE(iban.ok());
  EXPECT_EQ(iban.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(iban.status().message().find("65 bytes"), std::string::npos) << iban.status().message();
}

TEST(IbanTest, EmptyAndBlankInputAreRefused) {
  for (const char* text : {"", "    "}) {
    const Result<Iban> iban = ParseIban(text);
    ASSERT_FALSE(iban.ok());
    EXPECT_EQ(iban.status().message(), "IBAN is empty");
  }
}

TEST(IbanTest, CharactersOutsideTheAlphabetAreRefusedWithTheirPosition) {
  for (const char* text : {"DE89-3704-0044-0532-0130-00", "DE89\t370400440532013000",
                           "D\xc3\x89"
                           "89370400440532013000"}) {
    const Result<Iban> iban = ParseIban(text);
    ASSERT_FALSE(iban.ok()) << text;
    EXPECT_NE(iban.status().message().find("character other than"), std::string::npos)
        << iban.status().message();
  }
  EXPECT_NE(ParseIban("DE89-3704").status().message().find("byte 5"), std::string::npos);
}

TEST(IbanTest, RefusalsNameTheReason) {
  EXPECT_EQ(ParseIban("DE89 3704 0044 0532 0130").status().message(),
            "wrong IBAN length for DE: expected 22 characters, got 20");
  EXPECT_EQ(ParseIban("XX89 3704").status().message(), "unknown IBAN country code 'XX'");
  EXPECT_EQ(ParseIban("1289 3704").status().message(),
            "IBAN country code must be two letters, got '12'");
  EXPECT_EQ(ParseIban("DE8").status().message(),
            "IBAN length 3 is too short for a country code and check digits");
  EXPECT_EQ(ParseIban("DE89 AA04 0044 0532 0130 00").status().message(),
            "IBAN BBAN does not match the DE format 8!n10!n: character 5 (BBAN position 1) is "
            "'A', expected a digit");
  EXPECT_EQ(ParseIban("GB29 1WBK 6016 1331 9268 19").status().message(),
            "IBAN BBAN does not match the GB format 4!a6!n8!n: character 5 (BBAN position 1) is "
            "'1', expected a letter");
}

TEST(IbanTest, NonSwiftCountriesFromTheRegistryAreAccepted) {
  const IbanCountry* sn = FindIbanCountry("SN");
  ASSERT_NE(sn, nullptr);
  EXPECT_FALSE(sn->in_swift_registry);
  const Result<Iban> iban = ParseIban("SN08 SN01 0015 2000 0485 0000 3035");
  ASSERT_TRUE(iban.ok()) << iban.status().message();
  EXPECT_EQ(&iban->country_info(), sn);
}

TEST(IbanTest, RegistryHasEveryCountryOfTheTsv) {
  EXPECT_EQ(IbanCountries().size(), 127u);
  size_t swift_count = 0;
  for (const IbanCountry& c : IbanCountries()) {
    EXPECT_EQ(FindIbanCountry(c.code), &c);
    EXPECT_LE(c.iban_length, kIbanLengthMax);
    if (c.in_swift_registry) ++swift_count;
  }
  EXPECT_EQ(swift_count, 103u);  // schwifty_generated.json; 24 are schwifty's additions
  EXPECT_EQ(FindIbanCountry("XX"), nullptr);
  EXPECT_EQ(FindIbanCountry("de"), nullptr);
  EXPECT_EQ(FindIbanCountry("D"), nullptr);

  const IbanCountry* de = FindIbanCountry("DE");
  ASSERT_NE(de, nullptr);
  EXPECT_EQ(de->iban_length, 22u);
  EXPECT_EQ(de->bban_spec, "8!n10!n");
  EXPECT_TRUE(de->in_sepa);
  EXPECT_TRUE(de->in_swift_registry);
  EXPECT_EQ(de->bank_code.begin, 0);
  EXPECT_EQ(de->bank_code.end, 8);
  EXPECT_TRUE(de->branch_code.empty());

  const IbanCountry* gb = FindIbanCountry("GB");
  ASSERT_NE(gb, nullptr);
  EXPECT_EQ(gb->iban_length, 22u);
  EXPECT_EQ(gb->bban_spec, "4!a6!n8!n");
  EXPECT_EQ(gb->bank_code.begin, 0);
  EXPECT_EQ(gb->bank_code.end, 4);
  EXPECT_EQ(gb->branch_code.begin, 4);
  EXPECT_EQ(gb->branch_code.end, 10);

  // "0-0" in the TSV is no branch code.
  const IbanCountry* pl = FindIbanCountry("PL");
  ASSERT_NE(pl, nullptr);
  EXPECT_TRUE(pl->branch_code.empty());
}

TEST(MakeIban, ComputesCheckDigitsThatParse) {
  Result<Iban> de = MakeIban("DE", "370400440532013000");
  ASSERT_TRUE(de.ok()) << de.status().message();
  EXPECT_EQ(de->electronic(), "DE89370400440532013000");  // the registry's example
  Result<Iban> gb = MakeIban("GB", "NWBK60161331926819");
  ASSERT_TRUE(gb.ok());
  EXPECT_EQ(gb->electronic(), "GB29NWBK60161331926819");
  EXPECT_FALSE(MakeIban("GB", "NWBK6016133192681").ok());  // one digit short
  EXPECT_FALSE(MakeIban("gb", "NWBK60161331926819").ok());
  EXPECT_FALSE(MakeIban("GB", "nwbk60161331926819").ok());
}

}  // namespace
}  // namespace cb::payments
