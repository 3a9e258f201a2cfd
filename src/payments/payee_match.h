#pragma once
// Confirmation of payee (issue 15): does the name a payer typed match the account holder's?
// Answers like the UK scheme does: `match`, `close_match` (then the payer is shown the real
// name), or `no_match`. Advisory: the payer decides. Pure and deterministic (replay).
#include <cstdint>
#include <string_view>

namespace cb::payments {

enum class PayeeMatch : uint8_t { kMatch = 1, kCloseMatch = 2, kNoMatch = 3 };

// Names longer than this are compared on their first kPayeeNameBytesMax bytes.
constexpr size_t kPayeeNameBytesMax = 140;

// Both names are normalised first: ASCII letters folded to lower case, punctuation to
// spaces, titles (mr, mrs, ms, miss, dr) dropped, "limited" read as "ltd". Equal token
// sequences match. A close match is the same tokens in another order, initials for given
// names with the same surname ("J Smith" for "John Smith"), or a small typo distance
// (edit distance, a swap of neighbours counting one, at most 1 per 6 characters, at most 3, of
// names of 6 or more characters).
PayeeMatch MatchPayeeName(std::string_view given, std::string_view holder);

const char* PayeeMatchName(PayeeMatch m);  // "match" | "close_match" | "no_match"

}  // namespace cb::payments
