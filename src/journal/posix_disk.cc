#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "journal/disk.h"

namespace cb {

Status File::WriteVAt(uint64_t offset, std::span<const std::span<const uint8_t>> parts) {
  for (const auto& part : parts) {
    CB_RETURN_IF_ERROR(WriteAt(offset, part));
    offset += part.size();
  }
  return Status::Ok();
}

namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  return Status::Unavailable(what + " " + path + ": " + std::strerror(err));
}

class PosixFile final : public File {
 public:
  PosixFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixFile() override { ::close(fd_); }

  Status WriteAt(uint64_t offset, std::span<const uint8_t> data) override {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n =
          ::pwrite(fd_, data.data() + done, data.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pwrite", path_, errno);
      }
      done += static_cast<size_t>(n);
    }
    return Status::Ok();
  }

  Status WriteVAt(uint64_t offset, std::span<const std::span<const uint8_t>> parts) override {
    // pwritev in chunks of IOV_MAX; falls back to WriteAt for short writes.
    constexpr size_t kIovMax = 512;
    size_t i = 0;
    while (i < parts.size()) {
      iovec iov[kIovMax];
      size_t n_iov = 0;
      size_t bytes = 0;
      for (; i < parts.size() && n_iov < kIovMax; i++, n_iov++) {
        iov[n_iov].iov_base = const_cast<uint8_t*>(parts[i].data());
        iov[n_iov].iov_len = parts[i].size();
        bytes += parts[i].size();
      }
      ssize_t n = ::pwritev(fd_, iov, static_cast<int>(n_iov), static_cast<off_t>(offset));
      if (n < 0 && errno != EINTR) return ErrnoStatus("pwritev", path_, errno);
      size_t written = n < 0 ? 0 : static_cast<size_t>(n);
      if (written < bytes) {
        // Finish the remainder part by part.
        size_t skip = written;
        for (size_t k = i - n_iov; k < i; k++) {
          size_t len = parts[k].size();
          if (skip >= len) {
            skip -= len;
            continue;
          }
          CB_RETURN_IF_ERROR(WriteAt(offset + written, parts[k].subspan(skip)));
          written += len - skip;
          skip = 0;
        }
      }
      offset += bytes;
    }
    return Status::Ok();
  }

  Result<size_t> ReadAt(uint64_t offset, std::span<uint8_t> out) override {
    size_t done = 0;
    while (done < out.size()) {
      ssize_t n =
          ::pread(fd_, out.data() + done, out.size() - done, static_cast<off_t>(offset + done));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (n == 0) break;
      done += static_cast<size_t>(n);
    }
    return done;
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::Ok();
  }

  Status Truncate(uint64_t size_bytes) override {
    if (::ftruncate(fd_, static_cast<off_t>(size_bytes)) != 0) {
      return ErrnoStatus("ftruncate", path_, errno);
    }
    return Status::Ok();
  }

  Status Preallocate(uint64_t size_bytes) override {
    int rc = ::posix_fallocate(fd_, 0, static_cast<off_t>(size_bytes));
    if (rc != 0) return ErrnoStatus("fallocate", path_, rc);
    return Status::Ok();
  }

  Result<uint64_t> Size() override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus("fstat", path_, errno);
    return static_cast<uint64_t>(st.st_size);
  }

 private:
  int fd_;
  std::string path_;
};

class PosixDisk final : public Disk {
 public:
  Result<std::unique_ptr<File>> Open(const std::string& path, bool create) override {
    int flags = O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0);
    // The journal and snapshots hold every customer's data: the owner only.
    int fd = ::open(path.c_str(), flags, 0600);
    if (fd < 0) {
      if (errno == ENOENT) return Status::NotFound("no such file: " + path);
      return ErrnoStatus("open", path, errno);
    }
    return std::unique_ptr<File>(new PosixFile(fd, path));
  }

  Status CreateDir(const std::string& path) override {
    if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
      return ErrnoStatus("mkdir", path, errno);
    }
    return Status::Ok();
  }

  Result<std::vector<std::string>> List(const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT) return Status::NotFound("no such directory: " + dir);
      return ErrnoStatus("opendir", dir, errno);
    }
    std::vector<std::string> names;
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(std::move(name));
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    return names;
  }

  Status Remove(const std::string& path) override {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return ErrnoStatus("unlink", path, errno);
    return Status::Ok();
  }

  Status Rename(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus("open dir", dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoStatus("fsync dir", dir, err);
    return Status::Ok();
  }

  bool Exists(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
  }
};

}  // namespace

std::unique_ptr<Disk> NewPosixDisk() { return std::make_unique<PosixDisk>(); }

}  // namespace cb
