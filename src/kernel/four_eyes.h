#pragma once
// Four-eyes: whether a caller may be the second pair of eyes on something another actor
// asked for (a manual adjustment, a held movement). The platform answers (it knows who
// created which API key and when); other services ask through this interface.
#include <string_view>

#include "base/time.h"
#include "base/uint128.h"
#include "kernel/principal.h"

namespace cb::kernel {

class FourEyes {
 public:
  virtual ~FourEyes() = default;
  // Why `approver` may not approve what the actor (kind: 1 API key, 2 user, 3 app; id) asked
  // for at `requested_at`; "" if it may. Not the requester; not an app's own token; not an
  // API key the requester created, nor one created after the request.
  virtual std::string_view FourEyesRefusal(const Principal& approver, uint32_t requester_kind,
                                           u128 requester_id, TimestampNs requested_at) const = 0;
};

}  // namespace cb::kernel
