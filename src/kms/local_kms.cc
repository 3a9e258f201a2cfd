// LocalKms: keys in a local directory (development), held in memory after open.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <cstring>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

#include "base/check.h"
#include "jose/jose.h"
#include "kms/key_dir.h"
#include "kms/kms.h"

namespace cb::kms {

namespace {

constexpr size_t kSigningKeysMax = 256;  // retired keys stay until deleted by hand
constexpr size_t kDirEntriesMax = kSigningKeysMax + 16;
constexpr size_t kPemBytesMax = 16 * 1024;
constexpr std::string_view kSigPrefix = "sig-";
constexpr std::string_view kSigSuffix = ".pem";
constexpr char kDataKeyName[] = "data-key.bin";

// Envelope byte layout: version(1) = 1 | nonce(12) | ciphertext(n) | tag(16).
// The GCM AAD is the version byte followed by the caller's aad, so the header is
// authenticated too. Random nonces: fine for the ~2^32 messages one key may seal.
constexpr uint8_t kEnvelopeVersion = 1;
constexpr size_t kDataKeyBytes = 32;
constexpr size_t kNonceBytes = 12;
constexpr size_t kTagBytes = 16;
constexpr size_t kEnvelopeOverheadBytes = 1 + kNonceBytes + kTagBytes;
constexpr size_t kPlaintextBytesMax = 4 * 1024;  // small secrets only
constexpr size_t kAadBytesMax = 1024;

const EVP_CIPHER* Aes256Gcm() {
  // Fetched once: an implicit fetch per call takes a global lock.
  static EVP_CIPHER* cipher = [] {
    EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    CB_CHECK(c != nullptr);
    return c;
  }();
  return cipher;
}

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtxPtr = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

// Leaves no OpenSSL error behind for the TLS code that runs next on this thread.
struct ClearErrorsOnExit {
  ~ClearErrorsOnExit() { ERR_clear_error(); }
};

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}
int Len(std::string_view s) { return static_cast<int>(s.size()); }

std::string SigFileName(std::string_view kid) {
  return std::string(kSigPrefix) + std::string(kid) + std::string(kSigSuffix);
}

class LocalKms final : public Kms {
 public:
  explicit LocalKms(std::string dir) : dir_(std::move(dir)) {}
  ~LocalKms() override { OPENSSL_cleanse(data_key_.data(), data_key_.size()); }

  Status Load();

  Result<std::string> CreateSigningKey(std::string* public_jwk_json) override;
  Result<std::string> Sign(std::string_view kid, std::string_view signing_input) override;
  bool HasKey(std::string_view kid) const override;
  Result<std::string> Encrypt(std::string_view plaintext, std::string_view aad) override;
  Result<std::string> Decrypt(std::string_view ciphertext, std::string_view aad) override;
  Result<std::string> Mac(std::string_view purpose, std::string_view data) override;

 private:
  Status LoadSigningKey(const std::string& name);

  const std::string dir_;
  std::string data_key_;  // kDataKeyBytes; set by Load, read-only after
  std::mutex create_mu_;  // one key file written at a time
  mutable std::shared_mutex mu_;
  std::map<std::string, jose::Es256Key, std::less<>> keys_;  // by kid; guarded by mu_
};

Status LocalKms::LoadSigningKey(const std::string& name) {
  const std::string kid =
      name.substr(kSigPrefix.size(), name.size() - kSigPrefix.size() - kSigSuffix.size());
  const std::string path = dir_ + "/" + name;
  CB_ASSIGN_OR_RETURN(std::string pem, internal::ReadKeyFile(path, kPemBytesMax));
  Result<jose::Es256Key> key = jose::Es256Key::FromPrivatePem(pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  if (!key.ok()) return Status::DataLoss(path + ": " + key.status().message());
  // The name is the key's thumbprint: a renamed or swapped file would sign under a wrong kid.
  if (key->Thumbprint() != kid) return Status::DataLoss(path + ": kid does not match the key");
  if (keys_.size() == kSigningKeysMax) {
    return Status::ResourceExhausted("more than " + std::to_string(kSigningKeysMax) +
                                     " signing keys in " + dir_);
  }
  keys_.emplace(kid, *std::move(key));
  return Status::Ok();
}

Status LocalKms::Load() {
  CB_RETURN_IF_ERROR(internal::PrepareKeyDir(dir_));
  CB_ASSIGN_OR_RETURN(std::vector<std::string> names, internal::ListKeyDir(dir_, kDirEntriesMax));
  std::unique_lock lock(mu_);  // uncontended: nobody else has this object yet
  bool has_data_key = false;
  for (const std::string& name : names) {
    if (internal::IsTempName(name)) {
      // Never renamed into place, so never committed: a crash mid-write left it.
      CB_RETURN_IF_ERROR(internal::RemoveFile(dir_ + "/" + name));
    } else if (name == kDataKeyName) {
      CB_ASSIGN_OR_RETURN(data_key_, internal::ReadKeyFile(dir_ + "/" + name, kDataKeyBytes));
      if (data_key_.size() != kDataKeyBytes) {
        return Status::DataLoss(dir_ + "/" + name + " is not " + std::to_string(kDataKeyBytes) +
                                " bytes");
      }
      has_data_key = true;
    } else if (name.size() > kSigPrefix.size() + kSigSuffix.size() &&
               name.starts_with(kSigPrefix) && name.ends_with(kSigSuffix)) {
      CB_RETURN_IF_ERROR(LoadSigningKey(name));
    } else {
      return Status::FailedPrecondition("unexpected file " + name + " in key directory " + dir_);
    }
  }
  if (!has_data_key) {
    // The data key is made before any signing key, so signing keys without it mean it was
    // lost: a new one would leave every stored secret undecryptable without saying so.
    if (!keys_.empty()) {
      return Status::DataLoss(dir_ + "/" + kDataKeyName + " is missing but signing keys exist");
    }
    data_key_.assign(kDataKeyBytes, '\0');
    if (RAND_priv_bytes(reinterpret_cast<unsigned char*>(data_key_.data()),
                        static_cast<int>(kDataKeyBytes)) != 1) {
      ERR_clear_error();
      return Status::Unavailable("no randomness for the data key");
    }
    CB_RETURN_IF_ERROR(internal::WriteKeyFileAtomic(dir_, kDataKeyName, data_key_));
  }
  CB_CHECK(data_key_.size() == kDataKeyBytes);
  return Status::Ok();
}

Result<std::string> LocalKms::CreateSigningKey(std::string* public_jwk_json) {
  std::lock_guard create_lock(create_mu_);
  {
    std::shared_lock lock(mu_);
    if (keys_.size() >= kSigningKeysMax) {
      return Status::ResourceExhausted("key directory already holds " +
                                       std::to_string(kSigningKeysMax) + " signing keys");
    }
  }
  const jose::Es256Key key = jose::Es256Key::Generate();
  std::string kid = key.Thumbprint();
  std::string pem = key.PrivatePem();
  const Status written = internal::WriteKeyFileAtomic(dir_, SigFileName(kid), pem);
  OPENSSL_cleanse(pem.data(), pem.size());
  CB_RETURN_IF_ERROR(written);
  {
    std::unique_lock lock(mu_);
    CB_CHECK(keys_.size() < kSigningKeysMax);  // only this function adds, under create_mu_
    keys_.emplace(kid, key);
  }
  if (public_jwk_json != nullptr) *public_jwk_json = key.PublicJwkJson(kid);
  return kid;
}

Result<std::string> LocalKms::Sign(std::string_view kid, std::string_view signing_input) {
  std::optional<jose::Es256Key> key;
  {
    std::shared_lock lock(mu_);
    auto it = keys_.find(kid);
    if (it == keys_.end()) return Status::NotFound("no signing key " + std::string(kid));
    key = it->second;  // shares the immutable OpenSSL key; sign outside the lock
  }
  return key->Sign(signing_input);
}

bool LocalKms::HasKey(std::string_view kid) const {
  std::shared_lock lock(mu_);
  return keys_.find(kid) != keys_.end();
}

Result<std::string> LocalKms::Encrypt(std::string_view plaintext, std::string_view aad) {
  if (plaintext.size() > kPlaintextBytesMax) {
    return Status::ResourceExhausted("plaintext is larger than " +
                                     std::to_string(kPlaintextBytesMax) + " bytes");
  }
  if (aad.size() > kAadBytesMax) return Status::ResourceExhausted("aad is too large");
  ClearErrorsOnExit clear_errors;
  std::string out(kEnvelopeOverheadBytes + plaintext.size(), '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  bytes[0] = kEnvelopeVersion;
  unsigned char* nonce = bytes + 1;
  unsigned char* body = nonce + kNonceBytes;
  unsigned char* tag = body + plaintext.size();
  if (RAND_bytes(nonce, static_cast<int>(kNonceBytes)) != 1) {
    return Status::Unavailable("no randomness for a nonce");
  }
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  CB_CHECK(ctx != nullptr);
  int len = 0;
  CB_CHECK(EVP_EncryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, Bytes(data_key_), nonce) == 1);
  CB_CHECK(EVP_EncryptUpdate(ctx.get(), nullptr, &len, bytes, 1) == 1);  // version byte
  CB_CHECK(EVP_EncryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), Len(aad)) == 1);
  CB_CHECK(EVP_EncryptUpdate(ctx.get(), body, &len, Bytes(plaintext), Len(plaintext)) == 1);
  CB_CHECK(static_cast<size_t>(len) == plaintext.size());
  CB_CHECK(EVP_EncryptFinal_ex(ctx.get(), body + len, &len) == 1);
  CB_CHECK(len == 0);
  CB_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(kTagBytes), tag) ==
           1);
  return out;
}

Result<std::string> LocalKms::Decrypt(std::string_view ciphertext, std::string_view aad) {
  if (ciphertext.size() < kEnvelopeOverheadBytes) {
    return Status::InvalidArgument("ciphertext is truncated");
  }
  if (ciphertext.size() > kEnvelopeOverheadBytes + kPlaintextBytesMax) {
    return Status::InvalidArgument("ciphertext is larger than any we make");
  }
  if (static_cast<uint8_t>(ciphertext[0]) != kEnvelopeVersion) {
    return Status::InvalidArgument("unknown ciphertext version " +
                                   std::to_string(static_cast<uint8_t>(ciphertext[0])));
  }
  if (aad.size() > kAadBytesMax) return Status::ResourceExhausted("aad is too large");
  ClearErrorsOnExit clear_errors;
  const std::string_view nonce = ciphertext.substr(1, kNonceBytes);
  const std::string_view body =
      ciphertext.substr(1 + kNonceBytes, ciphertext.size() - kEnvelopeOverheadBytes);
  const std::string_view tag = ciphertext.substr(ciphertext.size() - kTagBytes);
  std::string plaintext(body.size(), '\0');
  auto* out = reinterpret_cast<unsigned char*>(plaintext.data());
  CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  CB_CHECK(ctx != nullptr);
  int len = 0;
  CB_CHECK(EVP_DecryptInit_ex(ctx.get(), Aes256Gcm(), nullptr, Bytes(data_key_), Bytes(nonce)) ==
           1);
  CB_CHECK(EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(ciphertext), 1) == 1);
  CB_CHECK(EVP_DecryptUpdate(ctx.get(), nullptr, &len, Bytes(aad), Len(aad)) == 1);
  CB_CHECK(EVP_DecryptUpdate(ctx.get(), out, &len, Bytes(body), Len(body)) == 1);
  CB_CHECK(static_cast<size_t>(len) == body.size());
  // EVP's API takes a non-const tag buffer.
  unsigned char tag_copy[kTagBytes];
  std::memcpy(tag_copy, tag.data(), kTagBytes);
  CB_CHECK(EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(kTagBytes),
                               tag_copy) == 1);
  if (EVP_DecryptFinal_ex(ctx.get(), out + len, &len) != 1) {
    // Never hand out plaintext that did not authenticate.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::DataLoss("ciphertext does not authenticate (wrong aad, key or bytes)");
  }
  return plaintext;
}

}  // namespace

Result<std::unique_ptr<Kms>> OpenLocalKms(const std::string& dir) {
  auto kms = std::make_unique<LocalKms>(dir);
  CB_RETURN_IF_ERROR(kms->Load());
  return std::unique_ptr<Kms>(std::move(kms));
}

Result<std::string> LocalKms::Mac(std::string_view purpose, std::string_view data) {
  // key = HMAC(data key, "mac:" + purpose): one secret, a separate key per use.
  const std::string label = "mac:" + std::string(purpose);
  unsigned char key[EVP_MAX_MD_SIZE];
  unsigned int key_len = 0;
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int out_len = 0;
  if (HMAC(EVP_sha256(), data_key_.data(), static_cast<int>(data_key_.size()),
           reinterpret_cast<const unsigned char*>(label.data()), label.size(), key,
           &key_len) == nullptr ||
      HMAC(EVP_sha256(), key, static_cast<int>(key_len),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
           &out_len) == nullptr) {
    OPENSSL_cleanse(key, sizeof(key));
    return Status::Internal("kms: HMAC failed");
  }
  OPENSSL_cleanse(key, sizeof(key));
  CB_CHECK(out_len == 32);
  return std::string(reinterpret_cast<const char*>(out), out_len);
}

}  // namespace cb::kms
