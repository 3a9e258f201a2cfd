#pragma once
// What the sandbox scheme answers (docs/payments/scheme.md "Outcome"), and the ids it makes.
// Pure functions: the same transfer, flags and seed give the same outcome on every run, in
// any arrival order (the random share hashes the MsgId; it draws from no shared stream).
#include <cstdint>
#include <string>
#include <string_view>

#include "payments/iso20022.h"
#include "scheme/scheme_record.h"

namespace cb::scheme {

struct RuleOptions {
  uint32_t reject_permille = 0;  // 0..1000
  uint64_t seed = 1;
  std::string currency = "EUR";  // the settlement account's: others are refused (AM03)
};

// The reasons --reject-permille draws from.
inline constexpr std::string_view kRandomRejectCodes[] = {"AC01", "AC04", "AM04", "RR04"};
// ISO "NotAllowedCurrency": a transfer in another currency than the settlement account's.
inline constexpr std::string_view kWrongCurrencyCode = "AM03";

// In this order: creditor name "REJECT XXXX" (then the end or a space) -> kReject XXXX;
// "NOANSWER..." -> kNoAnswer; a currency other than options.currency -> kReject AM03;
// "RETURN XXXX" -> kReturn XXXX; else kReject with a drawn code at reject_permille, or
// kAccept. A "REJECT"/"RETURN" name without a well-formed code is like any other name.
Outcome DecideOutcome(const payments::iso::CreditTransfer& transfer, const RuleOptions& options);

// Four characters of [A-Z0-9]: the shape of an ISO external reason code (AC04, RR04).
bool IsReasonCode(std::string_view code);

// Ids we make: "CBS" + the data directory's instance id + "-" + a kind letter + "-" +
// a number, at most 35 characters (Max35Text). The instance id (random, made once per data
// directory) keeps ids apart across data directories; the number (a feed sequence, or a
// strictly increasing stamp) keeps them apart within one.
inline constexpr size_t kInstanceIdChars = 8;
inline constexpr size_t kMessageIdCharsMax = 35;
enum class IdKind : char {
  kStatusReport = '2',  // pacs.002, numbered by its feed sequence
  kReturn = '4',        // pacs.004, likewise
  kCredit = '8',        // inbound pacs.008 (MsgId, TxId, default EndToEndId), likewise
  kStatement = 'S',     // camt.053, numbered by a stamp
  kNotification = 'N',  // camt.054, likewise
};
std::string MakeMessageId(std::string_view instance_id, IdKind kind, uint64_t number);
// kInstanceIdChars characters of Crockford base32 from the low 40 bits of `random`.
std::string MakeInstanceId(uint64_t random);
bool IsInstanceId(std::string_view id);

}  // namespace cb::scheme
