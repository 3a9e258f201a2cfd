#include "risk/kyc/ubo.h"

#include <algorithm>
#include <set>

namespace cb::risk::kyc {
namespace {

// Effective values are compared with the threshold with this slack (10^-15 of 100%): the
// iteration approaches the exact sum from below and stops within far less than that (see
// EffectiveOwnership), so a person whose exact share is 25% is not missed by rounding.
constexpr u128 kToleranceUnits = 1'000'000'000;
// A value this large (about 1,200 x 100%) only comes from a cycle whose shares multiply to
// 100%: the sum does not converge. It also keeps a party's sum of share_ppm x value (at
// most kOwnershipEdgesMax terms) below 2^128.
constexpr u128 kEffectiveMax = static_cast<u128>(1) << 90;
static_assert(kEffectiveMax > 1000 * kEffectiveWhole);
constexpr u128 kUnitsPerPpm = kEffectiveWhole / kSharePpmWhole;

bool IsEntity(PartyKind kind) { return kind != PartyKind::kNaturalPerson; }

std::string Name(const OwnershipGraph& g, PartyId id) { return "'" + g.ref(id) + "'"; }

}  // namespace

const char* PartyKindName(PartyKind kind) {
  switch (kind) {
    case PartyKind::kNaturalPerson:
      return "natural_person";
    case PartyKind::kCompany:
      return "company";
    case PartyKind::kPartnership:
      return "partnership";
    case PartyKind::kTrust:
      return "trust";
    case PartyKind::kFoundation:
      return "foundation";
    case PartyKind::kOtherEntity:
      return "other_entity";
  }
  return "unknown";
}

Result<PartyId> OwnershipGraph::AddParty(std::string_view ref, PartyKind kind) {
  if (ref.empty() || ref.size() > kPartyRefBytesMax) {
    return Status::InvalidArgument("party ref must be 1 to " + std::to_string(kPartyRefBytesMax) +
                                   " bytes");
  }
  if (parties_.size() >= kPartiesMax) {
    return Status::ResourceExhausted("ownership graph holds at most " +
                                     std::to_string(kPartiesMax) + " parties");
  }
  if (by_ref_.contains(ref)) {
    return Status::AlreadyExists("party '" + std::string(ref) + "' is already in the graph");
  }
  const auto index = static_cast<uint32_t>(parties_.size());
  parties_.push_back(Party{std::string(ref), kind, 0});
  by_ref_.emplace(std::string(ref), index);
  return PartyId{index};
}

Status OwnershipGraph::AddOwnership(PartyId owner, PartyId owned, uint32_t share_ppm) {
  if (!Known(owner) || !Known(owned)) {
    return Status::InvalidArgument("ownership names a party that is not in the graph");
  }
  if (owner == owned) {
    return Status::InvalidArgument(Name(*this, owner) + " cannot own shares of itself");
  }
  if (!IsEntity(kind(owned))) {
    return Status::InvalidArgument(Name(*this, owned) + " is a natural person: nobody owns one");
  }
  if (share_ppm == 0 || share_ppm > kSharePpmWhole) {
    return Status::InvalidArgument("share of " + Name(*this, owned) +
                                   " must be 1..1000000 ppm (0..100%], got " +
                                   std::to_string(share_ppm));
  }
  for (const Holding& h : holdings_) {
    if (h.owner == owner && h.owned == owned) {
      return Status::InvalidArgument(Name(*this, owner) + " already holds shares of " +
                                     Name(*this, owned) + ": one edge per pair");
    }
  }
  Party& target = parties_[owned.index];
  if (target.owned_ppm_total + share_ppm > kSharePpmWhole) {
    return Status::InvalidArgument("shares of " + Name(*this, owned) + " would total " +
                                   std::to_string(target.owned_ppm_total + share_ppm) +
                                   " ppm, more than 100%");
  }
  if (holdings_.size() >= kOwnershipEdgesMax) {
    return Status::ResourceExhausted("ownership graph holds at most " +
                                     std::to_string(kOwnershipEdgesMax) + " holdings");
  }
  target.owned_ppm_total += share_ppm;
  holdings_.push_back(Holding{owner, owned, share_ppm});
  return Status::Ok();
}

Status OwnershipGraph::AddDirector(PartyId director, PartyId company) {
  if (!Known(director) || !Known(company)) {
    return Status::InvalidArgument("directorship names a party that is not in the graph");
  }
  if (IsEntity(kind(director))) {
    return Status::InvalidArgument(Name(*this, director) +
                                   " is a legal entity: record the person who represents it");
  }
  if (!IsEntity(kind(company))) {
    return Status::InvalidArgument(Name(*this, company) + " is a natural person, not a company");
  }
  for (const Directorship& d : directorships_) {
    if (d.director == director && d.company == company) {
      return Status::InvalidArgument(Name(*this, director) + " is already a director of " +
                                     Name(*this, company));
    }
  }
  if (directorships_.size() >= kDirectorshipsMax) {
    return Status::ResourceExhausted("ownership graph holds at most " +
                                     std::to_string(kDirectorshipsMax) + " directorships");
  }
  directorships_.push_back(Directorship{director, company});
  return Status::Ok();
}

std::optional<PartyId> OwnershipGraph::Find(std::string_view ref) const {
  const auto it = by_ref_.find(ref);
  if (it == by_ref_.end()) return std::nullopt;
  return PartyId{it->second};
}

// E[x], x's effective share of company T, is the sum over every walk x -> ... -> T of the
// product of the shares along it: E[x] = sum over holdings x -> y of s * ([y == T] + E[y]),
// i.e. E = D + M E. Shares into a party total at most 100%, so M's spectral radius is at
// most 1 and the walk sum converges unless a cycle's shares multiply to exactly 100%.
//
// Why a fixed point and not an exact solve: exact rationals over up to 1,000 parties
// overflow any fixed integer width during elimination (we have no bignum), and floating
// point must not decide who is a UBO. So: 10^24 units per 100% in 128 bits, Gauss-Seidel
// sweeps from E = 0 over the parties that can reach T, nearest first (a chain settles in
// one or two sweeps), until a sweep changes nothing. Each party's new value is truncated,
// so the values only grow (asserted) and never pass the exact sum; they stop within about
// 1 / (1 - cycle gain) units of it, far below 10^-15 of 100% for anything that settles in
// kUboSweepsMax sweeps (cycle gains up to ~0.995). Slower cycles are refused, not guessed.
Result<std::vector<u128>> EffectiveOwnership(const OwnershipGraph& graph, PartyId company,
                                             uint32_t* sweeps) {
  const size_t n = graph.party_count();
  if (company.index >= n) return Status::InvalidArgument("company is not in the graph");
  const std::vector<OwnershipGraph::Holding>& holdings = graph.holdings();

  // Owners by owned party, then breadth first from the company up the owner edges.
  std::vector<std::vector<uint32_t>> owners_of(n);
  for (uint32_t i = 0; i < holdings.size(); ++i) owners_of[holdings[i].owned.index].push_back(i);
  std::vector<uint32_t> order{company.index};
  std::vector<bool> reaches(n, false);
  reaches[company.index] = true;
  for (size_t next = 0; next < order.size(); ++next) {  // bounded: each party enters once
    for (uint32_t h : owners_of[order[next]]) {
      const uint32_t owner = holdings[h].owner.index;
      if (!reaches[owner]) {
        reaches[owner] = true;
        order.push_back(owner);
      }
    }
  }
  // Each reaching party's holdings in parties that reach the company (others add nothing).
  std::vector<std::vector<uint32_t>> held_by(n);
  for (uint32_t i = 0; i < holdings.size(); ++i) {
    const OwnershipGraph::Holding& h = holdings[i];
    if (reaches[h.owner.index] && reaches[h.owned.index]) held_by[h.owner.index].push_back(i);
  }

  std::vector<u128> effective(n, 0);
  for (uint32_t sweep = 1; sweep <= kUboSweepsMax; ++sweep) {
    bool changed = false;
    for (const uint32_t x : order) {
      // One division per party, not per holding: the terms are exact products and the sum
      // fits (5,000 x 2^20 x 2^91 < 2^128), so a chain of holdings stays exact.
      u128 weighted = 0;
      for (const uint32_t h : held_by[x]) {
        const OwnershipGraph::Holding& holding = holdings[h];
        const u128 through =
            effective[holding.owned.index] + (holding.owned == company ? kEffectiveWhole : 0);
        weighted += through * holding.share_ppm;
      }
      const u128 sum = weighted / kSharePpmWhole;
      CB_CHECK(sum >= effective[x]);  // monotone from below: the sum only gains walks
      if (sum > kEffectiveMax) {
        return Status::FailedPrecondition("ownership cycle through " + graph.ref(PartyId{x}) +
                                          " does not converge (its shares multiply to 100%)");
      }
      if (sum != effective[x]) {
        effective[x] = sum;
        changed = true;
      }
    }
    if (!changed) {
      if (sweeps != nullptr) *sweeps = sweep;
      return effective;
    }
  }
  return Status::FailedPrecondition("ownership cycles around " + graph.ref(company) +
                                    " converge too slowly (shares multiply to nearly 100%)");
}

Result<UboReport> FindBeneficialOwners(const OwnershipGraph& graph, PartyId company,
                                       uint32_t threshold_ppm) {
  if (company.index >= graph.party_count()) {
    return Status::InvalidArgument("company is not in the graph");
  }
  if (!IsEntity(graph.kind(company))) {
    return Status::InvalidArgument("'" + graph.ref(company) + "' is a natural person");
  }
  if (threshold_ppm == 0 || threshold_ppm > kSharePpmWhole) {
    return Status::InvalidArgument("UBO threshold must be 1..1000000 ppm");
  }
  UboReport report;
  CB_ASSIGN_OR_RETURN(const std::vector<u128> effective,
                      EffectiveOwnership(graph, company, &report.sweeps));
  const u128 threshold = static_cast<u128>(threshold_ppm) * kUnitsPerPpm;
  for (uint32_t i = 0; i < effective.size(); ++i) {
    const PartyId id{i};
    if (id == company || effective[i] + kToleranceUnits < threshold) continue;
    const auto ppm = static_cast<uint32_t>(
        std::min<u128>((effective[i] + kUnitsPerPpm / 2) / kUnitsPerPpm, kSharePpmWhole));
    const EffectiveHolding holding{id, effective[i], ppm};
    if (!IsEntity(graph.kind(id))) {
      report.owners.push_back(holding);
    } else if (graph.owned_ppm_total(id) == 0) {
      report.opaque_entities.push_back(holding);
    }
  }
  const auto by_share = [&](const EffectiveHolding& a, const EffectiveHolding& b) {
    if (a.effective != b.effective) return a.effective > b.effective;
    return graph.ref(a.party) < graph.ref(b.party);
  };
  std::ranges::sort(report.owners, by_share);
  std::ranges::sort(report.opaque_entities, by_share);
  for (const OwnershipGraph::Directorship& d : graph.directorships()) {
    if (d.company == company) report.directors.push_back(d.director);
  }
  std::ranges::sort(report.directors,
                    [&](PartyId a, PartyId b) { return graph.ref(a) < graph.ref(b); });
  return report;
}

}  // namespace cb::risk::kyc
