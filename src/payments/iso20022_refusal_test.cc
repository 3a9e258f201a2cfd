// What the library refuses: hostile and malformed XML (DOCTYPE, entities, oversize, wrong
// namespace, missing elements, bad amounts), and fields a builder must not emit. Every
// refusal is a Status naming the problem; nothing is printed.
#include <gtest/gtest.h>

#include <chrono>

#include "payments/iso20022.h"
#include "payments/iso20022_test_fixtures.h"

namespace cb::payments::iso {
namespace {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// `text` with the first occurrence of `from` replaced; the test fails if there is none.
std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "no " << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

void ExpectRefused(const Status& status, StatusCode code, const std::string& part) {
  EXPECT_FALSE(status.ok());
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), part)) << status.message();
  EXPECT_LE(status.message().size(), kErrorBytesMax);
}

std::string Pacs008() { return *BuildPacs008(fixtures::Transfer()); }

TEST(Iso20022RefusalTest, MissingMandatoryElementNamesItAndItsLine) {
  const std::string xml = Replace(Pacs008(), "<MsgId>MSG-2026-11-02-0001</MsgId>", "");
  const Status status = ValidateXml(MessageType::kPacs008, xml);
  ExpectRefused(status, StatusCode::kInvalidArgument, "MsgId");
  // Reported where the schema notices: at the element that came instead.
  EXPECT_EQ(status.message(),
            "pacs.008.001.08: line 6: Element 'CreDtTm': This element is not expected. Expected "
            "is ( MsgId ).");
  // The namespace is dropped from libxml2's "{urn:...}Element": it would fill the message.
  EXPECT_FALSE(Contains(status.message(), "{urn:")) << status.message();
  ExpectRefused(ParsePacs008(xml).status(), StatusCode::kInvalidArgument, "MsgId");
}

TEST(Iso20022RefusalTest, WrongNamespaceOrMessageTypeIsRefused) {
  const std::string xml = Replace(Pacs008(), "pacs.008.001.08\"", "pacs.008.001.07\"");
  ExpectRefused(ValidateXml(MessageType::kPacs008, xml), StatusCode::kInvalidArgument,
                "namespace 'urn:iso:std:iso:20022:tech:xsd:pacs.008.001.07'");
  ExpectRefused(ValidateXml(MessageType::kPacs002, Pacs008()), StatusCode::kInvalidArgument,
                "expected 'Document' in 'urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10'");
  ExpectRefused(ParseCamt053(Pacs008()).status(), StatusCode::kInvalidArgument, "camt.053");
  // No namespace at all, and a root other than Document.
  ExpectRefused(ValidateXml(MessageType::kPacs004, "<Document/>"), StatusCode::kInvalidArgument,
                "namespace ''");
  ExpectRefused(ValidateXml(MessageType::kPacs004, "<Doc xmlns=\"x\"/>"),
                StatusCode::kInvalidArgument, "root element is 'Doc'");
}

TEST(Iso20022RefusalTest, BillionLaughsIsRefusedAtTheDoctype) {
  std::string xml = "<?xml version=\"1.0\"?>\n<!DOCTYPE Document [\n<!ENTITY lol \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string prev = i == 1 ? "lol" : "lol" + std::to_string(i - 1);
    xml += "<!ENTITY lol" + std::to_string(i) + " \"";
    for (int k = 0; k < 10; ++k) xml += "&" + prev + ";";
    xml += "\">\n";
  }
  xml +=
      "]>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.008.001.08\">&lol9;"
      "</Document>\n";
  const auto start = std::chrono::steady_clock::now();
  for (MessageType type : kMessageTypes) {
    ExpectRefused(ValidateXml(type, xml), StatusCode::kInvalidArgument, "DOCTYPE");
  }
  ExpectRefused(ParsePain001(xml).status(), StatusCode::kInvalidArgument, "DOCTYPE");
  // Not a benchmark: a safety bound. Expanding lol9 is 10^9 "lol"s (gigabytes, minutes);
  // stopping at the DOCTYPE takes microseconds.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

TEST(Iso20022RefusalTest, ExternalEntitiesAndUndeclaredEntitiesAreRefused) {
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10\">&x;</Document>";
  const Status status = ValidateXml(MessageType::kPacs002, xxe);
  ExpectRefused(status, StatusCode::kInvalidArgument, "DOCTYPE");
  EXPECT_FALSE(Contains(status.message(), "root:")) << status.message();
  // An external DTD is refused the same way, before anything could load it.
  ExpectRefused(ValidateXml(MessageType::kPacs002,
                            "<!DOCTYPE Document SYSTEM \"http://127.0.0.1:1/x.dtd\"><Document/>"),
                StatusCode::kInvalidArgument, "DOCTYPE");
  // Without a DTD, an entity reference is simply not well-formed.
  const std::string xml = Replace(Pacs008(), "E2E-0001", "&foo;");
  ExpectRefused(ValidateXml(MessageType::kPacs008, xml), StatusCode::kInvalidArgument,
                "not well-formed");
}

TEST(Iso20022RefusalTest, OversizeInputIsRefusedUnread) {
  const std::string huge(kXmlBytesMax + 1, ' ');
  ExpectRefused(ValidateXml(MessageType::kPain001, huge), StatusCode::kResourceExhausted,
                "more than 16777216");
  ExpectRefused(ParsePain001(huge).status(), StatusCode::kResourceExhausted, "pain.001");
  ExpectRefused(ValidateXml(MessageType::kPacs008, ""), StatusCode::kInvalidArgument, "empty");
  ExpectRefused(ValidateXml(MessageType::kPacs008, "<Document"), StatusCode::kInvalidArgument,
                "not well-formed");
}

TEST(Iso20022RefusalTest, ErrorsAreCappedEvenWithHugeHostileNames) {
  const std::string ns(5000, 'x');
  const Status status = ValidateXml(MessageType::kCamt054, "<Document xmlns=\"urn:" + ns + "\"/>");
  ExpectRefused(status, StatusCode::kInvalidArgument, "root element");
  EXPECT_EQ(status.message().size(), kErrorBytesMax);
  EXPECT_EQ(status.message().substr(kErrorBytesMax - 3), "...");
}

TEST(Iso20022RefusalTest, MalformedAmountsInMessagesAreRefused) {
  const std::string good = "<IntrBkSttlmAmt Ccy=\"EUR\">1234.56</IntrBkSttlmAmt>";
  // XSD-valid (5 fraction digits allowed) but not EUR: our parser refuses it.
  ExpectRefused(
      ParsePacs008(Replace(Pacs008(), good, "<IntrBkSttlmAmt Ccy=\"EUR\">1.234</IntrBkSttlmAmt>"))
          .status(),
      StatusCode::kInvalidArgument, "amount: amount '1.234' has 3 fraction digits");
  // Refused by the XSD already (minInclusive 0; not an xs:decimal).
  for (const char* bad : {"-1", "1e3", "1,5", ""}) {
    SCOPED_TRACE(bad);
    const std::string xml = Replace(
        Pacs008(), good, std::string("<IntrBkSttlmAmt Ccy=\"EUR\">") + bad + "</IntrBkSttlmAmt>");
    ExpectRefused(ParsePacs008(xml).status(), StatusCode::kInvalidArgument, "IntrBkSttlmAmt");
  }
  // A currency outside ISO 4217's table, and zero.
  ExpectRefused(ParsePacs008(Replace(Pacs008(), "Ccy=\"EUR\"", "Ccy=\"XYZ\"")).status(),
                StatusCode::kInvalidArgument, "'XYZ' is not an ISO 4217 currency");
  ExpectRefused(ParsePacs008(Replace(Pacs008(), ">1234.56<", ">0.00<")).status(),
                StatusCode::kInvalidArgument, "amount: must be positive");
}

TEST(Iso20022RefusalTest, BuildersNameTheBadField) {
  CreditTransfer t = fixtures::Transfer();
  t.creditor.name = std::string(141, 'a');
  ExpectRefused(BuildPacs008(t).status(), StatusCode::kInvalidArgument,
                "creditor.name: longer than 140 characters");
  // Lengths count characters: 140 two-byte characters fit.
  t.creditor.name.clear();
  for (int i = 0; i < 140; ++i) t.creditor.name += "é";
  EXPECT_TRUE(BuildPacs008(t).ok());

  const auto refused = [](const CreditTransfer& changed, const std::string& part) {
    SCOPED_TRACE(part);
    ExpectRefused(BuildPacs008(changed).status(), StatusCode::kInvalidArgument, part);
  };
  t = fixtures::Transfer();
  CreditTransfer c = t;
  c.remittance = "line\nbreak";
  refused(c, "remittance: control character at character 5");
  c = t;
  c.debtor.name = "bad \xC3\x28 utf-8";
  refused(c, "debtor.name: not valid UTF-8");
  c = t;
  c.message_id.clear();
  refused(c, "message_id: missing");
  c = t;
  c.end_to_end_id = std::string(36, 'E');
  refused(c, "end_to_end_id: longer than 35 characters");
  c = t;
  c.amount = {100, "EUR", 3};
  refused(c, "amount.exponent: 3 does not match EUR's 2");
  c = t;
  c.amount = {100, "EURO", 2};
  refused(c, "amount.currency");
  c = t;
  c.amount = {0, "EUR", 2};
  refused(c, "amount: must be positive");
  c = t;
  c.amount = {-5, "EUR", 2};
  refused(c, "amount: must be positive");
  c = t;
  c.creditor.iban = "FR14 2004 1010 0505 0001 3M02 606";
  refused(c, "creditor.iban: not in electronic form");
  c = t;
  c.creditor.iban = "FR1520041010050500013M02606";
  refused(c, "creditor.iban: IBAN check digits");
  c = t;
  c.creditor.sort_code = "601613";
  c.creditor.account_number = "31926819";
  refused(c, "creditor.iban: set an IBAN or a sort code");
  c = fixtures::UkTransfer();
  c.creditor.sort_code = "60-16-13";
  refused(c, "creditor.sort_code: must be 6 digits");
  c = t;
  c.debtor.bic = "COBADEFF1";
  refused(c, "debtor.bic");
  c = t;
  c.uetr = "7D1C5A4E-2B9F-4C3D-8E6F-0A1B2C3D4E5F";
  refused(c, "uetr");
  c = t;
  c.settlement_date = {2026, 2, 30};
  refused(c, "settlement_date");

  PaymentStatusReport r = fixtures::Rejected();
  r.reason_code.clear();
  r.reason_text.clear();
  ExpectRefused(BuildPacs002(r).status(), StatusCode::kInvalidArgument, "reason_code: missing");
  r = fixtures::Accepted();
  r.reason_code = "AC01";
  ExpectRefused(BuildPacs002(r).status(), StatusCode::kInvalidArgument,
                "reason_code: only with status RJCT");
  r = fixtures::Rejected();
  r.reason_code = "ac01";
  ExpectRefused(BuildPacs002(r).status(), StatusCode::kInvalidArgument, "reason_code");
}

TEST(Iso20022RefusalTest, Pacs004StructureIsCheckedByHand) {
  const std::string xml = *BuildPacs004(fixtures::Return());
  const std::string reason =
      "<RtrRsnInf>\n        <Rsn>\n          <Cd>AC01</Cd>\n"
      "        </Rsn>\n      </RtrRsnInf>\n";
  ExpectRefused(ValidateXml(MessageType::kPacs004, Replace(xml, reason, "")),
                StatusCode::kInvalidArgument, "TxInf 0 (line 12): RtrRsnInf/Rsn/Cd: missing");
  ExpectRefused(ValidateXml(MessageType::kPacs004, Replace(xml, "<NbOfTxs>1", "<NbOfTxs>2")),
                StatusCode::kInvalidArgument, "GrpHdr/NbOfTxs: says 2, the message has 1");
  ExpectRefused(ValidateXml(MessageType::kPacs004, Replace(xml, "<MsgId>RTR-0001</MsgId>", "")),
                StatusCode::kInvalidArgument, "GrpHdr/MsgId: missing");
  ExpectRefused(ValidateXml(MessageType::kPacs004, Replace(xml, "Ccy=\"KWD\"", "")),
                StatusCode::kInvalidArgument, "RtrdIntrBkSttlmAmt: currency ''");
  ExpectRefused(
      ValidateXml(MessageType::kPacs004, Replace(xml, "<OrgnlEndToEndId>E2E-0001</OrgnlEndToEndId>",
                                                 "<OrgnlEndToEndId></OrgnlEndToEndId>")),
      StatusCode::kInvalidArgument, "OrgnlEndToEndId: missing");
  ExpectRefused(
      ValidateXml(MessageType::kPacs004, Replace(xml, "pacs.004.001.09", "pacs.004.001.10")),
      StatusCode::kInvalidArgument, "namespace");
}

TEST(Iso20022RefusalTest, OneTransactionPerPacsMessage) {
  const std::string xml = Pacs008();
  const size_t begin = xml.find("<CdtTrfTxInf>");
  const size_t end = xml.find("</CdtTrfTxInf>") + std::string("</CdtTrfTxInf>").size();
  std::string twice = xml;
  twice.insert(end, xml.substr(begin, end - begin));
  ASSERT_TRUE(ValidateXml(MessageType::kPacs008, twice).ok());
  ExpectRefused(ParsePacs008(twice).status(), StatusCode::kInvalidArgument,
                "more than one CdtTrfTxInf");
}

TEST(Iso20022RefusalTest, BadIbanInABulkItemIsReportedByIndexAndField) {
  const CustomerTransferFile f = fixtures::SampleFile(20);
  std::string xml = *BuildPain001(f);
  // Item 17 gets an IBAN of the right shape (the XSD passes it) and wrong check digits.
  const std::string item = "<EndToEndId>BULK-17</EndToEndId>";
  const size_t at = xml.find("NL91ABNA0417164300", xml.find(item));
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, 4, "NL92");
  const Result<ParsedTransferFile> parsed = ParsePain001(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->problems.size(), 1u);
  const FileProblem& p = parsed->problems[0];
  EXPECT_EQ(p.block_index, 0u);
  EXPECT_EQ(p.item_index, 17u);
  EXPECT_EQ(p.field, "creditor.iban");
  EXPECT_EQ(p.message.rfind("item 17: creditor.iban: IBAN check digits '92'", 0), 0u) << p.message;
  // The other items are intact, and so is the bad one's raw value.
  EXPECT_EQ(parsed->file.blocks[0].items[16], f.blocks[0].items[16]);
  EXPECT_EQ(parsed->file.blocks[0].items[17].creditor.iban, "NL92ABNA0417164300");
  EXPECT_EQ(parsed->file.blocks[1].items, f.blocks[1].items);
}

TEST(Iso20022RefusalTest, BadAmountsInBulkItemsAreReportedPerItem) {
  std::string xml = *BuildPain001(fixtures::SampleFile(3));
  xml = Replace(xml, "<InstdAmt Ccy=\"EUR\">10.01</InstdAmt>",
                "<InstdAmt Ccy=\"EUR\">10.011</InstdAmt>");
  xml =
      Replace(xml, "<InstdAmt Ccy=\"EUR\">10.02</InstdAmt>", "<InstdAmt Ccy=\"EUR\">0</InstdAmt>");
  xml = Replace(xml, "<InstdAmt Ccy=\"JPY\">150000</InstdAmt>",
                "<InstdAmt Ccy=\"JPY\">150000.5</InstdAmt>");
  const Result<ParsedTransferFile> parsed = ParsePain001(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  ASSERT_EQ(parsed->problems.size(), 3u);
  EXPECT_EQ(parsed->problems[0].message,
            "item 1: amount: amount '10.011' has 3 fraction digits; the currency has 2");
  EXPECT_EQ(parsed->problems[1].message, "item 2: amount: must be positive");
  EXPECT_EQ(parsed->problems[2].item_index, 3u);  // the JPY item, first of block 1
  EXPECT_EQ(parsed->problems[2].block_index, 1u);
  EXPECT_EQ(parsed->problems[2].field, "amount");
}

TEST(Iso20022RefusalTest, BulkFilesAreCappedAtTenThousandItems) {
  CustomerTransferFile f = fixtures::SampleFile(static_cast<int>(kPain001ItemsMax) - 2);
  const Result<std::string> xml = BuildPain001(f);  // 9,998 + 2 items: at the limit
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  const Result<ParsedTransferFile> parsed = ParsePain001(*xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->declared_transactions, kPain001ItemsMax);
  f.blocks[0].items.push_back(fixtures::Item(-1));
  ExpectRefused(BuildPain001(f).status(), StatusCode::kResourceExhausted, "more than 10000");
  // One more CdtTrfTxInf by hand: the parser counts before it reads.
  const size_t begin = xml->find("<CdtTrfTxInf>");
  const size_t end = xml->find("</CdtTrfTxInf>") + std::string("</CdtTrfTxInf>").size();
  std::string over = *xml;
  over.insert(end, xml->substr(begin, end - begin));
  ExpectRefused(ParsePain001(over).status(), StatusCode::kResourceExhausted,
                "more than 10000 credit transfers");
}

TEST(Iso20022RefusalTest, NothingIsPrintedForHostileInput) {
  ::testing::internal::CaptureStderr();
  ::testing::internal::CaptureStdout();
  EXPECT_FALSE(ValidateXml(MessageType::kPacs008, "<Document><unclosed></Document>").ok());
  EXPECT_FALSE(ValidateXml(MessageType::kPacs008, "<!DOCTYPE x><Document/>").ok());
  EXPECT_FALSE(ValidateXml(MessageType::kCamt053, Pacs008()).ok());
  EXPECT_FALSE(ParsePacs008(Replace(Pacs008(), "<ChrgBr>SLEV", "<ChrgBr>XXXX")).ok());
  EXPECT_FALSE(ValidateXml(MessageType::kPacs008, "\xff\xfe<\x00").ok());
  const std::string out = ::testing::internal::GetCapturedStdout();
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(out, "");
  EXPECT_EQ(err, "");
}

}  // namespace
}  // namespace cb::payments::iso
