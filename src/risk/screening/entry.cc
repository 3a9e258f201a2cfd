#include "risk/screening/entry.h"

#include <algorithm>
#include <fstream>

#include "risk/screening/lists.h"

namespace cb::risk::screening {

const char* EntityTypeName(EntityType type) {
  switch (type) {
    case EntityType::kUnknown:
      return "unknown";
    case EntityType::kPerson:
      return "person";
    case EntityType::kOrganization:
      return "organization";
    case EntityType::kVessel:
      return "vessel";
    case EntityType::kAircraft:
      return "aircraft";
  }
  return "invalid";
}

namespace {
void SortUnique(std::vector<std::string>* v) {
  std::erase_if(*v, [](const std::string& s) { return s.empty(); });
  std::sort(v->begin(), v->end());
  v->erase(std::unique(v->begin(), v->end()), v->end());
}
}  // namespace

void Canonicalize(SanctionsList* list) {
  for (ListEntry& e : list->entries) {
    SortUnique(&e.aliases);
    std::erase(e.aliases, e.name);  // the primary name is not also an alias
    SortUnique(&e.programs);
    SortUnique(&e.countries);
    SortUnique(&e.birth_dates);
  }
  std::sort(list->entries.begin(), list->entries.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.id < b.id; });
}

Result<std::string> ReadListFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open list file " + path);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Status::Internal("cannot size list file " + path);
  if (static_cast<uint64_t>(size) > kListFileBytesMax) {
    return Status::ResourceExhausted("list file " + path + " is larger than " +
                                     std::to_string(kListFileBytesMax) + " bytes");
  }
  std::string data(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(data.data(), size)) return Status::Internal("cannot read list file " + path);
  return data;
}

}  // namespace cb::risk::screening
