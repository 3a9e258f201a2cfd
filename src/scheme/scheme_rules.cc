// Outcomes and ids (scheme_rules.h).
#include "scheme/scheme_rules.h"

#include "base/check.h"

namespace cb::scheme {
namespace {

constexpr std::string_view kRejectPrefix = "REJECT ";
constexpr std::string_view kReturnPrefix = "RETURN ";
constexpr std::string_view kNoAnswerPrefix = "NOANSWER";
constexpr std::string_view kCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

uint64_t Mix(uint64_t z) {  // splitmix64's finaliser
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t Fnv1a64(std::string_view text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

// The code after `prefix` when the name is prefix + code + (end or ' ').
std::string_view CodeAfter(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return {};
  std::string_view rest = name.substr(prefix.size());
  if (rest.size() < 4) return {};
  if (rest.size() > 4 && rest[4] != ' ') return {};
  const std::string_view code = rest.substr(0, 4);
  return IsReasonCode(code) ? code : std::string_view{};
}

}  // namespace

bool IsReasonCode(std::string_view code) {
  if (code.size() != 4) return false;
  for (char c : code) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

Outcome DecideOutcome(const payments::iso::CreditTransfer& transfer, const RuleOptions& options) {
  CB_CHECK(options.reject_permille <= 1000);
  const std::string_view name = transfer.creditor.name;
  if (std::string_view code = CodeAfter(name, kRejectPrefix); !code.empty()) {
    return {OutcomeKind::kReject, std::string(code)};
  }
  if (name.starts_with(kNoAnswerPrefix)) return {OutcomeKind::kNoAnswer, ""};
  // Before RETURN: a return books a DBIT first, which the account's currency must carry.
  if (transfer.amount.currency != options.currency) {
    return {OutcomeKind::kReject, std::string(kWrongCurrencyCode)};
  }
  if (std::string_view code = CodeAfter(name, kReturnPrefix); !code.empty()) {
    return {OutcomeKind::kReturn, std::string(code)};
  }
  const uint64_t draw = Mix(options.seed ^ Mix(Fnv1a64(transfer.message_id)));
  if (draw % 1000 < options.reject_permille) {
    constexpr size_t kCodes = std::size(kRandomRejectCodes);
    return {OutcomeKind::kReject, std::string(kRandomRejectCodes[(draw >> 32) % kCodes])};
  }
  return {OutcomeKind::kAccept, ""};
}

std::string MakeMessageId(std::string_view instance_id, IdKind kind, uint64_t number) {
  CB_CHECK(IsInstanceId(instance_id));
  std::string id = "CBS";
  id.append(instance_id);
  id.push_back('-');
  id.push_back(static_cast<char>(kind));
  id.push_back('-');
  id.append(std::to_string(number));
  // 3 + 8 + 3 + at most 20 digits.
  CB_CHECK(id.size() <= kMessageIdCharsMax);
  return id;
}

std::string MakeInstanceId(uint64_t random) {
  std::string id(kInstanceIdChars, '0');
  for (size_t i = 0; i < kInstanceIdChars; i++) {
    id[i] = kCrockford[(random >> (5 * i)) & 31];
  }
  return id;
}

bool IsInstanceId(std::string_view id) {
  if (id.size() != kInstanceIdChars) return false;
  for (char c : id) {
    if (kCrockford.find(c) == std::string_view::npos) return false;
  }
  return true;
}

}  // namespace cb::scheme
