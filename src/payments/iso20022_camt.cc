// camt.053.001.08 (statement) and camt.054.001.08 (debit/credit notification): one account
// each, entries in the account's currency. Element order follows the XSD sequences.
#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso {
namespace {
using internal::CheckCode;
using internal::CheckOptionalText;
using internal::CheckText;
using internal::FieldError;
using internal::Reader;
using internal::Writer;

constexpr size_t kId = 35;           // Max35Text
constexpr size_t kRemittance = 140;  // Max140Text
constexpr size_t kCode = 4;          // External*Code of 4 characters
// Balances looked at in a statement (the XSD has no bound; a statement carries a handful).
constexpr size_t kBalancesMax = 64;

std::string EntryField(size_t index, std::string_view name) {
  return "entries[" + std::to_string(index) + "]." + std::string(name);
}

Status CheckAccount(std::string_view iban, std::string_view currency, uint8_t exponent) {
  CB_RETURN_IF_ERROR(internal::CheckIban("account_iban", iban));
  return internal::CheckCurrency("", currency, exponent);
}

Status CheckBankTransactionCode(size_t index, const BankTransactionCode& code) {
  const std::string field = EntryField(index, "bank_transaction_code");
  if (code.domain.empty() && code.proprietary.empty()) {
    return FieldError(field, "needs a domain or a proprietary code");
  }
  if (!code.domain.empty()) {
    CB_RETURN_IF_ERROR(CheckCode(field + ".domain", code.domain, kCode));
    CB_RETURN_IF_ERROR(CheckCode(field + ".family", code.family, kCode));
    CB_RETURN_IF_ERROR(CheckCode(field + ".sub_family", code.sub_family, kCode));
  } else if (!code.family.empty() || !code.sub_family.empty()) {
    return FieldError(field, "family and sub_family only with a domain");
  }
  return CheckOptionalText(field + ".proprietary", code.proprietary, kId);
}

Status CheckEntries(const std::vector<Entry>& entries, size_t count_min) {
  if (entries.size() < count_min) return FieldError("entries", "missing");
  if (entries.size() > kCamtEntriesMax) {
    return Status::ResourceExhausted("entries: " + std::to_string(entries.size()) + ", more than " +
                                     std::to_string(kCamtEntriesMax));
  }
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    CB_RETURN_IF_ERROR(CheckOptionalText(EntryField(i, "entry_ref"), e.entry_ref, kId));
    CB_RETURN_IF_ERROR(CheckOptionalText(EntryField(i, "end_to_end_id"), e.end_to_end_id, kId));
    if (e.amount_minor <= 0 || e.amount_minor > kAmountMinorMax) {
      return FieldError(EntryField(i, "amount_minor"), "must be positive, at most 18 digits");
    }
    if (!e.booking_date) return FieldError(EntryField(i, "booking_date"), "missing");
    CB_RETURN_IF_ERROR(internal::CheckDate(EntryField(i, "booking_date"), *e.booking_date));
    CB_RETURN_IF_ERROR(CheckCode(EntryField(i, "status"), e.status, kCode));
    CB_RETURN_IF_ERROR(CheckBankTransactionCode(i, e.bank_transaction_code));
    CB_RETURN_IF_ERROR(CheckOptionalText(EntryField(i, "remittance"), e.remittance, kRemittance));
  }
  return Status::Ok();
}

void AddAccount(Writer& w, xmlNode* parent, const std::string& iban, const std::string& currency) {
  xmlNode* account = w.Add(parent, "Acct");
  w.AddText(w.Add(account, "Id"), "IBAN", iban);
  w.AddText(account, "Ccy", currency);
}

void AddEntry(Writer& w, xmlNode* parent, const Entry& e, const std::string& currency,
              uint8_t exponent) {
  xmlNode* entry = w.Add(parent, "Ntry");
  if (!e.entry_ref.empty()) w.AddText(entry, "NtryRef", e.entry_ref);
  w.AddAmount(entry, "Amt", e.amount_minor, currency, exponent);
  w.AddText(entry, "CdtDbtInd", e.credit ? "CRDT" : "DBIT");
  w.AddText(w.Add(entry, "Sts"), "Cd", e.status);
  CB_CHECK(e.booking_date.has_value());  // CheckEntries
  w.AddText(w.Add(entry, "BookgDt"), "Dt", FormatDate(*e.booking_date));
  const BankTransactionCode& code = e.bank_transaction_code;
  xmlNode* bank_code = w.Add(entry, "BkTxCd");
  if (!code.domain.empty()) {
    xmlNode* domain = w.Add(bank_code, "Domn");
    w.AddText(domain, "Cd", code.domain);
    xmlNode* family = w.Add(domain, "Fmly");
    w.AddText(family, "Cd", code.family);
    w.AddText(family, "SubFmlyCd", code.sub_family);
  }
  if (!code.proprietary.empty()) w.AddText(w.Add(bank_code, "Prtry"), "Cd", code.proprietary);
  if (e.end_to_end_id.empty() && e.remittance.empty()) return;
  xmlNode* details = w.Add(w.Add(entry, "NtryDtls"), "TxDtls");
  if (!e.end_to_end_id.empty()) w.AddText(w.Add(details, "Refs"), "EndToEndId", e.end_to_end_id);
  if (!e.remittance.empty()) w.AddText(w.Add(details, "RmtInf"), "Ustrd", e.remittance);
}

// An amount of the account: its Ccy must be the account's currency.
Result<int64_t> ReadAccountAmount(const Reader& reader, const xmlNode* from, std::string_view path,
                                  const std::string& field, const std::string& currency) {
  Amount amount;
  CB_ASSIGN_OR_RETURN(amount, internal::ReadAmount(reader, from, path, field));
  if (amount.currency != currency) {
    return FieldError(field, "in " + amount.currency + ", the account is in " + currency);
  }
  return amount.amount_minor;
}

Result<bool> ReadCredit(const Reader& reader, const xmlNode* from, const std::string& field) {
  const std::string indicator = reader.TextAt(from, "CdtDbtInd");
  if (indicator != "CRDT" && indicator != "DBIT") return FieldError(field, "CdtDbtInd missing");
  return indicator == "CRDT";
}

// BookgDt/Dt, or the UTC day of BookgDt/DtTm; nullopt when absent.
Result<std::optional<Date>> ReadBookingDate(const Reader& reader, const xmlNode* entry,
                                            const std::string& field) {
  const xmlNode* booking = reader.Child(entry, "BookgDt");
  if (booking == nullptr) return std::optional<Date>();
  if (reader.Child(booking, "Dt") != nullptr) {
    Date date;
    CB_ASSIGN_OR_RETURN(date, internal::ReadDate(reader, booking, "Dt", field));
    return std::optional<Date>(date);
  }
  TimestampNs at = 0;
  CB_ASSIGN_OR_RETURN(at, internal::ReadDateTime(reader, booking, "DtTm", field));
  return std::optional<Date>(DateOf(at));
}

Result<Entry> ReadEntry(const Reader& reader, const xmlNode* node, size_t index,
                        const std::string& currency) {
  Entry e;
  CB_ASSIGN_OR_RETURN(e.entry_ref, internal::ReadOptionalText(reader, node, "NtryRef",
                                                              EntryField(index, "entry_ref"), kId));
  CB_ASSIGN_OR_RETURN(
      e.amount_minor,
      ReadAccountAmount(reader, node, "Amt", EntryField(index, "amount_minor"), currency));
  CB_ASSIGN_OR_RETURN(e.credit, ReadCredit(reader, node, EntryField(index, "credit")));
  CB_ASSIGN_OR_RETURN(
      e.status, internal::ReadText(reader, node, "Sts/Cd", EntryField(index, "status"), kCode));
  CB_ASSIGN_OR_RETURN(e.booking_date,
                      ReadBookingDate(reader, node, EntryField(index, "booking_date")));
  const xmlNode* bank_code = reader.Child(node, "BkTxCd");
  BankTransactionCode& code = e.bank_transaction_code;
  code.domain = reader.TextAt(bank_code, "Domn/Cd");
  code.family = reader.TextAt(bank_code, "Domn/Fmly/Cd");
  code.sub_family = reader.TextAt(bank_code, "Domn/Fmly/SubFmlyCd");
  code.proprietary = reader.TextAt(bank_code, "Prtry/Cd");
  // The first transaction's details; a batch entry's further TxDtls are not read.
  const xmlNode* details = reader.Find(node, "NtryDtls/TxDtls");
  CB_ASSIGN_OR_RETURN(e.end_to_end_id,
                      internal::ReadOptionalText(reader, details, "Refs/EndToEndId",
                                                 EntryField(index, "end_to_end_id"), kId));
  CB_ASSIGN_OR_RETURN(e.remittance,
                      internal::ReadOptionalText(reader, details, "RmtInf/Ustrd",
                                                 EntryField(index, "remittance"), kRemittance));
  return e;
}

Result<std::vector<Entry>> ReadEntries(const Reader& reader, const xmlNode* parent,
                                       const std::string& currency) {
  const std::vector<const xmlNode*> nodes = reader.Children(parent, "Ntry", kCamtEntriesMax);
  if (nodes.size() > kCamtEntriesMax) {
    return Status::ResourceExhausted("more than " + std::to_string(kCamtEntriesMax) + " Ntry");
  }
  std::vector<Entry> entries;
  entries.reserve(nodes.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    Entry entry;
    CB_ASSIGN_OR_RETURN(entry, ReadEntry(reader, nodes[i], i, currency));
    entries.push_back(std::move(entry));
  }
  return entries;
}

// The one Stmt / Ntfctn of a message.
Result<const xmlNode*> OnlyReport(const Reader& reader, const xmlNode* message, const char* tag) {
  const std::vector<const xmlNode*> reports = reader.Children(message, tag, 1);
  if (reports.size() != 1) {
    return Status::InvalidArgument(std::string(reports.empty() ? "no " : "more than one ") + tag +
                                   ": one account report per message is supported");
  }
  return reports.front();
}

void AddBalance(Writer& w, xmlNode* statement, const char* type, int64_t balance_minor,
                const Statement& s, TimestampNs at) {
  xmlNode* balance = w.Add(statement, "Bal");
  w.AddText(w.Add(w.Add(balance, "Tp"), "CdOrPrtry"), "Cd", type);
  CB_CHECK(balance_minor >= -kAmountMinorMax);  // CheckStatement: no INT64_MIN to negate
  w.AddAmount(balance, "Amt", balance_minor < 0 ? -balance_minor : balance_minor, s.currency,
              s.exponent);
  w.AddText(balance, "CdtDbtInd", balance_minor < 0 ? "DBIT" : "CRDT");
  w.AddText(w.Add(balance, "Dt"), "Dt", FormatDate(DateOf(at)));
}

// The signed balance of type `code` (or `fallback`); "missing" when neither is there.
Result<int64_t> ReadBalance(const Reader& reader, const xmlNode* statement, std::string_view code,
                            std::string_view fallback, const std::string& field,
                            const std::string& currency) {
  const std::vector<const xmlNode*> balances = reader.Children(statement, "Bal", kBalancesMax);
  if (balances.size() > kBalancesMax) return FieldError(field, "too many Bal");
  for (std::string_view wanted : {code, fallback}) {
    for (const xmlNode* balance : balances) {
      if (reader.TextAt(balance, "Tp/CdOrPrtry/Cd") != wanted) continue;
      int64_t amount = 0;
      CB_ASSIGN_OR_RETURN(amount, ReadAccountAmount(reader, balance, "Amt", field, currency));
      bool credit = false;
      CB_ASSIGN_OR_RETURN(credit, ReadCredit(reader, balance, field));
      return credit ? amount : -amount;
    }
  }
  return FieldError(field, "missing (Bal " + std::string(code) + ")");
}

// Signed, and its magnitude fits the XSD's 18 digits (so negating it cannot overflow).
Status CheckBalance(std::string_view field, int64_t balance_minor) {
  if (balance_minor < -kAmountMinorMax || balance_minor > kAmountMinorMax) {
    return FieldError(field, "has more than 18 digits");
  }
  return Status::Ok();
}

Status CheckStatement(const Statement& s) {
  CB_RETURN_IF_ERROR(CheckText("message_id", s.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("statement_id", s.statement_id, kId));
  CB_RETURN_IF_ERROR(CheckAccount(s.account_iban, s.currency, s.exponent));
  if (s.to < s.from) return FieldError("to", "before from");
  CB_RETURN_IF_ERROR(CheckBalance("opening_balance_minor", s.opening_balance_minor));
  CB_RETURN_IF_ERROR(CheckBalance("closing_balance_minor", s.closing_balance_minor));
  return CheckEntries(s.entries, 0);
}

Result<Statement> ReadStatement(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "BkToCstmrStmt");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  const xmlNode* statement = nullptr;
  CB_ASSIGN_OR_RETURN(statement, OnlyReport(reader, message, "Stmt"));
  Statement s;
  CB_ASSIGN_OR_RETURN(s.message_id, internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(s.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  CB_ASSIGN_OR_RETURN(s.statement_id,
                      internal::ReadText(reader, statement, "Id", "statement_id", kId));
  CB_ASSIGN_OR_RETURN(s.account_iban,
                      internal::ReadText(reader, statement, "Acct/Id/IBAN", "account_iban", kId));
  // Acct/Ccy is optional in the XSD; without it the opening balance's Ccy is the account's.
  s.currency = reader.TextAt(statement, "Acct/Ccy");
  if (s.currency.empty()) {
    for (const xmlNode* balance : reader.Children(statement, "Bal", 1)) {
      s.currency = Reader::Attribute(reader.Child(balance, "Amt"), "Ccy");
    }
  }
  CB_ASSIGN_OR_RETURN(s.exponent, internal::ExponentOf("currency", s.currency));
  CB_ASSIGN_OR_RETURN(s.from, internal::ReadDateTime(reader, statement, "FrToDt/FrDtTm", "from"));
  CB_ASSIGN_OR_RETURN(s.to, internal::ReadDateTime(reader, statement, "FrToDt/ToDtTm", "to"));
  CB_ASSIGN_OR_RETURN(s.opening_balance_minor, ReadBalance(reader, statement, "OPBD", "PRCD",
                                                           "opening_balance_minor", s.currency));
  CB_ASSIGN_OR_RETURN(s.closing_balance_minor, ReadBalance(reader, statement, "CLBD", "CLBD",
                                                           "closing_balance_minor", s.currency));
  CB_ASSIGN_OR_RETURN(s.entries, ReadEntries(reader, statement, s.currency));
  CB_RETURN_IF_ERROR(CheckStatement(s));
  return s;
}

Status CheckNotification(const Notification& n) {
  CB_RETURN_IF_ERROR(CheckText("message_id", n.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("notification_id", n.notification_id, kId));
  CB_RETURN_IF_ERROR(CheckAccount(n.account_iban, n.currency, n.exponent));
  return CheckEntries(n.entries, 1);
}

Result<Notification> ReadNotification(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "BkToCstmrDbtCdtNtfctn");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  const xmlNode* notification = nullptr;
  CB_ASSIGN_OR_RETURN(notification, OnlyReport(reader, message, "Ntfctn"));
  Notification n;
  CB_ASSIGN_OR_RETURN(n.message_id, internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(n.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  CB_ASSIGN_OR_RETURN(n.notification_id,
                      internal::ReadText(reader, notification, "Id", "notification_id", kId));
  CB_ASSIGN_OR_RETURN(n.account_iban, internal::ReadText(reader, notification, "Acct/Id/IBAN",
                                                         "account_iban", kId));
  n.currency = reader.TextAt(notification, "Acct/Ccy");
  if (n.currency.empty()) {
    n.currency = Reader::Attribute(reader.Find(notification, "Ntry/Amt"), "Ccy");
  }
  CB_ASSIGN_OR_RETURN(n.exponent, internal::ExponentOf("currency", n.currency));
  CB_ASSIGN_OR_RETURN(n.entries, ReadEntries(reader, notification, n.currency));
  CB_RETURN_IF_ERROR(CheckNotification(n));
  return n;
}

}  // namespace

Result<std::string> BuildCamt053(const Statement& s) {
  CB_RETURN_IF_ERROR(CheckStatement(s));
  Writer w(MessageType::kCamt053);
  xmlNode* message = w.Add(w.root(), "BkToCstmrStmt");
  xmlNode* header = w.Add(message, "GrpHdr");
  w.AddText(header, "MsgId", s.message_id);
  w.AddText(header, "CreDtTm", FormatRfc3339(s.created));
  xmlNode* statement = w.Add(message, "Stmt");
  w.AddText(statement, "Id", s.statement_id);
  xmlNode* period = w.Add(statement, "FrToDt");
  w.AddText(period, "FrDtTm", FormatRfc3339(s.from));
  w.AddText(period, "ToDtTm", FormatRfc3339(s.to));
  AddAccount(w, statement, s.account_iban, s.currency);
  AddBalance(w, statement, "OPBD", s.opening_balance_minor, s, s.from);
  AddBalance(w, statement, "CLBD", s.closing_balance_minor, s, s.to);
  for (const Entry& e : s.entries) AddEntry(w, statement, e, s.currency, s.exponent);
  return w.Finish();
}

Result<Statement> ParseCamt053(std::string_view xml) {
  return internal::ParseWith<Statement>(MessageType::kCamt053, xml, ReadStatement);
}

Result<std::string> BuildCamt054(const Notification& n) {
  CB_RETURN_IF_ERROR(CheckNotification(n));
  Writer w(MessageType::kCamt054);
  xmlNode* message = w.Add(w.root(), "BkToCstmrDbtCdtNtfctn");
  xmlNode* header = w.Add(message, "GrpHdr");
  w.AddText(header, "MsgId", n.message_id);
  w.AddText(header, "CreDtTm", FormatRfc3339(n.created));
  xmlNode* notification = w.Add(message, "Ntfctn");
  w.AddText(notification, "Id", n.notification_id);
  AddAccount(w, notification, n.account_iban, n.currency);
  for (const Entry& e : n.entries) AddEntry(w, notification, e, n.currency, n.exponent);
  return w.Finish();
}

Result<Notification> ParseCamt054(std::string_view xml) {
  return internal::ParseWith<Notification>(MessageType::kCamt054, xml, ReadNotification);
}

}  // namespace cb::payments::iso
