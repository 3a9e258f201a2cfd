// pacs.008.001.08 (credit transfer), pacs.002.001.10 (status report) and pacs.004.001.09
// (return), one transaction each. Element order follows the XSD sequences.
#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso {
namespace {
using internal::AgentUse;
using internal::CheckAmount;
using internal::CheckCode;
using internal::CheckDate;
using internal::CheckOptionalText;
using internal::CheckText;
using internal::FieldError;
using internal::Reader;
using internal::Writer;

constexpr size_t kId = 35;           // Max35Text
constexpr size_t kRemittance = 140;  // Max140Text
constexpr size_t kReasonText = 105;  // Max105Text
constexpr size_t kReasonCode = 4;    // External*Reason1Code

constexpr TxStatus kTxStatuses[] = {TxStatus::kAcsc, TxStatus::kAccp, TxStatus::kPdng,
                                    TxStatus::kRjct};

void AddHeader(Writer& writer, xmlNode* header, const std::string& message_id,
               TimestampNs created) {
  writer.AddText(header, "MsgId", message_id);
  writer.AddText(header, "CreDtTm", FormatRfc3339(created));
}

// The one transaction of a message: refuses none and several, and a NbOfTxs that disagrees.
Result<const xmlNode*> OnlyTransaction(const Reader& reader, const xmlNode* parent, const char* tag,
                                       const xmlNode* header) {
  const std::vector<const xmlNode*> txs = reader.Children(parent, tag, 1);
  if (txs.size() != 1) {
    return Status::InvalidArgument(std::string(txs.empty() ? "no " : "more than one ") + tag +
                                   ": one transaction per message is supported");
  }
  if (header != nullptr && reader.Child(header, "NbOfTxs") != nullptr) {
    uint64_t declared = 0;
    CB_ASSIGN_OR_RETURN(declared, internal::ReadCount(reader, header, "NbOfTxs", "NbOfTxs"));
    if (declared != 1) return FieldError("NbOfTxs", "says " + std::to_string(declared) + ", not 1");
  }
  return txs.front();
}

// ---- pacs.008 ----

Status CheckCreditTransfer(const CreditTransfer& t) {
  CB_RETURN_IF_ERROR(CheckText("message_id", t.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("end_to_end_id", t.end_to_end_id, kId));
  CB_RETURN_IF_ERROR(CheckText("tx_id", t.tx_id, kId));
  if (!t.uetr.empty()) CB_RETURN_IF_ERROR(internal::CheckUetr("uetr", t.uetr));
  CB_RETURN_IF_ERROR(CheckDate("settlement_date", t.settlement_date));
  CB_RETURN_IF_ERROR(CheckAmount("amount", t.amount));
  CB_RETURN_IF_ERROR(internal::CheckParty("debtor", t.debtor));
  CB_RETURN_IF_ERROR(internal::CheckParty("creditor", t.creditor));
  return CheckOptionalText("remittance", t.remittance, kRemittance);
}

Result<CreditTransfer> ReadCreditTransfer(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "FIToFICstmrCdtTrf");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  const xmlNode* tx = nullptr;
  CB_ASSIGN_OR_RETURN(tx, OnlyTransaction(reader, message, "CdtTrfTxInf", header));
  CreditTransfer t;
  CB_ASSIGN_OR_RETURN(t.message_id, internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(t.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  CB_ASSIGN_OR_RETURN(t.end_to_end_id,
                      internal::ReadText(reader, tx, "PmtId/EndToEndId", "end_to_end_id", kId));
  CB_ASSIGN_OR_RETURN(t.tx_id, internal::ReadText(reader, tx, "PmtId/TxId", "tx_id", kId));
  CB_ASSIGN_OR_RETURN(t.uetr, internal::ReadOptionalText(reader, tx, "PmtId/UETR", "uetr", 36));
  // ISO lets the settlement date sit in the transaction or, for all of them, in the header.
  const xmlNode* date_from = reader.Child(tx, "IntrBkSttlmDt") != nullptr ? tx : header;
  CB_ASSIGN_OR_RETURN(t.settlement_date,
                      internal::ReadDate(reader, date_from, "IntrBkSttlmDt", "settlement_date"));
  CB_ASSIGN_OR_RETURN(t.amount, internal::ReadAmount(reader, tx, "IntrBkSttlmAmt", "amount"));
  CB_RETURN_IF_ERROR(internal::ReadPartyName(reader, tx, "Dbtr", "debtor", t.debtor));
  CB_RETURN_IF_ERROR(internal::ReadAccount(reader, tx, "DbtrAcct", "debtor", t.debtor));
  CB_RETURN_IF_ERROR(internal::ReadAgent(reader, tx, "DbtrAgt", "debtor", t.debtor));
  CB_RETURN_IF_ERROR(internal::ReadPartyName(reader, tx, "Cdtr", "creditor", t.creditor));
  CB_RETURN_IF_ERROR(internal::ReadAccount(reader, tx, "CdtrAcct", "creditor", t.creditor));
  CB_RETURN_IF_ERROR(internal::ReadAgent(reader, tx, "CdtrAgt", "creditor", t.creditor));
  // The first unstructured line; further Ustrd and structured remittance are not read.
  CB_ASSIGN_OR_RETURN(t.remittance, internal::ReadOptionalText(reader, tx, "RmtInf/Ustrd",
                                                               "remittance", kRemittance));
  CB_RETURN_IF_ERROR(CheckCreditTransfer(t));  // what Build would refuse, Parse refuses
  return t;
}

// ---- pacs.002 ----

Status CheckStatusReport(const PaymentStatusReport& r) {
  CB_RETURN_IF_ERROR(CheckText("message_id", r.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_message_id", r.original_message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_message_type", r.original_message_type, kId));
  CB_RETURN_IF_ERROR(CheckText("original_end_to_end_id", r.original_end_to_end_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_tx_id", r.original_tx_id, kId));
  if (r.status == TxStatus::kRjct) {
    CB_RETURN_IF_ERROR(CheckCode("reason_code", r.reason_code, kReasonCode));
  } else if (!r.reason_code.empty()) {
    return FieldError("reason_code", "only with status RJCT");
  }
  if (!r.reason_text.empty() && r.reason_code.empty()) {
    return FieldError("reason_text", "only with a reason code");
  }
  return CheckOptionalText("reason_text", r.reason_text, kReasonText);
}

Result<PaymentStatusReport> ReadStatusReport(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "FIToFIPmtStsRpt");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  const xmlNode* tx = nullptr;
  CB_ASSIGN_OR_RETURN(tx, OnlyTransaction(reader, message, "TxInfAndSts", nullptr));
  PaymentStatusReport r;
  CB_ASSIGN_OR_RETURN(r.message_id, internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(r.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  // The original message is named in the transaction or, for all, in OrgnlGrpInfAndSts.
  const xmlNode* original = reader.Child(tx, "OrgnlGrpInf");
  if (original == nullptr) original = reader.Child(message, "OrgnlGrpInfAndSts");
  CB_ASSIGN_OR_RETURN(r.original_message_id, internal::ReadText(reader, original, "OrgnlMsgId",
                                                                "original_message_id", kId));
  CB_ASSIGN_OR_RETURN(r.original_message_type, internal::ReadText(reader, original, "OrgnlMsgNmId",
                                                                  "original_message_type", kId));
  CB_ASSIGN_OR_RETURN(r.original_end_to_end_id, internal::ReadText(reader, tx, "OrgnlEndToEndId",
                                                                   "original_end_to_end_id", kId));
  CB_ASSIGN_OR_RETURN(r.original_tx_id,
                      internal::ReadText(reader, tx, "OrgnlTxId", "original_tx_id", kId));
  const xmlNode* status = reader.Child(tx, "TxSts");
  if (status == nullptr) return FieldError("status", "missing (TxSts)");
  const std::string code = Reader::Text(status);
  bool known = false;
  for (TxStatus s : kTxStatuses) {
    if (TxStatusCode(s) == code) {
      r.status = s;
      known = true;
    }
  }
  if (!known) {
    return FieldError("status",
                      "TxSts '" + code.substr(0, 4) + "' is not ACSC, ACCP, PDNG or RJCT");
  }
  // The first StsRsnInf: its coded reason (a proprietary one is not read) and first AddtlInf.
  const xmlNode* reason = reader.Child(tx, "StsRsnInf");
  CB_ASSIGN_OR_RETURN(r.reason_code, internal::ReadOptionalText(reader, reason, "Rsn/Cd",
                                                                "reason_code", kReasonCode));
  CB_ASSIGN_OR_RETURN(r.reason_text, internal::ReadOptionalText(reader, reason, "AddtlInf",
                                                                "reason_text", kReasonText));
  CB_RETURN_IF_ERROR(CheckStatusReport(r));
  return r;
}

// ---- pacs.004 ----

Status CheckReturn(const PaymentReturn& r) {
  CB_RETURN_IF_ERROR(CheckText("message_id", r.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_message_id", r.original_message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_message_type", r.original_message_type, kId));
  CB_RETURN_IF_ERROR(CheckText("original_end_to_end_id", r.original_end_to_end_id, kId));
  CB_RETURN_IF_ERROR(CheckText("original_tx_id", r.original_tx_id, kId));
  CB_RETURN_IF_ERROR(CheckAmount("returned_amount", r.returned_amount));
  CB_RETURN_IF_ERROR(CheckDate("settlement_date", r.settlement_date));
  return CheckCode("reason_code", r.reason_code, kReasonCode);
}

Result<PaymentReturn> ReadReturn(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "PmtRtr");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  const xmlNode* tx = nullptr;
  CB_ASSIGN_OR_RETURN(tx, OnlyTransaction(reader, message, "TxInf", header));
  PaymentReturn r;
  CB_ASSIGN_OR_RETURN(r.message_id, internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(r.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  const xmlNode* original = reader.Child(tx, "OrgnlGrpInf");
  if (original == nullptr) original = reader.Child(message, "OrgnlGrpInf");
  CB_ASSIGN_OR_RETURN(r.original_message_id, internal::ReadText(reader, original, "OrgnlMsgId",
                                                                "original_message_id", kId));
  CB_ASSIGN_OR_RETURN(r.original_message_type, internal::ReadText(reader, original, "OrgnlMsgNmId",
                                                                  "original_message_type", kId));
  CB_ASSIGN_OR_RETURN(r.original_end_to_end_id, internal::ReadText(reader, tx, "OrgnlEndToEndId",
                                                                   "original_end_to_end_id", kId));
  CB_ASSIGN_OR_RETURN(r.original_tx_id,
                      internal::ReadText(reader, tx, "OrgnlTxId", "original_tx_id", kId));
  CB_ASSIGN_OR_RETURN(r.returned_amount,
                      internal::ReadAmount(reader, tx, "RtrdIntrBkSttlmAmt", "returned_amount"));
  const xmlNode* date_from = reader.Child(tx, "IntrBkSttlmDt") != nullptr ? tx : header;
  CB_ASSIGN_OR_RETURN(r.settlement_date,
                      internal::ReadDate(reader, date_from, "IntrBkSttlmDt", "settlement_date"));
  CB_ASSIGN_OR_RETURN(r.reason_code, internal::ReadText(reader, tx, "RtrRsnInf/Rsn/Cd",
                                                        "reason_code", kReasonCode));
  CB_RETURN_IF_ERROR(CheckReturn(r));
  return r;
}

}  // namespace

std::string_view TxStatusCode(TxStatus status) {
  switch (status) {
    case TxStatus::kAcsc:
      return "ACSC";
    case TxStatus::kAccp:
      return "ACCP";
    case TxStatus::kPdng:
      return "PDNG";
    case TxStatus::kRjct:
      return "RJCT";
  }
  CB_CHECK(false && "unknown TxStatus");
  return {};
}

Result<std::string> BuildPacs008(const CreditTransfer& t) {
  CB_RETURN_IF_ERROR(CheckCreditTransfer(t));
  Writer w(MessageType::kPacs008);
  xmlNode* message = w.Add(w.root(), "FIToFICstmrCdtTrf");
  xmlNode* header = w.Add(message, "GrpHdr");
  AddHeader(w, header, t.message_id, t.created);
  w.AddText(header, "NbOfTxs", "1");
  w.AddText(w.Add(header, "SttlmInf"), "SttlmMtd", "CLRG");
  xmlNode* tx = w.Add(message, "CdtTrfTxInf");
  xmlNode* id = w.Add(tx, "PmtId");
  w.AddText(id, "EndToEndId", t.end_to_end_id);
  w.AddText(id, "TxId", t.tx_id);
  if (!t.uetr.empty()) w.AddText(id, "UETR", t.uetr);
  w.AddAmount(tx, "IntrBkSttlmAmt", t.amount.amount_minor, t.amount.currency, t.amount.exponent);
  w.AddText(tx, "IntrBkSttlmDt", FormatDate(t.settlement_date));
  w.AddText(tx, "ChrgBr", "SLEV");
  internal::AddPartyName(w, tx, "Dbtr", t.debtor);
  internal::AddAccount(w, tx, "DbtrAcct", t.debtor);
  internal::AddAgent(w, tx, "DbtrAgt", t.debtor, AgentUse::kRequired);
  internal::AddAgent(w, tx, "CdtrAgt", t.creditor, AgentUse::kRequired);
  internal::AddPartyName(w, tx, "Cdtr", t.creditor);
  internal::AddAccount(w, tx, "CdtrAcct", t.creditor);
  if (!t.remittance.empty()) w.AddText(w.Add(tx, "RmtInf"), "Ustrd", t.remittance);
  return w.Finish();
}

Result<CreditTransfer> ParsePacs008(std::string_view xml) {
  return internal::ParseWith<CreditTransfer>(MessageType::kPacs008, xml, ReadCreditTransfer);
}

Result<std::string> BuildPacs002(const PaymentStatusReport& r) {
  CB_RETURN_IF_ERROR(CheckStatusReport(r));
  Writer w(MessageType::kPacs002);
  xmlNode* message = w.Add(w.root(), "FIToFIPmtStsRpt");
  AddHeader(w, w.Add(message, "GrpHdr"), r.message_id, r.created);
  xmlNode* tx = w.Add(message, "TxInfAndSts");
  xmlNode* original = w.Add(tx, "OrgnlGrpInf");
  w.AddText(original, "OrgnlMsgId", r.original_message_id);
  w.AddText(original, "OrgnlMsgNmId", r.original_message_type);
  w.AddText(tx, "OrgnlEndToEndId", r.original_end_to_end_id);
  w.AddText(tx, "OrgnlTxId", r.original_tx_id);
  w.AddText(tx, "TxSts", TxStatusCode(r.status));
  if (!r.reason_code.empty()) {
    xmlNode* reason = w.Add(tx, "StsRsnInf");
    w.AddText(w.Add(reason, "Rsn"), "Cd", r.reason_code);
    if (!r.reason_text.empty()) w.AddText(reason, "AddtlInf", r.reason_text);
  }
  return w.Finish();
}

Result<PaymentStatusReport> ParsePacs002(std::string_view xml) {
  return internal::ParseWith<PaymentStatusReport>(MessageType::kPacs002, xml, ReadStatusReport);
}

Result<std::string> BuildPacs004(const PaymentReturn& r) {
  CB_RETURN_IF_ERROR(CheckReturn(r));
  // PaymentReturnV09: GrpHdr (GroupHeader90, SttlmInf mandatory), then TxInf
  // (PaymentTransaction112) in its sequence order.
  Writer w(MessageType::kPacs004);
  xmlNode* message = w.Add(w.root(), "PmtRtr");
  xmlNode* header = w.Add(message, "GrpHdr");
  AddHeader(w, header, r.message_id, r.created);
  w.AddText(header, "NbOfTxs", "1");
  w.AddText(w.Add(header, "SttlmInf"), "SttlmMtd", "CLRG");
  xmlNode* tx = w.Add(message, "TxInf");
  xmlNode* original = w.Add(tx, "OrgnlGrpInf");
  w.AddText(original, "OrgnlMsgId", r.original_message_id);
  w.AddText(original, "OrgnlMsgNmId", r.original_message_type);
  w.AddText(tx, "OrgnlEndToEndId", r.original_end_to_end_id);
  w.AddText(tx, "OrgnlTxId", r.original_tx_id);
  w.AddAmount(tx, "RtrdIntrBkSttlmAmt", r.returned_amount.amount_minor, r.returned_amount.currency,
              r.returned_amount.exponent);
  w.AddText(tx, "IntrBkSttlmDt", FormatDate(r.settlement_date));
  w.AddText(w.Add(w.Add(tx, "RtrRsnInf"), "Rsn"), "Cd", r.reason_code);
  return w.Finish();
}

Result<PaymentReturn> ParsePacs004(std::string_view xml) {
  return internal::ParseWith<PaymentReturn>(MessageType::kPacs004, xml, ReadReturn);
}

}  // namespace cb::payments::iso
