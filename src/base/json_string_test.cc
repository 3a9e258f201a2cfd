#include "base/json_string.h"

#include <gtest/gtest.h>

namespace cb {
namespace {

TEST(JsonString, EscapesQuotesBackslashesAndControlBytes) {
  std::string out;
  AppendJsonString(&out, "a\"b\\c\nd\te\x01\x7f");
  EXPECT_EQ(out, R"("a\"b\\c\nd\te\u0001\u007f")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  std::string out;
  AppendJsonString(&out, "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(out, "\"caf\xc3\xa9 \xe2\x82\xac\"");
  out.clear();
  AppendJsonString(&out,
                   "x\xff"
                   "y\xc0\xaf");  // stray byte, overlong '/'
  EXPECT_EQ(out, R"("x\ufffdy\ufffd\ufffd")");
}

TEST(Utf8, StrictValidation) {
  EXPECT_TRUE(IsValidUtf8("plain ascii"));
  EXPECT_TRUE(IsValidUtf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x92\xb6"));
  EXPECT_FALSE(IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xf4\x90\x80\x80"));  // past U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xe2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\x80"));              // continuation byte alone
}

TEST(TruncateUtf8, NeverCutsACharacterAndDropsInvalidBytes) {
  EXPECT_EQ(TruncateUtf8("abcdef", 3), "abc");
  // (A hex escape takes every hex digit after it: "\xa9" "b" keeps the b a letter.)
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9"
                         "b",
                         2),
            "a");  // é is two bytes: not cut in half
  EXPECT_EQ(TruncateUtf8("a\xc3\xa9"
                         "b",
                         3),
            "a\xc3\xa9");
  EXPECT_EQ(TruncateUtf8("a\xff"
                         "b",
                         10),
            "ab");
  EXPECT_EQ(TruncateUtf8("\xf0\x9f\x98\x80x", 3), "");
  EXPECT_TRUE(IsValidUtf8(TruncateUtf8(std::string(300, '\xe9'), 100)));
}

}  // namespace
}  // namespace cb
