#pragma once
// A policy bundle's files (docs/policy-bundles.md): read from a folder by the CLI and the
// server, journaled whole in the activation event, compiled by Policy::Compile from these
// bytes alone (no file system), so replay and dry runs see exactly the activated version.
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

namespace cb::risk {

// Bundles are small by design: a manifest, limits, a few dozen short rules and their tests.
constexpr size_t kBundleFilesMax = 128;
constexpr size_t kBundleFileBytesMax = 64u << 10;
constexpr size_t kBundleBytesMax = 256u << 10;  // all files' contents together
constexpr size_t kBundlePathBytesMax = 128;
constexpr size_t kBundleDepthMax = 3;  // "rules/x.lua" is depth 2

struct BundleFiles {
  // Path relative to the bundle root ('/'-separated) -> contents; sorted by path, unique.
  std::vector<std::pair<std::string, std::string>> files;

  // The contents of `path`, or nullptr.
  const std::string* Find(std::string_view path) const;
};

// Checks what ReadBundleDir promises: the limits above, sorted unique paths of
// [A-Za-z0-9._-] segments (no "..", no absolute path, no empty segment), extensions
// .toml/.lua/.md. InvalidArgument / ResourceExhausted naming the file.
Status ValidateBundleFiles(const BundleFiles& bundle);

// Reads every file under `dir` (recursively). Refuses a symlink that leads out of `dir`, or
// to anything but a regular file, and whatever ValidateBundleFiles refuses.
Result<BundleFiles> ReadBundleDir(const std::string& dir);

// The canonical encoding, what the activation event carries and the hash covers
// (little-endian):
//   "cbpolicy1\n" | u32 file_count | file_count x (u32 path_bytes | path | u32 bytes | bytes)
// with the files in path order.
std::string EncodeBundleFiles(const BundleFiles& bundle);
// The inverse; validates like ValidateBundleFiles (a journaled bundle is checked again).
Result<BundleFiles> DecodeBundleFiles(std::string_view encoded);
// SHA-256 of EncodeBundleFiles(bundle).
Hash256 BundleHash(const BundleFiles& bundle);

}  // namespace cb::risk
