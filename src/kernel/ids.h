#pragma once
// Public ids: a type prefix and 128 random bits in Crockford base32 (26 characters), e.g.
// `acct_01HZX...`. Random (not sequential) so ids are unguessable across tenants; the
// prefix makes a transfer id passed as an account id a clear 400, not a silent miss.
#include <cstddef>
#include <string>
#include <string_view>

#include "base/id128.h"
#include "base/uint128.h"

namespace cb::kernel {

constexpr size_t kIdBase32Chars = 26;

namespace prefix {
// The ids a caller (kernel/principal.h) is made of; each service defines its own objects'.
inline constexpr std::string_view kTenant = "ten_";
inline constexpr std::string_view kApiKey = "key_";
inline constexpr std::string_view kCustomer = "cus_";
inline constexpr std::string_view kUser = "usr_";
inline constexpr std::string_view kApp = "app_";
inline constexpr std::string_view kConsent = "cns_";
inline constexpr std::string_view kGrant = "grt_";
}  // namespace prefix

// Who calls, in typed ids: a tenant, an API key, a customer a token is delegated by, an
// app, a user, the consent bounding a delegated token and the grant behind a refresh.
struct TenantIdTag {};
struct ApiKeyIdTag {};
struct CustomerIdTag {};
struct AppIdTag {};
struct UserIdTag {};
struct ConsentIdTag {};
struct GrantIdTag {};
using TenantId = Id128<TenantIdTag>;
using ApiKeyId = Id128<ApiKeyIdTag>;
using CustomerId = Id128<CustomerIdTag>;
using AppId = Id128<AppIdTag>;
using UserId = Id128<UserIdTag>;
using ConsentId = Id128<ConsentIdTag>;
using GrantId = Id128<GrantIdTag>;

std::string FormatId(std::string_view prefix, u128 value);
// A fixed id derived from another and a tag (SHA-256; never 0 or all ones): the post and
// void records of a pending transfer, the decision on a transfer, a hold's case.
u128 DerivedId(u128 base, uint8_t tag);
void AppendId(std::string* out, std::string_view prefix, u128 value);
// Parses `prefix` + 26 base32 chars (case-insensitive); false on anything else or zero.
bool ParseId(std::string_view text, std::string_view prefix, u128* out);

// Little-endian 16-byte ids in events.
std::string IdBytes(u128 v);
bool IdFromBytes(const std::string& bytes, u128* out);
// The id, or 0 when `bytes` is empty or not 16 bytes (optional ids in events; callers that
// must refuse a malformed one check with IdFromBytes).
u128 IdFromBytesOrZero(const std::string& bytes);

// 128 bits from the OS CSPRNG (OpenSSL RAND_bytes); never zero. Aborts if the CSPRNG fails:
// an id we cannot make unguessable must not be made at all.
u128 RandomU128();

struct U128Hash {
  size_t operator()(u128 v) const {
    const uint64_t x = U128Lo(v) ^ (U128Hi(v) * 0x9E3779B97F4A7C15ull);
    return static_cast<size_t>(x ^ (x >> 29));
  }
};

}  // namespace cb::kernel
