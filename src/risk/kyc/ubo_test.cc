#include "risk/kyc/ubo.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "base/rng.h"

namespace cb::risk::kyc {
namespace {

constexpr uint32_t kPercent = kSharePpmWhole / 100;

class UboTest : public ::testing::Test {
 protected:
  PartyId Person(const std::string& ref) {
    return *graph_.AddParty(ref, PartyKind::kNaturalPerson);
  }
  PartyId Company(const std::string& ref) { return *graph_.AddParty(ref, PartyKind::kCompany); }
  void Own(PartyId owner, PartyId owned, uint32_t ppm) {
    const Status s = graph_.AddOwnership(owner, owned, ppm);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  UboReport Ubos(PartyId company) {
    Result<UboReport> r = FindBeneficialOwners(graph_, company);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : UboReport{};
  }
  std::vector<std::string> Refs(const std::vector<EffectiveHolding>& holdings) {
    std::vector<std::string> out;
    for (const EffectiveHolding& h : holdings) out.push_back(graph_.ref(h.party));
    return out;
  }
  // x% of y% ...: exact in our units while there are at most four shares (10^24 = 10^6^4).
  static u128 Product(std::initializer_list<uint32_t> shares_ppm) {
    u128 units = kEffectiveWhole;
    for (uint32_t s : shares_ppm) units = units * s / kSharePpmWhole;
    return units;
  }
  u128 Effective(PartyId company, PartyId party) {
    Result<std::vector<u128>> e = EffectiveOwnership(graph_, company, nullptr);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? (*e)[party.index] : 0;
  }

  OwnershipGraph graph_;
};

TEST_F(UboTest, AThreeLevelChainMultipliesItsShares) {
  const PartyId alice = Person("alice"), bob = Person("bob");
  const PartyId holdco = Company("holdco"), midco = Company("midco"), target = Company("target");
  const PartyId side = Company("side");
  Own(alice, holdco, 80 * kPercent);
  Own(holdco, midco, 60 * kPercent);
  Own(midco, target, 60 * kPercent);
  Own(bob, side, 100 * kPercent);
  Own(side, target, 20 * kPercent);

  const UboReport report = Ubos(target);
  EXPECT_EQ(Refs(report.owners), std::vector<std::string>{"alice"});
  ASSERT_EQ(report.owners.size(), 1u);
  const u128 alice_expected = Product({80 * kPercent, 60 * kPercent, 60 * kPercent});
  EXPECT_EQ(report.owners[0].effective, alice_expected);  // 28.8%
  EXPECT_EQ(report.owners[0].effective_ppm, 288'000u);
  EXPECT_EQ(Effective(target, bob), Product({100 * kPercent, 20 * kPercent}));  // 20%: not
}

TEST_F(UboTest, SharesOverTwoPathsAreSummed) {
  const PartyId carol = Person("carol");
  const PartyId a = Company("a"), b = Company("b"), target = Company("target");
  Own(carol, a, 50 * kPercent);
  Own(carol, b, 50 * kPercent);
  Own(a, target, 30 * kPercent);
  Own(b, target, 30 * kPercent);
  const UboReport report = Ubos(target);
  ASSERT_EQ(Refs(report.owners), std::vector<std::string>{"carol"});
  const u128 one_path = Product({50 * kPercent, 30 * kPercent});  // 15%: below alone
  EXPECT_LT(one_path, Product({25 * kPercent}));
  EXPECT_EQ(report.owners[0].effective, 2 * one_path);
}

// a and b hold each other; dave holds half of a. Walks dave -> a -> b, then around the
// cycle any number of times: 0.5 * 0.45 * sum_k (0.45 * 0.5)^k = 0.225 / 0.775 = 9/31.
TEST_F(UboTest, ACycleSumsItsGeometricSeries) {
  const PartyId dave = Person("dave");
  const PartyId a = Company("a"), b = Company("b");
  Own(dave, a, 50 * kPercent);
  Own(b, a, 50 * kPercent);
  Own(a, b, 45 * kPercent);
  uint32_t sweeps = 0;
  Result<std::vector<u128>> e = EffectiveOwnership(graph_, b, &sweeps);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const u128 exact_floor = kEffectiveWhole * 9 / 31;
  const u128 got = (*e)[dave.index];
  EXPECT_LE(got, exact_floor);  // from below
  EXPECT_LE(exact_floor - got, static_cast<u128>(1'000'000'000)) << "stated precision 1e-15";
  EXPECT_GT(sweeps, 2u);  // the cycle took more than a chain's sweep or two
  EXPECT_LT(sweeps, kUboSweepsMax);
  // b holds part of itself through a: 0.45 * 0.5 / (1 - 0.225) = 9/31 too.
  EXPECT_LE(kEffectiveWhole * 9 / 31 - (*e)[b.index], static_cast<u128>(1'000'000'000));

  // Without the cycle the single path gives 22.5%: the cycle is what makes dave a UBO.
  const UboReport report = Ubos(b);
  ASSERT_EQ(Refs(report.owners), std::vector<std::string>{"dave"});
  EXPECT_EQ(report.owners[0].effective_ppm, (9 * kSharePpmWhole + 31 / 2) / 31);  // rounded
  EXPECT_LT(Product({50 * kPercent, 45 * kPercent}), Product({25 * kPercent}));
}

TEST_F(UboTest, ExactlyTwentyFivePercentIsABeneficialOwner) {
  const PartyId erin = Person("erin"), frank = Person("frank");
  const PartyId a = Company("a"), target = Company("target");
  Own(erin, a, 50 * kPercent);
  Own(a, target, 50 * kPercent);          // 25% exactly
  Own(frank, target, 25 * kPercent - 1);  // one ppm short
  EXPECT_EQ(Refs(Ubos(target).owners), std::vector<std::string>{"erin"});
}

TEST_F(UboTest, DirectorsAreReportedAsControlWithoutOwnership) {
  const PartyId gina = Person("gina"), hugo = Person("hugo"), ivan = Person("ivan");
  const PartyId parent = Company("parent"), target = Company("target");
  Own(ivan, parent, 100 * kPercent);
  Own(parent, target, 100 * kPercent);
  ASSERT_TRUE(graph_.AddDirector(hugo, target).ok());
  ASSERT_TRUE(graph_.AddDirector(gina, target).ok());
  ASSERT_TRUE(graph_.AddDirector(ivan, parent).ok());  // a director of the parent only
  const UboReport report = Ubos(target);
  EXPECT_EQ(Refs(report.owners), std::vector<std::string>{"ivan"});
  ASSERT_EQ(report.directors.size(), 2u);
  EXPECT_EQ(graph_.ref(report.directors[0]), "gina");
  EXPECT_EQ(graph_.ref(report.directors[1]), "hugo");
}

TEST_F(UboTest, AnEntityWithoutRecordedOwnersIsReportedAsOpaque) {
  const PartyId trust = *graph_.AddParty("trust", PartyKind::kTrust);
  const PartyId small = Company("small"), target = Company("target");
  Own(trust, target, 40 * kPercent);
  Own(small, target, 10 * kPercent);  // below the threshold: not worth a case
  const UboReport report = Ubos(target);
  EXPECT_TRUE(report.owners.empty());
  EXPECT_EQ(Refs(report.opaque_entities), std::vector<std::string>{"trust"});
}

TEST_F(UboTest, OwnersAreSortedByShare) {
  const PartyId a = Person("a"), b = Person("b"), c = Person("c");
  const PartyId target = Company("target");
  Own(a, target, 26 * kPercent);
  Own(b, target, 40 * kPercent);
  Own(c, target, 30 * kPercent);
  EXPECT_EQ(Refs(Ubos(target).owners), (std::vector<std::string>{"b", "c", "a"}));
}

TEST_F(UboTest, BadEdgesAreRejected) {
  const PartyId p = Person("p"), a = Company("a"), b = Company("b");
  EXPECT_EQ(graph_.AddOwnership(p, a, kSharePpmWhole + 1).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.AddOwnership(p, a, 0).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.AddOwnership(a, a, 10 * kPercent).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.AddOwnership(a, p, 10 * kPercent).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.AddOwnership(PartyId{99}, a, 10 * kPercent).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.AddOwnership(p, PartyId{99}, 10 * kPercent).code(),
            StatusCode::kInvalidArgument);
  ASSERT_TRUE(graph_.AddOwnership(p, a, 70 * kPercent).ok());
  EXPECT_EQ(graph_.AddOwnership(p, a, 10 * kPercent).code(), StatusCode::kInvalidArgument);
  const Status over = graph_.AddOwnership(b, a, 30 * kPercent + 1);
  EXPECT_EQ(over.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(over.message().find("more than 100%"), std::string::npos) << over.message();
  EXPECT_TRUE(graph_.AddOwnership(b, a, 30 * kPercent).ok());  // exactly 100% is fine
  EXPECT_EQ(graph_.owned_ppm_total(a), kSharePpmWhole);
  EXPECT_EQ(graph_.AddDirector(a, b).code(), StatusCode::kInvalidArgument);  // entity
  EXPECT_EQ(graph_.AddDirector(p, p).code(), StatusCode::kInvalidArgument);  // a person
  EXPECT_EQ(graph_.AddDirector(p, PartyId{99}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(graph_.holdings().size(), 2u);  // rejected edges left nothing behind
  EXPECT_EQ(FindBeneficialOwners(graph_, p).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(FindBeneficialOwners(graph_, PartyId{99}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(FindBeneficialOwners(graph_, a, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(UboTest, BadPartiesAreRejectedAndTheGraphIsBounded) {
  EXPECT_EQ(graph_.AddParty("", PartyKind::kCompany).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      graph_.AddParty(std::string(kPartyRefBytesMax + 1, 'x'), PartyKind::kCompany).status().code(),
      StatusCode::kInvalidArgument);
  ASSERT_TRUE(graph_.AddParty("dup", PartyKind::kCompany).ok());
  EXPECT_EQ(graph_.AddParty("dup", PartyKind::kTrust).status().code(), StatusCode::kAlreadyExists);
  while (graph_.party_count() < kPartiesMax) {
    ASSERT_TRUE(
        graph_.AddParty("p" + std::to_string(graph_.party_count()), PartyKind::kCompany).ok());
  }
  EXPECT_EQ(graph_.AddParty("one-too-many", PartyKind::kCompany).status().code(),
            StatusCode::kResourceExhausted);
  // Edges: each of the companies may hold 1 ppm of each next one, until the cap.
  size_t added = 0;
  for (uint32_t i = 0; added < kOwnershipEdgesMax; ++i) {
    for (uint32_t k = 1; k <= 6 && added < kOwnershipEdgesMax; ++k) {
      ASSERT_TRUE(graph_.AddOwnership(PartyId{i}, PartyId{i + k}, 1).ok());
      ++added;
    }
  }
  EXPECT_EQ(graph_.AddOwnership(PartyId{kPartiesMax - 1}, PartyId{0}, 1).code(),
            StatusCode::kResourceExhausted);
}

TEST_F(UboTest, ACycleWhoseSharesMultiplyToOneHundredPercentIsRefused) {
  const PartyId a = Company("a"), b = Company("b"), target = Company("target");
  Own(a, b, 100 * kPercent);
  Own(b, a, 100 * kPercent);
  Own(b, target, 50 * kPercent);
  EXPECT_EQ(FindBeneficialOwners(graph_, target).status().code(), StatusCode::kFailedPrecondition);
}

// Gain 0.9 x 0.99 = 0.891: ivy's share of b is 0.1 x 0.99 / (1 - 0.891) = 99/109, reached
// from below within the stated precision. A gain of 0.999 would need ~55,000 sweeps: refused.
TEST_F(UboTest, ASlowCycleConvergesOrIsRefused) {
  const PartyId ivy = Person("ivy");
  const PartyId a = Company("a"), b = Company("b");
  Own(ivy, a, 10 * kPercent);
  Own(b, a, 90 * kPercent);
  Own(a, b, 99 * kPercent);
  uint32_t sweeps = 0;
  Result<std::vector<u128>> e = EffectiveOwnership(graph_, b, &sweeps);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  const u128 exact_floor = kEffectiveWhole * 99 / 109;
  EXPECT_LE((*e)[ivy.index], exact_floor);
  EXPECT_LE(exact_floor - (*e)[ivy.index], static_cast<u128>(1'000'000'000));
  EXPECT_GT(sweeps, 100u);

  graph_ = OwnershipGraph();
  const PartyId jan = Person("jan");
  const PartyId c = Company("c"), d = Company("d");
  Own(jan, c, kSharePpmWhole / 1000);
  Own(d, c, kSharePpmWhole - kSharePpmWhole / 1000);
  Own(c, d, 100 * kPercent);
  const Result<UboReport> slow = FindBeneficialOwners(graph_, d);
  EXPECT_EQ(slow.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(slow.status().message().find("too slowly"), std::string::npos);
}

// When every company is wholly owned and each has some owner outside any cycle, all of the
// target's value ends with persons: their effective shares sum to 100%, cycles or not.
TEST_F(UboTest, InAWhollyOwnedGraphWithCyclesPersonsHoldEverything) {
  Rng rng(2026);
  for (int round = 0; round < 20; ++round) {
    graph_ = OwnershipGraph();
    std::vector<PartyId> persons, companies;
    for (int i = 0; i < 8; ++i) persons.push_back(Person("p" + std::to_string(i)));
    for (int i = 0; i < 30; ++i) companies.push_back(Company("c" + std::to_string(i)));
    for (const PartyId owned : companies) {
      // A person holds 10..50%; up to four other companies share the rest (cycles allowed).
      const auto personal = static_cast<uint32_t>(10 * kPercent + rng.Below(40 * kPercent));
      Own(persons[rng.Below(persons.size())], owned, personal);
      uint32_t rest = kSharePpmWhole - personal;
      std::vector<PartyId> holders;
      for (int k = 0; k < 4; ++k) {
        const PartyId h = companies[rng.Below(companies.size())];
        if (h == owned || std::ranges::find(holders, h) != holders.end()) continue;
        holders.push_back(h);
      }
      if (holders.empty()) {
        // Give the rest to a second person (persons[0] may be the first: then top it up).
        const PartyId p = persons[rng.Below(persons.size())];
        const Status s = graph_.AddOwnership(p, owned, rest);
        if (!s.ok()) {
          ASSERT_TRUE(
              graph_.AddOwnership(persons[(p.index + 1) % persons.size()], owned, rest).ok());
        }
        continue;
      }
      for (size_t k = 0; k < holders.size(); ++k) {
        const uint32_t share = k + 1 == holders.size() ? rest : rest / 2;
        Own(holders[k], owned, share);
        rest -= share;
      }
    }
    const PartyId target = companies[0];
    uint32_t sweeps = 0;
    Result<std::vector<u128>> e = EffectiveOwnership(graph_, target, &sweeps);
    ASSERT_TRUE(e.ok()) << e.status().ToString();
    u128 total = 0;
    for (const PartyId p : persons) total += (*e)[p.index];
    EXPECT_LE(total, kEffectiveWhole) << "round " << round;
    EXPECT_LE(kEffectiveWhole - total, static_cast<u128>(1'000'000'000))
        << "round " << round << " sweeps " << sweeps;
  }
}

// Random layered graphs (persons -> 3 layers of companies -> target): every path has at most
// four shares, so the exact sum over paths is an integer in our units, and the fixed point
// must hit it exactly. The expected value is enumerated path by path, a different method.
TEST_F(UboTest, RandomLayeredGraphsMatchPathEnumerationExactly) {
  Rng rng(1414);
  for (int round = 0; round < 50; ++round) {
    graph_ = OwnershipGraph();
    std::vector<std::vector<PartyId>> layers(5);
    layers[4].push_back(Company("target"));
    for (int l = 3; l >= 1; --l) {
      for (int i = 0; i < 3; ++i) layers[l].push_back(Company("c" + std::to_string(l * 10 + i)));
    }
    for (int i = 0; i < 4; ++i) layers[0].push_back(Person("p" + std::to_string(i)));
    std::vector<std::vector<std::pair<uint32_t, uint32_t>>> out(graph_.party_count());
    for (int l = 0; l < 4; ++l) {
      for (const PartyId owner : layers[l]) {
        for (const PartyId owned : layers[l + 1]) {
          if (!rng.Chance(60)) continue;
          const uint32_t room = kSharePpmWhole - graph_.owned_ppm_total(owned);
          if (room == 0) continue;
          const auto share =
              static_cast<uint32_t>(1 + rng.Below(std::min<uint32_t>(room, 600'000)));
          Own(owner, owned, share);
          out[owner.index].push_back({owned.index, share});
        }
      }
    }
    Result<std::vector<u128>> e = EffectiveOwnership(graph_, layers[4][0], nullptr);
    ASSERT_TRUE(e.ok());
    for (const PartyId person : layers[0]) {
      // Depth-first over paths with an explicit stack (no recursion), exact products.
      u128 expected = 0;
      std::vector<std::pair<uint32_t, u128>> stack{{person.index, kEffectiveWhole}};
      while (!stack.empty()) {
        const auto [node, units] = stack.back();
        stack.pop_back();
        for (const auto& [owned, share] : out[node]) {
          const u128 next = units * share / kSharePpmWhole;
          if (owned == layers[4][0].index) {
            expected += next;
          } else {
            stack.push_back({owned, next});
          }
        }
      }
      EXPECT_EQ((*e)[person.index], expected) << "round " << round << " " << graph_.ref(person);
    }
  }
}

}  // namespace
}  // namespace cb::risk::kyc
