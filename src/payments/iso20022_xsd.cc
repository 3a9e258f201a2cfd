// Message types, the compiled-in XSDs and validation (ValidateXml), including the hand-made
// structural check of pacs.004.001.09, which has no XSD in testdata/iso20022.
#include <libxml/xmlschemas.h>

#include <array>
#include <mutex>

#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso {
namespace internal {
// testdata/iso20022/xsd/<name>.xsd, embedded at configure time (src/CMakeLists.txt).
extern const std::string_view kXsdPacs008;
extern const std::string_view kXsdPacs002;
extern const std::string_view kXsdPain001;
extern const std::string_view kXsdCamt053;
extern const std::string_view kXsdCamt054;
}  // namespace internal

namespace {
using internal::DocPtr;
using internal::ErrorSink;
using internal::FieldError;
using internal::Reader;

constexpr std::string_view kNamespacePrefix = "urn:iso:std:iso:20022:tech:xsd:";
constexpr size_t kMessageTypeCount = std::size(kMessageTypes);
// pacs.004 transactions looked at by the structural check; the orchestrator sends and takes
// one, the bound only keeps a hostile list finite.
constexpr size_t kPacs004TransactionsMax = 10'000;

size_t IndexOf(MessageType type) {
  const auto index = static_cast<size_t>(type);
  CB_CHECK(index < kMessageTypeCount);
  return index;
}

std::string_view EmbeddedXsd(MessageType type) {
  switch (type) {
    case MessageType::kPacs008:
      return internal::kXsdPacs008;
    case MessageType::kPacs002:
      return internal::kXsdPacs002;
    case MessageType::kPain001:
      return internal::kXsdPain001;
    case MessageType::kCamt053:
      return internal::kXsdCamt053;
    case MessageType::kCamt054:
      return internal::kXsdCamt054;
    case MessageType::kPacs004:
      break;
  }
  CB_CHECK(false && "pacs.004 has no XSD");
  return {};
}

struct SchemaParserCtxtFree {
  void operator()(xmlSchemaParserCtxt* ctxt) const { xmlSchemaFreeParserCtxt(ctxt); }
};
struct SchemaValidCtxtFree {
  void operator()(xmlSchemaValidCtxt* ctxt) const { xmlSchemaFreeValidCtxt(ctxt); }
};

// The XSDs are build-time data: one that does not compile is a broken build, hence CB_CHECK
// (iso20022_test compiles every one).
xmlSchema* CompileSchema(MessageType type) {
  xmlInitParser();
  const std::string_view xsd = EmbeddedXsd(type);
  std::unique_ptr<xmlSchemaParserCtxt, SchemaParserCtxtFree> ctxt(
      xmlSchemaNewMemParserCtxt(xsd.data(), static_cast<int>(xsd.size())));
  CB_CHECK(ctxt != nullptr);
  ErrorSink errors;
  xmlSchemaSetParserStructuredErrors(ctxt.get(), ErrorSink::Collect, &errors);
  xmlSchema* schema = xmlSchemaParse(ctxt.get());
  if (schema == nullptr || !errors.empty()) SetCheckContext(errors.first().c_str());
  CB_CHECK(schema != nullptr);
  CB_CHECK(errors.empty());
  return schema;
}

// Parsed once, on first use, and kept for the life of the process. libxml2 only reads a
// compiled schema while validating, so threads share it, each with its own context.
xmlSchema* SchemaFor(MessageType type) {
  struct Slot {
    std::once_flag once;
    xmlSchema* schema = nullptr;
  };
  static std::array<Slot, kMessageTypeCount> slots;
  Slot& slot = slots[IndexOf(type)];
  std::call_once(slot.once, [&slot, type] { slot.schema = CompileSchema(type); });
  CB_CHECK(slot.schema != nullptr);
  return slot.schema;
}

Status CheckRoot(MessageType type, const xmlDoc* doc) {
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr) return Status::InvalidArgument("no root element");
  const std::string expected = MessageNamespace(type);
  const char* ns = root->ns != nullptr && root->ns->href != nullptr
                       ? reinterpret_cast<const char*>(root->ns->href)
                       : "";
  const std::string_view name = reinterpret_cast<const char*>(root->name);
  if (name != "Document" || ns != expected) {
    return Status::InvalidArgument("line " + std::to_string(xmlGetLineNo(root)) +
                                   ": root element is '" + std::string(name) + "' in namespace '" +
                                   ns + "', expected 'Document' in '" + expected + "'");
  }
  return Status::Ok();
}

// "TxInf 2 (line 40): " before a field problem of one pacs.004 transaction.
Status InTransaction(size_t index, const xmlNode* tx, const Status& status) {
  if (status.ok()) return status;
  return Status(status.code(), "TxInf " + std::to_string(index) + " (line " +
                                   std::to_string(xmlGetLineNo(tx)) + "): " + status.message());
}

// What ValidateXml documents for pacs.004.001.09, in the XSD's terms (paths, not our fields).
Status CheckPacs004Structure(const xmlDoc* doc) {
  const Reader reader(MessageType::kPacs004, doc);
  const xmlNode* rtr = reader.Child(reader.root(), "PmtRtr");
  if (rtr == nullptr) return FieldError("PmtRtr", "missing");
  const xmlNode* header = reader.Child(rtr, "GrpHdr");
  if (header == nullptr) return FieldError("PmtRtr/GrpHdr", "missing");
  CB_RETURN_IF_ERROR(internal::ReadText(reader, header, "MsgId", "GrpHdr/MsgId", 35).status());
  CB_RETURN_IF_ERROR(internal::ReadDateTime(reader, header, "CreDtTm", "GrpHdr/CreDtTm").status());
  const Result<uint64_t> declared =
      internal::ReadCount(reader, header, "NbOfTxs", "GrpHdr/NbOfTxs");
  CB_RETURN_IF_ERROR(declared.status());
  const std::vector<const xmlNode*> txs = reader.Children(rtr, "TxInf", kPacs004TransactionsMax);
  if (txs.empty()) return FieldError("PmtRtr/TxInf", "missing");
  if (txs.size() > kPacs004TransactionsMax) {
    return Status::ResourceExhausted("more than " + std::to_string(kPacs004TransactionsMax) +
                                     " TxInf");
  }
  if (*declared != txs.size()) {
    return FieldError("GrpHdr/NbOfTxs", "says " + std::to_string(*declared) + ", the message has " +
                                            std::to_string(txs.size()) + " TxInf");
  }
  for (size_t i = 0; i < txs.size(); ++i) {
    const xmlNode* tx = txs[i];
    CB_RETURN_IF_ERROR(InTransaction(
        i, tx, internal::ReadText(reader, tx, "OrgnlEndToEndId", "OrgnlEndToEndId", 35).status()));
    CB_RETURN_IF_ERROR(InTransaction(
        i, tx,
        internal::ReadAmount(reader, tx, "RtrdIntrBkSttlmAmt", "RtrdIntrBkSttlmAmt").status()));
    const xmlNode* code = reader.Find(tx, "RtrRsnInf/Rsn/Cd");
    if (code == nullptr) {
      return InTransaction(i, tx, FieldError("RtrRsnInf/Rsn/Cd", "missing"));
    }
    CB_RETURN_IF_ERROR(
        InTransaction(i, tx, internal::CheckCode("RtrRsnInf/Rsn/Cd", Reader::Text(code), 4)));
  }
  return Status::Ok();
}

}  // namespace

std::string_view MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kPacs008:
      return "pacs.008.001.08";
    case MessageType::kPacs002:
      return "pacs.002.001.10";
    case MessageType::kPacs004:
      return "pacs.004.001.09";
    case MessageType::kPain001:
      return "pain.001.001.09";
    case MessageType::kCamt053:
      return "camt.053.001.08";
    case MessageType::kCamt054:
      return "camt.054.001.08";
  }
  CB_CHECK(false && "unknown MessageType");
  return {};
}

std::optional<MessageType> MessageTypeFromName(std::string_view name) {
  for (MessageType type : kMessageTypes) {
    if (MessageTypeName(type) == name) return type;
  }
  return std::nullopt;
}

std::string MessageNamespace(MessageType type) {
  return std::string(kNamespacePrefix) + std::string(MessageTypeName(type));
}

namespace internal {

Status ValidateDoc(MessageType type, xmlDoc* doc) {
  CB_CHECK(doc != nullptr);
  CB_RETURN_IF_ERROR(Prefixed(type, CheckRoot(type, doc)));
  if (type == MessageType::kPacs004) return Prefixed(type, CheckPacs004Structure(doc));
  std::unique_ptr<xmlSchemaValidCtxt, SchemaValidCtxtFree> ctxt(
      xmlSchemaNewValidCtxt(SchemaFor(type)));
  CB_CHECK(ctxt != nullptr);
  ErrorSink errors(MessageNamespace(type));
  xmlSchemaSetValidStructuredErrors(ctxt.get(), ErrorSink::Collect, &errors);
  const int rc = xmlSchemaValidateDoc(ctxt.get(), doc);
  if (rc < 0) {
    // libxml2's own failure, not a verdict on the document: a dependency error, handled.
    return Prefixed(type, Status::Internal("libxml2 could not run the schema validation"));
  }
  if (rc == 0 && errors.empty()) return Status::Ok();
  const std::string problem =
      errors.empty() ? std::string("does not validate against the XSD") : errors.first();
  return Prefixed(type, Status::InvalidArgument(problem));
}

}  // namespace internal

Status ValidateXml(MessageType type, std::string_view xml) {
  Result<DocPtr> doc = internal::ParseAndValidate(type, xml);
  return doc.status();
}

}  // namespace cb::payments::iso
