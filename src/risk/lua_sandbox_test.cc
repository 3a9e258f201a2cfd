#include "risk/lua_sandbox.h"

#include <gtest/gtest.h>

#include <string>

namespace cb::risk {
namespace {

constexpr LuaLimits kLimits{.instructions_max = 200'000, .memory_bytes_max = 2u << 20};

std::unique_ptr<LuaSandbox> Load(std::string_view source) {
  auto box = LuaSandbox::Load("test", source, kLimits);
  EXPECT_TRUE(box.ok()) << box.status().ToString();
  return box.ok() ? std::move(*box) : nullptr;
}

TEST(LuaSandboxTest, ARuleDecidesFromItsInputs) {
  auto box = Load(R"(
    function large_amount(x)
      if x.amount_minor >= 1000000 then return "hold" end
      return "allow"
    end)");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(*box->Call("large_amount", {{"amount_minor", 999'999}}), "allow");
  EXPECT_EQ(*box->Call("large_amount", {{"amount_minor", 1'000'000}}), "hold");
}

TEST(LuaSandboxTest, AnEndlessLoopIsStoppedByTheBudgetAndTheStateStaysUsable) {
  auto box = Load(R"(
    function spin(x) while true do end end
    function ok(x) return "allow" end)");
  ASSERT_NE(box, nullptr);
  const Result<std::string> r = box->Call("spin", {});
  EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(r.status().message().find("spin"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("instruction budget"), std::string::npos);
  EXPECT_EQ(*box->Call("ok", {}), "allow");  // the next call has its own budget
}

TEST(LuaSandboxTest, UnboundedAllocationIsStoppedByTheMemoryCap) {
  auto box = Load(R"(
    function hog(x)
      local t = {}
      for i = 1, 100000000 do t[i] = string.rep("x", 1000) .. i end
      return "allow"
    end
    function big(x) return string.rep("x", 1 << 30) end)");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->Call("hog", {}).status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(box->Call("big", {}).status().code(), StatusCode::kResourceExhausted);
  EXPECT_LE(box->memory_bytes(), kLimits.memory_bytes_max);
}

TEST(LuaSandboxTest, NoWayOutOfTheSandbox) {
  auto box = Load(R"(
    function probe(x)
      local seen = {}
      for _, name in ipairs({"io", "os", "package", "require", "debug", "load", "loadfile",
                             "dofile", "pcall", "xpcall", "coroutine", "collectgarbage",
                             "print"}) do
        if _G[name] ~= nil then seen[#seen + 1] = name end
      end
      for _, name in ipairs({"find", "match", "gmatch", "gsub", "dump"}) do
        if string[name] ~= nil or ("s")[name] ~= nil then seen[#seen + 1] = "string." .. name end
      end
      if math.random ~= nil then seen[#seen + 1] = "math.random" end
      return table.concat(seen, ",")
    end)");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(*box->Call("probe", {}), "");
}

TEST(LuaSandboxTest, ABudgetErrorCannotBeCaughtByTheRule) {
  // With pcall gone, a rule cannot swallow the budget's error and keep looping.
  auto box = Load(R"(function trap(x) while true do local ok = pcall(function() end) end end)");
  ASSERT_NE(box, nullptr);
  const Result<std::string> r = box->Call("trap", {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);  // calling nil: pcall is gone
}

TEST(LuaSandboxTest, BadRulesAreClearErrors) {
  EXPECT_EQ(LuaSandbox::Load("broken", "function (", kLimits).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(LuaSandbox::Load("toplevel", "while true do end", kLimits).status().code(),
            StatusCode::kResourceExhausted);
  // A precompiled chunk is refused: only text is loaded.
  EXPECT_EQ(LuaSandbox::Load("binary", std::string("\x1bLua\x54", 5), kLimits).status().code(),
            StatusCode::kInvalidArgument);
  auto box = Load(R"(
    function number(x) return 42 end
    function fails(x) error("no decision") end)");
  ASSERT_NE(box, nullptr);
  EXPECT_EQ(box->Call("missing", {}).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(box->Call("number", {}).status().code(), StatusCode::kInvalidArgument);
  const Result<std::string> r = box->Call("fails", {});
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("no decision"), std::string::npos);
}

}  // namespace
}  // namespace cb::risk
