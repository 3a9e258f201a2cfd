// The kyc module's service over fake ports (customers, screening, envelope): the workflow's
// outcomes, the tier it sets, the ownership graph's UBOs, and replay/snapshot rebuilding
// exactly what was answered. The HTTP path is tests/api/kyc.test.mjs.
#include <gtest/gtest.h>

#include <map>

#include "api/module.h"
#include "journal/format.h"
#include "kernel/scopes.h"
#include "modules/kyc/kyc_internal.h"
#include "risk/kyc/sandbox_provider.h"
#include "risk/kyc/ubo.h"
#include "runtime/command.h"

namespace cb::modules::kyc {
extern const api::ServiceModule kModule;
namespace {

constexpr TimestampNs kNow = 1'767'225'600ull * kNsPerSecond;  // 2026-01-01T00:00:00Z
constexpr u128 kTenant = 7;
constexpr u128 kAlice = 11, kAcme = 12, kOther = 13;

// The Portuguese ID of the MRZ vectors (testdata/identity-docs): valid, expires 2034.
constexpr std::string_view kPortugueseId =
    "I<PRT007777779<ZZ92<<<<<<<<<<<\n8303143M3405282PRT<<<<<<<<<<<2\n"
    "CACADOR<DE<ARAUJO<<ANDRE<ESTEV";

class FakeEnvelope final : public kernel::EnvelopeRunner {
 public:
  void RunEnveloped(const kernel::Envelope& /*env*/, runtime::ServiceContext& /*ctx*/,
                    runtime::Reply* reply, const std::function<kernel::Answer()>& body) override {
    kernel::Answer a = body();
    reply->http_status = a.http_status;
    reply->body = std::move(a.body);
  }
};

class FakeCustomers final : public kernel::CustomerDirectory {
 public:
  std::map<std::pair<u128, u128>, kernel::CustomerInfo> customers;
  std::optional<kernel::CustomerInfo> LookUpCustomer(kernel::TenantId t,
                                                     kernel::CustomerId id) const override {
    auto it = customers.find({t.value, id.value});
    if (it == customers.end()) return std::nullopt;
    return it->second;
  }
  Status SetKycTier(kernel::TenantId t, kernel::CustomerId id, uint8_t tier,
                    runtime::ServiceContext& /*ctx*/) override {
    auto it = customers.find({t.value, id.value});
    if (it == customers.end()) return Status::NotFound("no customer");
    it->second.kyc_tier = tier;
    return Status::Ok();
  }
};

// Names containing "MORENO" score 0.97 (a match), "MOREN" alone 0.85 (possible).
class FakeScreener final : public kernel::Screener {
 public:
  bool loaded = true;
  Result<std::vector<kernel::ScreeningHit>> ScreenName(const kernel::ScreeningQuery& q,
                                                       size_t /*hits_max*/) const override {
    if (!loaded) return Status::Unavailable("no lists");
    std::vector<kernel::ScreeningHit> hits;
    const std::string name(q.name);
    if (name.find("Moreno") != std::string::npos) {
      hits.push_back({9'700, "ofac-sdn", "15102", "MORENO, Daniel"});
    } else if (name.find("Moren") != std::string::npos) {
      hits.push_back({8'500, "ofac-sdn", "15102", "MORENO, Daniel"});
    }
    return hits;
  }
  kernel::ScreeningThresholds screening_thresholds() const override { return {8'000, 9'500}; }
};

class KycServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static const api::ServiceModule* const kList[] = {&kModule};
    if (!api::RouteRegistryBuilt()) api::RegisterModules(kList);
  }

  KycServiceTest() {
    customers.customers[{kTenant, kAlice}] = {kernel::CustomerKind::kIndividual,
                                              kernel::CustomerState::kActive,
                                              "Andre Cacador de Araujo", 0};
    customers.customers[{kTenant, kAcme}] = {kernel::CustomerKind::kBusiness,
                                             kernel::CustomerState::kActive, "Acme Ltd", 0};
    customers.customers[{kTenant + 1, kOther}] = {kernel::CustomerKind::kIndividual,
                                                  kernel::CustomerState::kActive, "Eve", 0};
    service = NewService();
  }

  std::unique_ptr<KycService> NewService() {
    return std::make_unique<KycService>(&envelope, &customers, &screener,
                                        std::make_unique<risk::kyc::SandboxKycProvider>());
  }

  runtime::Reply Run(KycService& s, decltype(KycOp::body) body, u128 tenant = kTenant) {
    KycOp op;
    op.caller.tenant = kernel::TenantId(tenant);
    op.caller.sandbox = true;  // the sandbox provider verifies sandbox tenants only
    op.body = std::move(body);
    runtime::ServiceContext ctx;
    ctx.out = &out;
    ctx.batch_timestamp = kNow;
    runtime::Reply reply;
    s.Execute(op, ctx, &reply);
    return reply;
  }

  // Every event written so far, applied to a fresh service (what recovery does).
  std::unique_ptr<KycService> Replay() {
    auto fresh = NewService();
    journal::RecordBuilder copy = out;
    copy.Seal(0, 1, kNow, Hash256{}, 0);
    journal::RecordHeader header;
    std::span<const uint8_t> events;
    EXPECT_EQ(journal::DecodeRecord(copy.bytes(), &header, &events), journal::DecodeError::kNone);
    journal::EventIterator it(events);
    journal::EventView ev;
    while (it.Next(&ev)) EXPECT_TRUE(fresh->ApplyEvent(ev, 1, kNow).ok());
    return fresh;
  }

  static VerifyOp Verify(u128 customer, std::string_view mrz, u128 id) {
    VerifyOp v;
    v.id = id;
    v.customer = kernel::CustomerId(customer);
    v.mrz = std::string(mrz);
    return v;
  }

  uint8_t TierOf(u128 customer) { return customers.customers[{kTenant, customer}].kyc_tier; }

  FakeEnvelope envelope;
  FakeCustomers customers;
  FakeScreener screener;
  journal::RecordBuilder out;
  std::unique_ptr<KycService> service;
};

TEST(KycCodecTest, PercentsConvertToPpmExactlyOrNotAtAll) {
  EXPECT_EQ(ParsePercentPpm("33.3333"), 333'333u);
  EXPECT_EQ(ParsePercentPpm("25"), 250'000u);
  EXPECT_EQ(ParsePercentPpm("100"), 1'000'000u);
  EXPECT_EQ(ParsePercentPpm("0.0001"), 1u);
  EXPECT_EQ(ParsePercentPpm("0"), std::nullopt);
  EXPECT_EQ(ParsePercentPpm("100.0001"), std::nullopt);
  EXPECT_EQ(ParsePercentPpm("33.33333"), std::nullopt);  // a fifth decimal is not a ppm
  EXPECT_EQ(ParsePercentPpm("-5"), std::nullopt);
  EXPECT_EQ(ParsePercentPpm("1e1"), std::nullopt);
  EXPECT_EQ(ParsePercentPpm("5."), std::nullopt);
}

TEST(KycCodecTest, EffectiveSharesPrintAsTruncatedPercents) {
  EXPECT_EQ(FormatEffectivePercent(risk::kyc::kEffectiveWhole), "100.0000");
  EXPECT_EQ(FormatEffectivePercent(risk::kyc::kEffectiveWhole / 4), "25.0000");
  EXPECT_EQ(FormatEffectivePercent(risk::kyc::kEffectiveWhole / 3), "33.3333");
  EXPECT_EQ(FormatEffectivePercent(0), "0.0000");
}

TEST(KycCodecTest, DatesAndCountries) {
  const risk::kyc::KycDate d = DateOfTimestamp(kNow);
  EXPECT_EQ(d.year, 2026);
  EXPECT_EQ(d.month, 1u);
  EXPECT_EQ(d.day, 1u);
  const risk::kyc::KycDate leap = DateOfTimestamp(951'782'400ull * kNsPerSecond);
  EXPECT_EQ(leap.year, 2000);
  EXPECT_EQ(leap.month, 2u);
  EXPECT_EQ(leap.day, 29u);
  EXPECT_EQ(Alpha3OfAlpha2("GB"), "GBR");
  EXPECT_EQ(Alpha3OfAlpha2("PT"), "PRT");
  Date date;
  EXPECT_TRUE(ParseDate("1983-03-14", &date));
  EXPECT_FALSE(ParseDate("1983-02-30", &date));
  EXPECT_FALSE(ParseDate("83-03-14", &date));
}

TEST_F(KycServiceTest, AValidDocumentVerifiesAndRaisesTheCustomersTier) {
  VerifyOp v = Verify(kAlice, kPortugueseId, 100);
  v.address = Address{.line1 = "1 Rua",
                      .line2 = "",
                      .city = "Lisboa",
                      .postal_code = "1000",
                      .country = "PT",
                      .proof_ref = "bill-1"};
  const runtime::Reply r = Run(*service, v);
  ASSERT_EQ(r.http_status, 201) << r.body;
  const Verification* rec = service->FindVerification(100);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(rec->status, "verified") << r.body;
  EXPECT_EQ(rec->kyc_tier, 3);
  EXPECT_EQ(rec->customer_kyc_tier, 3);
  EXPECT_EQ(TierOf(kAlice), 3);
  EXPECT_EQ(rec->screening.result, "clear");
  EXPECT_EQ(rec->document_format, "TD1");
}

TEST_F(KycServiceTest, ABadCheckDigitRejectsAndLeavesTheTier) {
  std::string bad(kPortugueseId);
  bad[bad.find("8303143")] = '9';  // birth date no longer matches its check digit
  const runtime::Reply r = Run(*service, Verify(kAlice, bad, 101));
  ASSERT_EQ(r.http_status, 201) << r.body;
  const Verification* rec = service->FindVerification(101);
  EXPECT_EQ(rec->status, "rejected");
  EXPECT_EQ(rec->kyc_tier, 0);
  EXPECT_EQ(rec->checks[1].name, "document");
  EXPECT_EQ(rec->checks[1].result, "failed");
  EXPECT_EQ(rec->checks[1].reason_code, "document_check_digit_mismatch");
  EXPECT_EQ(TierOf(kAlice), 0);
}

TEST_F(KycServiceTest, ANameThatIsNotTheDocumentsIsAMismatch) {
  customers.customers[{kTenant, kAlice}].name = "Andre Smith";
  ASSERT_EQ(Run(*service, Verify(kAlice, kPortugueseId, 102)).http_status, 201);
  const Verification* rec = service->FindVerification(102);
  EXPECT_EQ(rec->status, "rejected");
  EXPECT_EQ(rec->checks[1].reason_code, "document_name_mismatch");
}

TEST_F(KycServiceTest, AScreeningMatchRejectsAPossibleOneAsksForReview) {
  customers.customers[{kTenant, kAlice}].name = "Daniel Moreno";
  VerifyOp v = Verify(kAlice, "", 103);
  v.birth_date = {1972, 10, 12};
  ASSERT_EQ(Run(*service, v).http_status, 201);
  EXPECT_EQ(service->FindVerification(103)->status, "rejected");
  EXPECT_EQ(service->FindVerification(103)->checks[3].reason_code, "screening_confirmed_match");
  customers.customers[{kTenant, kAlice}].name = "Daniel Moren";
  v.id = 104;
  ASSERT_EQ(Run(*service, v).http_status, 201);
  EXPECT_EQ(service->FindVerification(104)->status, "review");
}

TEST_F(KycServiceTest, RefusalsWriteNothing) {
  EXPECT_EQ(Run(*service, Verify(kAcme, kPortugueseId, 105)).http_status, 422);   // a business
  EXPECT_EQ(Run(*service, Verify(kOther, kPortugueseId, 106)).http_status, 404);  // other tenant
  screener.loaded = false;
  EXPECT_EQ(Run(*service, Verify(kAlice, kPortugueseId, 107)).http_status, 409);
  EXPECT_EQ(out.event_count(), 0u);
  EXPECT_EQ(service->FindVerification(105), nullptr);
}

PutOwnershipOp ThreeLevels() {
  // Acme <- 100% H1 <- 60% H2 <- 50% Pat (30%), and Moreno 40% of Acme directly; Dee directs.
  PutOwnershipOp p;
  p.customer = kernel::CustomerId(kAcme);
  p.parties = {{"h1", PartyType::kCompany, "Holding One", {}, ""},
               {"h2", PartyType::kCompany, "Holding Two", {}, ""},
               {"pat", PartyType::kPerson, "Pat Doe", {1980, 1, 2}, "GB"},
               {"dan", PartyType::kPerson, "Daniel Moreno", {}, ""},
               {"dee", PartyType::kPerson, "Dee Director", {}, ""}};
  const std::string acme = kernel::FormatId(kernel::prefix::kCustomer, kAcme);
  p.holdings = {{"h1", acme, 600'000},
                {"dan", acme, 400'000},
                {"h2", "h1", 1'000'000},
                {"pat", "h2", 500'000}};
  p.directors = {"dee"};
  return p;
}

TEST_F(KycServiceTest, OwnershipFindsUbosThroughChainsAndScreensThem) {
  const runtime::Reply r = Run(*service, ThreeLevels());
  ASSERT_EQ(r.http_status, 200) << r.body;
  const Ownership* o = service->FindOwnership(kTenant, kAcme);
  ASSERT_NE(o, nullptr);
  ASSERT_EQ(o->ubos.size(), 2u);
  EXPECT_EQ(o->ubos[0].ref, "dan");
  EXPECT_EQ(FormatEffectivePercent(o->ubos[0].effective), "40.0000");
  EXPECT_EQ(o->ubos[1].ref, "pat");
  EXPECT_EQ(FormatEffectivePercent(o->ubos[1].effective), "30.0000");
  EXPECT_EQ(o->status, "review");     // Moreno is a screening hit
  ASSERT_EQ(o->screened.size(), 3u);  // two UBOs and the director
  EXPECT_EQ(o->screened[0].screening.result, "match");
  EXPECT_EQ(o->screened[2].ref, "dee");
}

TEST_F(KycServiceTest, ANonSettlingCycleIsRefused) {
  PutOwnershipOp p;
  p.customer = kernel::CustomerId(kAcme);
  const std::string acme = kernel::FormatId(kernel::prefix::kCustomer, kAcme);
  p.parties = {{"x", PartyType::kCompany, "X", {}, ""}};
  p.holdings = {{"x", acme, 1'000'000}, {acme, "x", 1'000'000}};
  const runtime::Reply r = Run(*service, p);
  EXPECT_EQ(r.http_status, 422) << r.body;
  EXPECT_NE(r.body.find("ownership_cycle_unresolved"), std::string::npos) << r.body;
  EXPECT_EQ(out.event_count(), 0u);
  PutOwnershipOp person = ThreeLevels();
  person.customer = kernel::CustomerId(kAlice);
  EXPECT_EQ(Run(*service, person).http_status, 422);  // an individual has no ownership graph
}

TEST_F(KycServiceTest, ReplayAndSnapshotsRebuildWhatWasAnswered) {
  VerifyOp v = Verify(kAlice, kPortugueseId, 200);
  const runtime::Reply first = Run(*service, v);
  ASSERT_EQ(first.http_status, 201);
  ASSERT_EQ(Run(*service, ThreeLevels()).http_status, 200);
  // The screener changes its mind after the fact: replay must not ask it again.
  screener.loaded = false;
  auto replayed = Replay();
  const Verification* rec = replayed->FindVerification(200);
  ASSERT_NE(rec, nullptr);
  EXPECT_EQ(RenderVerification(*rec), first.body);
  ASSERT_NE(replayed->FindOwnership(kTenant, kAcme), nullptr);
  EXPECT_EQ(RenderOwnership(*replayed->FindOwnership(kTenant, kAcme)),
            RenderOwnership(*service->FindOwnership(kTenant, kAcme)));
  const std::string snap = service->CaptureSnapshot();
  auto loaded = NewService();
  ASSERT_TRUE(loaded->LoadSnapshot(snap).ok());
  EXPECT_EQ(loaded->CaptureSnapshot(), snap);
  EXPECT_EQ(RenderVerification(*loaded->FindVerification(200)), first.body);
  loaded->Clear();
  EXPECT_EQ(loaded->FindVerification(200), nullptr);
}

}  // namespace
}  // namespace cb::modules::kyc
