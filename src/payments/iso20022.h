#pragma once
// ISO 20022 messages for the payments orchestrator (issue 15): plain structs, builders that
// emit schema-valid XML and parsers that read untrusted XML only after validating it.
//
// Schemas: the XSDs in testdata/iso20022/xsd are compiled in at configure time
// (src/CMakeLists.txt), so the server reads no file for them. pacs.004.001.09 has no XSD
// there: ValidateXml checks its structure by hand (see ValidateXml).
//
// Untrusted input: at most kXmlBytesMax bytes; any DOCTYPE is refused before its internal
// subset is read (no entities, no billion laughs); no network, no DTD loading, libxml2's
// default size and depth limits (never XML_PARSE_HUGE). libxml2's messages become the Status
// (first problem, its line, at most kErrorBytesMax bytes); nothing is printed.
//
// Amounts are integers in minor units with the currency's ISO 4217 exponent; the decimal text
// is formatted and parsed with integers only. Text fields are checked against the XSD lengths
// before building, so a refusal names our field ("creditor.name: longer than 140
// characters"). Every struct a parser returns passes its builder's checks (pain.001 items
// with problems aside), so a parsed message can be rebuilt.
//
// Thread-safe: schemas are parsed once, on first use; every call has its own contexts.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/time.h"

namespace cb::payments::iso {

enum class MessageType : uint8_t { kPacs008, kPacs002, kPacs004, kPain001, kCamt053, kCamt054 };
inline constexpr MessageType kMessageTypes[] = {MessageType::kPacs008, MessageType::kPacs002,
                                                MessageType::kPacs004, MessageType::kPain001,
                                                MessageType::kCamt053, MessageType::kCamt054};

// "pacs.008.001.08", "pacs.002.001.10", "pacs.004.001.09", "pain.001.001.09",
// "camt.053.001.08", "camt.054.001.08".
std::string_view MessageTypeName(MessageType type);
// The reverse of MessageTypeName; nullopt for any other text.
std::optional<MessageType> MessageTypeFromName(std::string_view name);
// "urn:iso:std:iso:20022:tech:xsd:" + MessageTypeName(type).
std::string MessageNamespace(MessageType type);

// Untrusted input larger than this is refused unread (ResourceExhausted).
inline constexpr size_t kXmlBytesMax = size_t{16} << 20;
// Validation and parse errors are cut to this many bytes (on a UTF-8 boundary).
inline constexpr size_t kErrorBytesMax = 300;
// pain.001: credit transfers per file, over every payment information block (issue 15).
inline constexpr size_t kPain001ItemsMax = 10'000;
// camt.053 / camt.054: entries per message. Longer periods come as several messages.
inline constexpr size_t kCamtEntriesMax = 100'000;
// The XSD amount types allow 18 digits in total (totalDigits="18").
inline constexpr int64_t kAmountMinorMax = 999'999'999'999'999'999;
// ISO 4217's largest exponent (CLF, UYW); the XSDs allow 5 fraction digits.
inline constexpr uint8_t kExponentMax = 4;

// OK when `xml` is a `type` message: against the embedded XSD, or for pacs.004 against the
// structure the orchestrator relies on: root Document in the pacs.004.001.09 namespace,
// PmtRtr/GrpHdr with MsgId, CreDtTm and NbOfTxs (= the number of TxInf), and at least one
// TxInf with OrgnlEndToEndId, RtrdIntrBkSttlmAmt (with Ccy) and RtrRsnInf/Rsn/Cd, each value
// of its ISO type; other elements are not checked. InvalidArgument names the first problem
// and its line; ResourceExhausted when `xml` is over kXmlBytesMax.
Status ValidateXml(MessageType type, std::string_view xml);

// ---- Values ----------------------------------------------------------------------------

// Money as the messages carry it: the ISO 4217 currency and its exponent (minor-unit digits,
// which must agree with ISO 4217: EUR 2, JPY 0, BHD 3).
struct Amount {
  int64_t amount_minor = 0;
  std::string currency;  // "EUR"
  uint8_t exponent = 2;
  friend bool operator==(const Amount&, const Amount&) = default;
};

// 1234, 2 -> "12.34"; 5, 3 -> "0.005"; 1500, 0 -> "1500". `amount_minor` in 0..kAmountMinorMax.
std::string FormatDecimalAmount(int64_t amount_minor, uint8_t exponent);
// The inverse, exact: digits, optionally a '.' and 1..`exponent` fraction digits ("12",
// "12.3", "12.30"). Refuses a sign ("-1"), an exponent ("1e3"), more fraction digits than
// `exponent` ("1.234" for EUR, even "1.230"), more than kAmountMinorMax, a bare '.' at
// either end, and anything else (the caller trims XML white space).
Result<int64_t> ParseDecimalAmount(std::string_view text, uint8_t exponent);

// A calendar day (ISODate, "2026-11-01").
struct Date {
  uint16_t year = 0;
  uint8_t month = 0;
  uint8_t day = 0;
  friend bool operator==(const Date&, const Date&) = default;
};
std::string FormatDate(Date date);
// "YYYY-MM-DD" (a real day, years 1000-9999), optionally followed by a zone ("Z", "+01:00")
// which xs:date allows and which is dropped.
Result<Date> ParseDate(std::string_view text);
// The UTC calendar day of `ts`.
Date DateOf(TimestampNs ts);

// A debtor or creditor with its account and its bank (the agent).
//   account: IBAN -> Acct/Id/IBAN. UK sort code + account number -> Acct/Id/Othr with
//     Id = sort code then account number (14 digits) and SchmeNm/Prtry "SCAN".
//   agent: FinInstnId/BICFI when `bic` is set; ClrSysMmbId (ClrSysId/Cd "GBDSC", the UK
//     sort code scheme, MmbId = sort code) when the UK pair is set; when neither, a mandatory
//     agent is FinInstnId/Othr/Id "NOTPROVIDED" (the EPC convention) and an optional one
//     is left out.
struct Party {
  std::string name;            // Nm, 1-140 characters
  std::string iban;            // electronic form ("DE89370400440532013000"), or empty
  std::string sort_code;       // 6 digits, with account_number instead of an IBAN
  std::string account_number;  // 8 digits
  std::string bic;             // BICFI of the party's bank: 8 or 11 characters, or empty
  friend bool operator==(const Party&, const Party&) = default;
};

// ---- pacs.008.001.08: FI to FI customer credit transfer, one transaction per message ----

struct CreditTransfer {
  std::string message_id;     // GrpHdr/MsgId, 1-35 characters
  TimestampNs created = 0;    // GrpHdr/CreDtTm
  std::string end_to_end_id;  // PmtId/EndToEndId, 1-35
  std::string tx_id;          // PmtId/TxId, 1-35
  std::string uetr;           // PmtId/UETR: lower-case UUID v4, or empty
  Date settlement_date;       // IntrBkSttlmDt
  Amount amount;              // IntrBkSttlmAmt, > 0
  Party debtor;               // Dbtr, DbtrAcct, DbtrAgt
  Party creditor;             // Cdtr, CdtrAcct, CdtrAgt
  std::string remittance;     // RmtInf/Ustrd, 0-140 characters
  friend bool operator==(const CreditTransfer&, const CreditTransfer&) = default;
};
// Charge bearer SLEV, settlement method CLRG, NbOfTxs 1. The output is validated against the
// XSD before it is returned: a failure there is Internal (a builder bug), a bad field is
// InvalidArgument naming it.
Result<std::string> BuildPacs008(const CreditTransfer& transfer);
// Validates first; refuses a message with more than one transaction.
Result<CreditTransfer> ParsePacs008(std::string_view xml);

// ---- pacs.002.001.10: payment status report for one transaction ----

enum class TxStatus : uint8_t { kAcsc, kAccp, kPdng, kRjct };
std::string_view TxStatusCode(TxStatus status);  // "ACSC", "ACCP", "PDNG", "RJCT"

struct PaymentStatusReport {
  std::string message_id;                                 // GrpHdr/MsgId
  TimestampNs created = 0;                                // GrpHdr/CreDtTm
  std::string original_message_id;                        // OrgnlGrpInf/OrgnlMsgId
  std::string original_message_type = "pacs.008.001.08";  // OrgnlGrpInf/OrgnlMsgNmId
  std::string original_end_to_end_id;                     // OrgnlEndToEndId
  std::string original_tx_id;                             // OrgnlTxId
  TxStatus status = TxStatus::kAcsc;                      // TxSts
  // StsRsnInf/Rsn/Cd, an ISO external status reason code (AC01, AC04, AM04, RR04, FF01...):
  // required with kRjct, refused with any other status.
  std::string reason_code;
  std::string reason_text;  // StsRsnInf/AddtlInf, 0-105 characters, only with a reason code
  friend bool operator==(const PaymentStatusReport&, const PaymentStatusReport&) = default;
};
Result<std::string> BuildPacs002(const PaymentStatusReport& report);
// Refuses a report without exactly one TxInfAndSts, or with a TxSts other than the four.
Result<PaymentStatusReport> ParsePacs002(std::string_view xml);

// ---- pacs.004.001.09: payment return for one transaction (structure checked, no XSD) ----

struct PaymentReturn {
  std::string message_id;                                 // GrpHdr/MsgId
  TimestampNs created = 0;                                // GrpHdr/CreDtTm
  std::string original_message_id;                        // TxInf/OrgnlGrpInf/OrgnlMsgId
  std::string original_message_type = "pacs.008.001.08";  // TxInf/OrgnlGrpInf/OrgnlMsgNmId
  std::string original_end_to_end_id;                     // TxInf/OrgnlEndToEndId
  std::string original_tx_id;                             // TxInf/OrgnlTxId
  Amount returned_amount;                                 // TxInf/RtrdIntrBkSttlmAmt, > 0
  Date settlement_date;                                   // TxInf/IntrBkSttlmDt
  std::string reason_code;  // TxInf/RtrRsnInf/Rsn/Cd: AC01, AC04, MS02...
  friend bool operator==(const PaymentReturn&, const PaymentReturn&) = default;
};
Result<std::string> BuildPacs004(const PaymentReturn& payment_return);
// Refuses a return without exactly one TxInf.
Result<PaymentReturn> ParsePacs004(std::string_view xml);

// ---- camt.053.001.08 statement, camt.054.001.08 debit/credit notification ----

// BkTxCd: the ISO domain/family/sub-family (Domn), or a proprietary code (Prtry/Cd), or both.
// The default is "received credit transfer, SEPA credit transfer".
struct BankTransactionCode {
  std::string domain = "PMNT";      // 1-4 characters, or empty with `proprietary` set
  std::string family = "RCDT";      // 1-4, set with domain
  std::string sub_family = "ESCT";  // 1-4, set with domain
  std::string proprietary;          // 1-35, or empty
  friend bool operator==(const BankTransactionCode&, const BankTransactionCode&) = default;
};

struct Entry {                       // Ntry
  std::string entry_ref;             // NtryRef, 0-35 characters
  std::string end_to_end_id;         // NtryDtls/TxDtls/Refs/EndToEndId, 0-35
  int64_t amount_minor = 0;          // Amt (in the account's currency), > 0
  bool credit = true;                // CdtDbtInd: CRDT or DBIT
  std::optional<Date> booking_date;  // BookgDt/Dt: required to build
  std::string status = "BOOK";       // Sts/Cd, 1-4 characters
  BankTransactionCode bank_transaction_code;
  std::string remittance;  // NtryDtls/TxDtls/RmtInf/Ustrd, 0-140
  friend bool operator==(const Entry&, const Entry&) = default;
};

// One Stmt for one account. Balances are signed minor units (negative = DBIT); the opening
// one (OPBD) is dated DateOf(from), the closing one (CLBD) DateOf(to). A parser takes PRCD
// when OPBD is absent.
struct Statement {
  std::string message_id;    // GrpHdr/MsgId
  TimestampNs created = 0;   // GrpHdr/CreDtTm
  std::string statement_id;  // Stmt/Id, 1-35
  std::string account_iban;  // Stmt/Acct/Id/IBAN
  std::string currency;      // Stmt/Acct/Ccy and every amount's Ccy
  uint8_t exponent = 2;
  TimestampNs from = 0;  // Stmt/FrToDt/FrDtTm (required)
  TimestampNs to = 0;    // Stmt/FrToDt/ToDtTm, >= from
  int64_t opening_balance_minor = 0;
  int64_t closing_balance_minor = 0;
  std::vector<Entry> entries;  // at most kCamtEntriesMax
  friend bool operator==(const Statement&, const Statement&) = default;
};
Result<std::string> BuildCamt053(const Statement& statement);
// Refuses a message without exactly one Stmt, or an amount in another currency.
Result<Statement> ParseCamt053(std::string_view xml);

// One Ntfctn for one account.
struct Notification {
  std::string message_id;       // GrpHdr/MsgId
  TimestampNs created = 0;      // GrpHdr/CreDtTm
  std::string notification_id;  // Ntfctn/Id, 1-35
  std::string account_iban;     // Ntfctn/Acct/Id/IBAN
  std::string currency;         // Ntfctn/Acct/Ccy and every amount's Ccy
  uint8_t exponent = 2;
  std::vector<Entry> entries;  // 1..kCamtEntriesMax
  friend bool operator==(const Notification&, const Notification&) = default;
};
Result<std::string> BuildCamt054(const Notification& notification);
Result<Notification> ParseCamt054(std::string_view xml);

// ---- pain.001.001.09: customer credit transfer initiation (bulk) ----

struct TransferItem {         // CdtTrfTxInf
  std::string end_to_end_id;  // PmtId/EndToEndId, 1-35
  Amount amount;              // Amt/InstdAmt, > 0
  Party creditor;             // Cdtr, CdtrAcct, CdtrAgt (left out without bic or sort code)
  std::string remittance;     // RmtInf/Ustrd, 0-140
  friend bool operator==(const TransferItem&, const TransferItem&) = default;
};

struct PaymentBlock {               // PmtInf, PmtMtd TRF
  std::string payment_info_id;      // PmtInfId, 1-35
  Party debtor;                     // Dbtr, DbtrAcct, DbtrAgt
  Date requested_execution_date;    // ReqdExctnDt/Dt
  std::vector<TransferItem> items;  // at least one
  friend bool operator==(const PaymentBlock&, const PaymentBlock&) = default;
};

struct CustomerTransferFile {
  std::string message_id;             // GrpHdr/MsgId
  TimestampNs created = 0;            // GrpHdr/CreDtTm
  std::string initiating_party_name;  // GrpHdr/InitgPty/Nm, 1-140
  std::vector<PaymentBlock> blocks;   // at least one; kPain001ItemsMax items over all
  friend bool operator==(const CustomerTransferFile&, const CustomerTransferFile&) = default;
};

// A field of a parsed file that the bulk API must refuse: its item (or its block's own
// field) and a sentence naming both, e.g. "item 17: creditor.iban: IBAN check digits '12'
// do not match (ISO 7064 mod 97-10)". Items count from 0 in document order over all blocks,
// as the bulk API's items[N].
struct FileProblem {
  size_t block_index = 0;            // PmtInf, from 0
  std::optional<size_t> item_index;  // nullopt: a field of the block itself (its debtor)
  std::string field;                 // "creditor.iban", "amount", "debtor.iban"
  std::string message;
  friend bool operator==(const FileProblem&, const FileProblem&) = default;
};

struct ParsedTransferFile {
  CustomerTransferFile file;  // every block and item, those with problems included
  // In document order; empty when every field is good. A problem in an item leaves the other
  // items usable (the bulk API decides); a block's problem concerns all its items.
  std::vector<FileProblem> problems;
  // GrpHdr/NbOfTxs as the sender declared it. Not enforced: the public sample
  // (testdata/iso20022/samples/pain.001.001.09_pain001-template.xml) says 2 and carries 5.
  uint64_t declared_transactions = 0;
};

// NbOfTxs is the number of items; every block and item is checked first.
Result<std::string> BuildPain001(const CustomerTransferFile& file);
// Validates against the XSD first (a schema error refuses the whole file, naming its line);
// then reads every item, collecting field problems (IBANs through ParseIban, amounts against
// the currency's exponent) instead of stopping at the first. ResourceExhausted over
// kPain001ItemsMax items.
Result<ParsedTransferFile> ParsePain001(std::string_view xml);

}  // namespace cb::payments::iso
