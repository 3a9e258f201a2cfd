#pragma once
// Password hashing (argon2id via libsodium) and the worker pool that keeps it off the io
// threads and the writer: one interactive hash costs ~64 MiB and tens of milliseconds.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace cb::credentials {

// Longest password we hash or verify. Bounds the work an unauthenticated request can ask
// for; no stored hash can match a longer one because HashPassword refuses it.
inline constexpr size_t kPasswordBytesMax = 128;
// Shortest password CheckPasswordRules accepts. NIST SP 800-63B allows 8; a bank picks 12.
inline constexpr size_t kPasswordBytesMin = 12;

struct PasswordPolicy {
  uint64_t ops_limit = 0;
  size_t mem_limit_bytes = 0;

  // libsodium's interactive limits (argon2id: 2 passes, 64 MiB). Production default.
  static PasswordPolicy Interactive();
  // 1 pass, 8 MiB: fast enough for unit tests. NEVER for production hashes.
  static PasswordPolicy ForTests();
};

// Rules for a password a user chooses: kPasswordBytesMin..kPasswordBytesMax bytes, valid
// UTF-8, not one code point repeated. InvalidArgument says which rule failed.
Status CheckPasswordRules(std::string_view password);

// Returns "$argon2id$v=19$m=...,t=...,p=1$<salt>$<hash>" with a fresh random salt.
// Enforces only the byte bound, not CheckPasswordRules: a rehash on login must work for a
// password set under older rules. InvalidArgument for a bad length or policy,
// ResourceExhausted if the memory could not be allocated.
Result<std::string> HashPassword(std::string_view password, const PasswordPolicy& policy);

// False on mismatch, on a malformed or non-argon2id stored hash, and on a password longer
// than kPasswordBytesMax (checked before any work). libsodium compares in
// constant time.
bool VerifyPassword(std::string_view stored_hash, std::string_view password);

// True if stored_hash is not argon2id with exactly policy's limits (or is malformed): after a
// successful verify the caller hashes the password again and stores the new hash.
bool NeedsRehash(std::string_view stored_hash, const PasswordPolicy& policy);

struct PasswordHasherPoolOptions {
  size_t thread_count = 1;     // Each running job holds policy.mem_limit_bytes.
  size_t queue_capacity = 64;  // Jobs waiting, not counting the ones running.
};

// Runs hash and verify jobs on a fixed set of threads with a bounded queue. Thread-safe.
// `done` runs on a pool thread; it must be quick and must not destroy the pool.
// The pool wipes the passwords it holds (sodium_memzero) once a job has run; the caller
// wipes its own copies.
//
// Destruction drains: every accepted job runs and gets its real answer before the
// destructor returns. Failing them instead would report a right password as wrong and feed
// the lockout counter; the cost is a shutdown bounded by queue_capacity hashes / threads.
class PasswordHasherPool {
 public:
  explicit PasswordHasherPool(PasswordHasherPoolOptions options = {});
  ~PasswordHasherPool();  // Stop()
  PasswordHasherPool(const PasswordHasherPool&) = delete;
  // Refuses new jobs, runs every accepted one to its real answer, joins the threads.
  // Idempotent. Call it while whatever the callbacks use (the executor, the handlers that
  // submitted) is still alive: a server stops it first thing after it stops listening.
  void Stop();
  PasswordHasherPool& operator=(const PasswordHasherPool&) = delete;

  // Both return false, without calling done, when the queue is full (answer 503 and
  // Retry-After) or the pool is shutting down.
  [[nodiscard]] bool SubmitVerify(std::string stored_hash, std::string password,
                                  std::function<void(bool ok)> done);
  [[nodiscard]] bool SubmitHash(std::string password, PasswordPolicy policy,
                                std::function<void(Result<std::string>)> done);

 private:
  struct Job;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cb::credentials
