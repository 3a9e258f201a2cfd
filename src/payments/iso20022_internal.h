#pragma once
// Shared by the cb_iso20022 sources, not by callers (they include iso20022.h): hardened
// parsing and validation (iso20022_xml.cc, iso20022_xsd.cc), a tree reader and writer, and
// the field checks and codecs (iso20022_fields.cc, iso20022_party.cc).
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "payments/iso20022.h"

namespace cb::payments::iso::internal {

// ---- Untrusted XML in (iso20022_xml.cc, iso20022_xsd.cc) ----

#if LIBXML_VERSION >= 21200
using XmlErrorArg = const xmlError*;
#else
using XmlErrorArg = xmlError*;
#endif

// Keeps the first error (warnings are ignored) libxml2 reports through one context's
// structured handler, as "line N: message". Installed per context, never globally, so no
// message reaches stderr and concurrent calls do not share state.
class ErrorSink {
 public:
  // `strip` (a message namespace) is dropped from "{namespace}Name" in messages: the
  // caller knows the namespace, and 60 bytes of it would crowd out the problem.
  explicit ErrorSink(std::string strip = {}) : strip_(std::move(strip)) {}
  void Record(XmlErrorArg error);
  // A libxml2 xmlStructuredErrorFunc; `sink` is an ErrorSink*.
  static void Collect(void* sink, XmlErrorArg error);
  bool empty() const { return first_.empty(); }
  const std::string& first() const { return first_; }

 private:
  std::string strip_;
  std::string first_;
};

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

// Parses with XML_PARSE_NONET only; refuses input over kXmlBytesMax and any DOCTYPE (the
// parser stops at "<!DOCTYPE", before an internal subset could declare an entity).
Result<DocPtr> ParseUntrusted(std::string_view xml);
// The document is a `type` message: root Document in its namespace, then the XSD (or the
// pacs.004 structure). Messages are prefixed with the type's name.
Status ValidateDoc(MessageType type, xmlDoc* doc);
// ParseUntrusted, then ValidateDoc: where every Parse* starts.
Result<DocPtr> ParseAndValidate(MessageType type, std::string_view xml);
// `message` cut to kErrorBytesMax bytes without splitting a UTF-8 sequence.
std::string CapError(std::string message);

// Reads a validated document: element children in the message's namespace only, so an
// element of another namespace (inside SplmtryData, say) is never mistaken for ours.
class Reader {
 public:
  Reader(MessageType type, const xmlDoc* doc);
  MessageType type() const { return type_; }
  // The Document element.
  const xmlNode* root() const { return root_; }
  // The first child element called `name`; nullptr when there is none.
  const xmlNode* Child(const xmlNode* parent, std::string_view name) const;
  // Follows "A/B/C" from `from`; nullptr when a step is missing.
  const xmlNode* Find(const xmlNode* from, std::string_view path) const;
  // The child elements called `name`, in order; at most `count_max` + 1 are collected, so the
  // caller can refuse "more than count_max" without walking a huge list.
  std::vector<const xmlNode*> Children(const xmlNode* parent, std::string_view name,
                                       size_t count_max) const;
  // Text content of `node`, or of the element at `path` from it ("" when missing).
  static std::string Text(const xmlNode* node);
  std::string TextAt(const xmlNode* from, std::string_view path) const;
  // Value of attribute `name` ("" when missing).
  static std::string Attribute(const xmlNode* node, const char* name);

 private:
  bool IsOurs(const xmlNode* node, std::string_view name) const;

  MessageType type_;
  std::string namespace_;
  const xmlNode* root_;
};

// Builds one message: <Document xmlns="urn:iso:std:iso:20022:tech:xsd:NAME">. Values are
// checked by the caller first; text is escaped here (xmlNewTextChild), never interpreted.
class Writer {
 public:
  explicit Writer(MessageType type);
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  xmlNode* root() { return root_; }
  xmlNode* Add(xmlNode* parent, const char* name);
  xmlNode* AddText(xmlNode* parent, const char* name, std::string_view text);
  // <name Ccy="EUR">12.34</name>
  void AddAmount(xmlNode* parent, const char* name, int64_t amount_minor, std::string_view currency,
                 uint8_t exponent);
  // Serialises (UTF-8, indented) and validates the bytes with ValidateXml: a failure is
  // Internal, since the caller's checks should have refused the input.
  Result<std::string> Finish();

 private:
  MessageType type_;
  xmlDoc* doc_;
  xmlNs* ns_;
  xmlNode* root_;
};

// ---- Field checks and codecs (iso20022_fields.cc) ----
// Every refusal is InvalidArgument "FIELD: reason", FIELD being our struct's field name
// ("creditor.name"); FieldOf recovers it for pain.001's per-item problems.

Status FieldError(std::string_view field, std::string_view reason);
std::string_view FieldOf(const Status& status);

// 1..chars_max Unicode characters of valid UTF-8 without control characters (C0, DEL, C1)
// or the non-characters U+FFFE/U+FFFF. XSD lengths count characters, not bytes.
Status CheckText(std::string_view field, std::string_view text, size_t chars_max);
// Empty, or as CheckText.
Status CheckOptionalText(std::string_view field, std::string_view text, size_t chars_max);
// 1..chars_max of A-Z and 0-9 (ISO external codes: "AC01", "ACSC", "BOOK", "PMNT").
Status CheckCode(std::string_view field, std::string_view code, size_t chars_max);
Status CheckBic(std::string_view field, std::string_view bic);
// Electronic form and valid by ParseIban.
Status CheckIban(std::string_view field, std::string_view iban);
Status CheckUetr(std::string_view field, std::string_view uetr);
// A known ISO 4217 code whose exponent is `exponent`.
Status CheckCurrency(std::string_view field, std::string_view currency, uint8_t exponent);
// CheckCurrency and 0 < amount_minor <= kAmountMinorMax.
Status CheckAmount(std::string_view field, const Amount& amount);
Status CheckDate(std::string_view field, Date date);

// Readers: the element at `path` from `from`, decoded; "FIELD: missing" when required and
// absent. Whitespace around xs:decimal, xs:date and xs:dateTime values is dropped, as the
// XSD types collapse it.
Result<std::string> ReadText(const Reader& reader, const xmlNode* from, std::string_view path,
                             std::string_view field, size_t chars_max);
Result<std::string> ReadOptionalText(const Reader& reader, const xmlNode* from,
                                     std::string_view path, std::string_view field,
                                     size_t chars_max);
// A CreDtTm-like time. Without a UTC offset it is read as UTC (ISO 20022 leaves it local;
// our counterparties send "Z").
Result<TimestampNs> ReadDateTime(const Reader& reader, const xmlNode* from, std::string_view path,
                                 std::string_view field);
Result<Date> ReadDate(const Reader& reader, const xmlNode* from, std::string_view path,
                      std::string_view field);
// Amount with its Ccy attribute; the exponent comes from ISO 4217.
Result<Amount> ReadAmount(const Reader& reader, const xmlNode* from, std::string_view path,
                          std::string_view field);
// GrpHdr/NbOfTxs-like count (Max15NumericText).
Result<uint64_t> ReadCount(const Reader& reader, const xmlNode* from, std::string_view path,
                           std::string_view field);

// "pacs.008.001.08: " + the status's message, same code.
Status Prefixed(MessageType type, const Status& status);

// The minor-unit digits of an ISO 4217 currency (ledger/currency.h's table).
Result<uint8_t> ExponentOf(std::string_view field, std::string_view currency);

// Parse* = validate, then read, with the message's name before any field problem.
template <typename T>
Result<T> ParseWith(MessageType type, std::string_view xml, Result<T> (*read)(const Reader&)) {
  Result<DocPtr> doc = ParseAndValidate(type, xml);
  if (!doc.ok()) return doc.status();
  Result<T> value = read(Reader(type, doc->get()));
  if (!value.ok()) return Prefixed(type, value.status());
  return value;
}

// ---- Parties (iso20022_party.cc) ----

enum class AgentUse : uint8_t { kRequired, kOptional };

// Name, exactly one account (IBAN or sort code + account number) and the BIC if set.
// `field` is "debtor", "creditor"...
Status CheckParty(std::string_view field, const Party& party);
// <party_tag><Nm>, <account_tag><Id>..., <agent_tag><FinInstnId>... as Party describes; the
// caller orders the three calls as the XSD sequence wants them.
void AddPartyName(Writer& writer, xmlNode* parent, const char* party_tag, const Party& party);
void AddAccount(Writer& writer, xmlNode* parent, const char* account_tag, const Party& party);
void AddAgent(Writer& writer, xmlNode* parent, const char* agent_tag, const Party& party,
              AgentUse use);
// The three parts back; each returns the first problem of its part, so pain.001 can report
// one per part. A NOTPROVIDED or absent agent leaves `bic` empty. ReadAgent after
// ReadAccount: it checks a GBDSC clearing member against the account's sort code.
Status ReadPartyName(const Reader& reader, const xmlNode* parent, const char* party_tag,
                     std::string_view field, Party& party);
Status ReadAccount(const Reader& reader, const xmlNode* parent, const char* account_tag,
                   std::string_view field, Party& party);
Status ReadAgent(const Reader& reader, const xmlNode* parent, const char* agent_tag,
                 std::string_view field, Party& party);

}  // namespace cb::payments::iso::internal
