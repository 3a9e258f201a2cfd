#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <future>
#include <string>
#include <vector>

#include "credentials/lockout.h"
#include "credentials/password.h"
#include "credentials/totp.h"

namespace cb::credentials {
namespace {

// --- TOTP (RFC 6238 Appendix B; the SHA-256 seed is 32 bytes, per the RFC's errata) ---

constexpr std::string_view kSha1Seed = "12345678901234567890";
constexpr std::string_view kSha256Seed = "12345678901234567890123456789012";

struct Vector {
  uint64_t unix_seconds;
  const char* sha1;
  const char* sha256;
};
constexpr Vector kRfc6238Vectors[] = {
    {59, "94287082", "46119246"},         {1111111109, "07081804", "68084774"},
    {1111111111, "14050471", "67062674"}, {1234567890, "89005924", "91819424"},
    {2000000000, "69279037", "90698825"}, {20000000000, "65353130", "77737706"},
};

TEST(TotpTest, Rfc6238Sha1VectorsMatch) {
  for (const Vector& v : kRfc6238Vectors) {
    EXPECT_EQ(TotpCode(kSha1Seed, v.unix_seconds, 8), v.sha1) << v.unix_seconds;
  }
}

TEST(TotpTest, Rfc6238Sha256VectorsMatch) {
  for (const Vector& v : kRfc6238Vectors) {
    EXPECT_EQ(TotpCode(kSha256Seed, v.unix_seconds, 8, 30, TotpAlgorithm::kSha256), v.sha256)
        << v.unix_seconds;
  }
}

TEST(TotpTest, SixDigitCodeIsTheLowSixDigitsOfTheEightDigitCode) {
  for (const Vector& v : kRfc6238Vectors) {
    EXPECT_EQ(TotpCode(kSha1Seed, v.unix_seconds), std::string(v.sha1).substr(2));
  }
}

constexpr uint64_t kNow = 1'700'000'000;  // Step 56666666, 20 s into it.
constexpr uint64_t kNowStep = kNow / 30;

TEST(TotpTest, VerifyAcceptsTheCurrentStepAndOneStepEitherSide) {
  for (const int delta : {-1, 0, 1}) {
    const uint64_t t = kNow + static_cast<uint64_t>(delta * 30);
    std::optional<uint64_t> step = VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, t), kNow, 0);
    ASSERT_TRUE(step.has_value()) << delta;
    EXPECT_EQ(*step, kNowStep + static_cast<uint64_t>(delta));
  }
}

TEST(TotpTest, VerifyRefusesCodesTwoStepsAway) {
  EXPECT_FALSE(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, kNow - 60), kNow, 0).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, kNow + 60), kNow, 0).has_value());
}

TEST(TotpTest, VerifyRefusesAStepAtOrBeforeTheLastUsedOne) {
  const std::string code = TotpCode(kSha1Seed, kNow);
  std::optional<uint64_t> step = VerifyTotp(kSha1Seed, code, kNow, 0);
  ASSERT_TRUE(step.has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, code, kNow, *step).has_value());  // Replay.
  EXPECT_FALSE(VerifyTotp(kSha1Seed, code, kNow + 30, *step).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, kNow - 30), kNow, *step).has_value());
  // The next step's code is still fine.
  EXPECT_EQ(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, kNow + 30), kNow, *step), kNowStep + 1);
}

TEST(TotpTest, VerifyRefusesWrongLengthAndNonDigits) {
  const std::string code = TotpCode(kSha1Seed, kNow);
  EXPECT_FALSE(VerifyTotp(kSha1Seed, code.substr(1), kNow, 0).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, code + "0", kNow, 0).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, "", kNow, 0).has_value());
  std::string letter = code;
  letter[0] = 'a';
  EXPECT_FALSE(VerifyTotp(kSha1Seed, letter, kNow, 0).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, " " + code.substr(1), kNow, 0).has_value());
  EXPECT_FALSE(VerifyTotp(kSha1Seed, "+" + code.substr(1), kNow, 0).has_value());
}

TEST(TotpTest, VerifyHonoursDigitsStepAndAlgorithm) {
  const TotpParams params{.digits = 8, .step_s = 60, .algorithm = TotpAlgorithm::kSha256};
  const std::string code = TotpCode(kSha256Seed, kNow, 8, 60, TotpAlgorithm::kSha256);
  EXPECT_EQ(VerifyTotp(kSha256Seed, code, kNow, 0, 1, params), kNow / 60);
  EXPECT_FALSE(VerifyTotp(kSha256Seed, code, kNow, 0).has_value());  // Default params.
}

TEST(TotpTest, VerifyNearTheEpochDoesNotWrapBelowStepZero) {
  EXPECT_EQ(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, 0), 10, 0), std::nullopt);  // Step 0.
  EXPECT_EQ(VerifyTotp(kSha1Seed, TotpCode(kSha1Seed, 30), 10, 0), 1u);
}

TEST(TotpTest, NewSecretsAreTwentyBytesAndDiffer) {
  const std::string a = NewTotpSecret();
  const std::string b = NewTotpSecret();
  EXPECT_EQ(a.size(), 20u);
  EXPECT_EQ(b.size(), 20u);
  EXPECT_NE(a, b);
}

TEST(TotpTest, OtpauthUriCarriesBase32SecretAndPercentEncodedLabels) {
  EXPECT_EQ(OtpauthUri("Core Bank", "alice@example.com:x", "foobar"),
            "otpauth://totp/Core%20Bank:alice%40example.com%3Ax?secret=MZXW6YTBOI"
            "&issuer=Core%20Bank&algorithm=SHA1&digits=6&period=30");
}

// --- Base32 (RFC 4648 §10) ---

struct Base32Vector {
  const char* bytes;
  const char* padded;
};
constexpr Base32Vector kRfc4648Vectors[] = {
    {"", ""},
    {"f", "MY======"},
    {"fo", "MZXQ===="},
    {"foo", "MZXW6==="},
    {"foob", "MZXW6YQ="},
    {"fooba", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI======"},
};

std::string Unpadded(std::string s) { return s.substr(0, s.find('=')); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(Base32Test, Rfc4648VectorsEncodeWithoutPadding) {
  for (const Base32Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base32Encode(v.bytes), Unpadded(v.padded)) << v.bytes;
  }
}

TEST(Base32Test, DecodeAcceptsPaddedUnpaddedAndLowerCase) {
  for (const Base32Vector& v : kRfc4648Vectors) {
    EXPECT_EQ(Base32Decode(v.padded), v.bytes) << v.padded;
    EXPECT_EQ(Base32Decode(Unpadded(v.padded)), v.bytes) << v.padded;
    EXPECT_EQ(Base32Decode(Lower(v.padded)), v.bytes) << v.padded;
  }
}

TEST(Base32Test, DecodeInvertsEncodeForEveryByteValueAndLength) {
  std::string bytes;
  for (int i = 0; i < 300; i++) {
    EXPECT_EQ(Base32Decode(Base32Encode(bytes)), bytes) << i;
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST(Base32Test, DecodeRejectsCharactersOutsideTheAlphabet) {
  for (const char* text :
       {"MZXW6YT1", "MZXW6YT0", "MZXW6YT8", "MZXW 6YTB", "MZXW-6YTB", "MZ=W6YTB", "MZXW6YTB\n"}) {
    EXPECT_EQ(Base32Decode(text), std::nullopt) << text;
  }
}

TEST(Base32Test, DecodeRejectsImpossibleLengthsPaddingAndLeftoverBits) {
  for (const char* text : {"M", "MZX", "MZXW6Y", "M=======", "MY=", "MY=======", "========",
                           "MZ"}) {  // "MZ": its last 2 bits are not zero.
    EXPECT_EQ(Base32Decode(text), std::nullopt) << text;
  }
}

// --- Passwords ---

constexpr std::string_view kPassword = "correct horse battery staple";

TEST(PasswordTest, HashIsArgon2idAndVerifiesTheSamePassword) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=8192,t=1,p=1$")) << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, kPassword));
}

TEST(PasswordTest, WrongPasswordFailsVerification) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(VerifyPassword(*hash, "correct horse battery stapler"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));
  EXPECT_FALSE(VerifyPassword(*hash, std::string(129, 'x')));
}

TEST(PasswordTest, MalformedStoredHashFailsVerification) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  std::string argon2i = *hash;
  argon2i.replace(0, 10, "$argon2i$");
  std::string embedded_nul = *hash;
  embedded_nul[20] = '\0';
  for (const std::string& stored :
       {std::string(), std::string("not a hash"), std::string("$argon2id$"),
        hash->substr(0, hash->size() - 5), *hash + "AAAA", argon2i, embedded_nul,
        *hash + std::string(200, 'A')}) {
    EXPECT_FALSE(VerifyPassword(stored, kPassword)) << stored;
  }
}

TEST(PasswordTest, TwoHashesOfOnePasswordDifferBySalt) {
  Result<std::string> a = HashPassword(kPassword, PasswordPolicy::ForTests());
  Result<std::string> b = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(VerifyPassword(*b, kPassword));
}

TEST(PasswordTest, HashRefusesEmptyOrOverlongPasswordsAndBadPolicies) {
  EXPECT_EQ(HashPassword("", PasswordPolicy::ForTests()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(std::string(129, 'x'), PasswordPolicy::ForTests()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(kPassword, {.ops_limit = 0, .mem_limit_bytes = 8 << 20}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword(kPassword, {.ops_limit = 1, .mem_limit_bytes = 1024}).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(PasswordTest, NeedsRehashWhenPolicyOrAlgorithmDiffers) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  EXPECT_FALSE(NeedsRehash(*hash, PasswordPolicy::ForTests()));
  EXPECT_TRUE(NeedsRehash(*hash, PasswordPolicy::Interactive()));
  EXPECT_TRUE(NeedsRehash("garbage", PasswordPolicy::ForTests()));
}

TEST(PasswordTest, InteractivePolicyIsLibsodiumsInteractiveLimits) {
  EXPECT_EQ(PasswordPolicy::Interactive().ops_limit, 2u);
  EXPECT_EQ(PasswordPolicy::Interactive().mem_limit_bytes, size_t{64} << 20);
}

TEST(PasswordTest, RulesAcceptTwelveToOneHundredTwentyEightBytesOfUtf8) {
  EXPECT_TRUE(CheckPasswordRules("abcdefghijkl").ok());
  EXPECT_TRUE(CheckPasswordRules(std::string(127, 'a') + "b").ok());
  EXPECT_TRUE(CheckPasswordRules("\xc3\xa9t\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91!").ok());
  EXPECT_TRUE(CheckPasswordRules("aaaaaaaaaaab").ok());
}

TEST(PasswordTest, RulesRejectShortLongInvalidUtf8AndOneRepeatedCharacter) {
  const std::string rejected[] = {
      "abcdefghijk",                                       // 11 bytes.
      std::string(128, 'a') + "b",                         // 129 bytes.
      "abcdefghijk\xff",                                   // Not UTF-8.
      "abcdefghij\xc0\xaf",                                // Overlong '/'.
      "abcdefghi\xed\xa0\x80",                             // UTF-16 surrogate.
      "abcdefghi\xf4\x90\x80\x80",                         // Above U+10FFFF.
      "abcdefghijk\xc3",                                   // Truncated sequence.
      "aaaaaaaaaaaa",                                      // One character.
      "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",  // One character, 2 bytes each.
  };
  for (const std::string& password : rejected) {
    Status status = CheckPasswordRules(password);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << password;
    EXPECT_FALSE(status.message().empty());
  }
}

// --- PasswordHasherPool ---

// A `done` that blocks its worker until Release(): while it runs, a one-thread pool is busy
// and its queue holds exactly what the test submitted.
class Gate {
 public:
  std::function<void(bool)> BlockingDone() {
    return [this](bool) {
      started_.set_value();
      released_.wait();
    };
  }
  void WaitUntilStarted() { started_.get_future().wait(); }
  void Release() {
    if (open_) return;
    open_ = true;
    release_.set_value();
  }

 private:
  std::promise<void> started_;
  std::promise<void> release_;
  std::shared_future<void> released_ = release_.get_future().share();
  bool open_ = false;  // Only the test thread opens the gate.
};

// Declared after the pool: opens the gate when a test leaves early (a failed ASSERT), so the
// pool's destructor drains instead of waiting forever on the blocked worker.
struct OpenOnExit {
  Gate& gate;
  ~OpenOnExit() { gate.Release(); }
};

TEST(PasswordHasherPoolTest, VerifyJobsReportTheVerdict) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  PasswordHasherPool pool;
  std::promise<bool> right;
  std::promise<bool> wrong;
  ASSERT_TRUE(
      pool.SubmitVerify(*hash, std::string(kPassword), [&](bool ok) { right.set_value(ok); }));
  ASSERT_TRUE(pool.SubmitVerify(*hash, "wrong password!", [&](bool ok) { wrong.set_value(ok); }));
  EXPECT_TRUE(right.get_future().get());
  EXPECT_FALSE(wrong.get_future().get());
}

TEST(PasswordHasherPoolTest, HashJobProducesAVerifiableHash) {
  PasswordHasherPool pool({.thread_count = 2, .queue_capacity = 4});
  std::promise<Result<std::string>> hashed;
  ASSERT_TRUE(pool.SubmitHash(std::string(kPassword), PasswordPolicy::ForTests(),
                              [&](Result<std::string> r) { hashed.set_value(std::move(r)); }));
  Result<std::string> hash = hashed.get_future().get();
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_TRUE(VerifyPassword(*hash, kPassword));
}

TEST(PasswordHasherPoolTest, SubmitIsRefusedWhileTheQueueIsFull) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  Gate gate;
  std::promise<bool> queued;
  std::promise<bool> later;
  bool refused_ran = false;
  PasswordHasherPool pool({.thread_count = 1, .queue_capacity = 1});
  OpenOnExit open_on_exit{gate};
  ASSERT_TRUE(pool.SubmitVerify(*hash, std::string(kPassword), gate.BlockingDone()));
  gate.WaitUntilStarted();  // The worker holds job 1; the queue is empty.

  ASSERT_TRUE(
      pool.SubmitVerify(*hash, std::string(kPassword), [&](bool ok) { queued.set_value(ok); }));
  EXPECT_FALSE(pool.SubmitVerify(*hash, std::string(kPassword), [&](bool) { refused_ran = true; }));
  EXPECT_FALSE(pool.SubmitHash("another password", PasswordPolicy::ForTests(),
                               [&](Result<std::string>) { refused_ran = true; }));

  gate.Release();
  EXPECT_TRUE(queued.get_future().get());
  // Room again once the queued job was taken.
  ASSERT_TRUE(pool.SubmitVerify(*hash, "not it at all", [&](bool ok) { later.set_value(ok); }));
  EXPECT_FALSE(later.get_future().get());
  EXPECT_FALSE(refused_ran);
}

TEST(PasswordHasherPoolTest, DestructionRunsEveryAcceptedJob) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  constexpr size_t kQueued = 3;
  std::vector<int> verdicts(kQueued, -1);  // Each slot written by one job, read after join.
  Gate gate;
  {
    PasswordHasherPool pool({.thread_count = 1, .queue_capacity = kQueued});
    OpenOnExit open_on_exit{gate};
    ASSERT_TRUE(pool.SubmitVerify(*hash, std::string(kPassword), gate.BlockingDone()));
    gate.WaitUntilStarted();
    for (size_t i = 0; i < kQueued; i++) {
      std::string password = i % 2 == 0 ? std::string(kPassword) : "wrong password!";
      ASSERT_TRUE(pool.SubmitVerify(*hash, std::move(password),
                                    [&verdicts, i](bool ok) { verdicts[i] = ok ? 1 : 0; }));
    }
    // Opened on the way out, just before the destructor: the worker is still in job 1 or
    // early in the queue (each verify takes milliseconds), so the destructor finds jobs
    // pending. Either way every accepted job must have run once the pool is gone.
  }
  EXPECT_EQ(verdicts, (std::vector<int>{1, 0, 1}));
}

// A server stops the pool while the executor and handlers its callbacks use still live:
// Stop() must run every accepted job before it returns, refuse later ones, and leave the
// destructor nothing to do.
TEST(PasswordHasherPoolTest, StopRunsEveryAcceptedJobThenRefusesAndIsIdempotent) {
  Result<std::string> hash = HashPassword(kPassword, PasswordPolicy::ForTests());
  ASSERT_TRUE(hash.ok());
  std::atomic<int> ran{0};
  PasswordHasherPool pool({.thread_count = 1, .queue_capacity = 4});
  for (int i = 0; i < 3; i++) {
    ASSERT_TRUE(pool.SubmitVerify(*hash, std::string(kPassword), [&](bool) { ran++; }));
  }
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);  // all ran before Stop returned, not in the destructor
  EXPECT_FALSE(pool.SubmitVerify(*hash, std::string(kPassword), [&](bool) { ran++; }));
  pool.Stop();
  EXPECT_EQ(ran.load(), 3);
}

// --- Lockout ---

constexpr uint64_t kMinNs = 60ull * 1'000'000'000;
constexpr uint64_t kT0 = 1'700'000'000ull * 1'000'000'000;

LockoutState FailTimes(LockoutState state, int n, uint64_t now_ns) {
  for (int i = 0; i < n; i++) state = AfterFailure(state, now_ns);
  return state;
}

TEST(LockoutTest, FourFailuresInARowDoNotLock) {
  const LockoutState state = FailTimes({}, 4, kT0);
  EXPECT_FALSE(IsLocked(state, kT0));
  EXPECT_EQ(state.failures_in_row, 4u);
}

TEST(LockoutTest, FifthFailureLocksForFifteenMinutes) {
  const LockoutState state = FailTimes({}, 5, kT0);
  EXPECT_TRUE(IsLocked(state, kT0));
  EXPECT_TRUE(IsLocked(state, kT0 + 15 * kMinNs - 1));
  EXPECT_FALSE(IsLocked(state, kT0 + 15 * kMinNs));
  EXPECT_EQ(state.lockouts, 1u);
  EXPECT_EQ(state.failures_in_row, 0u);
}

TEST(LockoutTest, NextLockoutLastsThirtyMinutes) {
  const uint64_t t1 = kT0 + 15 * kMinNs;
  LockoutState state = FailTimes(FailTimes({}, 5, kT0), 4, t1);
  EXPECT_FALSE(IsLocked(state, t1));
  state = AfterFailure(state, t1);
  EXPECT_TRUE(IsLocked(state, t1 + 30 * kMinNs - 1));
  EXPECT_FALSE(IsLocked(state, t1 + 30 * kMinNs));
}

TEST(LockoutTest, LockoutDoublesUntilCappedAtOneDay) {
  const uint64_t expected_min[] = {15, 30, 60, 120, 240, 480, 960, 1440, 1440, 1440};
  LockoutState state;
  uint64_t now_ns = kT0;
  for (const uint64_t minutes : expected_min) {
    state = FailTimes(state, 5, now_ns);
    EXPECT_EQ(state.locked_until_ns - now_ns, minutes * kMinNs) << state.lockouts;
    now_ns = state.locked_until_ns;
  }
  EXPECT_EQ(LockoutDurationNs(UINT32_MAX), 1440 * kMinNs);
}

TEST(LockoutTest, FailuresDecidedWhileLockedCountTowardTheNextLockout) {
  // Attempts verified before the lock but decided after it (they raced) were real guesses.
  LockoutState state = FailTimes({}, 5, kT0);
  state = FailTimes(state, 5, kT0 + kMinNs);
  EXPECT_EQ(state.lockouts, 2u);
  EXPECT_EQ(state.locked_until_ns, kT0 + kMinNs + 30 * kMinNs);
}

TEST(LockoutTest, ALockoutNeverShortensAnExistingLock) {
  const LockoutState state{
      .failures_in_row = 4, .lockouts = 0, .locked_until_ns = kT0 + 60 * kMinNs};
  EXPECT_EQ(AfterFailure(state, kT0).locked_until_ns, kT0 + 60 * kMinNs);
}

TEST(LockoutTest, SuccessResetsFailuresAndLockouts) {
  LockoutState state = FailTimes(FailTimes({}, 5, kT0), 3, kT0 + 15 * kMinNs);
  state = AfterSuccess(state);
  EXPECT_EQ(state.failures_in_row, 0u);
  EXPECT_EQ(state.lockouts, 0u);
  EXPECT_FALSE(IsLocked(state, kT0 + 15 * kMinNs));
  // The next lockout is back to 15 minutes.
  const uint64_t t2 = kT0 + 60 * kMinNs;
  state = FailTimes(state, 5, t2);
  EXPECT_EQ(state.locked_until_ns, t2 + 15 * kMinNs);
}

}  // namespace
}  // namespace cb::credentials
