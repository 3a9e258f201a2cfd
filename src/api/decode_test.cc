// /v1 decoders: cases the fuzzer (fuzz/json_decode_fuzzer.cc) found, pinned as tests.
#include "api/decode.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

namespace cb::api {
namespace {

constexpr char kCustomer[] = "cus_01HZX3Q6V4N2W7X5Y9T0R1S2AB";

bool OpenAccount(const std::string& aliases_json, platform::OpBody* out, DecodeError* err) {
  const std::string body = std::string(R"({"customer":")") + kCustomer +
                           R"(","currency":"EUR","aliases":)" + aliases_json + "}";
  RouteInput in;
  in.body = body;
  return DecodeOpenAccount(in, out, err);
}

TEST(DecodeTest, AccountAliasesArePhoneNumbersOrEmails) {
  platform::OpBody out;
  DecodeError err;
  ASSERT_TRUE(OpenAccount(R"(["+491701234567","new@pay.example"])", &out, &err)) << err.message;
  const auto& op = std::get<platform::OpenAccountOp>(out);
  EXPECT_EQ(op.aliases, (std::vector<std::string>{"+491701234567", "new@pay.example"}));
}

// Every other string a client sends refuses control characters (Reader::String), so an alias
// holding one could never be named as a transfer's to_account: refuse it when opening.
TEST(DecodeTest, AccountAliasWithAControlCharacterIsRejected) {
  for (const char* alias : {R"("nw@pa0\t8907567")", R"("a\u0000@b.example")", R"("x\n@y.z")",
                            R"("a@b.example\u001f")"}) {
    SCOPED_TRACE(alias);
    platform::OpBody out;
    DecodeError err;
    EXPECT_FALSE(OpenAccount(std::string("[") + alias + "]", &out, &err));
    EXPECT_EQ(err.kind, kernel::ErrorKind::kInvalidRequest);
    EXPECT_EQ(err.code, "parameter_invalid");
    EXPECT_EQ(err.param, "aliases[0]");
  }
}

}  // namespace
}  // namespace cb::api
