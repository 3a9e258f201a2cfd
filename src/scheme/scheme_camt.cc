// Account reports (scheme_camt.h).
#include "scheme/scheme_camt.h"

#include "base/check.h"

namespace cb::scheme {
namespace {

namespace iso = payments::iso;

iso::BankTransactionCode CodeOf(EntryKind kind) {
  switch (kind) {
    case EntryKind::kTransferOut:  // issued credit transfer
      return {"PMNT", "ICDT", "ESCT", ""};
    case EntryKind::kReturnIn:  // issued credit transfer, returned
      return {"PMNT", "ICDT", "RRTN", ""};
    case EntryKind::kCreditIn:  // received credit transfer
      return {"PMNT", "RCDT", "ESCT", ""};
  }
  CB_CHECK(false);
  return {};
}

Result<int64_t> Balance(const char* name, __int128 minor) {
  if (minor < -payments::iso::kAmountMinorMax || minor > payments::iso::kAmountMinorMax) {
    return Status::FailedPrecondition(std::string(name) +
                                      " has more digits than a camt amount holds (18)");
  }
  return static_cast<int64_t>(minor);
}

}  // namespace

Result<std::string> BuildAccountReport(iso::MessageType type, const EntryRange& range,
                                       const SchemeConfig& config, std::string_view message_id,
                                       TimestampNs from, TimestampNs to, TimestampNs now) {
  CB_CHECK(type == iso::MessageType::kCamt053 || type == iso::MessageType::kCamt054);
  CB_CHECK(range.entries.size() <= iso::kCamtEntriesMax);
  std::vector<iso::Entry> entries;
  entries.reserve(range.entries.size());
  for (const BookedEntry& b : range.entries) {
    iso::Entry e;
    e.entry_ref = b.entry_ref;
    e.end_to_end_id = b.end_to_end_id;
    e.amount_minor = b.amount_minor;
    e.credit = b.credit;
    e.booking_date = iso::DateOf(b.booked_ns);
    e.bank_transaction_code = CodeOf(b.kind);
    e.remittance = b.remittance;
    entries.push_back(std::move(e));
  }
  if (type == iso::MessageType::kCamt054) {
    if (entries.empty()) return Status::NotFound("no entries were booked in the range");
    iso::Notification n;
    n.message_id = std::string(message_id);
    n.created = now;
    n.notification_id = std::string(message_id);
    n.account_iban = config.settlement_iban;
    n.currency = config.rules.currency;
    n.exponent = config.exponent;
    n.entries = std::move(entries);
    return iso::BuildCamt054(n);
  }
  iso::Statement s;
  s.message_id = std::string(message_id);
  s.created = now;
  s.statement_id = std::string(message_id);
  s.account_iban = config.settlement_iban;
  s.currency = config.rules.currency;
  s.exponent = config.exponent;
  s.from = from;
  s.to = to;
  CB_ASSIGN_OR_RETURN(s.opening_balance_minor, Balance("the opening balance", range.opening_minor));
  CB_ASSIGN_OR_RETURN(s.closing_balance_minor, Balance("the closing balance", range.closing_minor));
  s.entries = std::move(entries);
  return iso::BuildCamt053(s);
}

}  // namespace cb::scheme
