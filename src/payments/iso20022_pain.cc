// pain.001.001.09 (customer credit transfer initiation): the bulk file. Building checks every
// field and stops at the first problem; parsing validates the file against the XSD, then
// reads every item and collects field problems by item, so the bulk API can refuse one row
// and let the rest proceed.
#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso {
namespace {
using internal::AgentUse;
using internal::CheckText;
using internal::FieldError;
using internal::Reader;
using internal::Writer;

constexpr size_t kId = 35;           // Max35Text
constexpr size_t kName = 140;        // Max140Text
constexpr size_t kRemittance = 140;  // Max140Text

std::string BlockField(size_t block, std::string_view name) {
  return "blocks[" + std::to_string(block) + "]." + std::string(name);
}

std::string ItemField(size_t block, size_t item, std::string_view name) {
  return BlockField(block, "items[" + std::to_string(item) + "]." + std::string(name));
}

Status CheckItem(size_t block, size_t index, const TransferItem& item) {
  CB_RETURN_IF_ERROR(CheckText(ItemField(block, index, "end_to_end_id"), item.end_to_end_id, kId));
  CB_RETURN_IF_ERROR(internal::CheckAmount(ItemField(block, index, "amount"), item.amount));
  CB_RETURN_IF_ERROR(internal::CheckParty(ItemField(block, index, "creditor"), item.creditor));
  return internal::CheckOptionalText(ItemField(block, index, "remittance"), item.remittance,
                                     kRemittance);
}

Status CheckFile(const CustomerTransferFile& file) {
  CB_RETURN_IF_ERROR(CheckText("message_id", file.message_id, kId));
  CB_RETURN_IF_ERROR(CheckText("initiating_party_name", file.initiating_party_name, kName));
  if (file.blocks.empty()) return FieldError("blocks", "missing");
  size_t items = 0;
  for (size_t b = 0; b < file.blocks.size(); ++b) {
    const PaymentBlock& block = file.blocks[b];
    CB_RETURN_IF_ERROR(CheckText(BlockField(b, "payment_info_id"), block.payment_info_id, kId));
    CB_RETURN_IF_ERROR(internal::CheckParty(BlockField(b, "debtor"), block.debtor));
    CB_RETURN_IF_ERROR(internal::CheckDate(BlockField(b, "requested_execution_date"),
                                           block.requested_execution_date));
    if (block.items.empty()) return FieldError(BlockField(b, "items"), "missing");
    items += block.items.size();
    if (items > kPain001ItemsMax) {
      return Status::ResourceExhausted("more than " + std::to_string(kPain001ItemsMax) + " items");
    }
    for (size_t i = 0; i < block.items.size(); ++i) {
      CB_RETURN_IF_ERROR(CheckItem(b, i, block.items[i]));
    }
  }
  return Status::Ok();
}

void AddItem(Writer& w, xmlNode* block, const TransferItem& item) {
  xmlNode* tx = w.Add(block, "CdtTrfTxInf");
  w.AddText(w.Add(tx, "PmtId"), "EndToEndId", item.end_to_end_id);
  w.AddAmount(w.Add(tx, "Amt"), "InstdAmt", item.amount.amount_minor, item.amount.currency,
              item.amount.exponent);
  internal::AddAgent(w, tx, "CdtrAgt", item.creditor, AgentUse::kOptional);
  internal::AddPartyName(w, tx, "Cdtr", item.creditor);
  internal::AddAccount(w, tx, "CdtrAcct", item.creditor);
  if (!item.remittance.empty()) w.AddText(w.Add(tx, "RmtInf"), "Ustrd", item.remittance);
}

// Collects the problems of one parsed file in document order.
class Problems {
 public:
  explicit Problems(std::vector<FileProblem>& out) : out_(out) {}
  // Records `status` (a "field: reason" refusal) against a block's own field; OK is ignored.
  void OfBlock(size_t block, const Status& status) {
    if (status.ok()) return;
    Add(block, std::nullopt, "payment block " + std::to_string(block) + ": ", status);
  }
  void OfItem(size_t block, size_t item, const Status& status) {
    if (status.ok()) return;
    Add(block, item, "item " + std::to_string(item) + ": ", status);
  }
  // The value into `out` when ok; else the problem is recorded and `out` keeps its default.
  template <typename T>
  void Take(size_t block, std::optional<size_t> item, Result<T> result, T& out) {
    if (result.ok()) {
      out = *std::move(result);
    } else if (item) {
      OfItem(block, *item, result.status());
    } else {
      OfBlock(block, result.status());
    }
  }

 private:
  void Add(size_t block, std::optional<size_t> item, std::string prefix, const Status& status) {
    out_.push_back(FileProblem{block, item, std::string(internal::FieldOf(status)),
                               internal::CapError(std::move(prefix) + status.message())});
  }
  std::vector<FileProblem>& out_;
};

TransferItem ReadItem(const Reader& reader, const xmlNode* tx, size_t block, size_t index,
                      Problems& problems) {
  TransferItem item;
  problems.Take(block, index,
                internal::ReadText(reader, tx, "PmtId/EndToEndId", "end_to_end_id", kId),
                item.end_to_end_id);
  if (reader.Find(tx, "Amt/InstdAmt") == nullptr) {
    problems.OfItem(block, index, FieldError("amount", "only Amt/InstdAmt is supported"));
  } else {
    Result<Amount> amount = internal::ReadAmount(reader, tx, "Amt/InstdAmt", "amount");
    if (amount.ok()) {
      item.amount = *std::move(amount);
      problems.OfItem(block, index, internal::CheckAmount("amount", item.amount));  // > 0
    } else {
      problems.OfItem(block, index, amount.status());
    }
  }
  problems.OfItem(block, index,
                  internal::ReadPartyName(reader, tx, "Cdtr", "creditor", item.creditor));
  problems.OfItem(block, index,
                  internal::ReadAccount(reader, tx, "CdtrAcct", "creditor", item.creditor));
  problems.OfItem(block, index,
                  internal::ReadAgent(reader, tx, "CdtrAgt", "creditor", item.creditor));
  problems.Take(block, index,
                internal::ReadOptionalText(reader, tx, "RmtInf/Ustrd", "remittance", kRemittance),
                item.remittance);
  return item;
}

PaymentBlock ReadBlock(const Reader& reader, const xmlNode* node,
                       const std::vector<const xmlNode*>& txs, size_t block, size_t first_item,
                       Problems& problems) {
  PaymentBlock out;
  const std::optional<size_t> own;  // the block's own fields
  problems.Take(block, own, internal::ReadText(reader, node, "PmtInfId", "payment_info_id", kId),
                out.payment_info_id);
  if (reader.TextAt(node, "PmtMtd") != "TRF") {
    problems.OfBlock(block, FieldError("payment_method", "only PmtMtd TRF (credit transfer)"));
  }
  // ReqdExctnDt is a choice of Dt and DtTm; a DtTm counts by its UTC day.
  if (reader.Find(node, "ReqdExctnDt/Dt") != nullptr) {
    problems.Take(block, own,
                  internal::ReadDate(reader, node, "ReqdExctnDt/Dt", "requested_execution_date"),
                  out.requested_execution_date);
  } else {
    TimestampNs at = 0;
    problems.Take(
        block, own,
        internal::ReadDateTime(reader, node, "ReqdExctnDt/DtTm", "requested_execution_date"), at);
    if (at != 0) out.requested_execution_date = DateOf(at);
  }
  problems.OfBlock(block, internal::ReadPartyName(reader, node, "Dbtr", "debtor", out.debtor));
  problems.OfBlock(block, internal::ReadAccount(reader, node, "DbtrAcct", "debtor", out.debtor));
  problems.OfBlock(block, internal::ReadAgent(reader, node, "DbtrAgt", "debtor", out.debtor));
  out.items.reserve(txs.size());
  for (size_t i = 0; i < txs.size(); ++i) {
    out.items.push_back(ReadItem(reader, txs[i], block, first_item + i, problems));
  }
  return out;
}

Result<ParsedTransferFile> ReadFile(const Reader& reader) {
  const xmlNode* message = reader.Child(reader.root(), "CstmrCdtTrfInitn");
  const xmlNode* header = reader.Child(message, "GrpHdr");
  ParsedTransferFile parsed;
  CustomerTransferFile& file = parsed.file;
  CB_ASSIGN_OR_RETURN(file.message_id,
                      internal::ReadText(reader, header, "MsgId", "message_id", kId));
  CB_ASSIGN_OR_RETURN(file.created, internal::ReadDateTime(reader, header, "CreDtTm", "created"));
  CB_ASSIGN_OR_RETURN(
      file.initiating_party_name,
      internal::ReadText(reader, header, "InitgPty/Nm", "initiating_party_name", kName));
  CB_ASSIGN_OR_RETURN(parsed.declared_transactions,
                      internal::ReadCount(reader, header, "NbOfTxs", "declared_transactions"));
  // Count first: each block has at least one item (XSD), so blocks are bounded by items too.
  const std::vector<const xmlNode*> blocks = reader.Children(message, "PmtInf", kPain001ItemsMax);
  std::vector<std::vector<const xmlNode*>> txs(blocks.size());
  size_t items = 0;
  for (size_t b = 0; b < blocks.size() && items <= kPain001ItemsMax; ++b) {
    txs[b] = reader.Children(blocks[b], "CdtTrfTxInf", kPain001ItemsMax - items);
    items += txs[b].size();
  }
  if (blocks.size() > kPain001ItemsMax || items > kPain001ItemsMax) {
    return Status::ResourceExhausted("more than " + std::to_string(kPain001ItemsMax) +
                                     " credit transfers (CdtTrfTxInf)");
  }
  Problems problems(parsed.problems);
  size_t first_item = 0;
  file.blocks.reserve(blocks.size());
  for (size_t b = 0; b < blocks.size(); ++b) {
    file.blocks.push_back(ReadBlock(reader, blocks[b], txs[b], b, first_item, problems));
    first_item += txs[b].size();
  }
  CB_CHECK(first_item == items);
  return parsed;
}

}  // namespace

Result<std::string> BuildPain001(const CustomerTransferFile& file) {
  CB_RETURN_IF_ERROR(CheckFile(file));
  Writer w(MessageType::kPain001);
  xmlNode* message = w.Add(w.root(), "CstmrCdtTrfInitn");
  xmlNode* header = w.Add(message, "GrpHdr");
  w.AddText(header, "MsgId", file.message_id);
  w.AddText(header, "CreDtTm", FormatRfc3339(file.created));
  size_t items = 0;
  for (const PaymentBlock& block : file.blocks) items += block.items.size();
  w.AddText(header, "NbOfTxs", std::to_string(items));
  w.AddText(w.Add(header, "InitgPty"), "Nm", file.initiating_party_name);
  for (const PaymentBlock& block : file.blocks) {
    xmlNode* node = w.Add(message, "PmtInf");
    w.AddText(node, "PmtInfId", block.payment_info_id);
    w.AddText(node, "PmtMtd", "TRF");
    w.AddText(node, "NbOfTxs", std::to_string(block.items.size()));
    w.AddText(w.Add(node, "ReqdExctnDt"), "Dt", FormatDate(block.requested_execution_date));
    internal::AddPartyName(w, node, "Dbtr", block.debtor);
    internal::AddAccount(w, node, "DbtrAcct", block.debtor);
    internal::AddAgent(w, node, "DbtrAgt", block.debtor, AgentUse::kRequired);
    for (const TransferItem& item : block.items) AddItem(w, node, item);
  }
  return w.Finish();
}

Result<ParsedTransferFile> ParsePain001(std::string_view xml) {
  return internal::ParseWith<ParsedTransferFile>(MessageType::kPain001, xml, ReadFile);
}

}  // namespace cb::payments::iso
