#pragma once
// A sanctions list as loaded from its source files: what screening indexes and what the
// server keeps content-addressed (list_codec.h).
#include <cstdint>
#include <string>
#include <vector>

namespace cb::risk::screening {

// Stored as one byte in list_codec.h: values are part of the format, never renumber.
enum class EntityType : uint8_t {
  kUnknown = 0,
  kPerson = 1,
  kOrganization = 2,
  kVessel = 3,
  kAircraft = 4,
};
inline constexpr uint8_t kEntityTypeMax = 4;
const char* EntityTypeName(EntityType type);

// Limits enforced by the loaders and the codec (a list past them is refused, not cut).
inline constexpr size_t kListEntriesMax = 200'000;
inline constexpr size_t kEntryNamesMax = 256;        // aliases per entry
inline constexpr size_t kEntryFieldValuesMax = 256;  // programs, countries, birth dates
inline constexpr size_t kListStringBytesMax = 4096;  // any one name, id, program...

struct ListEntry {
  std::string id;  // unique within the list, e.g. "306" (OFAC ent_num) or "QDi.001" (UN)
  EntityType type = EntityType::kUnknown;
  std::string name;  // primary name as published
  std::vector<std::string> aliases;
  std::vector<std::string> programs;     // sanctions programs / regimes
  std::vector<std::string> countries;    // nationality, citizenship, address countries
  std::vector<std::string> birth_dates;  // "YYYY", "YYYY-MM" or "YYYY-MM-DD"

  friend bool operator==(const ListEntry&, const ListEntry&) = default;
};

struct SanctionsList {
  std::string name;     // "ofac-sdn", "un-consolidated"
  std::string version;  // the source's own version stamp when it has one, else ""
  std::vector<ListEntry> entries;

  friend bool operator==(const SanctionsList&, const SanctionsList&) = default;
};

// Sorts entries by id and each entry's value lists, dropping duplicates and empty values,
// so that equal content gives equal bytes (list_codec.h). Loaders call it.
void Canonicalize(SanctionsList* list);

}  // namespace cb::risk::screening
