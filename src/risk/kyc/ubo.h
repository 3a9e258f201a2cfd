#pragma once
// KYB (issue 14): who stands behind a business customer. Parties are natural persons and
// legal entities; edges are "A owns x% of B" (parts per million, exact integers) and "A is
// a director of B". Ultimate beneficial owners of a company are the natural persons whose
// *effective* ownership, summed over every chain (walk) of holdings and multiplied along
// each, reaches a threshold (25% by default, AMLD); cycles of cross-holdings are handled
// (docs/adr/0015-ubo-effective-ownership.md). Directors of the company are reported
// separately (the control prong): they control without owning.
// Pure data and functions: no clock, no I/O; every size bounded.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "base/uint128.h"

namespace cb::risk::kyc {

inline constexpr uint32_t kSharePpmWhole = 1'000'000;         // 100%
inline constexpr uint32_t kUboThresholdPpmDefault = 250'000;  // 25%
inline constexpr size_t kPartiesMax = 1'000;
inline constexpr size_t kOwnershipEdgesMax = 5'000;
inline constexpr size_t kDirectorshipsMax = 5'000;
inline constexpr size_t kPartyRefBytesMax = 64;

// Effective shares are fixed point with this many units per 100% (10^24, ~2^80): a product
// of a share in ppm (< 2^20) and a value stays far below 2^128.
inline constexpr u128 kEffectiveWhole =
    static_cast<u128>(1'000'000'000'000ull) * 1'000'000'000'000ull;
// Gauss-Seidel sweeps before a cycle is declared too slow to converge (see ubo.cc).
inline constexpr uint32_t kUboSweepsMax = 10'000;

enum class PartyKind { kNaturalPerson, kCompany, kPartnership, kTrust, kFoundation, kOtherEntity };
const char* PartyKindName(PartyKind kind);

// A party's position in its graph. Only valid for the graph that returned it.
struct PartyId {
  uint32_t index = 0;
  friend bool operator==(PartyId, PartyId) = default;
};

class OwnershipGraph {
 public:
  // `ref` is the caller's reference (a customer id, a registry number): 1..kPartyRefBytesMax
  // bytes, unique in the graph (AlreadyExists otherwise). ResourceExhausted past kPartiesMax.
  Result<PartyId> AddParty(std::string_view ref, PartyKind kind);
  // `owner` holds `share_ppm` (1..kSharePpmWhole) of `owned`, a legal entity. InvalidArgument
  // for an unknown party, a self-holding, a person as `owned`, a second edge for the same
  // pair, or shares into `owned` summing past 100%. ResourceExhausted past the edge limit.
  Status AddOwnership(PartyId owner, PartyId owned, uint32_t share_ppm);
  // `director` (a natural person) sits on the board of `company` (a legal entity).
  Status AddDirector(PartyId director, PartyId company);

  struct Holding {
    PartyId owner;
    PartyId owned;
    uint32_t share_ppm;
  };
  struct Directorship {
    PartyId director;
    PartyId company;
  };

  std::optional<PartyId> Find(std::string_view ref) const;
  size_t party_count() const { return parties_.size(); }
  // These three take a PartyId of this graph (checked: a foreign id is a bug).
  const std::string& ref(PartyId id) const { return party(id).ref; }
  PartyKind kind(PartyId id) const { return party(id).kind; }
  // Shares of `id` recorded so far (0 for a person), of kSharePpmWhole.
  uint32_t owned_ppm_total(PartyId id) const { return party(id).owned_ppm_total; }
  const std::vector<Holding>& holdings() const { return holdings_; }
  const std::vector<Directorship>& directorships() const { return directorships_; }

 private:
  struct Party {
    std::string ref;
    PartyKind kind;
    uint32_t owned_ppm_total = 0;
  };
  bool Known(PartyId id) const { return id.index < parties_.size(); }
  const Party& party(PartyId id) const {
    CB_CHECK(Known(id));
    return parties_[id.index];
  }

  std::vector<Party> parties_;
  std::map<std::string, uint32_t, std::less<>> by_ref_;
  std::vector<Holding> holdings_;
  std::vector<Directorship> directorships_;
};

struct EffectiveHolding {
  PartyId party;
  u128 effective = 0;          // of kEffectiveWhole
  uint32_t effective_ppm = 0;  // rounded to the nearest ppm, for display
};

struct UboReport {
  // Natural persons at or above the threshold, largest share first (ties by ref).
  std::vector<EffectiveHolding> owners;
  // Natural persons who are directors of the company (control prong), by ref.
  std::vector<PartyId> directors;
  // Legal entities at or above the threshold with no recorded owners: the chain stops there,
  // so whoever is behind them is unknown (a KYB case for an analyst).
  std::vector<EffectiveHolding> opaque_entities;
  uint32_t sweeps = 0;  // how many sweeps the fixed point took
};

// Effective ownership of `company` by every party (natural persons and entities), indexed
// by PartyId::index. FailedPrecondition if a cycle does not converge within kUboSweepsMax
// (cross-holdings that multiply to almost or exactly 100%).
Result<std::vector<u128>> EffectiveOwnership(const OwnershipGraph& graph, PartyId company,
                                             uint32_t* sweeps);

Result<UboReport> FindBeneficialOwners(const OwnershipGraph& graph, PartyId company,
                                       uint32_t threshold_ppm = kUboThresholdPpmDefault);

}  // namespace cb::risk::kyc
