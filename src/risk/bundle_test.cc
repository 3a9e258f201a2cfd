// ReadBundleDir's limits, the canonical encoding and hash, and the default bundle's cases.
#include "risk/bundle.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "risk/policy.h"
#include "risk/policy_test_util.h"
#include "risk/policy_tests.h"

namespace cb::risk {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "cb_bundle_XXXXXX").string();
    CB_CHECK(mkdtemp(tmpl.data()) != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& rel, const std::string& bytes) const {
    fs::create_directories((path_ / rel).parent_path());
    std::ofstream(path_ / rel, std::ios::binary) << bytes;
  }

 private:
  fs::path path_;
};

TEST(BundleTest, ReadsFilesSortedWithRelativePaths) {
  TempDir d;
  d.Write("manifest.toml", "m");
  d.Write("rules/b.lua", "b");
  d.Write("rules/a.lua", "a");
  d.Write("README.md", "r");
  Result<BundleFiles> b = ReadBundleDir(d.path().string());
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(b->files.size(), 4u);
  EXPECT_EQ(b->files[0].first, "README.md");
  EXPECT_EQ(b->files[1].first, "manifest.toml");
  EXPECT_EQ(b->files[2].first, "rules/a.lua");
  EXPECT_EQ(*b->Find("rules/b.lua"), "b");
  EXPECT_EQ(b->Find("rules/c.lua"), nullptr);
}

TEST(BundleTest, TooManyFilesAreRefused) {
  TempDir d;
  for (size_t i = 0; i <= kBundleFilesMax; i++) d.Write("f" + std::to_string(i) + ".md", "x");
  EXPECT_EQ(ReadBundleDir(d.path().string()).status().code(), StatusCode::kResourceExhausted);
}

TEST(BundleTest, TooLargeAFileOrBundleIsRefused) {
  TempDir big;
  big.Write("manifest.toml", std::string(kBundleFileBytesMax + 1, '#'));
  EXPECT_EQ(ReadBundleDir(big.path().string()).status().code(), StatusCode::kResourceExhausted);
  TempDir many;
  for (size_t i = 0; i * kBundleFileBytesMax <= kBundleBytesMax; i++) {
    many.Write("f" + std::to_string(i) + ".md", std::string(kBundleFileBytesMax, '#'));
  }
  const Status st = ReadBundleDir(many.path().string()).status();
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("in all"), std::string::npos) << st.ToString();
}

TEST(BundleTest, OtherKindsOfFileAndEscapingSymlinksAreRefused) {
  TempDir d;
  d.Write("run.sh", "x");
  EXPECT_EQ(ReadBundleDir(d.path().string()).status().code(), StatusCode::kInvalidArgument);
  TempDir outside, s;
  outside.Write("secret.toml", "x");
  s.Write("manifest.toml", "m");
  fs::create_symlink(outside.path() / "secret.toml", s.path() / "limits.toml");
  const Status st = ReadBundleDir(s.path().string()).status();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("leads outside"), std::string::npos) << st.ToString();
  TempDir inside;  // a symlink within the bundle is fine
  inside.Write("rules/a.lua", "a");
  fs::create_symlink(inside.path() / "rules/a.lua", inside.path() / "rules/b.lua");
  EXPECT_TRUE(ReadBundleDir(inside.path().string()).ok());
}

TEST(BundleTest, PathsWithDotDotOrAbsoluteAreRefused) {
  for (const char* path : {"../manifest.toml", "/etc/x.toml", "rules/../x.lua", "a//b.lua",
                           "./x.toml", "a/b/c/d.lua", "sp ace.md"}) {
    EXPECT_EQ(ValidateBundleFiles(testing::MakeBundle({{path, "x"}})).code(),
              StatusCode::kInvalidArgument)
        << path;
  }
  EXPECT_TRUE(ValidateBundleFiles(testing::MakeBundle({{"rules/x.test.toml", "x"}})).ok());
}

TEST(BundleTest, TheEncodingRoundTripsAndTheHashCoversEveryByte) {
  const BundleFiles b =
      testing::MakeBundle({{"manifest.toml", "name = \"x\""}, {"rules/a.lua", "-- a"}});
  Result<BundleFiles> back = DecodeBundleFiles(EncodeBundleFiles(b));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->files, b.files);
  EXPECT_EQ(BundleHash(*back), BundleHash(b));
  BundleFiles changed = b;
  changed.files[1].second += " ";
  EXPECT_NE(BundleHash(changed), BundleHash(b));
  BundleFiles renamed = b;
  renamed.files[1].first = "rules/b.lua";
  EXPECT_NE(BundleHash(renamed), BundleHash(b));
  const std::string encoded = EncodeBundleFiles(b);
  EXPECT_FALSE(DecodeBundleFiles(encoded.substr(0, encoded.size() - 1)).ok());
  EXPECT_FALSE(DecodeBundleFiles(encoded + "x").ok());
}

TEST(DefaultBundleTest, EveryCaseOfTheDefaultBundlePasses) {
  Result<BundleFiles> files = ReadBundleDir(CB_POLICIES_DIR "/default");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  auto policy = Policy::Compile(*files);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  const PolicyTestReport report = RunPolicyTests(**policy);
  for (const CaseResult& r : report.cases) EXPECT_TRUE(r.passed) << FormatCaseResult(r);
  EXPECT_TRUE(report.untested_rules.empty());
  EXPECT_GE(report.cases.size(), 2 * (*policy)->rules().size());
  EXPECT_TRUE(report.ok());
}

TEST(DefaultBundleTest, AWrongExpectationIsReportedAsAFailure) {
  Result<BundleFiles> files = ReadBundleDir(CB_POLICIES_DIR "/default");
  ASSERT_TRUE(files.ok());
  for (auto& [path, bytes] : files->files) {
    if (path != "rules/velocity.test.toml") continue;
    const size_t at = bytes.find("outcome = \"hold\"");
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, 16, "outcome = \"deny\"");
  }
  auto policy = Policy::Compile(*files);
  ASSERT_TRUE(policy.ok()) << policy.status().ToString();
  const PolicyTestReport report = RunPolicyTests(**policy);
  EXPECT_EQ(report.failed, 1u);
  EXPECT_FALSE(report.ok());
}

}  // namespace
}  // namespace cb::risk
