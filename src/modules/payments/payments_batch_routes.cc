// POST /v1/payment_batches: a bulk payout as JSON items, a CSV file or a pain.001.001.09, all
// read into rows checked one by one (a refused row is reported by line or index and field);
// with `all_or_nothing` one refused row refuses the whole batch.
#include <memory>

#include "base/json_string.h"
#include "kernel/ids.h"
#include "modules/payments/payments_decode.h"
#include "modules/payments/payments_internal.h"
#include "payments/iso20022.h"
#include "platform/ids.h"

namespace cb::modules::payments {

namespace {

using api::BuiltOp;
using api::DecodeError;
using api::RouteCall;
using api::detail::Fail;
using api::detail::Reader;
namespace json = boost::json;
namespace iso = ::cb::payments::iso;

constexpr size_t kCsvBytesMax = 4u << 20;
constexpr size_t kRowFieldBytesMax = 100;    // with "items[9999]." it stays under 128
constexpr size_t kRowMessageBytesMax = 500;  // the event keeps at most 512

// One row as a JSON object (the fields of a payment, `to` nested), checked like a payment.
BatchRow DecodeRow(const json::object& row, std::string_view from, uint32_t index, uint32_t line,
                   std::string_view where) {
  BatchRow out;
  out.index = index;
  out.line = line;
  json::object o = row;
  o["from_account"] = json::string(from);
  DecodeError err;
  Reader r(o, "", &err);
  if (!DecodePaymentFields(r, &err, &out.payment) ||
      !r.String("end_to_end_id", false, kEndToEndIdBytesMax, &out.payment.end_to_end_id) ||
      !r.Finish()) {
    // Bounded and valid UTF-8 whatever the row held (an unknown key of any length is echoed).
    out.error_code = err.code.empty() ? "parameter_invalid" : err.code;
    out.error_field = TruncateUtf8(err.param, kRowFieldBytesMax);
    out.error_message = TruncateUtf8(std::string(where) + ": " + err.param + ": " + err.message,
                                     kRowMessageBytesMax);
  }
  return out;
}

// RFC 4180: fields separated by commas, quoted with "" (a quote doubled inside), rows by LF
// or CRLF. False on an unterminated quote.
bool ParseCsv(std::string_view text, std::vector<std::vector<std::string>>* rows) {
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, in_quotes = false;
  auto end_row = [&] {
    row.push_back(std::move(field));
    field.clear();
    if (!(row.size() == 1 && row[0].empty() && !quoted)) rows->push_back(std::move(row));
    row.clear();
    quoted = false;
  };
  for (size_t i = 0; i < text.size(); i++) {
    const char c = text[i];
    if (in_quotes) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field.push_back('"');
        i++;
      } else if (c == '"') {
        in_quotes = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"' && field.empty()) {
      in_quotes = quoted = true;
    } else if (c == ',') {
      row.push_back(std::move(field));
      field.clear();
      quoted = false;
    } else if (c == '\n') {
      end_row();
    } else if (c != '\r') {
      field.push_back(c);
    }
  }
  if (in_quotes) return false;
  if (!field.empty() || !row.empty()) end_row();
  return true;
}

bool CsvRows(const std::string& csv, std::string_view from, CreateBatchOp* op, DecodeError* err) {
  std::vector<std::vector<std::string>> rows;
  if (!ParseCsv(csv, &rows)) return Fail(err, "parameter_invalid", "An unterminated quote.", "csv");
  if (rows.empty()) return Fail(err, "parameter_invalid", "A header and at least one row.", "csv");
  static constexpr std::string_view kPayee[] = {"account", "alias",     "name",          "iban",
                                                "bic",     "sort_code", "account_number"};
  static constexpr std::string_view kOwn[] = {"amount", "currency", "rail", "reference",
                                              "end_to_end_id"};
  const std::vector<std::string>& header = rows[0];
  for (const std::string& h : header) {
    bool known = false;
    for (std::string_view k : kPayee) known = known || h == k;
    for (std::string_view k : kOwn) known = known || h == k;
    if (!known)
      return Fail(err, "parameter_invalid", "Unknown CSV column '" + h.substr(0, 40) + "'.", "csv");
  }
  if (rows.size() - 1 > kBatchItemsMax) {
    return Fail(err, "batch_too_large", "At most 10000 rows.", "csv");
  }
  for (size_t i = 1; i < rows.size(); i++) {
    const uint32_t line = static_cast<uint32_t>(i + 1);
    json::object row, to;
    if (rows[i].size() != header.size()) {
      BatchRow bad;
      bad.index = static_cast<uint32_t>(i - 1);
      bad.line = line;
      bad.error_code = "parameter_invalid";
      bad.error_field = "csv";
      bad.error_message = "line " + std::to_string(line) + ": " + std::to_string(rows[i].size()) +
                          " fields, the header has " + std::to_string(header.size());
      op->rows.push_back(std::move(bad));
      continue;
    }
    for (size_t k = 0; k < header.size(); k++) {
      if (rows[i][k].empty()) continue;
      bool payee = false;
      for (std::string_view p : kPayee) payee = payee || header[k] == p;
      (payee ? to : row)[header[k]] = json::string(rows[i][k]);
    }
    row["to"] = std::move(to);
    op->rows.push_back(
        DecodeRow(row, from, static_cast<uint32_t>(i - 1), line, "line " + std::to_string(line)));
  }
  return true;
}

bool Pain001Rows(const std::string& xml, std::string_view from, CreateBatchOp* op,
                 DecodeError* err) {
  Result<iso::ParsedTransferFile> parsed = iso::ParsePain001(xml);
  if (!parsed.ok()) return Fail(err, "parameter_invalid", parsed.status().message(), "pain001");
  uint32_t index = 0;
  for (size_t b = 0; b < parsed->file.blocks.size(); b++) {
    for (const iso::TransferItem& item : parsed->file.blocks[b].items) {
      json::object row, to;
      to["name"] = json::string(item.creditor.name);
      if (!item.creditor.iban.empty()) to["iban"] = json::string(item.creditor.iban);
      if (!item.creditor.sort_code.empty()) to["sort_code"] = json::string(item.creditor.sort_code);
      if (!item.creditor.account_number.empty()) {
        to["account_number"] = json::string(item.creditor.account_number);
      }
      if (!item.creditor.bic.empty()) to["bic"] = json::string(item.creditor.bic);
      row["to"] = std::move(to);
      row["amount"] =
          json::string(iso::FormatDecimalAmount(item.amount.amount_minor, item.amount.exponent));
      row["currency"] = json::string(item.amount.currency);
      if (!item.remittance.empty()) row["reference"] = json::string(item.remittance);
      row["end_to_end_id"] = json::string(item.end_to_end_id);
      op->rows.push_back(DecodeRow(row, from, index, 0, "item " + std::to_string(index)));
      index++;
    }
  }
  // The file's own findings (an IBAN's check digits, an amount's digits) name the item.
  for (const iso::FileProblem& p : parsed->problems) {
    if (!p.item_index || *p.item_index >= op->rows.size()) {
      return Fail(err, "parameter_invalid", p.message, "pain001");
    }
    BatchRow& r = op->rows[*p.item_index];
    if (r.error_code.empty()) {
      r.error_code = "parameter_invalid";
      r.error_field = p.field;
      r.error_message = p.message;
    }
  }
  return true;
}

}  // namespace

bool BuildCreateBatch(const RouteCall& c, BuiltOp* out, DecodeError* err) {
  if (!api::detail::KnownQuery(c.in, {}, err)) return false;
  if (c.in.body.empty()) return Fail(err, "invalid_json", "The body must be a JSON object.", "");
  json::value body;
  if (!api::detail::ParseBody(c.in.body, &body, err)) return false;
  Reader r(body.get_object(), "", err);
  CreateBatchOp op;
  std::string from, csv, pain001;
  bool all_or_nothing = false;
  if (!r.String("from_account", true, 64, &from)) return false;
  if (!kernel::ParseId(from, platform::prefix::kAccount, &op.from_account)) {
    return Fail(err, "parameter_invalid", "Malformed account id.", "from_account");
  }
  const json::value* items = r.Get("items");
  if (!FileField(r, "csv", false, kCsvBytesMax, &csv, err) ||
      !FileField(r, "pain001", false, iso::kXmlBytesMax, &pain001, err) ||
      !r.Bool("all_or_nothing", &all_or_nothing) || !r.Finish()) {
    return false;
  }
  const int sources = (items != nullptr) + !csv.empty() + !pain001.empty();
  if (sources != 1) {
    return Fail(err, "parameter_invalid", "Give exactly one of items, csv or pain001.", "items");
  }
  if (items != nullptr) {
    op.source = "json";
    if (!items->is_array() || items->get_array().empty()) {
      return Fail(err, "parameter_invalid", "A non-empty array.", "items");
    }
    const json::array& a = items->get_array();
    if (a.size() > kBatchItemsMax)
      return Fail(err, "batch_too_large", "At most 10000 items.", "items");
    for (size_t i = 0; i < a.size(); i++) {
      const std::string at = "items[" + std::to_string(i) + "]";
      if (!a[i].is_object()) {
        BatchRow bad;
        bad.index = static_cast<uint32_t>(i);
        bad.error_code = "parameter_invalid";
        bad.error_field = at;
        bad.error_message = at + ": must be an object";
        op.rows.push_back(std::move(bad));
        continue;
      }
      BatchRow row = DecodeRow(a[i].get_object(), from, static_cast<uint32_t>(i), 0, at);
      if (!row.error_code.empty()) row.error_field = at + "." + row.error_field;  // <= 128 bytes
      op.rows.push_back(std::move(row));
    }
  } else if (!csv.empty()) {
    op.source = "csv";
    if (!CsvRows(csv, from, &op, err)) return false;
  } else {
    op.source = "pain.001";
    if (!Pain001Rows(pain001, from, &op, err)) return false;
  }
  for (BatchRow& row : op.rows) {  // the file's own findings are not ours to trust for size
    row.error_field = TruncateUtf8(row.error_field, 128);
    row.error_message = TruncateUtf8(row.error_message, 512);
  }
  for (const BatchRow& row : op.rows) {
    if (row.error_code.empty()) continue;
    if (all_or_nothing) {
      // Nothing is made: the first refused row answers for the batch.
      return Fail(err, row.error_code, row.error_message, row.error_field);
    }
  }
  op.id = kernel::RandomU128();
  return Emit(c, std::move(op), out);
}

}  // namespace cb::modules::payments
