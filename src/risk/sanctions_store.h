#pragma once
// Sanctions lists kept content-addressed and immutable in the data directory:
// DATA/sanctions/<sha256 hex>.list holds a list's canonical bytes (screening/list_codec.h),
// the hash a SanctionsListLoaded event names. A replay builds its index from these files,
// never from a source file that may have changed since.
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "base/status.h"
#include "journal/disk.h"
#include "risk/screening/entry.h"

namespace cb::risk {

// A stored list larger than this is refused on read (the full SDN + UN encode to ~10 MB).
inline constexpr uint64_t kStoredListBytesMax = 256ull << 20;

std::string SanctionsDir(const std::string& data_dir);
std::string SanctionsListPath(const std::string& data_dir, const Hash256& sha256);

// Writes `bytes` (whose SHA-256 is `sha256`) to its path unless a file is already there:
// a temp file, fdatasync, rename, fsync of the directory, so the name never points at a
// torn file. The name is the content, so an existing file is never rewritten.
Status StoreSanctionsList(Disk* disk, const std::string& data_dir, const Hash256& sha256,
                          std::string_view bytes);

// Reads the list named `sha256` and checks that its bytes hash to it and decode: a missing
// file is NotFound, a changed or torn one DataLoss.
Result<screening::SanctionsList> ReadSanctionsList(Disk* disk, const std::string& data_dir,
                                                   const Hash256& sha256);

}  // namespace cb::risk
