#include "api/json_keys.h"

#include <gtest/gtest.h>

namespace cb::api {
namespace {

TEST(JsonKeysTest, ADuplicateKeyInAnyObjectIsFound) {
  EXPECT_EQ(FindDuplicateKey(R"({"amount":"1.00","amount":"1000.00"})"), "amount");
  EXPECT_EQ(FindDuplicateKey(R"({"transfers":[{"a":1},{"b":1,"b":2}]})"), "b");
  EXPECT_EQ(FindDuplicateKey(R"({"x":{"y":1},"x":2})"), "x");
  // Escapes spell the same key: "\u0061" is "a".
  EXPECT_EQ(FindDuplicateKey(R"({"a":1,"\u0061":2})"), "a");
}

TEST(JsonKeysTest, EqualKeysInDifferentObjectsAreFine) {
  EXPECT_EQ(FindDuplicateKey(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey(R"({"amount":"1.00","currency":"EUR"})"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey("[]"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey("not json"), std::nullopt);  // the caller's parse reports that
}

}  // namespace
}  // namespace cb::api
