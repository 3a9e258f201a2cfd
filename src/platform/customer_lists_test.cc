// A customer's token lists its own accounts and customer record from per-customer indexes:
// exactly its own, in opening order, with cursors that work only within its own list.
#include <gtest/gtest.h>

#include "platform/service_test_util.h"

namespace cb::platform {
namespace {

using namespace cb::platform::testing;

class CoversEverything final : public AccessPolicy {
 public:
  bool ConsentActive(const Principal&, TimestampNs) const override { return true; }
  bool ConsentCovers(const Principal&, AccountId, ScopeSet) const override { return true; }
};

std::vector<std::string> Ids(const std::string& body) {
  std::vector<std::string> out;
  for (size_t at = body.find(R"("id":"acct_)"); at != std::string::npos;
       at = body.find(R"("id":"acct_)", at + 1)) {
    out.push_back(body.substr(at + 6, 31));
  }
  return out;
}

TEST_F(PlatformServiceTest, CustomerTokenPagesThroughItsOwnAccountsOnly) {
  auto node = Open();
  ASSERT_NE(node, nullptr);
  CoversEverything policy;
  node->service.SetAccessPolicy(&policy);
  const Principal root = Bootstrap(node.get());
  const CustomerId alice = CreateCustomer(node.get(), root, "alice");
  const CustomerId bob = CreateCustomer(node.get(), root, "bob");
  std::vector<std::string> alices;
  for (int i = 0; i < 3; i++) {  // interleaved with bob's, so the tenant list mixes them
    alices.push_back(FormatId(prefix::kAccount, OpenAccount(node.get(), root, alice).value));
    OpenAccount(node.get(), root, bob);
  }
  Principal token = root;
  token.kind = PrincipalKind::kAccessToken;
  token.customer = alice;
  token.consent = kernel::ConsentId(1);
  token.client = kernel::AppId(2);
  token.scopes = kernel::kScopesConsentable | kernel::kScopeCustomersRead;

  std::vector<std::string> seen;
  std::optional<AccountId> after;
  for (int page = 0; page < 5; page++) {
    ListAccountsOp list;
    list.limit = 1;
    list.after = after;
    const Reply r = Run(node.get(), Op(token, list));
    ASSERT_EQ(r.http_status, 200) << r.body;
    const auto ids = Ids(r.body);
    for (const auto& id : ids) seen.push_back(id);
    if (Field(r.body, "has_more") != "true") break;
    AccountId next;
    ASSERT_TRUE(ParseId(Field(r.body, "next_cursor"), prefix::kAccount, &next.value));
    after = next;
  }
  EXPECT_EQ(seen, alices);

  // Another customer's account is no cursor of this list; nor may the token ask for bob.
  ListAccountsOp foreign;
  foreign.after = node->service.state().CustomerAccounts(bob).front();
  EXPECT_EQ(Run(node.get(), Op(token, foreign)).http_status, 400);
  ListAccountsOp bobs;
  bobs.customer = bob;
  EXPECT_EQ(Run(node.get(), Op(token, bobs)).http_status, 404);
  // Its customer list is itself alone.
  const Reply customers = Run(node.get(), Op(token, ListCustomersOp{}));
  ASSERT_EQ(customers.http_status, 200) << customers.body;
  EXPECT_EQ(Field(customers.body, "id"), FormatId(prefix::kCustomer, alice.value));
  EXPECT_EQ(Field(customers.body, "has_more"), "false");
  // Staff asking for one customer's accounts get the same list.
  ListAccountsOp staff;
  staff.customer = alice;
  staff.limit = 10;
  EXPECT_EQ(Ids(Run(node.get(), Op(root, staff)).body), alices);
  node->service.SetAccessPolicy(nullptr);
}

}  // namespace
}  // namespace cb::platform
