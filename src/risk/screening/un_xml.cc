// UN Security Council consolidated list XML (lists.h), schema
// https://www.un.org/sc/resources/sc-sanctions.xsd: CONSOLIDATED_LIST/INDIVIDUALS/INDIVIDUAL
// and CONSOLIDATED_LIST/ENTITIES/ENTITY.
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cstring>
#include <memory>

#include "risk/screening/lists.h"

namespace cb::risk::screening {
namespace {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};

bool Is(const xmlNode* n, const char* name) {
  return n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), name) == 0;
}

std::string Text(const xmlNode* n) {
  xmlChar* c = xmlNodeGetContent(n);
  if (c == nullptr) return {};
  std::string s(reinterpret_cast<const char*>(c));
  xmlFree(c);
  // Collapse runs of white space (the file wraps long values).
  std::string out;
  bool space = true;
  for (char ch : s) {
    const bool ws = ch == ' ' || ch == '\n' || ch == '\r' || ch == '\t';
    if (ws) {
      if (!space) out.push_back(' ');
      space = true;
    } else {
      out.push_back(ch);
      space = false;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out.size() > kListStringBytesMax ? out.substr(0, kListStringBytesMax) : out;
}

const xmlNode* Child(const xmlNode* n, const char* name) {
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (Is(c, name)) return c;
  }
  return nullptr;
}

std::string ChildText(const xmlNode* n, const char* name) {
  const xmlNode* c = Child(n, name);
  return c == nullptr ? std::string() : Text(c);
}

void Push(std::vector<std::string>* v, std::string s) {
  if (!s.empty() && v->size() < kEntryFieldValuesMax) v->push_back(std::move(s));
}

// "A ; B" in one name field lists two names: the first is primary, the rest aliases.
void SplitNames(const std::string& joined, std::string* primary,
                std::vector<std::string>* aliases) {
  size_t start = 0;
  bool first = true;
  while (start <= joined.size()) {
    size_t end = joined.find(';', start);
    if (end == std::string::npos) end = joined.size();
    std::string part = joined.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.erase(part.begin());
    while (!part.empty() && part.back() == ' ') part.pop_back();
    if (!part.empty()) {
      if (first) {
        *primary = part;
        first = false;
      } else {
        Push(aliases, part);
      }
    }
    start = end + 1;
  }
}

ListEntry ParseEntry(const xmlNode* n, bool individual) {
  ListEntry e;
  e.type = individual ? EntityType::kPerson : EntityType::kOrganization;
  e.id = ChildText(n, "REFERENCE_NUMBER");
  if (e.id.empty()) e.id = "dataid-" + ChildText(n, "DATAID");
  std::string name;
  for (const char* part : {"FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME"}) {
    std::string p = ChildText(n, part);
    if (p.empty()) continue;
    if (!name.empty()) name += ' ';
    name += p;
  }
  SplitNames(name, &e.name, &e.aliases);
  Push(&e.aliases, ChildText(n, "NAME_ORIGINAL_SCRIPT"));
  Push(&e.programs, ChildText(n, "UN_LIST_TYPE"));
  const char* alias_tag = individual ? "INDIVIDUAL_ALIAS" : "ENTITY_ALIAS";
  const char* address_tag = individual ? "INDIVIDUAL_ADDRESS" : "ENTITY_ADDRESS";
  for (const xmlNode* c = n->children; c != nullptr; c = c->next) {
    if (Is(c, alias_tag)) {
      Push(&e.aliases, ChildText(c, "ALIAS_NAME"));
    } else if (Is(c, address_tag)) {
      Push(&e.countries, ChildText(c, "COUNTRY"));
    } else if (Is(c, "NATIONALITY")) {
      for (const xmlNode* v = c->children; v != nullptr; v = v->next) {
        if (Is(v, "VALUE")) Push(&e.countries, Text(v));
      }
    } else if (Is(c, "INDIVIDUAL_DATE_OF_BIRTH")) {
      // DATE (YYYY-MM-DD), YEAR, or a FROM_YEAR..TO_YEAR range (both ends kept).
      std::string date = ChildText(c, "DATE");
      if (date.size() >= 10) date.resize(10);
      Push(&e.birth_dates, date);
      Push(&e.birth_dates, ChildText(c, "YEAR"));
      Push(&e.birth_dates, ChildText(c, "FROM_YEAR"));
      Push(&e.birth_dates, ChildText(c, "TO_YEAR"));
    }
  }
  return e;
}

}  // namespace

Result<SanctionsList> LoadUnConsolidated(const std::string& xml_path) {
  CB_ASSIGN_OR_RETURN(std::string data, ReadListFile(xml_path));
  // NONET: never fetch the schema or an entity; NOENT off: no entity expansion.
  std::unique_ptr<xmlDoc, DocFree> doc(
      xmlReadMemory(data.data(), static_cast<int>(data.size()), xml_path.c_str(), nullptr,
                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
  if (doc == nullptr) return Status::InvalidArgument(xml_path + ": not well-formed XML");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr || !Is(root, "CONSOLIDATED_LIST")) {
    return Status::InvalidArgument(xml_path + ": root element is not CONSOLIDATED_LIST");
  }
  SanctionsList list;
  list.name = "un-consolidated";
  if (xmlChar* v = xmlGetProp(root, reinterpret_cast<const xmlChar*>("dateGenerated"))) {
    list.version = reinterpret_cast<const char*>(v);
    xmlFree(v);
  }
  for (const xmlNode* group = root->children; group != nullptr; group = group->next) {
    const bool individuals = Is(group, "INDIVIDUALS");
    if (!individuals && !Is(group, "ENTITIES")) continue;
    for (const xmlNode* n = group->children; n != nullptr; n = n->next) {
      if (!Is(n, individuals ? "INDIVIDUAL" : "ENTITY")) continue;
      if (list.entries.size() == kListEntriesMax) {
        return Status::ResourceExhausted(xml_path + ": more than " +
                                         std::to_string(kListEntriesMax) + " entries");
      }
      ListEntry e = ParseEntry(n, individuals);
      if (e.name.empty())
        return Status::InvalidArgument(xml_path + ": entry " + e.id + " has no name");
      list.entries.push_back(std::move(e));
    }
  }
  Canonicalize(&list);
  for (size_t i = 1; i < list.entries.size(); ++i) {
    if (list.entries[i].id == list.entries[i - 1].id) {
      return Status::InvalidArgument(xml_path + ": duplicate REFERENCE_NUMBER " +
                                     list.entries[i].id);
    }
  }
  return list;
}

}  // namespace cb::risk::screening
