#pragma once
// The kyc module (issue 14, ADR 0018): KYC verifications of individual customers and the
// KYB ownership graph of business customers, over the API, journaled. The workflow runs on
// the writer (risk/kyc: MRZ, provider seam, tiers, UBOs; the screener and customer ports
// from the kernel); its events record every result, so replay never re-runs a provider
// or a screen.
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "api/route_table.h"
#include "base/sha256.h"
#include "kernel/customer_directory.h"
#include "kernel/envelope.h"
#include "kernel/screener.h"
#include "risk/kyc/provider.h"
#include "runtime/service.h"

namespace cb::modules::kyc {

constexpr uint32_t kServiceId = 101;
constexpr uint16_t kEventTypeFirst = 1040;  // counter has 1024..1039
constexpr uint16_t kEventTypeLast = 1055;
enum class EventType : uint16_t { kVerificationCompleted = 1040, kOwnershipUpdated = 1041 };
constexpr uint16_t kEventVersion = 1;

inline constexpr std::string_view kScopeRead = "kyc.read";
inline constexpr std::string_view kScopeWrite = "kyc.write";
inline constexpr std::string_view kVerificationPrefix = "ver_";

// Limits (the edge checks them with a clear 400; the service and replay assert them).
constexpr size_t kMrzBytesMax = 138;   // risk::kyc::kMrzTextBytesMax: 3 lines of 44 + CRLF
constexpr size_t kTextBytesMax = 128;  // names, address fields, proof references
constexpr size_t kRefBytesMax = 64;    // a party's reference in an ownership graph
constexpr size_t kPartiesMax = 100;
constexpr size_t kHoldingsMax = 200;
constexpr size_t kDirectorsMax = 50;
constexpr size_t kHitsPerScreenMax = 5;  // hits recorded per screened name
constexpr size_t kVerificationsPerCustomerMax = 1000;
constexpr size_t kReasonCodesMax = 16;
constexpr size_t kChecksMax = 8;  // checks one verification records

// A date as given ("YYYY-MM-DD"); year 0: none.
struct Date {
  int32_t year = 0;
  uint32_t month = 0, day = 0;
  bool present() const { return year != 0; }
};

struct Address {
  std::string line1, line2, city, postal_code;
  std::string country;  // ISO 3166-1 alpha-2, as the API takes it
  std::string proof_ref;
};

struct VerifyOp {
  u128 id = 0;  // the verification's id, made at the edge
  kernel::CustomerId customer;
  std::string mrz;  // empty: no document
  std::optional<Address> address;
  Date birth_date;
  std::string nationality;  // ISO 3166-1 alpha-2, or empty: the document's
};
struct GetVerificationOp {
  u128 id = 0;
};
struct ListVerificationsOp {
  kernel::CustomerId customer;
  uint32_t limit = 20;
  uint32_t after = 0;  // cursor: start after this position (1-based) in the customer's list
};

enum class PartyType : uint8_t { kPerson = 1, kCompany, kPartnership, kTrust, kFoundation, kOther };
const char* PartyTypeName(PartyType t);
bool ParsePartyType(std::string_view s, PartyType* out);

struct Party {
  std::string ref;
  PartyType type = PartyType::kPerson;
  std::string name;
  Date birth_date;
  std::string country;  // alpha-2 or empty
};
struct Holding {
  std::string owner, owned;  // refs; `owned` may be the customer's own id
  uint32_t share_ppm = 0;    // 1..1'000'000
};
struct PutOwnershipOp {
  kernel::CustomerId customer;
  std::vector<Party> parties;
  std::vector<Holding> holdings;
  std::vector<std::string> directors;  // refs of persons on the customer's board
};
struct GetOwnershipOp {
  kernel::CustomerId customer;
};

struct KycOp final : runtime::ServiceOp {
  kernel::Principal caller;
  std::string trace_id;
  std::string idempotency_key;
  Hash256 request_sha256{};
  std::variant<VerifyOp, GetVerificationOp, ListVerificationsOp, PutOwnershipOp, GetOwnershipOp>
      body;
  uint32_t service_id() const override { return kServiceId; }
};

// "33.3333" (0 < x <= 100, at most 4 decimals) -> ppm, exactly; nullopt otherwise.
std::optional<uint32_t> ParsePercentPpm(std::string_view text);
// An effective share of risk::kyc::kEffectiveWhole as a percent with 4 decimals, truncated.
std::string FormatEffectivePercent(u128 effective);
// The calendar date (UTC) of a batch timestamp.
risk::kyc::KycDate DateOfTimestamp(TimestampNs ts);
// "GB" -> "GBR" (ICU); the input itself when ICU knows no alpha-3 for it.
std::string Alpha3OfAlpha2(std::string_view alpha2);

// kyc_routes.cc
std::span<const api::RouteSpec> Routes();

// --- Recorded results: what the events carry and the state holds --------------------------

struct ScreenResult {
  std::string result;  // "clear" | "possible_match" | "match"
  std::vector<kernel::ScreeningHit> hits;
};

struct CheckRecord {
  std::string name;    // identity_data | document | address | screening
  std::string result;  // passed | failed | review | not_performed
  std::string reason_code;
};

struct Verification {
  u128 id = 0, tenant = 0, customer = 0;
  std::string status;             // verified | rejected | review
  uint8_t kyc_tier = 0;           // what this verification proved (risk/kyc/tier.h)
  uint8_t customer_kyc_tier = 0;  // the customer's tier after it
  std::vector<CheckRecord> checks;
  std::vector<std::string> reason_codes;
  std::string provider, provider_ref;
  ScreenResult screening;
  std::string document_format;  // "" when no document parsed
  TimestampNs created = 0;
};

struct ScreenedParty {
  std::string ref;
  std::string role;  // "ubo" | "director"
  ScreenResult screening;
};
struct Ubo {
  std::string ref;
  u128 effective = 0;  // of risk::kyc::kEffectiveWhole
};
struct Ownership {
  u128 tenant = 0, customer = 0;
  uint32_t version = 0;
  std::vector<Party> parties;
  std::vector<Holding> holdings;
  std::vector<std::string> directors;
  std::vector<Ubo> ubos;
  std::vector<Ubo> opaque_entities;
  std::vector<ScreenedParty> screened;
  std::string status;  // clear | review
  std::vector<std::string> reason_codes;
  TimestampNs updated = 0;
};

std::string RenderVerification(const Verification& v);
std::string RenderOwnership(const Ownership& o);

class KycService final : public runtime::Service {
 public:
  // After RegisterModules (scopes resolved here); the ports outlive the service.
  KycService(kernel::EnvelopeRunner* envelope, kernel::CustomerDirectory* customers,
             const kernel::Screener* screener, std::unique_ptr<risk::kyc::KycProvider> provider);

  void Execute(const runtime::ServiceOp& op, runtime::ServiceContext& ctx,
               runtime::Reply* reply) override;
  Status ApplyEvent(const journal::EventView& event, uint64_t seq,
                    TimestampNs record_timestamp) override;
  void Clear() override;
  std::string CaptureSnapshot() const override;
  Status LoadSnapshot(std::string_view bytes) override;

  // Writer thread only (tests).
  const Verification* FindVerification(u128 id) const;
  const Ownership* FindOwnership(u128 tenant, u128 customer) const;

 private:
  using CustomerKey = std::pair<u128, u128>;  // tenant, customer

  kernel::Answer Verify(const KycOp& op, const VerifyOp& v, runtime::ServiceContext& ctx);
  kernel::Answer PutOwnership(const KycOp& op, const PutOwnershipOp& p,
                              runtime::ServiceContext& ctx);
  kernel::Answer List(const KycOp& op, const ListVerificationsOp& l) const;
  // The customer as the caller may see it (tenant, and a delegated token's own customer).
  std::optional<kernel::CustomerInfo> Visible(const KycOp& op, kernel::CustomerId id) const;
  ScreenResult ScreenOne(const kernel::ScreeningQuery& q, Status* status) const;
  void Insert(Verification v);

  kernel::EnvelopeRunner* envelope_;
  kernel::CustomerDirectory* customers_;
  const kernel::Screener* screener_;
  std::unique_ptr<risk::kyc::KycProvider> provider_;
  kernel::ScopeSet scope_read_;
  kernel::ScopeSet scope_write_;
  std::map<u128, Verification> verifications_;            // ordered: snapshots are stable
  std::map<CustomerKey, std::vector<u128>> by_customer_;  // in completion order
  std::map<CustomerKey, Ownership> ownerships_;
};

}  // namespace cb::modules::kyc
