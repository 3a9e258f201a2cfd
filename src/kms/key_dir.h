#pragma once
// POSIX file handling for the local key directory (kms internal). Secrets are only ever
// written owner-only and atomically, and only read from owner-only regular files.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace cb::kms::internal {

// Creates `dir` with mode 0700 (and syncs its parent) or checks that the existing one is a
// directory with no group/other permission bits.
Status PrepareKeyDir(const std::string& dir);

// Entry names in `dir` (no "." or ".."), sorted; at most `entries_max`.
Result<std::vector<std::string>> ListKeyDir(const std::string& dir, size_t entries_max);

// A regular file (symlinks refused) with no group/other permission bits, at most
// `bytes_max` bytes.
Result<std::string> ReadKeyFile(const std::string& path, size_t bytes_max);

// Writes `dir/name` as mode 0600: a temp file (TempName), fsync, rename, fsync of `dir`.
// A crash leaves either no file or the whole file, plus at most a stale temp file.
Status WriteKeyFileAtomic(const std::string& dir, const std::string& name, std::string_view bytes);

std::string TempName(std::string_view name);  // ".<name>.tmp"
bool IsTempName(std::string_view name);

Status RemoveFile(const std::string& path);

}  // namespace cb::kms::internal
