#pragma once
// camt.053 statements and camt.054 notifications of the settlement account, from the
// entries the feed holds.
#include <string>
#include <string_view>

#include "base/status.h"
#include "scheme/scheme_decide.h"
#include "scheme/scheme_feed.h"

namespace cb::scheme {

// `type` is kCamt053 or kCamt054; `message_id` is also the Stmt/Ntfctn Id. NotFound for a
// camt.054 of no entries (it must hold one); FailedPrecondition when a balance has more
// digits than a camt amount holds (18).
Result<std::string> BuildAccountReport(payments::iso::MessageType type, const EntryRange& range,
                                       const SchemeConfig& config, std::string_view message_id,
                                       TimestampNs from, TimestampNs to, TimestampNs now);

}  // namespace cb::scheme
