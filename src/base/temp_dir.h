#pragma once
// Tests only: a fresh directory under /tmp, removed with everything in it on destruction.
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "base/check.h"

namespace cb {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/cb_test.XXXXXX";
    const char* made = ::mkdtemp(tmpl);
    CB_CHECK(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace cb
