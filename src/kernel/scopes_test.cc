#include "kernel/scopes.h"

#include <gtest/gtest.h>

#include "kernel/principal.h"

namespace cb::kernel {
namespace {

// The registry is process-wide: this binary registers its test scopes once, in order.
const ScopeSet& TestScope() {
  static const ScopeSet s = *RegisterScope("widgets.write", ScopeClass::kWrite);
  return s;
}
const ScopeSet& TestReadScope() {
  static const ScopeSet s = *RegisterScope("widgets.read", ScopeClass::kRead);
  return s;
}

TEST(ScopesTest, BuiltinsKeepTheirWireBits) {
  // Identity's events store these bits: renumbering one would change old apps' rights.
  EXPECT_EQ(kScopeAccountsRead.wire_bits(), 1u << 0);
  EXPECT_EQ(kScopeAdmin.wire_bits(), 1u << 10);
  EXPECT_EQ(kScopeOfflineAccess.wire_bits(), 1u << 19);
  EXPECT_EQ(ScopeSet::FromWire(0x1FFF), ApiScopes() & ScopeSet::FromWire(0xFFFFFFFF));
  EXPECT_FALSE(kScopesOidc.has_named());
}

TEST(ScopesTest, ModuleScopeGetsABitAboveTheWireAndRoundTripsByName) {
  const ScopeSet w = TestScope();
  ASSERT_FALSE(w.empty());
  EXPECT_TRUE(w.has_named());
  EXPECT_EQ(w.wire_bits(), 0u);
  EXPECT_STREQ(ScopeName(w), "widgets.write");
  EXPECT_EQ(ScopeNamed("widgets.write"), w);
  ScopeSet parsed;
  ASSERT_TRUE(ParseScopes("accounts.read widgets.write", &parsed));
  EXPECT_EQ(parsed, kScopeAccountsRead | w);
  EXPECT_EQ(FormatScopes(parsed), "accounts.read widgets.write");
  const std::vector<std::string_view> named = NamedScopes(parsed);
  ASSERT_EQ(named.size(), 1u);
  EXPECT_EQ(named[0], "widgets.write");
}

TEST(ScopesTest, DuplicateOrBadNamesAreRefused) {
  (void)TestScope();
  EXPECT_EQ(RegisterScope("widgets.write", ScopeClass::kWrite).status().code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(RegisterScope("admin", ScopeClass::kAdmin).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(RegisterScope("Widgets", ScopeClass::kRead).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(RegisterScope("a b", ScopeClass::kRead).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(RegisterScope("x", ScopeClass::kRead).status().code(), StatusCode::kInvalidArgument);
  // OIDC claim scopes are the identity service's; no key holds them.
  EXPECT_EQ(RegisterScope("widgets.claims", ScopeClass::kOidc).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(ScopeNamed("widgets.claims").empty());
}

TEST(ScopesTest, UnknownScopeIsRefusedByName) {
  ScopeSet out;
  std::string unknown;
  EXPECT_FALSE(ParseScopes("accounts.read nope.write", &out, &unknown));
  EXPECT_EQ(unknown, "nope.write");
  EXPECT_TRUE(ScopeNamed("nope.write").empty());
  EXPECT_EQ(ScopeName(kScopeAccountsRead | kScopeAdmin), nullptr);  // not exactly one
}

TEST(ScopesTest, RolesHoldModuleScopesByClass) {
  const ScopeSet w = TestScope();
  const ScopeSet r = TestReadScope();
  EXPECT_TRUE(ScopesOfRole(Role::kAdmin).Covers(w | r | kScopeAdmin));
  EXPECT_TRUE(ScopesOfRole(Role::kOperator).Covers(w | r));
  EXPECT_FALSE(ScopesOfRole(Role::kOperator).Covers(kScopeAdmin));
  EXPECT_TRUE(ScopesOfRole(Role::kReadOnly).Covers(r | kScopeBalancesRead));
  EXPECT_FALSE(ScopesOfRole(Role::kReadOnly).Covers(w));
  EXPECT_FALSE(ScopesOfRole(Role::kAdmin).Covers(kScopeOpenId));  // OIDC is no permission
}

TEST(ScopesTest, SetOperationsSpanBothWords) {
  const ScopeSet a = ScopeSet::Bit(3) | ScopeSet::Bit(70);
  EXPECT_TRUE(a.Test(70));
  EXPECT_FALSE(a.Test(71));
  EXPECT_EQ(a & ~ScopeSet::Bit(70), ScopeSet::Bit(3));
  EXPECT_TRUE(ScopeSet::Bit(ScopeSet::kBitsMax).empty());  // out of range: nothing
  EXPECT_EQ(ScopeSet::Bit(70).SingleIndex(), 70u);
  EXPECT_EQ(ScopeSet::Bit(0).SingleIndex(), 0u);
  EXPECT_EQ(a.SingleIndex(), ScopeSet::kBitsMax);  // two scopes
  EXPECT_EQ(ScopeSet().SingleIndex(), ScopeSet::kBitsMax);
  EXPECT_EQ(ScopeName(ScopeSet::Bit(120)), nullptr);  // a bit nobody registered
}

}  // namespace
}  // namespace cb::kernel
