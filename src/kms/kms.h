#pragma once
// Keys behind an interface (ADR 0007 "Keys"): ES256 signing keys and an AES-256-GCM data key.
// OpenLocalKms keeps them in a local directory for development; PKCS#11 comes later. Private
// keys never leave the implementation: callers get kids, public JWKs and signatures.
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::kms {

class Kms {
 public:
  virtual ~Kms() = default;
  // A new ES256 signing key; returns its kid (the RFC 7638 thumbprint) and, when
  // `public_jwk_json` is not null, its public JWK JSON.
  virtual Result<std::string> CreateSigningKey(std::string* public_jwk_json) = 0;
  // JWS ES256 signature (raw R||S) by key `kid`. Thread-safe: io threads call it concurrently.
  virtual Result<std::string> Sign(std::string_view kid, std::string_view signing_input) = 0;
  virtual bool HasKey(std::string_view kid) const = 0;
  // Envelope encryption of small secrets (TOTP seeds) under the KMS's data key:
  // AES-256-GCM, random 96-bit nonce, `aad` authenticated.
  // Output: version byte 1 | nonce(12) | ciphertext | tag(16). Plaintext up to 4 KiB, aad
  // up to 1 KiB (else ResourceExhausted). Decrypt: InvalidArgument when truncated or of an
  // unknown version, DataLoss when it does not authenticate (wrong aad, key or bytes).
  virtual Result<std::string> Encrypt(std::string_view plaintext, std::string_view aad) = 0;
  virtual Result<std::string> Decrypt(std::string_view ciphertext, std::string_view aad) = 0;
  // A keyed digest (HMAC-SHA256 under a key derived from the data key and `purpose`) of
  // values that must be matched later but never be testable offline by someone holding only
  // the journal (what a user typed as a username may be their password). 32 bytes.
  virtual Result<std::string> Mac(std::string_view purpose, std::string_view data) = 0;
};

// Opens (creating if needed) a key directory: dir mode 0700, every file 0600, written
// atomically (temp file, fsync, rename, fsync dir). Signing keys are `sig-<kid>.pem` (PKCS#8);
// the data key is `data-key.bin` (32 random bytes, created on first open). Loads every key
// at open; refuses to open (Status) if a file is group/world-readable or unparsable.
Result<std::unique_ptr<Kms>> OpenLocalKms(const std::string& dir);

}  // namespace cb::kms
