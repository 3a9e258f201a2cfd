#pragma once
// What every REST op shares, whichever service runs it: the caller's tenant exists; its
// scopes (and for a customer-delegated token, its consent) allow the op; and the
// Idempotency-Key: a replay answers from the journal, a new answer is recorded in the same
// batch as the command. A service wraps its handler in RunEnveloped and writes only the
// handler; the runner (the platform service, which owns tenants and the records) does the
// rest, on the writer thread.
#include <functional>
#include <span>
#include <string_view>

#include "base/sha256.h"
#include "kernel/errors.h"
#include "kernel/principal.h"
#include "runtime/command.h"
#include "runtime/service.h"

namespace cb::kernel {

struct Envelope {
  const Principal& caller;
  std::string_view trace_id;
  std::string_view idempotency_key;  // empty for reads
  const Hash256& request_sha256;
  ScopeSet scope;                  // the one scope the op needs
  bool delegated_allowed = false;  // whether a customer-delegated token may do it at all
  // Revocations (keys, apps, sessions, consents) are never refused for a full idempotency
  // quota: whoever filled it must not be able to keep an admin from revoking them.
  bool quota_exempt = false;
  // Fields of the answer holding a secret shown once (string values, never escaped): the
  // idempotency record keeps them as null, so the journal never holds them. The platform's
  // and identity's own ("secret", "client_secret", "otpauth_uri") are always redacted.
  std::span<const std::string_view> secret_fields = {};
};

class EnvelopeRunner {
 public:
  virtual ~EnvelopeRunner() = default;
  // Runs `body` inside the envelope's checks and idempotency bookkeeping; the answer (or
  // the refusal, or the recorded replay) goes to `reply`.
  virtual void RunEnveloped(const Envelope& env, runtime::ServiceContext& ctx,
                            runtime::Reply* reply, const std::function<Answer()>& body) = 0;
};

}  // namespace cb::kernel
