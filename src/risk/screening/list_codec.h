#pragma once
// Canonical bytes of a loaded list, so the server can keep it content-addressed (file name
// = hash) and journal version + hash: the same content always gives the same bytes.
//
// Layout (integers little-endian; str = u32 byte length | bytes):
//   magic "CBSANCL1" (8) | str name | str version | u32 entry_count | entry * entry_count
//   entry = str id | u8 type (EntityType) | str name
//           | u32 n | str alias * n | u32 n | str program * n
//           | u32 n | str country * n | u32 n | str birth_date * n
// Entries are sorted by id and each value list sorted and de-duplicated (Canonicalize):
// Serialize refuses a list that is not canonical rather than writing other bytes.
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "base/status.h"
#include "risk/screening/entry.h"

namespace cb::risk::screening {

inline constexpr char kListMagic[] = "CBSANCL1";
inline constexpr size_t kListMagicBytes = 8;

Result<std::string> SerializeList(const SanctionsList& list);
// Checks every length against the limits of entry.h before allocating, the type byte,
// canonical order, and that nothing trails the last entry.
Result<SanctionsList> DeserializeList(std::string_view bytes);
// SHA-256 of the canonical bytes.
Result<Hash256> ListHash(const SanctionsList& list);

}  // namespace cb::risk::screening
