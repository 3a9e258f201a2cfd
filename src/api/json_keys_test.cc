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

// A body of many keys (a 4 MiB body holds ~380k) costs linear time, not quadratic.
TEST(JsonKeysTest, ManyKeysAreCheckedInLinearTime) {
  std::string body = "{";
  for (int i = 0; i < 200'000; i++) body += "\"k" + std::to_string(i) + "\":0,";
  std::string dup = body + "\"k17\":1}";
  body += "\"end\":1}";
  EXPECT_EQ(FindDuplicateKey(body), std::nullopt);
  EXPECT_EQ(FindDuplicateKey(dup), "k17");
}

TEST(JsonKeysTest, KeysInTextCountsKeysNotStringsThatLookLikeThem) {
  EXPECT_EQ(CountKeysInText(R"({"a":1,"b":{"c":[{"d":2}]}})"), 4u);
  EXPECT_EQ(CountKeysInText(R"({"a":"b:","c":"x\":y"})"), 2u);       // colons inside values
  EXPECT_EQ(CountKeysInText(R"({"a\"b" : 1, "a":2 ,"a" :3})"), 3u);  // escapes, spaces, dups
  EXPECT_EQ(CountKeysInText(R"(["a","b"])"), 0u);
}

TEST(JsonKeysTest, EqualKeysInDifferentObjectsAreFine) {
  EXPECT_EQ(FindDuplicateKey(R"({"a":{"a":1},"b":[{"a":1},{"a":2}]})"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey(R"({"amount":"1.00","currency":"EUR"})"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey("[]"), std::nullopt);
  EXPECT_EQ(FindDuplicateKey("not json"), std::nullopt);  // the caller's parse reports that
}

}  // namespace
}  // namespace cb::api
