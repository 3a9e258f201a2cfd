#include "risk/sanctions_store.h"

#include <span>

#include "base/check.h"
#include "risk/screening/list_codec.h"

namespace cb::risk {

std::string SanctionsDir(const std::string& data_dir) { return data_dir + "/sanctions"; }

std::string SanctionsListPath(const std::string& data_dir, const Hash256& sha256) {
  return SanctionsDir(data_dir) + "/" + HashHex(sha256) + ".list";
}

Status StoreSanctionsList(Disk* disk, const std::string& data_dir, const Hash256& sha256,
                          std::string_view bytes) {
  // Two paths for one property: the caller hashed these bytes; so do we, before the name
  // becomes a promise.
  CB_CHECK(Sha256Of(bytes.data(), bytes.size()) == sha256);
  const std::string dir = SanctionsDir(data_dir);
  const std::string path = SanctionsListPath(data_dir, sha256);
  if (disk->Exists(path)) return Status::Ok();
  for (const std::string& d : {data_dir, dir}) {
    if (Status st = disk->CreateDir(d); !st.ok()) return st;
  }
  const std::string tmp = path + ".tmp";
  auto file = disk->Open(tmp, /*create=*/true);
  if (!file.ok()) return file.status();
  // A temp file left by a crash mid-write is cut back first.
  if (Status st = (*file)->Truncate(0); !st.ok()) return st;
  const std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  if (Status st = (*file)->WriteAt(0, data); !st.ok()) return st;
  // fdatasync before the rename: the name must never point at bytes a crash can lose.
  if (Status st = (*file)->Sync(); !st.ok()) return st;
  file->reset();
  if (Status st = disk->Rename(tmp, path); !st.ok()) return st;
  return disk->SyncDir(dir);
}

Result<screening::SanctionsList> ReadSanctionsList(Disk* disk, const std::string& data_dir,
                                                   const Hash256& sha256) {
  const std::string path = SanctionsListPath(data_dir, sha256);
  if (!disk->Exists(path)) return Status::NotFound("sanctions list file missing: " + path);
  auto file = disk->Open(path, /*create=*/false);
  if (!file.ok()) return file.status();
  Result<uint64_t> size_bytes = (*file)->Size();
  if (!size_bytes.ok()) return size_bytes.status();
  if (*size_bytes > kStoredListBytesMax)
    return Status::DataLoss("sanctions list too large: " + path);
  std::string bytes(static_cast<size_t>(*size_bytes), '\0');
  // A read may return less than asked; each round reads at least a byte or ends the loop.
  size_t done = 0;
  while (done < bytes.size()) {
    Result<size_t> n = (*file)->ReadAt(
        done,
        std::span<uint8_t>(reinterpret_cast<uint8_t*>(bytes.data()) + done, bytes.size() - done));
    if (!n.ok()) return n.status();
    if (*n == 0) return Status::DataLoss("sanctions list short read: " + path);
    done += *n;
  }
  if (Sha256Of(bytes.data(), bytes.size()) != sha256) {
    return Status::DataLoss("sanctions list does not match its hash (changed or torn): " + path);
  }
  Result<screening::SanctionsList> list = screening::DeserializeList(bytes);
  if (!list.ok()) {
    return Status::DataLoss("sanctions list " + path + ": " + list.status().message());
  }
  return list;
}

}  // namespace cb::risk
