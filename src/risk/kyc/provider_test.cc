#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "risk/kyc/checks.h"
#include "risk/kyc/mrz.h"
#include "risk/kyc/sandbox_provider.h"
#include "risk/kyc/tier.h"

namespace cb::risk::kyc {
namespace {

constexpr KycDate kToday{2026, 12, 5};

std::string Digit(std::string_view data) { return std::to_string(*MrzCheckDigit(data)); }

// A TD3 passport MRZ with every check digit computed.
std::vector<std::string> Passport(const std::string& last_name, const std::string& birth,
                                  const std::string& expiry, const std::string& state = "SWE") {
  std::string line1 = "P<" + state + last_name + "<<ANNA<MARIA";
  line1.resize(44, '<');
  const std::string number = "L898902C3" + Digit("L898902C3");
  const std::string birth_cd = birth + Digit(birth);
  const std::string expiry_cd = expiry + Digit(expiry);
  const std::string personal = std::string(14, '<') + "<";
  const std::string line2 = number + state + birth_cd + "F" + expiry_cd + personal +
                            Digit(number + birth_cd + expiry_cd + personal);
  return {line1, line2};
}

KycVerificationRequest Applicant(const std::string& last_name) {
  KycVerificationRequest r;
  r.customer_ref = "cus_123";
  r.first_name = "Anna Maria";
  r.last_name = last_name;
  r.birth_date = {1974, 8, 12};
  r.nationality = "SWE";
  std::string mrz_name = *MrzStyleName(last_name);
  std::ranges::replace(mrz_name, ' ', '<');
  r.document_mrz = Passport(mrz_name, "740812", "320415");
  r.address = KycAddress{"Storgatan 1", "", "Stockholm", "11122", "SWE", "doc_proof_1"};
  r.screening = KycScreening::kClear;
  r.today = kToday;
  return r;
}

KycVerificationResult Verify(const KycVerificationRequest& r) {
  SandboxKycProvider provider;
  Result<KycVerificationResult> result = provider.Verify(r);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return result.ok() ? *result : KycVerificationResult{};
}

bool HasCode(const KycVerificationResult& r, std::string_view code) {
  return std::ranges::find(r.reason_codes, code) != r.reason_codes.end();
}

const KycCheck& CheckOf(const KycVerificationResult& r, KycCheckKind kind) {
  const auto it = std::ranges::find(r.checks, kind, &KycCheck::kind);
  CB_CHECK(it != r.checks.end());
  return *it;
}

TEST(SandboxKycProviderTest, AFullyCheckedApplicantIsApprovedAtTierThree) {
  SandboxKycProvider provider;
  const Result<KycVerificationResult> r = provider.Verify(Applicant("Eriksson"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->outcome, KycOutcome::kApproved);
  EXPECT_TRUE(r->reason_codes.empty());
  ASSERT_EQ(r->checks.size(), 4u);
  for (const KycCheck& c : r->checks) {
    EXPECT_EQ(c.status, KycCheckStatus::kPassed) << KycCheckKindName(c.kind) << c.reason_code;
  }
  EXPECT_EQ(KycTierFor(*r), KycTier::kTier3);
  EXPECT_EQ(r->provider_ref, "sandbox-1");
  EXPECT_EQ(provider.Verify(Applicant("Eriksson"))->provider_ref, "sandbox-2");
}

TEST(SandboxKycProviderTest, ALastNameStartingWithRejectForcesARejection) {
  const KycVerificationResult r = Verify(Applicant("Reject-Eriksson"));
  EXPECT_EQ(r.outcome, KycOutcome::kRejected);
  EXPECT_TRUE(HasCode(r, "sandbox_forced_reject"));
  // The checks still ran and passed: the verdict is the test data's.
  EXPECT_EQ(CheckOf(r, KycCheckKind::kDocument).status, KycCheckStatus::kPassed);
  EXPECT_EQ(KycTierFor(r), KycTier::kTier0);
}

TEST(SandboxKycProviderTest, ALastNameStartingWithReviewForcesAReview) {
  const KycVerificationResult r = Verify(Applicant("REVIEWSSON"));
  EXPECT_EQ(r.outcome, KycOutcome::kReview);
  EXPECT_TRUE(HasCode(r, "sandbox_forced_review"));
  EXPECT_EQ(KycTierFor(r), KycTier::kTier0);
}

TEST(SandboxKycProviderTest, ALastNameStartingWithUnavailableSimulatesAnOutage) {
  SandboxKycProvider provider;
  EXPECT_EQ(provider.Verify(Applicant("Unavailable")).status().code(), StatusCode::kUnavailable);
}

TEST(SandboxKycProviderTest, AnExpiredDocumentIsRejectedAndExpiryDayStillCounts) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.document_mrz = Passport("ERIKSSON", "740812", "261204");  // yesterday
  KycVerificationResult result = Verify(r);
  EXPECT_EQ(result.outcome, KycOutcome::kRejected);
  EXPECT_TRUE(HasCode(result, "document_expired"));
  r.document_mrz = Passport("ERIKSSON", "740812", "261205");  // today: still valid
  EXPECT_EQ(Verify(r).outcome, KycOutcome::kApproved);
}

TEST(SandboxKycProviderTest, SomeoneElsesDocumentIsRejected) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.document_mrz = Passport("ANDERSSON", "740812", "320415");
  EXPECT_TRUE(HasCode(Verify(r), "document_name_mismatch"));
  r.document_mrz = Passport("ERIKSSON", "740813", "320415");
  EXPECT_TRUE(HasCode(Verify(r), "document_birth_date_mismatch"));
  r.document_mrz = Passport("ERIKSSON", "740812", "320415", "NOR");
  const KycVerificationResult other = Verify(r);
  EXPECT_TRUE(HasCode(other, "document_nationality_mismatch"));
  EXPECT_EQ(other.outcome, KycOutcome::kRejected);
}

TEST(SandboxKycProviderTest, BrokenOrSpecimenDocumentsAreRejectedWithTheirReason) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.document_mrz = Passport("ERIKSSON", "740812", "320415", "UTO");
  r.nationality = "UTO";
  EXPECT_TRUE(HasCode(Verify(r), "document_state_unknown"));
  r = Applicant("Eriksson");
  r.document_mrz[1][0] = r.document_mrz[1][0] == 'L' ? 'M' : 'L';
  EXPECT_TRUE(HasCode(Verify(r), "document_check_digit_mismatch"));
  r.document_mrz = {"P<SWE", "not an mrz"};
  const KycVerificationResult unreadable = Verify(r);
  EXPECT_TRUE(HasCode(unreadable, "document_unreadable"));
  EXPECT_EQ(unreadable.outcome, KycOutcome::kRejected);
}

TEST(SandboxKycProviderTest, AGermanPassportPrintsDForDeu) {
  KycVerificationRequest r = Applicant("Mustermann");
  r.nationality = "DEU";
  r.document_mrz = Passport("MUSTERMANN", "740812", "320415", "D<<");
  const KycVerificationResult result = Verify(r);
  EXPECT_EQ(CheckOf(result, KycCheckKind::kDocument).status, KycCheckStatus::kPassed)
      << CheckOf(result, KycCheckKind::kDocument).reason_code;
  r.nationality = "AUT";
  EXPECT_TRUE(HasCode(Verify(r), "document_nationality_mismatch"));
}

// The French national ID (a vector of shared/data/identity-docs) has no expiry in its MRZ.
TEST(SandboxKycProviderTest, ADocumentWithoutExpiryGoesToReview) {
  KycVerificationRequest r = Applicant("Berthier");
  r.first_name = "Corinne";
  r.birth_date = {1965, 12, 6};
  r.nationality = "FRA";
  r.document_mrz = {"IDFRABERTHIER<<<<<<<<<<<<<<<<<<<<<<<", "9409923102854CORINNE<<<<<<<6512068F4"};
  const KycVerificationResult result = Verify(r);
  EXPECT_EQ(result.outcome, KycOutcome::kReview);
  EXPECT_TRUE(HasCode(result, "document_expiry_unknown"));
}

TEST(SandboxKycProviderTest, ANameNeedingTransliterationGoesToReview) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.last_name = "Erikßon";
  EXPECT_EQ(Verify(r).outcome, KycOutcome::kReview);
  EXPECT_TRUE(HasCode(Verify(r), "document_name_unverified"));
}

TEST(SandboxKycProviderTest, TheScreeningVerdictDecidesReviewOrRejection) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.screening = KycScreening::kPossibleMatch;
  EXPECT_EQ(Verify(r).outcome, KycOutcome::kReview);
  r.screening = KycScreening::kConfirmedMatch;
  EXPECT_EQ(Verify(r).outcome, KycOutcome::kRejected);
  r.screening = KycScreening::kNotRun;
  const KycVerificationResult not_run = Verify(r);
  EXPECT_EQ(not_run.outcome, KycOutcome::kApproved);  // nothing failed ...
  EXPECT_EQ(KycTierFor(not_run), KycTier::kTier0);    // ... but nothing is proven either
  EXPECT_TRUE(HasCode(not_run, "screening_not_run"));
}

TEST(SandboxKycProviderTest, MissingPiecesLowerTheTierWithoutRejecting) {
  KycVerificationRequest r = Applicant("Eriksson");
  r.address->proof_ref.clear();
  KycVerificationResult result = Verify(r);
  EXPECT_EQ(result.outcome, KycOutcome::kApproved);
  EXPECT_TRUE(HasCode(result, "address_proof_missing"));
  EXPECT_EQ(KycTierFor(result), KycTier::kTier2);
  r.document_mrz.clear();
  result = Verify(r);
  EXPECT_EQ(KycTierFor(result), KycTier::kTier1);
  EXPECT_TRUE(HasCode(result, "document_missing"));
  r.address->country = "ZZZ";
  r.address->proof_ref = "doc_proof_2";
  EXPECT_EQ(Verify(r).outcome, KycOutcome::kRejected);
}

TEST(SandboxKycProviderTest, OversizedOrUndatedRequestsAreInvalidArguments) {
  SandboxKycProvider provider;
  KycVerificationRequest r = Applicant("Eriksson");
  r.customer_ref = std::string(kKycRefBytesMax + 1, 'c');
  EXPECT_EQ(provider.Verify(r).status().code(), StatusCode::kInvalidArgument);
  r = Applicant("Eriksson");
  r.last_name = std::string(kKycNameBytesMax + 1, 'A');
  EXPECT_EQ(provider.Verify(r).status().code(), StatusCode::kInvalidArgument);
  r = Applicant("Eriksson");
  r.today = KycDate{2026, 2, 29};
  EXPECT_EQ(provider.Verify(r).status().code(), StatusCode::kInvalidArgument);
  r = Applicant("Eriksson");
  r.document_mrz.push_back(std::string(44, '<'));
  r.document_mrz.push_back(std::string(44, '<'));
  EXPECT_EQ(provider.Verify(r).status().code(), StatusCode::kInvalidArgument);
  r = Applicant("Eriksson");
  r.address->line1 = std::string(kKycAddressFieldBytesMax + 1, 'x');
  EXPECT_EQ(provider.Verify(r).status().code(), StatusCode::kInvalidArgument);
}

TEST(KycChecksTest, BirthDatesNeverLandInTheFutureAndExpiriesStayNearToday) {
  EXPECT_EQ(ResolveMrzBirthDate("740812", kToday), (KycDate{1974, 8, 12}));
  EXPECT_EQ(ResolveMrzBirthDate("100101", kToday), (KycDate{2010, 1, 1}));
  EXPECT_EQ(ResolveMrzBirthDate("261205", kToday), (KycDate{2026, 12, 5}));
  EXPECT_EQ(ResolveMrzBirthDate("261206", kToday), (KycDate{1926, 12, 6}));
  EXPECT_EQ(ResolveMrzExpiryDate("120415", kToday), (KycDate{2012, 4, 15}));
  EXPECT_EQ(ResolveMrzExpiryDate("991231", kToday), (KycDate{1999, 12, 31}));
  EXPECT_EQ(ResolveMrzExpiryDate("360101", kToday), (KycDate{2036, 1, 1}));
  EXPECT_FALSE(ResolveMrzBirthDate("74<<<<", kToday).has_value());
  EXPECT_FALSE(ResolveMrzExpiryDate("250229", kToday).has_value());  // 2025: no Feb 29
}

TEST(KycChecksTest, NamesArePrintedTheMrzWay) {
  EXPECT_EQ(MrzStyleName("O'Brien-Smith"), "O BRIEN SMITH");
  EXPECT_EQ(MrzStyleName("  van der Berg "), "VAN DER BERG");
  EXPECT_FALSE(MrzStyleName("Müller").has_value());
}

TEST(KycChecksTest, IdentityDataNeedsANameAndAPastBirthDate) {
  KycVerificationRequest r = Applicant("Eriksson");
  EXPECT_EQ(CheckIdentityData(r).status, KycCheckStatus::kPassed);
  r.birth_date = {2027, 1, 1};
  EXPECT_EQ(CheckIdentityData(r).reason_code, "birth_date_in_future");
  r.birth_date = {1990, 2, 30};
  EXPECT_EQ(CheckIdentityData(r).reason_code, "birth_date_invalid");
  r = Applicant("Eriksson");
  r.first_name.clear();
  r.last_name.clear();
  EXPECT_EQ(CheckIdentityData(r).status, KycCheckStatus::kFailed);
}

TEST(KycTierTest, EachTierNeedsTheOneBelow) {
  EXPECT_EQ(KycTierFor(KycEvidence{}), KycTier::kTier0);
  EXPECT_EQ(KycTierFor(KycEvidence{.identity_data = true}), KycTier::kTier0);
  EXPECT_EQ(KycTierFor(KycEvidence{.identity_data = true, .screening_clear = true}),
            KycTier::kTier1);
  EXPECT_EQ(KycTierFor(KycEvidence{true, true, true, false}), KycTier::kTier2);
  EXPECT_EQ(KycTierFor(KycEvidence{true, true, true, true}), KycTier::kTier3);
  // A document and an address without a clear screen prove nothing yet.
  EXPECT_EQ(KycTierFor(KycEvidence{true, false, true, true}), KycTier::kTier0);
  EXPECT_EQ(KycTierFor(KycEvidence{true, true, false, true}), KycTier::kTier1);
}

TEST(KycTierTest, OnlyAnApprovedVerificationRaisesTheTier) {
  KycVerificationResult r;
  r.checks = {{KycCheckKind::kIdentityData, KycCheckStatus::kPassed, ""},
              {KycCheckKind::kDocument, KycCheckStatus::kPassed, ""},
              {KycCheckKind::kAddress, KycCheckStatus::kPassed, ""},
              {KycCheckKind::kScreening, KycCheckStatus::kPassed, ""}};
  DecideKycOutcome(&r);
  EXPECT_EQ(r.outcome, KycOutcome::kApproved);
  EXPECT_EQ(KycTierFor(r), KycTier::kTier3);
  r.outcome = KycOutcome::kReview;
  EXPECT_EQ(KycTierFor(r), KycTier::kTier0);
  r.checks[3].status = KycCheckStatus::kFailed;
  r.checks[3].reason_code = "screening_confirmed_match";
  DecideKycOutcome(&r);
  EXPECT_EQ(r.outcome, KycOutcome::kRejected);
  EXPECT_EQ(r.reason_codes, std::vector<std::string>{"screening_confirmed_match"});
}

}  // namespace
}  // namespace cb::risk::kyc
