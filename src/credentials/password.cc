#include "credentials/password.h"

#include <sodium.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "base/check.h"

namespace cb::credentials {
namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";
// Bounds on the pool's shape: beyond these a config value is a typo, not a choice.
constexpr size_t kPoolThreadCountMax = 64;
constexpr size_t kPoolQueueCapacityMax = 4096;

// sodium_init picks the fastest implementations and opens the RNG; it must run before any
// other libsodium call. It only fails without a randomness source, which no caller can fix.
void EnsureSodium() {
  static const int rc = sodium_init();  // Function-local static: initialised exactly once.
  CB_CHECK(rc >= 0);
}

// Overwrites the whole buffer, not just size(): a moved-from or shrunk string keeps old
// bytes past its end, and a short password lives inside the string object itself.
void Wipe(std::string& s) {
  s.resize(s.capacity());
  sodium_memzero(s.data(), s.size());
  s.clear();
}

// libsodium reads stored hashes as NUL-terminated C strings of < crypto_pwhash_STRBYTES.
bool CopyStoredHash(std::string_view stored_hash, char (&out)[crypto_pwhash_STRBYTES]) {
  if (stored_hash.size() >= sizeof(out)) return false;
  if (stored_hash.find('\0') != std::string_view::npos) return false;
  std::memcpy(out, stored_hash.data(), stored_hash.size());
  out[stored_hash.size()] = '\0';
  return true;
}

Status CheckPolicy(const PasswordPolicy& policy) {
  if (policy.ops_limit < crypto_pwhash_argon2id_opslimit_min() ||
      policy.ops_limit > crypto_pwhash_argon2id_opslimit_max()) {
    return Status::InvalidArgument("password policy: ops_limit out of argon2id's range");
  }
  if (policy.mem_limit_bytes < crypto_pwhash_argon2id_memlimit_min() ||
      policy.mem_limit_bytes > crypto_pwhash_argon2id_memlimit_max()) {
    return Status::InvalidArgument("password policy: mem_limit_bytes out of argon2id's range");
  }
  return Status::Ok();
}

// Length in bytes of the UTF-8 sequence at s[i] with its code point in *code_point, or 0 if
// the sequence is invalid (truncated, overlong, a surrogate or above U+10FFFF).
size_t DecodeUtf8(std::string_view s, size_t i, uint32_t* code_point) {
  const auto lead = static_cast<uint8_t>(s[i]);
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t cp_min = 0;
  if (lead < 0x80) {
    *code_point = lead;
    return 1;
  } else if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1Fu, cp_min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0Fu, cp_min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07u, cp_min = 0x10000;
  } else {
    return 0;
  }
  if (len > s.size() - i) return 0;
  for (size_t k = 1; k < len; k++) {
    const auto cont = static_cast<uint8_t>(s[i + k]);
    if ((cont & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cont & 0x3Fu);
  }
  if (cp < cp_min || cp > 0x10FFFF) return 0;
  if (cp >= 0xD800 && cp <= 0xDFFF) return 0;
  *code_point = cp;
  return len;
}

}  // namespace

PasswordPolicy PasswordPolicy::Interactive() {
  return {.ops_limit = crypto_pwhash_argon2id_OPSLIMIT_INTERACTIVE,
          .mem_limit_bytes = crypto_pwhash_argon2id_MEMLIMIT_INTERACTIVE};
}

PasswordPolicy PasswordPolicy::ForTests() {
  return {.ops_limit = 1, .mem_limit_bytes = size_t{8} << 20};
}

// The messages below spell the bounds out for the user.
static_assert(kPasswordBytesMin == 12);
static_assert(kPasswordBytesMax == 128);

Status CheckPasswordRules(std::string_view password) {
  if (password.size() < kPasswordBytesMin) {
    return Status::InvalidArgument("password must be at least 12 bytes long");
  }
  if (password.size() > kPasswordBytesMax) {
    return Status::InvalidArgument("password must be at most 128 bytes long");
  }
  uint32_t first = 0;
  bool all_same = true;
  // Bounded: i advances by >= 1 each pass and password.size() <= kPasswordBytesMax.
  for (size_t i = 0; i < password.size();) {
    uint32_t cp = 0;
    const size_t len = DecodeUtf8(password, i, &cp);
    if (len == 0) return Status::InvalidArgument("password is not valid UTF-8");
    if (i == 0) first = cp;
    all_same = all_same && cp == first;
    i += len;
  }
  if (all_same) return Status::InvalidArgument("password must not be one character repeated");
  return Status::Ok();
}

Result<std::string> HashPassword(std::string_view password, const PasswordPolicy& policy) {
  EnsureSodium();
  if (password.empty()) return Status::InvalidArgument("password is empty");
  if (password.size() > kPasswordBytesMax) {
    return Status::InvalidArgument("password must be at most 128 bytes long");
  }
  CB_RETURN_IF_ERROR(CheckPolicy(policy));
  char out[crypto_pwhash_STRBYTES];
  // Limits were checked above, so a failure here is argon2's memory allocation.
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), policy.ops_limit,
                            policy.mem_limit_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("argon2id could not allocate its memory");
  }
  return std::string(out);
}

bool VerifyPassword(std::string_view stored_hash, std::string_view password) {
  EnsureSodium();
  if (password.size() > kPasswordBytesMax) return false;
  // We only ever write argon2id; anything else in the store is corruption, not a password.
  if (!stored_hash.starts_with(kArgon2idPrefix)) return false;
  char stored[crypto_pwhash_STRBYTES];
  if (!CopyStoredHash(stored_hash, stored)) return false;
  return crypto_pwhash_str_verify(stored, password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view stored_hash, const PasswordPolicy& policy) {
  EnsureSodium();
  if (!stored_hash.starts_with(kArgon2idPrefix)) return true;
  char stored[crypto_pwhash_STRBYTES];
  if (!CopyStoredHash(stored_hash, stored)) return true;
  // 0: same algorithm and limits; 1: different limits; -1: malformed.
  return crypto_pwhash_str_needs_rehash(stored, policy.ops_limit, policy.mem_limit_bytes) != 0;
}

// --- PasswordHasherPool ---

struct PasswordHasherPool::Job {
  enum class Kind { kVerify, kHash };
  Kind kind = Kind::kVerify;
  std::string stored_hash;  // kVerify
  std::string password;
  PasswordPolicy policy;  // kHash
  std::function<void(bool)> verify_done;
  std::function<void(Result<std::string>)> hash_done;
};

struct PasswordHasherPool::State {
  std::mutex mu;
  std::condition_variable cv;
  // Fixed ring of queue_capacity slots, allocated up front. Jobs are boxed so the password
  // string never moves (a move of a short string copies its bytes and leaves them behind).
  std::vector<std::unique_ptr<Job>> ring;
  size_t head = 0;
  size_t count = 0;
  bool stopping = false;
  std::vector<std::thread> threads;

  bool Enqueue(std::unique_ptr<Job> job);
  void Work();
  static void Run(Job& job);
};

PasswordHasherPool::PasswordHasherPool(PasswordHasherPoolOptions options)
    : state_(std::make_unique<State>()) {
  CB_CHECK(options.thread_count >= 1);
  CB_CHECK(options.thread_count <= kPoolThreadCountMax);
  CB_CHECK(options.queue_capacity >= 1);
  CB_CHECK(options.queue_capacity <= kPoolQueueCapacityMax);
  EnsureSodium();  // Once here rather than racing for the static in every worker.
  state_->ring.resize(options.queue_capacity);
  state_->threads.reserve(options.thread_count);
  for (size_t i = 0; i < options.thread_count; i++) {
    state_->threads.emplace_back([s = state_.get()] { s->Work(); });
  }
}

PasswordHasherPool::~PasswordHasherPool() { Stop(); }

void PasswordHasherPool::Stop() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->cv.notify_all();
  for (std::thread& t : state_->threads) t.join();
  state_->threads.clear();
  CB_CHECK(state_->count == 0);
}

bool PasswordHasherPool::SubmitVerify(std::string stored_hash, std::string password,
                                      std::function<void(bool ok)> done) {
  CB_CHECK(done != nullptr);
  auto job = std::make_unique<Job>();
  job->kind = Job::Kind::kVerify;
  job->stored_hash = std::move(stored_hash);
  job->password.assign(password);  // Copy then wipe: a move would leave short ones behind.
  Wipe(password);
  job->verify_done = std::move(done);
  return state_->Enqueue(std::move(job));
}

bool PasswordHasherPool::SubmitHash(std::string password, PasswordPolicy policy,
                                    std::function<void(Result<std::string>)> done) {
  CB_CHECK(done != nullptr);
  auto job = std::make_unique<Job>();
  job->kind = Job::Kind::kHash;
  job->password.assign(password);
  Wipe(password);
  job->policy = policy;
  job->hash_done = std::move(done);
  return state_->Enqueue(std::move(job));
}

bool PasswordHasherPool::State::Enqueue(std::unique_ptr<Job> job) {
  bool accepted = false;
  {
    std::lock_guard lock(mu);
    if (!stopping && count < ring.size()) {
      std::unique_ptr<Job>& slot = ring[(head + count) % ring.size()];
      CB_CHECK(slot == nullptr);
      slot = std::move(job);
      count++;
      accepted = true;
    }
  }
  if (!accepted) {  // Nobody will run it, so wipe the password here.
    Wipe(job->password);
    return false;
  }
  cv.notify_one();
  return true;
}

void PasswordHasherPool::State::Work() {
  for (;;) {
    std::unique_ptr<Job> job;
    {
      std::unique_lock lock(mu);
      cv.wait(lock, [this] { return count > 0 || stopping; });
      if (count == 0) return;  // Stopping and drained.
      job = std::move(ring[head]);
      head = (head + 1) % ring.size();
      count--;
    }
    CB_CHECK(job != nullptr);
    Run(*job);
  }
}

void PasswordHasherPool::State::Run(Job& job) {
  switch (job.kind) {
    case Job::Kind::kVerify: {
      const bool ok = VerifyPassword(job.stored_hash, job.password);
      Wipe(job.password);
      job.verify_done(ok);
      return;
    }
    case Job::Kind::kHash: {
      Result<std::string> hash = HashPassword(job.password, job.policy);
      Wipe(job.password);
      job.hash_done(std::move(hash));
      return;
    }
  }
  CB_CHECK(false);
}

}  // namespace cb::credentials
