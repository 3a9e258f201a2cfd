#pragma once
// Messages the iso20022 tests build, parse and hand to xmllint: every type, IBAN and UK
// accounts, agents with and without a BIC, text that needs escaping, and currencies with
// 0, 2 and 3 minor-unit digits.
#include <string>
#include <vector>

#include "payments/iso20022.h"

namespace cb::payments::iso::fixtures {

// 2026-11-02T09:30:00.123456789Z: nanoseconds survive the round trip through CreDtTm.
inline constexpr TimestampNs kCreated = 1'793'611'800'123'456'789;
inline constexpr TimestampNs kDayStart = 1'793'577'600'000'000'000;  // 2026-11-02T00:00:00Z
inline constexpr TimestampNs kDayEnd = kDayStart + 86'399 * kNsPerSecond;

inline Party Debtor() { return {"Ada Lovelace", "DE89370400440532013000", "", "", "COBADEFFXXX"}; }
// Text that must be escaped, and non-ASCII characters (counted as characters, not bytes).
inline Party Creditor() {
  return {"Zoë Müller & Söhne <GmbH> \"Ü\"", "FR1420041010050500013M02606", "", "", ""};
}
inline Party UkCreditor() { return {"Alan Turing", "", "601613", "31926819", ""}; }

inline CreditTransfer Transfer() {
  CreditTransfer t;
  t.message_id = "MSG-2026-11-02-0001";
  t.created = kCreated;
  t.end_to_end_id = "E2E-0001";
  t.tx_id = "TX-0001";
  t.uetr = "7d1c5a4e-2b9f-4c3d-8e6f-0a1b2c3d4e5f";
  t.settlement_date = {2026, 11, 2};
  t.amount = {123'456, "EUR", 2};
  t.debtor = Debtor();
  t.creditor = Creditor();
  t.remittance = "Invoice 42 & 43 <paid>";
  return t;
}

inline CreditTransfer UkTransfer() {
  CreditTransfer t = Transfer();
  t.uetr.clear();
  t.amount = {5'000, "GBP", 2};
  t.debtor = {"Bletchley Ltd", "GB29NWBK60161331926819", "", "", ""};
  t.creditor = UkCreditor();
  t.remittance.clear();
  return t;
}

inline PaymentStatusReport Accepted() {
  PaymentStatusReport r;
  r.message_id = "STS-0001";
  r.created = kCreated;
  r.original_message_id = "MSG-2026-11-02-0001";
  r.original_end_to_end_id = "E2E-0001";
  r.original_tx_id = "TX-0001";
  r.status = TxStatus::kAcsc;
  return r;
}

inline PaymentStatusReport Rejected() {
  PaymentStatusReport r = Accepted();
  r.message_id = "STS-0002";
  r.status = TxStatus::kRjct;
  r.reason_code = "AC04";
  r.reason_text = "Account closed";
  return r;
}

// KWD has 3 minor-unit digits.
inline PaymentReturn Return() {
  PaymentReturn r;
  r.message_id = "RTR-0001";
  r.created = kCreated;
  r.original_message_id = "MSG-2026-11-02-0001";
  r.original_end_to_end_id = "E2E-0001";
  r.original_tx_id = "TX-0001";
  r.returned_amount = {1'234'567, "KWD", 3};
  r.settlement_date = {2026, 11, 3};
  r.reason_code = "AC01";
  return r;
}

inline Entry CreditEntry() {
  Entry e;
  e.entry_ref = "NTRY-1";
  e.end_to_end_id = "E2E-IN-1";
  e.amount_minor = 250'000;
  e.credit = true;
  e.booking_date = Date{2026, 11, 2};
  e.remittance = "Salary November";
  return e;
}

inline Entry DebitEntry() {
  Entry e;
  e.entry_ref = "NTRY-2";
  e.end_to_end_id = "E2E-0001";
  e.amount_minor = 123'456;
  e.credit = false;
  e.booking_date = Date{2026, 11, 2};
  e.bank_transaction_code = {"PMNT", "ICDT", "ESCT", "SCHEME-OUT"};
  return e;
}

// Proprietary code only, no details.
inline Entry FeeEntry() {
  Entry e;
  e.amount_minor = 150;
  e.credit = false;
  e.booking_date = Date{2026, 11, 2};
  e.bank_transaction_code = {"", "", "", "FEE"};
  return e;
}

inline Statement SampleStatement() {
  Statement s;
  s.message_id = "STMT-MSG-1";
  s.created = kCreated;
  s.statement_id = "STMT-2026-11-02";
  s.account_iban = "DE89370400440532013000";
  s.currency = "EUR";
  s.exponent = 2;
  s.from = kDayStart;
  s.to = kDayEnd;
  s.opening_balance_minor = -10'000;  // overdrawn: DBIT
  s.closing_balance_minor = -10'000 + 250'000 - 123'456 - 150;
  s.entries = {CreditEntry(), DebitEntry(), FeeEntry()};
  return s;
}

inline Notification SampleNotification() {
  Notification n;
  n.message_id = "NTFCN-MSG-1";
  n.created = kCreated;
  n.notification_id = "NTFCN-1";
  n.account_iban = "BH67BMAG00001299123456";
  n.currency = "BHD";
  n.exponent = 3;
  Entry e = CreditEntry();
  e.amount_minor = 1'005;  // 1.005 BHD
  n.entries = {e};
  return n;
}

inline TransferItem Item(int n) {
  TransferItem item;
  item.end_to_end_id = "BULK-" + std::to_string(n);
  item.amount = {1'000 + n, "EUR", 2};
  item.creditor = {"Payee " + std::to_string(n), "NL91ABNA0417164300", "", "", ""};
  item.remittance = "Payout " + std::to_string(n);
  return item;
}

// Two blocks: EUR items from a debtor with a BIC, and JPY (0 digits) plus a UK payee from
// one without (its DbtrAgt becomes NOTPROVIDED).
inline CustomerTransferFile SampleFile(int eur_items = 3) {
  CustomerTransferFile f;
  f.message_id = "PAIN-0001";
  f.created = kCreated;
  f.initiating_party_name = "Acme Payroll";
  PaymentBlock eur;
  eur.payment_info_id = "PMTINF-EUR";
  eur.debtor = Debtor();
  eur.requested_execution_date = {2026, 11, 3};
  for (int i = 0; i < eur_items; ++i) eur.items.push_back(Item(i));
  PaymentBlock other;
  other.payment_info_id = "PMTINF-OTHER";
  other.debtor = {"Acme KK", "GB82WEST12345698765432", "", "", ""};
  other.requested_execution_date = {2026, 11, 4};
  TransferItem yen = Item(100);
  yen.amount = {150'000, "JPY", 0};
  yen.creditor.bic = "MHCBJPJTXXX";
  TransferItem pounds = Item(101);
  pounds.amount = {999, "GBP", 2};
  pounds.creditor = UkCreditor();
  pounds.remittance.clear();
  other.items = {yen, pounds};
  f.blocks = {eur, other};
  return f;
}

}  // namespace cb::payments::iso::fixtures
