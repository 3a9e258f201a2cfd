#include "risk/lua_sandbox.h"

#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/check.h"

namespace cb::risk {

namespace {
// The count hook runs every kHookStep VM instructions: the budget is enforced to that grain.
constexpr int kHookStep = 1000;

LuaSandbox* SandboxOf(lua_State* L) { return *static_cast<LuaSandbox**>(lua_getextraspace(L)); }

// What a rule may use. Left out, beside io/os/package/debug/coroutine (never opened):
// load/loadfile/dofile (code from outside), pcall/xpcall and coroutines (they would catch
// the budget's error and keep looping), collectgarbage, print/warn (output), rawset (it
// would write through the read-only tables of Freeze()), math.random
// (not deterministic), string.dump and the pattern functions (find/match/gmatch/gsub run in
// C, outside the instruction count, and can backtrack for a very long time).
constexpr const char* kRemovedGlobals[] = {
    "load", "loadfile", "dofile", "pcall", "xpcall", "collectgarbage", "print", "warn", "rawset"};
constexpr const char* kStringKept[] = {"len",  "sub",    "upper", "lower",  "byte",
                                       "char", "format", "rep",   "reverse"};
}  // namespace

void* LuaSandbox::Alloc(void* ud, void* ptr, size_t old_size, size_t new_size) {
  auto* self = static_cast<LuaSandbox*>(ud);
  const size_t old_bytes = ptr != nullptr ? old_size : 0;  // else old_size is a type tag
  if (new_size == 0) {
    std::free(ptr);
    self->used_bytes_ -= old_bytes;
    return nullptr;
  }
  if (new_size > old_bytes &&
      self->used_bytes_ + (new_size - old_bytes) > self->limits_.memory_bytes_max) {
    self->out_of_memory_ = true;
    return nullptr;  // Lua raises a memory error
  }
  void* p = std::realloc(ptr, new_size);
  if (p == nullptr) return nullptr;
  self->used_bytes_ = self->used_bytes_ - old_bytes + new_size;
  return p;
}

void LuaSandbox::Hook(lua_State* L, lua_Debug* /*ar*/) {
  LuaSandbox* self = SandboxOf(L);
  self->instructions_ += kHookStep;
  if (self->instructions_ > self->limits_.instructions_max) {
    self->out_of_instructions_ = true;
    luaL_error(L, "instruction budget exhausted");
  }
}

Result<std::unique_ptr<LuaSandbox>> LuaSandbox::NewState(LuaLimits limits) {
  std::unique_ptr<LuaSandbox> box(new LuaSandbox(limits));
  box->L_ = lua_newstate(&LuaSandbox::Alloc, box.get());
  if (box->L_ == nullptr) return Status::ResourceExhausted("lua: no memory for a state");
  lua_State* L = box->L_;
  *static_cast<LuaSandbox**>(lua_getextraspace(L)) = box.get();
  luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
  luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
  luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
  luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
  lua_pop(L, 4);
  for (const char* name : kRemovedGlobals) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  lua_getglobal(L, LUA_MATHLIBNAME);
  for (const char* name : {"random", "randomseed"}) {
    lua_pushnil(L);
    lua_setfield(L, -2, name);
  }
  lua_pop(L, 1);
  // string: a fresh table with only the kept functions, also as strings' metatable index
  // (so ("x"):find(...) is gone too).
  lua_getglobal(L, LUA_STRLIBNAME);
  lua_newtable(L);
  for (const char* name : kStringKept) {
    lua_getfield(L, -2, name);
    lua_setfield(L, -2, name);
  }
  lua_setglobal(L, LUA_STRLIBNAME);
  lua_pop(L, 1);
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_sethook(L, &LuaSandbox::Hook, LUA_MASKCOUNT, kHookStep);
  return box;
}

Result<std::unique_ptr<LuaSandbox>> LuaSandbox::Load(std::string_view chunk_name,
                                                     std::string_view source, LuaLimits limits) {
  CB_ASSIGN_OR_RETURN(std::unique_ptr<LuaSandbox> box, NewState(limits));
  lua_State* L = box->L_;
  const std::string name = "=" + std::string(chunk_name);
  // Text only: a precompiled (binary) chunk can crash the VM.
  if (luaL_loadbufferx(L, source.data(), source.size(), name.c_str(), "t") != LUA_OK) {
    std::string message = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1);
    return Status::InvalidArgument("lua: " + message);
  }
  CB_RETURN_IF_ERROR(box->Run(0, 0, chunk_name));
  return box;
}

LuaSandbox::~LuaSandbox() {
  if (L_ != nullptr) lua_close(L_);
}

Status LuaSandbox::Run(int args, int results, std::string_view what) {
  instructions_ = 0;
  out_of_memory_ = false;
  out_of_instructions_ = false;
  const int rc = lua_pcall(L_, args, results, 0);
  if (rc == LUA_OK) return Status::Ok();
  // A rule's error text is journaled (rule_errors, an alert's error): a rule must not be
  // able to write megabytes per movement into the journal, so only its head is kept.
  constexpr size_t kErrorBytesMax = 256;
  size_t length = 0;
  const char* raw = lua_tolstring(L_, -1, &length);
  std::string message =
      raw != nullptr ? std::string(raw, std::min(length, kErrorBytesMax)) : "error object";
  if (raw != nullptr && length > kErrorBytesMax) message += "...";
  lua_pop(L_, 1);
  const bool exhausted = out_of_instructions_ || out_of_memory_ || rc == LUA_ERRMEM;
  std::string reason = out_of_instructions_ ? "instruction budget exhausted"
                       : exhausted          ? "memory cap reached"
                                            : message;
  instructions_ = 0;
  out_of_memory_ = false;
  out_of_instructions_ = false;
  lua_gc(L_, LUA_GCCOLLECT);  // give back what the failed call held
  const std::string text = "lua rule " + std::string(what) + ": " + reason;
  return exhausted ? Status::ResourceExhausted(text) : Status::InvalidArgument(text);
}

Result<std::string> LuaSandbox::Call(std::string_view rule,
                                     const std::map<std::string, int64_t>& inputs) {
  lua_State* L = L_;
  const std::string name(rule);
  if (lua_getglobal(L, name.c_str()) != LUA_TFUNCTION) {
    lua_pop(L, 1);
    return Status::InvalidArgument("lua rule " + name + ": no such function");
  }
  lua_createtable(L, 0, static_cast<int>(inputs.size()));
  for (const auto& [key, value] : inputs) {
    lua_pushinteger(L, static_cast<lua_Integer>(value));
    lua_setfield(L, -2, key.c_str());
  }
  CB_RETURN_IF_ERROR(Run(1, 1, name));
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    return Status::InvalidArgument("lua rule " + name + ": the result is not a string");
  }
  std::string out = lua_tostring(L, -1);
  lua_pop(L, 1);
  return out;
}

}  // namespace cb::risk
