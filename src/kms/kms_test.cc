#include "kms/kms.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "base/check.h"
#include "base/temp_dir.h"
#include "jose/jose.h"

namespace cb::kms {
namespace {

namespace fs = std::filesystem;

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  CB_CHECK(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

void WriteFile(const std::string& path, std::string_view bytes, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    CB_CHECK(out.good());
  }
  CB_CHECK(::chmod(path.c_str(), mode) == 0);
}

std::unique_ptr<Kms> MustOpen(const std::string& dir) {
  Result<std::unique_ptr<Kms>> kms = OpenLocalKms(dir);
  CB_CHECK(kms.ok());
  return *std::move(kms);
}

class KmsTest : public ::testing::Test {
 protected:
  std::string dir() const { return tmp_.path() + "/kms"; }
  std::string SigPath(const std::string& kid) const { return dir() + "/sig-" + kid + ".pem"; }
  TempDir tmp_;
};

TEST_F(KmsTest, CreatedKeySignsAndItsPublicJwkVerifies) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  std::string jwk;
  Result<std::string> kid = kms->CreateSigningKey(&jwk);
  ASSERT_TRUE(kid.ok()) << kid.status().ToString();
  EXPECT_TRUE(kms->HasKey(*kid));
  Result<jose::Es256Key> pub = jose::Es256Key::FromPublicJwk(jwk);
  ASSERT_TRUE(pub.ok()) << pub.status().ToString();
  EXPECT_EQ(pub->Thumbprint(), *kid);  // the kid is the RFC 7638 thumbprint
  EXPECT_EQ(pub->PublicJwkJson(*kid), jwk);
  Result<std::string> sig = kms->Sign(*kid, "header.payload");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_EQ(sig->size(), 64u);
  EXPECT_TRUE(pub->Verify("header.payload", *sig));
  EXPECT_FALSE(pub->Verify("header.payloaD", *sig));
}

TEST_F(KmsTest, ReopenedDirectoryStillSignsWithTheSameKid) {
  std::string jwk;
  std::string kid;
  {
    std::unique_ptr<Kms> kms = MustOpen(dir());
    kid = *kms->CreateSigningKey(&jwk);
  }
  std::unique_ptr<Kms> reopened = MustOpen(dir());
  EXPECT_TRUE(reopened->HasKey(kid));
  Result<std::string> sig = reopened->Sign(kid, "after restart");
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(jose::Es256Key::FromPublicJwk(jwk)->Verify("after restart", *sig));
  // A second key joins the first; both survive another reopen.
  Result<std::string> second = reopened->CreateSigningKey(nullptr);
  ASSERT_TRUE(second.ok());
  EXPECT_NE(*second, kid);
  std::unique_ptr<Kms> again = MustOpen(dir());
  EXPECT_TRUE(again->HasKey(kid));
  EXPECT_TRUE(again->HasKey(*second));
}

TEST_F(KmsTest, DirectoryIs0700AndFilesAre0600) {
  const mode_t old_umask = ::umask(0);  // the modes must not depend on the caller's umask
  std::unique_ptr<Kms> kms = MustOpen(dir());
  Result<std::string> kid = kms->CreateSigningKey(nullptr);
  ::umask(old_umask);
  ASSERT_TRUE(kid.ok());
  EXPECT_EQ(ModeOf(dir()), 0700u);
  EXPECT_EQ(ModeOf(dir() + "/data-key.bin"), 0600u);
  EXPECT_EQ(ModeOf(SigPath(*kid)), 0600u);
  EXPECT_EQ(fs::file_size(dir() + "/data-key.bin"), 32u);
  std::ifstream pem(SigPath(*kid));
  std::string first_line;
  std::getline(pem, first_line);
  EXPECT_EQ(first_line, "-----BEGIN PRIVATE KEY-----");  // PKCS#8
  // Nothing else: no temp files left behind.
  size_t entries = 0;
  for (const auto& entry : fs::directory_iterator(dir())) {
    (void)entry;
    entries++;
  }
  EXPECT_EQ(entries, 2u);
}

TEST_F(KmsTest, GroupReadableFilesAndDirectoryAreRefused) {
  std::string kid;
  {
    std::unique_ptr<Kms> kms = MustOpen(dir());
    kid = *kms->CreateSigningKey(nullptr);
  }
  ASSERT_EQ(::chmod(SigPath(kid).c_str(), 0644), 0);
  Result<std::unique_ptr<Kms>> refused = OpenLocalKms(dir());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("0644"), std::string::npos);
  ASSERT_EQ(::chmod(SigPath(kid).c_str(), 0600), 0);
  EXPECT_TRUE(OpenLocalKms(dir()).ok());

  ASSERT_EQ(::chmod((dir() + "/data-key.bin").c_str(), 0640), 0);
  EXPECT_EQ(OpenLocalKms(dir()).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(::chmod((dir() + "/data-key.bin").c_str(), 0600), 0);

  ASSERT_EQ(::chmod(dir().c_str(), 0755), 0);
  EXPECT_EQ(OpenLocalKms(dir()).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_EQ(::chmod(dir().c_str(), 0700), 0);
  EXPECT_TRUE(OpenLocalKms(dir()).ok());
}

TEST_F(KmsTest, UnparsableOrMisnamedKeyFilesAreRefused) {
  std::string kid;
  {
    std::unique_ptr<Kms> kms = MustOpen(dir());
    kid = *kms->CreateSigningKey(nullptr);
  }
  // A key under another key's name would sign with a kid that is not its own.
  const std::string other = jose::Es256Key::Generate().Thumbprint();
  fs::rename(SigPath(kid), SigPath(other));
  EXPECT_EQ(OpenLocalKms(dir()).status().code(), StatusCode::kDataLoss);
  fs::rename(SigPath(other), SigPath(kid));

  WriteFile(SigPath(other), "-----BEGIN PRIVATE KEY-----\nnot a key\n", 0600);
  Result<std::unique_ptr<Kms>> garbage = OpenLocalKms(dir());
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kDataLoss);
  fs::remove(SigPath(other));

  WriteFile(dir() + "/data-key.bin.bak", "x", 0600);
  EXPECT_EQ(OpenLocalKms(dir()).status().code(), StatusCode::kFailedPrecondition);
  fs::remove(dir() + "/data-key.bin.bak");
  EXPECT_TRUE(OpenLocalKms(dir()).ok());
}

TEST_F(KmsTest, StaleTempFileFromACrashIsRemoved) {
  { MustOpen(dir()); }
  WriteFile(dir() + "/.sig-half-written.pem.tmp", "-----BEGIN PRIV", 0600);
  std::unique_ptr<Kms> kms = MustOpen(dir());
  EXPECT_FALSE(fs::exists(dir() + "/.sig-half-written.pem.tmp"));
}

TEST_F(KmsTest, EncryptDecryptRoundTrip) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  for (const std::string& plaintext :
       {std::string(), std::string("JBSWY3DPEHPK3PXP"), std::string(4096, '\x7f')}) {
    Result<std::string> sealed = kms->Encrypt(plaintext, "user:u_1");
    ASSERT_TRUE(sealed.ok()) << sealed.status().ToString();
    EXPECT_EQ(sealed->size(), 1 + 12 + plaintext.size() + 16);
    EXPECT_EQ((*sealed)[0], '\x01');
    if (!plaintext.empty()) {
      EXPECT_EQ(sealed->find(plaintext), std::string::npos);
    }
    Result<std::string> opened = kms->Decrypt(*sealed, "user:u_1");
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    EXPECT_EQ(*opened, plaintext);
  }
  EXPECT_EQ(kms->Encrypt(std::string(4097, 'x'), "").status().code(),
            StatusCode::kResourceExhausted);
}

// The keyed digest of typed usernames: stable across a restart (lockouts are keyed by it),
// different per purpose and per deployment (data key), so the journal alone cannot test
// guesses against it.
TEST_F(KmsTest, MacIsStablePerKeyAndDiffersByPurposeDataAndDeployment) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  Result<std::string> a = kms->Mac("unknown-username", "tenant|ada");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->size(), 32u);
  EXPECT_EQ(*kms->Mac("unknown-username", "tenant|ada"), *a);
  EXPECT_NE(*kms->Mac("unknown-username", "tenant|eve"), *a);
  EXPECT_NE(*kms->Mac("other-purpose", "tenant|ada"), *a);
  kms.reset();
  EXPECT_EQ(*MustOpen(dir())->Mac("unknown-username", "tenant|ada"), *a);  // same key on disk
  TempDir other;
  EXPECT_NE(*MustOpen(other.path() + "/kms")->Mac("unknown-username", "tenant|ada"), *a);
}

TEST_F(KmsTest, TwoEncryptionsOfTheSamePlaintextDiffer) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  Result<std::string> a = kms->Encrypt("seed", "aad");
  Result<std::string> b = kms->Encrypt("seed", "aad");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_NE(a->substr(1, 12), b->substr(1, 12));  // fresh nonce each time
}

TEST_F(KmsTest, TamperedCiphertextWrongAadVersionOrLengthFail) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  Result<std::string> sealed = kms->Encrypt("totp seed", "user:u_1");
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(kms->Decrypt(*sealed, "user:u_2").status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(kms->Decrypt(*sealed, "").ok());
  // Every byte after the version: nonce, ciphertext and tag.
  for (size_t i = 1; i < sealed->size(); i++) {
    std::string bad = *sealed;
    bad[i] = static_cast<char>(bad[i] ^ 0x01);
    EXPECT_EQ(kms->Decrypt(bad, "user:u_1").status().code(), StatusCode::kDataLoss) << i;
  }
  for (const char version : {'\x00', '\x02', '\xff'}) {
    std::string bad = *sealed;
    bad[0] = version;
    EXPECT_EQ(kms->Decrypt(bad, "user:u_1").status().code(), StatusCode::kInvalidArgument);
  }
  for (size_t len = 0; len < 29; len++) {
    EXPECT_EQ(kms->Decrypt(sealed->substr(0, len), "user:u_1").status().code(),
              StatusCode::kInvalidArgument)
        << len;
  }
  EXPECT_FALSE(kms->Decrypt(sealed->substr(0, sealed->size() - 1), "user:u_1").ok());
  EXPECT_FALSE(kms->Decrypt(*sealed + '\0', "user:u_1").ok());
  EXPECT_TRUE(kms->Decrypt(*sealed, "user:u_1").ok());
}

TEST_F(KmsTest, DataKeyPersistsAcrossReopen) {
  std::string sealed;
  {
    std::unique_ptr<Kms> kms = MustOpen(dir());
    sealed = *kms->Encrypt("secret", "aad");
  }
  std::unique_ptr<Kms> reopened = MustOpen(dir());
  Result<std::string> opened = reopened->Decrypt(sealed, "aad");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(*opened, "secret");
  // A different directory has a different data key.
  TempDir other;
  std::unique_ptr<Kms> stranger = MustOpen(other.path() + "/kms");
  EXPECT_EQ(stranger->Decrypt(sealed, "aad").status().code(), StatusCode::kDataLoss);
}

TEST_F(KmsTest, LostDataKeyIsNotSilentlyReplaced) {
  {
    std::unique_ptr<Kms> kms = MustOpen(dir());
    ASSERT_TRUE(kms->CreateSigningKey(nullptr).ok());
  }
  fs::remove(dir() + "/data-key.bin");
  EXPECT_EQ(OpenLocalKms(dir()).status().code(), StatusCode::kDataLoss);
  EXPECT_FALSE(fs::exists(dir() + "/data-key.bin"));
}

TEST_F(KmsTest, SignWithUnknownKidIsNotFound) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  EXPECT_FALSE(kms->HasKey("nope"));
  EXPECT_EQ(kms->Sign("nope", "x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(kms->Sign("", "x").status().code(), StatusCode::kNotFound);
}

TEST_F(KmsTest, ConcurrentSigningFromFourThreadsAllVerify) {
  std::unique_ptr<Kms> kms = MustOpen(dir());
  std::string jwk_a, jwk_b;
  const std::string kid_a = *kms->CreateSigningKey(&jwk_a);
  const std::string kid_b = *kms->CreateSigningKey(&jwk_b);
  constexpr int kThreads = 4;
  constexpr int kSignsPerThread = 50;
  std::vector<std::vector<std::string>> sigs(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSignsPerThread; i++) {
        const std::string& kid = (i % 2 == 0) ? kid_a : kid_b;
        Result<std::string> sig = kms->Sign(kid, "t" + std::to_string(t) + "." + std::to_string(i));
        sigs[t].push_back(sig.ok() ? *sig : std::string());
      }
    });
  }
  // Rotation while io threads sign: creating a key must not disturb them.
  Result<std::string> kid_c = kms->CreateSigningKey(nullptr);
  for (auto& thread : threads) thread.join();
  ASSERT_TRUE(kid_c.ok());
  const jose::Es256Key pub_a = *jose::Es256Key::FromPublicJwk(jwk_a);
  const jose::Es256Key pub_b = *jose::Es256Key::FromPublicJwk(jwk_b);
  for (int t = 0; t < kThreads; t++) {
    ASSERT_EQ(sigs[t].size(), static_cast<size_t>(kSignsPerThread));
    for (int i = 0; i < kSignsPerThread; i++) {
      const jose::Es256Key& pub = (i % 2 == 0) ? pub_a : pub_b;
      EXPECT_TRUE(pub.Verify("t" + std::to_string(t) + "." + std::to_string(i), sigs[t][i]))
          << t << "/" << i;
    }
  }
}

}  // namespace
}  // namespace cb::kms
