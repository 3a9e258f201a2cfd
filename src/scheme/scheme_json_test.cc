#include "scheme/scheme_json.h"

#include <gtest/gtest.h>

#include <string>

namespace cb::scheme {
namespace {

TEST(SchemeJsonTest, AFlatObjectParses) {
  auto fields = ParseFlatJsonObject(
      R"({"iban":"GB04","copies":2,"flag":true,"nothing":null,"neg":-3,"esc":"a\"b\u00e9"})");
  ASSERT_TRUE(fields.ok()) << fields.status().ToString();
  EXPECT_EQ(fields->at("iban").text, "GB04");
  EXPECT_EQ(fields->at("copies").magnitude, 2u);
  EXPECT_TRUE(fields->at("flag").boolean);
  EXPECT_EQ(fields->at("nothing").kind, JsonScalar::Kind::kNull);
  EXPECT_TRUE(fields->at("neg").negative);
  EXPECT_EQ(fields->at("esc").text, "a\"b\xc3\xa9");
}

TEST(SchemeJsonTest, EverythingButAFlatObjectOfScalarsIsRefusedByName) {
  struct Case {
    const char* body;
    const char* says;
  };
  for (const Case& c :
       {Case{R"({"a":"1","a":"2"})", "'a' appears twice"}, Case{R"({"a":{"b":1}})", "'a': nested"},
        Case{R"({"a":[1]})", "'a': arrays"}, Case{R"([1])", "must be a JSON object"},
        Case{R"("text")", "must be a JSON object"},
        Case{R"({"amount":1.5})", "'amount': numbers with a fraction"},
        Case{R"({"amount":1e3})", "'amount': numbers with a fraction"},
        Case{R"({"a":"1"} x)", "not valid JSON"}, Case{R"({"a":"1")", "not valid JSON"},
        Case{"", "not valid JSON"}}) {
    auto fields = ParseFlatJsonObject(c.body);
    ASSERT_FALSE(fields.ok()) << c.body;
    EXPECT_EQ(fields.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(fields.status().message().find(c.says), std::string::npos)
        << c.body << ": " << fields.status().message();
  }
}

TEST(SchemeJsonTest, LimitsHold) {
  std::string many = "{";
  for (size_t i = 0; i <= kJsonKeysMax; i++) {
    many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\":1";
  }
  many += "}";
  EXPECT_FALSE(ParseFlatJsonObject(many).ok());
  EXPECT_FALSE(
      ParseFlatJsonObject("{\"a\":\"" + std::string(kJsonStringBytesMax + 1, 'x') + "\"}").ok());
  EXPECT_FALSE(ParseFlatJsonObject("{\"" + std::string(kJsonKeyBytesMax + 1, 'k') + "\":1}").ok());
}

TEST(SchemeJsonTest, FieldsAreTypedBoundedAndKnown) {
  auto object = ParseFlatJsonObject(
      R"({"name":"Ada","copies":3,"ctl":"a\u0001b","empty":"","big":99,"other":1})");
  ASSERT_TRUE(object.ok());
  JsonFields fields(*object);
  std::string s;
  ASSERT_TRUE(fields.String("name", true, 10, &s).ok());
  EXPECT_EQ(s, "Ada");
  EXPECT_FALSE(fields.String("name", true, 2, &s).ok());
  EXPECT_FALSE(fields.String("copies", true, 10, &s).ok());  // not a string
  EXPECT_FALSE(fields.String("ctl", true, 10, &s).ok());
  EXPECT_FALSE(fields.String("empty", false, 10, &s).ok());
  EXPECT_FALSE(fields.String("absent", true, 10, &s).ok());
  ASSERT_TRUE(fields.String("absent", false, 10, &s).ok());
  EXPECT_EQ(s, "");
  uint64_t n = 1;
  ASSERT_TRUE(fields.Uint("copies", 1, 10, &n).ok());
  EXPECT_EQ(n, 3u);
  EXPECT_FALSE(fields.Uint("big", 1, 10, &n).ok());
  EXPECT_FALSE(fields.Uint("name", 1, 10, &n).ok());
  Status unknown = fields.NoUnknownFields();
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.message(), "other: unknown field");
}

}  // namespace
}  // namespace cb::scheme
