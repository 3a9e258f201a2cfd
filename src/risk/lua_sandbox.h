#pragma once
// A sandbox for policy rules written in Lua 5.4 (issue 14): no io, os, package/require,
// load/dofile/loadfile, debug or string.dump; an instruction budget and a memory cap per
// call, so a rule that loops forever or allocates without bound is stopped and reported as
// an error with its name while the server keeps running. Deterministic: no clock, no
// randomness (math.random is removed); a rule sees only the inputs it is given. (Lua seeds
// its string hash per state, so `pairs` order over string keys may differ between runs:
// the policy layer must hand rules arrays where order matters.)
// One sandbox is one Lua state: not thread-safe (the shard's writer owns it).
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct lua_State;
struct lua_Debug;

namespace cb::risk {

struct LuaLimits {
  uint64_t instructions_max = 1'000'000;  // per call (counted in steps of kHookStep)
  size_t memory_bytes_max = 8u << 20;     // the whole state, libraries included
};

class LuaSandbox {
 public:
  // Fails (InvalidArgument, with Lua's message) if `source` does not compile or its top
  // level errors or exceeds the limits; the chunk may define global functions (the rules).
  static Result<std::unique_ptr<LuaSandbox>> Load(std::string_view chunk_name,
                                                  std::string_view source, LuaLimits limits);
  ~LuaSandbox();
  LuaSandbox(const LuaSandbox&) = delete;
  LuaSandbox& operator=(const LuaSandbox&) = delete;

  // Calls global function `rule` with one table argument of string -> integer inputs and
  // expects one string result (e.g. "allow", "deny"). ResourceExhausted when the
  // instruction budget or the memory cap stopped it; InvalidArgument for any other error
  // (a runtime error, no such function, a result that is not a string). The message names
  // the rule. The state stays usable after a failed call.
  Result<std::string> Call(std::string_view rule, const std::map<std::string, int64_t>& inputs);

  // --- Policies (policy.h): several rule files in one state, one shared input per decision.
  // Create() opens the libraries only; AddListEntry() fills the global `lists` table
  // (lists.<list>[value] == true); LoadModule() runs each rule file in its own environment
  // (its globals stay in it, reads fall back to the shared globals); FunctionRef() names a
  // rule function; Freeze() then makes every table a rule can reach read-only, so no call
  // can leave state for the next one (documented in docs/policy-bundles.md).
  static Result<std::unique_ptr<LuaSandbox>> Create(LuaLimits limits);
  void AddListEntry(std::string_view list, std::string_view value);
  Result<int> LoadModule(std::string_view chunk_name, std::string_view source);
  Result<int> FunctionRef(int module, std::string_view function);
  // InvalidArgument naming the function if one captures a file-level local (an upvalue
  // other than its module's _ENV): a local would keep state between decisions.
  Status Freeze();

  // The input every rule gets, as a read-only table: write its fields between BeginInput()
  // and EndInput(), then CallRef() each rule. Keys must be string literals (Lua caches them
  // by address); the table is reused, so a decision allocates nothing for it.
  void BeginInput();
  void SetInput(const char* key, int64_t value);
  void SetInput(const char* key, std::string_view value);
  void EndInput();
  // Calls a FunctionRef with the input; errors as Call(). The view is valid until the next
  // call.
  Result<std::string_view> CallRef(int function_ref, std::string_view rule);

  size_t memory_bytes() const { return used_bytes_; }

 private:
  explicit LuaSandbox(LuaLimits limits) : limits_(limits) {}
  static Result<std::unique_ptr<LuaSandbox>> NewState(LuaLimits limits);
  Status FreezeReachable();
  static void* Alloc(void* ud, void* ptr, size_t old_size, size_t new_size);
  static void Hook(lua_State* L, lua_Debug* ar);
  Status Run(int args, int results, std::string_view what);

  LuaLimits limits_;
  lua_State* L_ = nullptr;
  size_t used_bytes_ = 0;
  uint64_t instructions_ = 0;
  bool out_of_memory_ = false;
  bool out_of_instructions_ = false;
  int lists_ref_ = -1;  // registry refs (LUA_NOREF until made)
  int input_ref_ = -1;  // the plain table SetInput writes
  int proxy_ref_ = -1;  // what rules get: empty, __index = the input, writes refused
  std::vector<int> module_refs_;
  bool frozen_ = false;
  std::string result_;  // CallRef's answer, reused
};

}  // namespace cb::risk
