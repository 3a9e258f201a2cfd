// libxml2 at the edge: the hardened parse of untrusted bytes, the first-error sink, and the
// reader and writer every message codec uses.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <climits>
#include <cstring>

#include "base/check.h"
#include "payments/iso20022_internal.h"

namespace cb::payments::iso::internal {
namespace {

// NONET: no fetch of anything a document names. Never NOENT (substitutes entities), DTDLOAD
// (reads external DTDs), HUGE (lifts libxml2's size and depth limits) or XINCLUDE. BIG_LINES:
// line numbers past 65535 stay right in error messages.
constexpr int kParseOptions = XML_PARSE_NONET | XML_PARSE_BIG_LINES;
static_assert((kParseOptions & (XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR |
                                XML_PARSE_DTDVALID | XML_PARSE_HUGE | XML_PARSE_XINCLUDE)) == 0);

// libxml2 wants its globals set up once before threads use it.
void EnsureLibxmlInit() {
  static const bool initialised = [] {
    xmlInitParser();
    return true;
  }();
  CB_CHECK(initialised);
}

struct ParseState {
  ErrorSink errors;
  bool doctype = false;
};

struct ParserCtxtFree {
  void operator()(xmlParserCtxt* ctxt) const { xmlFreeParserCtxt(ctxt); }
};

// SAX callbacks get ctxt->userData, which libxml2 sets to the context itself (its SAX2
// handlers rely on that); our state rides in ctxt->_private, which libxml2 leaves alone.
ParseState& StateOf(void* ctx) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  CB_CHECK(ctxt->_private != nullptr);
  return *static_cast<ParseState*>(ctxt->_private);
}

void OnParseError(void* ctx, XmlErrorArg error) { StateOf(ctx).errors.Record(error); }

// Called at "<!DOCTYPE name ...", before the internal subset ("[...]") is read: stopping
// here means no entity is ever declared, let alone expanded (billion laughs refused in
// microseconds). ISO 20022 messages have no DOCTYPE.
void OnDoctype(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  StateOf(ctx).doctype = true;
  xmlStopParser(static_cast<xmlParserCtxt*>(ctx));
}

bool IsUtf8Continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

void ErrorSink::Record(XmlErrorArg error) {
  if (error == nullptr || error->level < XML_ERR_ERROR || !first_.empty()) return;
  std::string message = error->message != nullptr ? error->message : "unknown libxml2 error";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  if (!strip_.empty()) {
    const std::string braced = "{" + strip_ + "}";
    // Bounded: each pass removes one occurrence from a message of bounded length.
    for (size_t at = message.find(braced); at != std::string::npos; at = message.find(braced)) {
      message.erase(at, braced.size());
    }
  }
  first_ = CapError("line " + std::to_string(error->line) + ": " + message);
}

void ErrorSink::Collect(void* sink, XmlErrorArg error) {
  CB_CHECK(sink != nullptr);
  static_cast<ErrorSink*>(sink)->Record(error);
}

std::string CapError(std::string message) {
  if (message.size() <= kErrorBytesMax) return message;
  constexpr std::string_view kEllipsis = "...";
  size_t keep = kErrorBytesMax - kEllipsis.size();
  while (keep > 0 && IsUtf8Continuation(message[keep])) --keep;  // message[keep] is dropped
  message.resize(keep);
  message += kEllipsis;
  CB_CHECK(message.size() <= kErrorBytesMax);
  return message;
}

Result<DocPtr> ParseUntrusted(std::string_view xml) {
  if (xml.size() > kXmlBytesMax) {
    return Status::ResourceExhausted("XML document has " + std::to_string(xml.size()) +
                                     " bytes, more than " + std::to_string(kXmlBytesMax));
  }
  if (xml.empty()) return Status::InvalidArgument("XML document is empty");
  static_assert(kXmlBytesMax <= INT_MAX);  // xmlCtxtReadMemory takes an int
  EnsureLibxmlInit();
  std::unique_ptr<xmlParserCtxt, ParserCtxtFree> ctxt(xmlNewParserCtxt());
  CB_CHECK(ctxt != nullptr);  // out of memory
  CB_CHECK(ctxt->sax != nullptr);
  ParseState state;
  ctxt->_private = &state;
  ctxt->sax->serror = OnParseError;
  ctxt->sax->internalSubset = OnDoctype;
  DocPtr doc(xmlCtxtReadMemory(ctxt.get(), xml.data(), static_cast<int>(xml.size()), nullptr,
                               nullptr, kParseOptions));
  if (state.doctype) {
    return Status::InvalidArgument(
        "XML document has a DOCTYPE, which ISO 20022 messages never have (it could declare "
        "entities); refused");
  }
  if (doc == nullptr || ctxt->wellFormed == 0 || !state.errors.empty()) {
    return Status::InvalidArgument(
        CapError("XML is not well-formed: " +
                 (state.errors.empty() ? std::string("no document") : state.errors.first())));
  }
  // The same property on a second path: the stop above left no DTD behind.
  CB_CHECK(doc->intSubset == nullptr);
  CB_CHECK(doc->extSubset == nullptr);
  return doc;
}

Result<DocPtr> ParseAndValidate(MessageType type, std::string_view xml) {
  Result<DocPtr> doc = ParseUntrusted(xml);
  if (!doc.ok()) return Prefixed(type, doc.status());
  CB_RETURN_IF_ERROR(ValidateDoc(type, doc->get()));
  return doc;
}

// ---- Reader ----

Reader::Reader(MessageType type, const xmlDoc* doc)
    : type_(type), namespace_(MessageNamespace(type)), root_(nullptr) {
  CB_CHECK(doc != nullptr);
  root_ = xmlDocGetRootElement(doc);
  CB_CHECK(root_ != nullptr);  // ValidateDoc has checked the root
  CB_CHECK(IsOurs(root_, "Document"));
}

bool Reader::IsOurs(const xmlNode* node, std::string_view name) const {
  return node->type == XML_ELEMENT_NODE && node->ns != nullptr && node->ns->href != nullptr &&
         reinterpret_cast<const char*>(node->ns->href) == namespace_ &&
         reinterpret_cast<const char*>(node->name) == name;
}

const xmlNode* Reader::Child(const xmlNode* parent, std::string_view name) const {
  if (parent == nullptr) return nullptr;
  for (const xmlNode* c = parent->children; c != nullptr; c = c->next) {
    if (IsOurs(c, name)) return c;
  }
  return nullptr;
}

const xmlNode* Reader::Find(const xmlNode* from, std::string_view path) const {
  const xmlNode* node = from;
  while (node != nullptr && !path.empty()) {
    const size_t slash = path.find('/');
    node = Child(node, path.substr(0, slash));
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash + 1);
  }
  return node;
}

std::vector<const xmlNode*> Reader::Children(const xmlNode* parent, std::string_view name,
                                             size_t count_max) const {
  std::vector<const xmlNode*> out;
  if (parent == nullptr) return out;
  for (const xmlNode* c = parent->children; c != nullptr && out.size() <= count_max; c = c->next) {
    if (IsOurs(c, name)) out.push_back(c);
  }
  return out;
}

std::string Reader::Text(const xmlNode* node) {
  if (node == nullptr) return {};
  xmlChar* content = xmlNodeGetContent(node);
  if (content == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(content));
  xmlFree(content);
  return text;
}

std::string Reader::TextAt(const xmlNode* from, std::string_view path) const {
  return Text(Find(from, path));
}

std::string Reader::Attribute(const xmlNode* node, const char* name) {
  if (node == nullptr) return {};
  xmlChar* value = xmlGetNoNsProp(node, reinterpret_cast<const xmlChar*>(name));
  if (value == nullptr) return {};
  std::string text(reinterpret_cast<const char*>(value));
  xmlFree(value);
  return text;
}

// ---- Writer ----

Writer::Writer(MessageType type) : type_(type) {
  EnsureLibxmlInit();
  doc_ = xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0"));
  CB_CHECK(doc_ != nullptr);
  root_ = xmlNewNode(nullptr, reinterpret_cast<const xmlChar*>("Document"));
  CB_CHECK(root_ != nullptr);
  xmlDocSetRootElement(doc_, root_);  // the document owns the root from here
  const std::string ns = MessageNamespace(type);
  ns_ = xmlNewNs(root_, reinterpret_cast<const xmlChar*>(ns.c_str()), nullptr);
  CB_CHECK(ns_ != nullptr);
  xmlSetNs(root_, ns_);
}

Writer::~Writer() { xmlFreeDoc(doc_); }

xmlNode* Writer::Add(xmlNode* parent, const char* name) {
  CB_CHECK(parent != nullptr);
  xmlNode* node = xmlNewChild(parent, ns_, reinterpret_cast<const xmlChar*>(name), nullptr);
  CB_CHECK(node != nullptr);
  return node;
}

xmlNode* Writer::AddText(xmlNode* parent, const char* name, std::string_view text) {
  CB_CHECK(parent != nullptr);
  // A NUL would silently cut the C string libxml2 copies; the field checks refuse it.
  CB_CHECK(text.find('\0') == std::string_view::npos);
  const std::string copy(text);
  // xmlNewTextChild escapes &, < and >; xmlNewChild would parse them as markup.
  xmlNode* node = xmlNewTextChild(parent, ns_, reinterpret_cast<const xmlChar*>(name),
                                  reinterpret_cast<const xmlChar*>(copy.c_str()));
  CB_CHECK(node != nullptr);
  return node;
}

void Writer::AddAmount(xmlNode* parent, const char* name, int64_t amount_minor,
                       std::string_view currency, uint8_t exponent) {
  xmlNode* node = AddText(parent, name, FormatDecimalAmount(amount_minor, exponent));
  const std::string ccy(currency);
  CB_CHECK(xmlNewProp(node, reinterpret_cast<const xmlChar*>("Ccy"),
                      reinterpret_cast<const xmlChar*>(ccy.c_str())) != nullptr);
}

Result<std::string> Writer::Finish() {
  xmlChar* bytes = nullptr;
  int size = 0;
  xmlDocDumpFormatMemoryEnc(doc_, &bytes, &size, "UTF-8", 1);
  CB_CHECK(bytes != nullptr);
  CB_CHECK(size > 0);
  std::string xml(reinterpret_cast<const char*>(bytes), static_cast<size_t>(size));
  xmlFree(bytes);
  // Validate the bytes, not the tree: what leaves is what was checked.
  const Status valid = ValidateXml(type_, xml);
  if (!valid.ok()) {
    return Status::Internal(CapError("built message does not validate: " + valid.message()));
  }
  return xml;
}

}  // namespace cb::payments::iso::internal
