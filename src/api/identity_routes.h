#pragma once
// /v1 resources of the identity service (docs/oauth.md): apps, users, TOTP enrolment,
// sessions, consents, signing keys. Decoding here also makes what must be made off the
// writer: secrets (shown once, stored as SHA-256), TOTP seeds (KMS-encrypted), signing keys
// (in the KMS); a password is returned for hashing on the password pool.
#include <string>

#include "api/decode.h"
#include "identity/ops.h"
#include "identity/state.h"
#include "kms/kms.h"

namespace cb::api {

struct IdentityEdge {
  const identity::IdentityState* state = nullptr;
  kms::Kms* kms = nullptr;
  std::string issuer_name;  // shown in authenticator apps
};

struct IdentityDecoded {
  identity::IdentityOpBody body;
  std::string password;  // non-empty: hash it into CreateUserOp::password_hash first
  // With a password: what the Idempotency-Key's request hash covers instead of the raw body
  // (every field but the password), so no fast unsalted hash of a password is ever stored.
  std::string request_digest_input;
};

using IdentityDecodeFn = bool (*)(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                                  IdentityDecoded*, DecodeError*);

bool DecodeCreateApp(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded*, DecodeError*);
bool DecodeListApps(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                    IdentityDecoded*, DecodeError*);
bool DecodeGetApp(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                  IdentityDecoded*, DecodeError*);
bool DecodeRotateAppSecret(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                           IdentityDecoded*, DecodeError*);
bool DecodeRevokeApp(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded*, DecodeError*);
bool DecodeAppUsage(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                    IdentityDecoded*, DecodeError*);
bool DecodeCreateUser(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                      IdentityDecoded*, DecodeError*);
bool DecodeListUsers(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                     IdentityDecoded*, DecodeError*);
bool DecodeGetUser(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                   IdentityDecoded*, DecodeError*);
bool DecodeEnrollTotp(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                      IdentityDecoded*, DecodeError*);
bool DecodeConfirmTotp(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                       IdentityDecoded*, DecodeError*);
bool DecodeListSessions(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                        IdentityDecoded*, DecodeError*);
bool DecodeRevokeSession(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded*, DecodeError*);
bool DecodeCreateConsent(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded*, DecodeError*);
bool DecodeListConsents(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                        IdentityDecoded*, DecodeError*);
bool DecodeGetConsent(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                      IdentityDecoded*, DecodeError*);
bool DecodeRevokeConsent(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                         IdentityDecoded*, DecodeError*);
bool DecodeRotateSigningKey(const RouteInput&, const IdentityEdge&, const kernel::Principal&,
                            IdentityDecoded*, DecodeError*);

}  // namespace cb::api
