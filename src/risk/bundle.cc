#include "risk/bundle.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>

namespace cb::risk {

namespace {

constexpr std::string_view kMagic = "cbpolicy1\n";
constexpr std::string_view kExtensions[] = {".toml", ".lua", ".md"};

bool PathCharOk(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Status ValidatePath(std::string_view path) {
  const std::string shown(path.substr(0, kBundlePathBytesMax));
  if (path.empty() || path.size() > kBundlePathBytesMax) {
    return Status::InvalidArgument("bundle: path '" + shown + "' is empty or longer than " +
                                   std::to_string(kBundlePathBytesMax) + " bytes");
  }
  size_t depth = 0;
  size_t start = 0;
  while (start <= path.size()) {
    const size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view segment = path.substr(start, slash - start);
    depth++;
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("bundle: path '" + shown +
                                     "' must be relative, without '.', '..' or '//'");
    }
    if (!std::all_of(segment.begin(), segment.end(), PathCharOk)) {
      return Status::InvalidArgument("bundle: path '" + shown +
                                     "' may use only letters, digits, '.', '_', '-' and '/'");
    }
    start = slash + 1;
  }
  if (depth > kBundleDepthMax) {
    return Status::InvalidArgument("bundle: path '" + shown + "' is nested deeper than " +
                                   std::to_string(kBundleDepthMax) + " levels");
  }
  const bool known = std::any_of(std::begin(kExtensions), std::end(kExtensions),
                                 [&](std::string_view ext) { return path.ends_with(ext); });
  if (!known) {
    return Status::InvalidArgument("bundle: file '" + shown +
                                   "' is not .toml, .lua or .md (the only kinds a bundle holds)");
  }
  return Status::Ok();
}

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; i++) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

bool GetU32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = 0;
  for (int i = 0; i < 4; i++) {
    *v |= static_cast<uint32_t>(static_cast<uint8_t>((*in)[static_cast<size_t>(i)])) << (8 * i);
  }
  in->remove_prefix(4);
  return true;
}

}  // namespace

const std::string* BundleFiles::Find(std::string_view path) const {
  auto it = std::lower_bound(files.begin(), files.end(), path,
                             [](const auto& f, std::string_view p) { return f.first < p; });
  return it != files.end() && it->first == path ? &it->second : nullptr;
}

Status ValidateBundleFiles(const BundleFiles& bundle) {
  if (bundle.files.size() > kBundleFilesMax) {
    return Status::ResourceExhausted("bundle: " + std::to_string(bundle.files.size()) +
                                     " files, more than " + std::to_string(kBundleFilesMax));
  }
  size_t total_bytes = 0;
  for (size_t i = 0; i < bundle.files.size(); i++) {
    const auto& [path, bytes] = bundle.files[i];
    CB_RETURN_IF_ERROR(ValidatePath(path));
    if (i > 0 && !(bundle.files[i - 1].first < path)) {
      return Status::InvalidArgument("bundle: files not sorted by path or duplicated at '" + path +
                                     "'");
    }
    if (bytes.size() > kBundleFileBytesMax) {
      return Status::ResourceExhausted("bundle: " + path + " has " + std::to_string(bytes.size()) +
                                       " bytes, more than " + std::to_string(kBundleFileBytesMax));
    }
    total_bytes += bytes.size();
    if (total_bytes > kBundleBytesMax) {
      return Status::ResourceExhausted("bundle: more than " + std::to_string(kBundleBytesMax) +
                                       " bytes in all (at " + path + ")");
    }
  }
  return Status::Ok();
}

Result<BundleFiles> ReadBundleDir(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return Status::InvalidArgument("bundle: " + dir + " is not a readable directory");
  }
  BundleFiles bundle;
  size_t total_bytes = 0;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec);
  for (; !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::directory_entry& entry = *it;
    // Lexical: fs::relative() would resolve a symlink to its target's name.
    const std::string rel = entry.path().lexically_relative(root).generic_string();
    if (static_cast<size_t>(it.depth()) >= kBundleDepthMax) {
      return Status::InvalidArgument("bundle: " + rel + " is nested deeper than " +
                                     std::to_string(kBundleDepthMax) + " levels");
    }
    fs::path target = entry.path();
    if (entry.is_symlink(ec)) {
      target = fs::canonical(entry.path(), ec);
      const std::string t = target.generic_string(), r = root.generic_string() + "/";
      if (ec || t.compare(0, r.size(), r) != 0) {
        return Status::InvalidArgument("bundle: symlink " + rel + " leads outside " + dir);
      }
      if (!fs::is_regular_file(target, ec)) {
        return Status::InvalidArgument("bundle: symlink " + rel + " is not to a regular file");
      }
    } else if (entry.is_directory(ec)) {
      continue;
    } else if (!entry.is_regular_file(ec)) {
      return Status::InvalidArgument("bundle: " + rel + " is not a regular file");
    }
    if (bundle.files.size() >= kBundleFilesMax) {
      return Status::ResourceExhausted("bundle: more than " + std::to_string(kBundleFilesMax) +
                                       " files in " + dir);
    }
    CB_RETURN_IF_ERROR(ValidatePath(rel));
    const uintmax_t file_bytes = fs::file_size(target, ec);
    if (ec) break;
    if (file_bytes > kBundleFileBytesMax) {
      return Status::ResourceExhausted("bundle: " + rel + " has " + std::to_string(file_bytes) +
                                       " bytes, more than " + std::to_string(kBundleFileBytesMax));
    }
    total_bytes += static_cast<size_t>(file_bytes);
    if (total_bytes > kBundleBytesMax) {
      return Status::ResourceExhausted("bundle: more than " + std::to_string(kBundleBytesMax) +
                                       " bytes in all (at " + rel + ")");
    }
    std::ifstream in(target, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status::InvalidArgument("bundle: cannot read " + rel);
    // Re-checked: the file may have grown since file_size().
    if (bytes.size() > kBundleFileBytesMax) {
      return Status::ResourceExhausted("bundle: " + rel + " grew past the file limit");
    }
    bundle.files.emplace_back(rel, std::move(bytes));
  }
  if (ec) return Status::InvalidArgument("bundle: reading " + dir + ": " + ec.message());
  std::sort(bundle.files.begin(), bundle.files.end());
  CB_RETURN_IF_ERROR(ValidateBundleFiles(bundle));
  return bundle;
}

std::string EncodeBundleFiles(const BundleFiles& bundle) {
  std::string out(kMagic);
  PutU32(&out, static_cast<uint32_t>(bundle.files.size()));
  for (const auto& [path, bytes] : bundle.files) {
    PutU32(&out, static_cast<uint32_t>(path.size()));
    out += path;
    PutU32(&out, static_cast<uint32_t>(bytes.size()));
    out += bytes;
  }
  return out;
}

Result<BundleFiles> DecodeBundleFiles(std::string_view in) {
  if (!in.starts_with(kMagic)) return Status::InvalidArgument("bundle: not an encoded bundle");
  in.remove_prefix(kMagic.size());
  uint32_t count = 0;
  if (!GetU32(&in, &count)) return Status::InvalidArgument("bundle: truncated");
  if (count > kBundleFilesMax) {
    return Status::ResourceExhausted("bundle: " + std::to_string(count) + " files, more than " +
                                     std::to_string(kBundleFilesMax));
  }
  BundleFiles bundle;
  bundle.files.reserve(count);
  for (uint32_t i = 0; i < count; i++) {
    uint32_t path_bytes = 0, file_bytes = 0;
    if (!GetU32(&in, &path_bytes) || path_bytes > kBundlePathBytesMax || in.size() < path_bytes) {
      return Status::InvalidArgument("bundle: truncated or bad path length");
    }
    std::string path(in.substr(0, path_bytes));
    in.remove_prefix(path_bytes);
    if (!GetU32(&in, &file_bytes) || file_bytes > kBundleFileBytesMax || in.size() < file_bytes) {
      return Status::InvalidArgument("bundle: truncated or bad length for " + path);
    }
    bundle.files.emplace_back(std::move(path), std::string(in.substr(0, file_bytes)));
    in.remove_prefix(file_bytes);
  }
  if (!in.empty()) return Status::InvalidArgument("bundle: trailing bytes after the files");
  CB_RETURN_IF_ERROR(ValidateBundleFiles(bundle));
  return bundle;
}

Hash256 BundleHash(const BundleFiles& bundle) {
  const std::string encoded = EncodeBundleFiles(bundle);
  return Sha256Of(encoded.data(), encoded.size());
}

}  // namespace cb::risk
