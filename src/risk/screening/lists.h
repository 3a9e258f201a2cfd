#pragma once
// Loaders for the published list files. Paths are the caller's (configurable); nothing
// here touches the network (libxml2 runs with XML_PARSE_NONET).
#include <string>

#include "base/status.h"
#include "risk/screening/entry.h"

namespace cb::risk::screening {

// A list file larger than this is refused (today's full SDN CSV set is ~3 MB, UN ~2 MB).
inline constexpr size_t kListFileBytesMax = 256u << 20;

// OFAC SDN CSV set: `dir`/sdn.csv (entries), alt.csv (aliases), add.csv (address
// countries). No header; "-0-" is empty. Type from SDN_Type: individual -> person,
// vessel, aircraft, empty -> organisation. Programs from "A] [B"; DOB years/dates and
// nationality/citizenship from Remarks. Entry ids are ent_num. Version: "" (the CSV carries
// none; the hash identifies the content).
struct OfacLoadStats {
  size_t sdn_rows = 0;  // records in sdn.csv
  size_t alt_rows = 0;  // records in alt.csv (aliases before de-duplication)
  size_t add_rows = 0;  // records in add.csv
};
Result<SanctionsList> LoadOfacSdn(const std::string& dir, OfacLoadStats* stats = nullptr);

// UN Security Council consolidated list XML: individuals (FIRST..FOURTH_NAME, aliases,
// NAME_ORIGINAL_SCRIPT, nationality, address countries, dates of birth) and entities.
// Entry ids are REFERENCE_NUMBER; version is the root's dateGenerated.
Result<SanctionsList> LoadUnConsolidated(const std::string& xml_path);

// The whole file, refused past kListFileBytesMax.
Result<std::string> ReadListFile(const std::string& path);

}  // namespace cb::risk::screening
