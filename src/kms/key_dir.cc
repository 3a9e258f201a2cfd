#include "kms/key_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <utility>

#include "base/check.h"

namespace cb::kms::internal {

namespace {

constexpr mode_t kDirMode = 0700;
constexpr mode_t kFileMode = 0600;
constexpr mode_t kGroupOtherBits = 077;

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  return Status::Unavailable(what + " " + path + ": " + std::strerror(err));
}

std::string ModeText(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

// Closes on scope exit; close errors on read-only descriptors carry no information.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status SyncDir(const std::string& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return ErrnoStatus("open", dir, errno);
  if (::fsync(fd.get()) != 0) return ErrnoStatus("fsync", dir, errno);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view bytes, const std::string& path) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path, errno);
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status PrepareKeyDir(const std::string& dir) {
  if (dir.empty()) return Status::InvalidArgument("key directory path is empty");
  if (::mkdir(dir.c_str(), kDirMode) == 0) {
    // mkdir applies the umask; set the mode exactly, then make the new entry durable.
    if (::chmod(dir.c_str(), kDirMode) != 0) return ErrnoStatus("chmod", dir, errno);
    std::string parent = std::filesystem::path(dir).parent_path().string();
    if (parent.empty()) parent = ".";
    return SyncDir(parent);
  }
  if (errno != EEXIST) return ErrnoStatus("mkdir", dir, errno);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return ErrnoStatus("stat", dir, errno);
  if (!S_ISDIR(st.st_mode)) {
    return Status::FailedPrecondition("key directory " + dir + " is not a directory");
  }
  if ((st.st_mode & kGroupOtherBits) != 0) {
    return Status::FailedPrecondition("key directory " + dir + " has mode " + ModeText(st.st_mode) +
                                      "; it must be 0700");
  }
  return Status::Ok();
}

Result<std::vector<std::string>> ListKeyDir(const std::string& dir, size_t entries_max) {
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (d == nullptr) return ErrnoStatus("opendir", dir, errno);
  std::vector<std::string> names;
  while (true) {
    errno = 0;
    const dirent* entry = ::readdir(d.get());
    if (entry == nullptr) {
      if (errno != 0) return ErrnoStatus("readdir", dir, errno);
      break;
    }
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    if (names.size() == entries_max) {
      return Status::ResourceExhausted("key directory " + dir + " has more than " +
                                       std::to_string(entries_max) + " entries");
    }
    names.emplace_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Result<std::string> ReadKeyFile(const std::string& path, size_t bytes_max) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ELOOP) return Status::FailedPrecondition("key file " + path + " is a symlink");
    return ErrnoStatus("open", path, errno);
  }
  // Checked on the open descriptor: what we check is what we read.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat", path, errno);
  if (!S_ISREG(st.st_mode)) {
    return Status::FailedPrecondition("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & kGroupOtherBits) != 0) {
    return Status::FailedPrecondition("key file " + path + " has mode " + ModeText(st.st_mode) +
                                      "; it must be 0600");
  }
  if (static_cast<size_t>(st.st_size) > bytes_max) {
    return Status::DataLoss("key file " + path + " is larger than " + std::to_string(bytes_max) +
                            " bytes");
  }
  std::string out(bytes_max + 1, '\0');  // one spare byte notices a file that grew
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n = ::read(fd.get(), out.data() + done, out.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("read", path, errno);
    }
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  if (done > bytes_max) return Status::DataLoss("key file " + path + " grew while read");
  out.resize(done);
  return out;
}

std::string TempName(std::string_view name) { return "." + std::string(name) + ".tmp"; }

bool IsTempName(std::string_view name) {
  return name.size() > 5 && name.front() == '.' && name.ends_with(".tmp");
}

Status WriteKeyFileAtomic(const std::string& dir, const std::string& name, std::string_view bytes) {
  CB_CHECK(!name.empty());
  CB_CHECK(name.find('/') == std::string::npos);
  const std::string path = dir + "/" + name;
  const std::string tmp = dir + "/" + TempName(name);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, kFileMode));
  if (fd.get() < 0) return ErrnoStatus("create", tmp, errno);
  Status status = Status::Ok();
  // open() applied the umask; set the mode exactly before any secret byte is written.
  if (::fchmod(fd.get(), kFileMode) != 0) status = ErrnoStatus("fchmod", tmp, errno);
  if (status.ok()) status = WriteAll(fd.get(), bytes, tmp);
  // fsync before rename: the name must never point at a file whose bytes are not on disk.
  if (status.ok() && ::fsync(fd.get()) != 0) status = ErrnoStatus("fsync", tmp, errno);
  if (status.ok() && ::close(fd.Release()) != 0) status = ErrnoStatus("close", tmp, errno);
  if (status.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("rename", tmp, errno);
  }
  if (!status.ok()) {
    ::unlink(tmp.c_str());
    return status;
  }
  return SyncDir(dir);
}

Status RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
  return Status::Ok();
}

}  // namespace cb::kms::internal
