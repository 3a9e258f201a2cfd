#pragma once
// What the /v1 decoders (api/decode.h) promise, checked on every fuzz input: a decoded op is
// what a handler may trust without looking again (sizes, formats, amounts, ids), and a
// refusal has a documented code and an HTTP status the edge maps. A broken promise is a
// CB_CHECK, so libFuzzer stops and saves the input.
#include <cstddef>
#include <map>
#include <string>

#include "api/decode.h"

namespace cb::fuzz {

// `index_expected` is the OpBody alternative of the decoder's route; `flag_expected` the
// route-fixed field of shared decoders (PostVoidOp::void_it, DecideAdjustmentOp::approve,
// AccountActionOp::action), -1 when the route has none.
void CheckDecodedOp(const platform::OpBody& op, size_t index_expected, int flag_expected);

void CheckDecodeError(const api::DecodeError& err);

// A query api::ParseQuery accepted: bounded names and values, and it parses back to itself
// once percent-encoded again.
void CheckParsedQuery(const std::map<std::string, std::string>& query);

}  // namespace cb::fuzz
