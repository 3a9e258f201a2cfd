// Round trips: every message type built from fixtures, validated, parsed back and compared
// field by field; exact amounts for 0, 2 and 3 minor-unit digits; the public pain.001 sample.
#include "payments/iso20022.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "payments/iso20022_test_fixtures.h"

namespace cb::payments::iso {
namespace {

std::string ReadSample(const std::string& name) {
  std::ifstream in(std::string(CB_SHARED_DATA_DIR) + "/iso20022/samples/" + name);
  EXPECT_TRUE(in.good()) << name;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Iso20022MessageTypeTest, NamesNamespacesAndReverseLookupAgree) {
  const char* names[] = {"pacs.008.001.08", "pacs.002.001.10", "pacs.004.001.09",
                         "pain.001.001.09", "camt.053.001.08", "camt.054.001.08"};
  ASSERT_EQ(std::size(kMessageTypes), std::size(names));
  for (size_t i = 0; i < std::size(names); ++i) {
    EXPECT_EQ(MessageTypeName(kMessageTypes[i]), names[i]);
    EXPECT_EQ(MessageTypeFromName(names[i]), kMessageTypes[i]);
    EXPECT_EQ(MessageNamespace(kMessageTypes[i]),
              std::string("urn:iso:std:iso:20022:tech:xsd:") + names[i]);
  }
  EXPECT_FALSE(MessageTypeFromName("pacs.008.001.07").has_value());
  EXPECT_FALSE(MessageTypeFromName("").has_value());
}

TEST(Iso20022AmountTest, FormatsAndParsesExactly) {
  EXPECT_EQ(FormatDecimalAmount(1234, 2), "12.34");
  EXPECT_EQ(FormatDecimalAmount(5, 3), "0.005");
  EXPECT_EQ(FormatDecimalAmount(0, 2), "0.00");
  EXPECT_EQ(FormatDecimalAmount(150000, 0), "150000");
  EXPECT_EQ(FormatDecimalAmount(kAmountMinorMax, 2), "9999999999999999.99");
  EXPECT_EQ(*ParseDecimalAmount("12.34", 2), 1234);
  EXPECT_EQ(*ParseDecimalAmount("12.3", 2), 1230);
  EXPECT_EQ(*ParseDecimalAmount("12", 2), 1200);
  EXPECT_EQ(*ParseDecimalAmount("0012.30", 2), 1230);
  EXPECT_EQ(*ParseDecimalAmount("0.005", 3), 5);
  EXPECT_EQ(*ParseDecimalAmount("150000", 0), 150000);
  EXPECT_EQ(*ParseDecimalAmount("9999999999999999.99", 2), kAmountMinorMax);
  // Every minor amount of a few magnitudes survives format then parse.
  for (int64_t minor :
       {int64_t{0}, int64_t{1}, int64_t{99}, int64_t{100}, int64_t{100001}, kAmountMinorMax}) {
    for (uint8_t exponent = 0; exponent <= kExponentMax; ++exponent) {
      EXPECT_EQ(*ParseDecimalAmount(FormatDecimalAmount(minor, exponent), exponent), minor);
    }
  }
}

TEST(Iso20022AmountTest, MalformedAmountsAreRefusedWithTheReason) {
  const struct {
    const char* text;
    uint8_t exponent;
    const char* reason;
  } cases[] = {
      {"1.234", 2, "3 fraction digits"},
      {"1.5", 0, "1 fraction digits"},
      {"-1", 2, "negative"},
      {"+1", 2, "sign"},
      {"1e3", 2, "exponent notation"},
      {"1E3", 0, "exponent notation"},
      {"", 2, "empty"},
      {".5", 2, "digits"},
      {"5.", 2, "digits"},
      {"1,00", 2, "digits"},
      {" 1", 2, "digits"},
      {"1.2.3", 2, "digits"},
      {"1000000000000000000", 0, "18 digits"},
      {"10000000000000000.00", 2, "18 digits"},
      {"0x10", 0, "digits"},
      {"12", 5, "exponent 5"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const Result<int64_t> parsed = ParseDecimalAmount(c.text, c.exponent);
    ASSERT_FALSE(parsed.ok());
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(parsed.status().message(), c.reason)) << parsed.status().message();
  }
}

TEST(Iso20022DateTest, ParsesRealDaysOnly) {
  EXPECT_EQ(*ParseDate("2024-02-29"), (Date{2024, 2, 29}));
  EXPECT_EQ(*ParseDate("2026-11-01Z"), (Date{2026, 11, 1}));
  EXPECT_EQ(*ParseDate("2026-11-01+01:00"), (Date{2026, 11, 1}));
  EXPECT_FALSE(ParseDate("2023-02-29").ok());
  EXPECT_FALSE(ParseDate("2026-13-01").ok());
  EXPECT_FALSE(ParseDate("2026-1-01").ok());
  EXPECT_FALSE(ParseDate("2026-11-01T00:00:00").ok());
  EXPECT_EQ(FormatDate({2026, 1, 5}), "2026-01-05");
  EXPECT_EQ(DateOf(fixtures::kCreated), (Date{2026, 11, 2}));
}

TEST(Iso20022Pacs008Test, BuildsValidatesAndParsesBack) {
  const CreditTransfer t = fixtures::Transfer();
  const Result<std::string> xml = BuildPacs008(t);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_EQ(xml->rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  EXPECT_TRUE(ValidateXml(MessageType::kPacs008, *xml).ok());
  // Escaped by the tree writer, amounts as exact decimals, agents as documented.
  EXPECT_TRUE(Contains(*xml, "Zoë Müller &amp; Söhne &lt;GmbH&gt;")) << *xml;
  EXPECT_TRUE(Contains(*xml, "<IntrBkSttlmAmt Ccy=\"EUR\">1234.56</IntrBkSttlmAmt>"));
  EXPECT_TRUE(Contains(*xml, "<BICFI>COBADEFFXXX</BICFI>"));
  EXPECT_TRUE(Contains(*xml, "<Id>NOTPROVIDED</Id>"));  // the creditor has no BIC
  EXPECT_TRUE(Contains(*xml, "<CreDtTm>2026-11-02T09:30:00.123456789Z</CreDtTm>"));
  EXPECT_TRUE(Contains(*xml, "<ChrgBr>SLEV</ChrgBr>"));
  EXPECT_TRUE(Contains(*xml, "<SttlmMtd>CLRG</SttlmMtd>"));

  const Result<CreditTransfer> back = ParsePacs008(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->message_id, t.message_id);
  EXPECT_EQ(back->created, t.created);
  EXPECT_EQ(back->end_to_end_id, t.end_to_end_id);
  EXPECT_EQ(back->tx_id, t.tx_id);
  EXPECT_EQ(back->uetr, t.uetr);
  EXPECT_EQ(back->settlement_date, t.settlement_date);
  EXPECT_EQ(back->amount, t.amount);
  EXPECT_EQ(back->debtor, t.debtor);
  EXPECT_EQ(back->creditor, t.creditor);
  EXPECT_EQ(back->remittance, t.remittance);
  EXPECT_EQ(*back, t);
  EXPECT_EQ(*BuildPacs008(*back), *xml);  // a parsed message rebuilds to the same bytes
}

TEST(Iso20022Pacs008Test, UkAccountTravelsAsSortCodeAndAccountNumber) {
  const CreditTransfer t = fixtures::UkTransfer();
  const Result<std::string> xml = BuildPacs008(t);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(Contains(*xml, "<Id>60161331926819</Id>")) << *xml;
  EXPECT_TRUE(Contains(*xml, "<Prtry>SCAN</Prtry>"));
  EXPECT_TRUE(Contains(*xml, "<Cd>GBDSC</Cd>"));
  EXPECT_TRUE(Contains(*xml, "<MmbId>601613</MmbId>"));
  EXPECT_FALSE(Contains(*xml, "UETR"));
  const Result<CreditTransfer> back = ParsePacs008(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->creditor.sort_code, "601613");
  EXPECT_EQ(back->creditor.account_number, "31926819");
  EXPECT_EQ(*back, t);
}

TEST(Iso20022Pacs008Test, ExactAmountsForZeroAndThreeMinorDigits) {
  CreditTransfer t = fixtures::Transfer();
  t.amount = {150'000, "JPY", 0};
  Result<std::string> xml = BuildPacs008(t);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(Contains(*xml, "<IntrBkSttlmAmt Ccy=\"JPY\">150000</IntrBkSttlmAmt>"));
  EXPECT_EQ(ParsePacs008(*xml)->amount, t.amount);

  for (const char* currency : {"BHD", "KWD"}) {
    t.amount = {1'234'567, currency, 3};
    xml = BuildPacs008(t);
    ASSERT_TRUE(xml.ok()) << xml.status().ToString();
    EXPECT_TRUE(Contains(*xml, std::string("Ccy=\"") + currency + "\">1234.567<"));
    EXPECT_EQ(ParsePacs008(*xml)->amount, t.amount);
  }
  t.amount = {5, "KWD", 3};
  xml = BuildPacs008(t);
  ASSERT_TRUE(xml.ok());
  EXPECT_TRUE(Contains(*xml, ">0.005<"));
  EXPECT_EQ(ParsePacs008(*xml)->amount.amount_minor, 5);
}

TEST(Iso20022Pacs002Test, AcceptedAndRejectedReportsRoundTrip) {
  for (const PaymentStatusReport& r : {fixtures::Accepted(), fixtures::Rejected()}) {
    const Result<std::string> xml = BuildPacs002(r);
    ASSERT_TRUE(xml.ok()) << xml.status().ToString();
    EXPECT_TRUE(ValidateXml(MessageType::kPacs002, *xml).ok());
    EXPECT_TRUE(Contains(*xml, "<TxSts>" + std::string(TxStatusCode(r.status)) + "</TxSts>"));
    const Result<PaymentStatusReport> back = ParsePacs002(*xml);
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(back->message_id, r.message_id);
    EXPECT_EQ(back->created, r.created);
    EXPECT_EQ(back->original_message_id, r.original_message_id);
    EXPECT_EQ(back->original_message_type, "pacs.008.001.08");
    EXPECT_EQ(back->original_end_to_end_id, r.original_end_to_end_id);
    EXPECT_EQ(back->original_tx_id, r.original_tx_id);
    EXPECT_EQ(back->status, r.status);
    EXPECT_EQ(back->reason_code, r.reason_code);
    EXPECT_EQ(back->reason_text, r.reason_text);
    EXPECT_EQ(*back, r);
  }
  EXPECT_TRUE(Contains(*BuildPacs002(fixtures::Rejected()), "<Cd>AC04</Cd>"));
}

TEST(Iso20022Pacs004Test, ReturnRoundTripsAndPassesTheStructuralCheck) {
  const PaymentReturn r = fixtures::Return();
  const Result<std::string> xml = BuildPacs004(r);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(ValidateXml(MessageType::kPacs004, *xml).ok());
  EXPECT_TRUE(Contains(*xml, "<RtrdIntrBkSttlmAmt Ccy=\"KWD\">1234.567</RtrdIntrBkSttlmAmt>"));
  const Result<PaymentReturn> back = ParsePacs004(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->message_id, r.message_id);
  EXPECT_EQ(back->created, r.created);
  EXPECT_EQ(back->original_message_id, r.original_message_id);
  EXPECT_EQ(back->original_end_to_end_id, r.original_end_to_end_id);
  EXPECT_EQ(back->original_tx_id, r.original_tx_id);
  EXPECT_EQ(back->returned_amount, r.returned_amount);
  EXPECT_EQ(back->settlement_date, r.settlement_date);
  EXPECT_EQ(back->reason_code, "AC01");
  EXPECT_EQ(*back, r);
}

TEST(Iso20022Camt053Test, StatementRoundTripsWithSignedBalancesAndEntries) {
  const Statement s = fixtures::SampleStatement();
  const Result<std::string> xml = BuildCamt053(s);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(ValidateXml(MessageType::kCamt053, *xml).ok());
  EXPECT_TRUE(Contains(*xml, "<Cd>OPBD</Cd>"));
  EXPECT_TRUE(Contains(*xml, "<Cd>CLBD</Cd>"));
  EXPECT_TRUE(Contains(*xml, "<Amt Ccy=\"EUR\">100.00</Amt>")) << *xml;  // |-100.00|, DBIT
  const Result<Statement> back = ParseCamt053(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->statement_id, s.statement_id);
  EXPECT_EQ(back->account_iban, s.account_iban);
  EXPECT_EQ(back->currency, "EUR");
  EXPECT_EQ(back->exponent, 2);
  EXPECT_EQ(back->from, s.from);
  EXPECT_EQ(back->to, s.to);
  EXPECT_EQ(back->opening_balance_minor, -10'000);
  EXPECT_EQ(back->closing_balance_minor, s.closing_balance_minor);
  ASSERT_EQ(back->entries.size(), 3u);
  for (size_t i = 0; i < s.entries.size(); ++i) {
    SCOPED_TRACE(i);
    const Entry& want = s.entries[i];
    const Entry& got = back->entries[i];
    EXPECT_EQ(got.entry_ref, want.entry_ref);
    EXPECT_EQ(got.end_to_end_id, want.end_to_end_id);
    EXPECT_EQ(got.amount_minor, want.amount_minor);
    EXPECT_EQ(got.credit, want.credit);
    EXPECT_EQ(got.booking_date, want.booking_date);
    EXPECT_EQ(got.status, "BOOK");
    EXPECT_EQ(got.bank_transaction_code, want.bank_transaction_code);
    EXPECT_EQ(got.remittance, want.remittance);
  }
  EXPECT_EQ(*back, s);
}

TEST(Iso20022Camt054Test, NotificationRoundTripsInAThreeDigitCurrency) {
  const Notification n = fixtures::SampleNotification();
  const Result<std::string> xml = BuildCamt054(n);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(ValidateXml(MessageType::kCamt054, *xml).ok());
  EXPECT_TRUE(Contains(*xml, "<Amt Ccy=\"BHD\">1.005</Amt>"));
  const Result<Notification> back = ParseCamt054(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->notification_id, n.notification_id);
  EXPECT_EQ(back->account_iban, n.account_iban);
  EXPECT_EQ(back->exponent, 3);
  ASSERT_EQ(back->entries.size(), 1u);
  EXPECT_EQ(back->entries[0].amount_minor, 1'005);
  EXPECT_EQ(*back, n);
}

TEST(Iso20022Pain001Test, BulkFileRoundTripsWithoutProblems) {
  const CustomerTransferFile f = fixtures::SampleFile();
  const Result<std::string> xml = BuildPain001(f);
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_TRUE(ValidateXml(MessageType::kPain001, *xml).ok());
  EXPECT_TRUE(Contains(*xml, "<NbOfTxs>5</NbOfTxs>"));
  EXPECT_TRUE(Contains(*xml, "<InstdAmt Ccy=\"JPY\">150000</InstdAmt>"));
  const Result<ParsedTransferFile> back = ParsePain001(*xml);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->problems.empty()) << back->problems.front().message;
  EXPECT_EQ(back->declared_transactions, 5u);
  ASSERT_EQ(back->file.blocks.size(), 2u);
  for (size_t b = 0; b < 2; ++b) {
    const PaymentBlock& want = f.blocks[b];
    const PaymentBlock& got = back->file.blocks[b];
    EXPECT_EQ(got.payment_info_id, want.payment_info_id);
    EXPECT_EQ(got.debtor, want.debtor);
    EXPECT_EQ(got.requested_execution_date, want.requested_execution_date);
    ASSERT_EQ(got.items.size(), want.items.size());
    for (size_t i = 0; i < want.items.size(); ++i) EXPECT_EQ(got.items[i], want.items[i]);
  }
  EXPECT_EQ(back->file, f);
  EXPECT_EQ(*BuildPain001(back->file), *xml);
}

TEST(Iso20022Pain001Test, PublicSampleParsesAndItsPlaceholderIbansAreReported) {
  const std::string xml = ReadSample("pain.001.001.09_pain001-template.xml");
  const Result<ParsedTransferFile> parsed = ParsePain001(xml);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const CustomerTransferFile& f = parsed->file;
  EXPECT_EQ(f.message_id, "1");
  EXPECT_EQ(FormatRfc3339(f.created), "2023-03-10T15:30:47Z");
  EXPECT_EQ(f.initiating_party_name, "John Doe");
  EXPECT_EQ(parsed->declared_transactions, 2u);  // the sample says 2 and carries 5
  ASSERT_EQ(f.blocks.size(), 1u);
  const PaymentBlock& block = f.blocks[0];
  EXPECT_EQ(block.payment_info_id, "PaymentID6789");
  EXPECT_EQ(block.requested_execution_date, (Date{2023, 3, 12}));
  EXPECT_EQ(block.debtor.name, "Acme Corp");
  EXPECT_EQ(block.debtor.iban, "DE75512108001245126162");
  EXPECT_EQ(block.debtor.bic, "DEUTDEFFXXX");
  const struct {
    const char* end_to_end_id;
    int64_t amount_minor;
    const char* creditor;
  } want[] = {{"PaymentID6789", 15000, "Global Tech"},
              {"PaymentID4321", 30000, "Green Energy"},
              {"PaymentID1357", 25000, "Beta Chemicals"},
              {"PaymentID2468", 17500, "Gamma Logistics"},
              {"PaymentID4815", 22500, "Eco Innovations"}};
  ASSERT_EQ(block.items.size(), std::size(want));
  for (size_t i = 0; i < std::size(want); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(block.items[i].end_to_end_id, want[i].end_to_end_id);
    EXPECT_EQ(block.items[i].amount, (Amount{want[i].amount_minor, "EUR", 2}));
    EXPECT_EQ(block.items[i].creditor.name, want[i].creditor);
    EXPECT_EQ(block.items[i].creditor.bic, "DEUTDEFFXXX");
  }
  // The template's IBANs have the DE shape but fail mod 97 (placeholders): the debtor's is
  // a problem of the block, each creditor's a problem of its item, by index and field.
  ASSERT_EQ(parsed->problems.size(), 1 + std::size(want));
  EXPECT_EQ(parsed->problems[0].item_index, std::nullopt);
  EXPECT_EQ(parsed->problems[0].field, "debtor.iban");
  EXPECT_EQ(parsed->problems[0].message.rfind("payment block 0: debtor.iban: IBAN check digits", 0),
            0u)
      << parsed->problems[0].message;
  for (size_t i = 0; i < std::size(want); ++i) {
    const FileProblem& p = parsed->problems[1 + i];
    EXPECT_EQ(p.block_index, 0u);
    EXPECT_EQ(p.item_index, i);
    EXPECT_EQ(p.field, "creditor.iban");
    EXPECT_EQ(p.message.rfind("item " + std::to_string(i) + ": creditor.iban: IBAN check", 0), 0u)
        << p.message;
  }
}

TEST(Iso20022ValidateTest, ValidatesConcurrentlyFromSeveralThreads) {
  const std::string messages[] = {
      *BuildPacs008(fixtures::Transfer()),        *BuildPacs002(fixtures::Rejected()),
      *BuildPacs004(fixtures::Return()),          *BuildPain001(fixtures::SampleFile()),
      *BuildCamt053(fixtures::SampleStatement()), *BuildCamt054(fixtures::SampleNotification())};
  constexpr int kThreads = 4;
  constexpr int kRounds = 25;
  std::atomic<int> valid{0};
  std::vector<std::thread> threads;
  threads.reserve(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&messages, &valid] {
      for (int round = 0; round < kRounds; ++round) {
        for (size_t i = 0; i < std::size(kMessageTypes); ++i) {
          if (ValidateXml(kMessageTypes[i], messages[i]).ok()) valid.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(valid.load(), kThreads * kRounds * static_cast<int>(std::size(kMessageTypes)));
}

}  // namespace
}  // namespace cb::payments::iso
