// LuaSandbox's policy half: rule files as modules, the freeze, the shared read-only input.
#include <lua5.4/lauxlib.h>
#include <lua5.4/lua.h>

#include <string>

#include "base/check.h"
#include "risk/lua_sandbox.h"

namespace cb::risk {

namespace {

// Bounds the freeze's walk over what rules can reach (globals, modules, their tables).
constexpr int kFrozenTablesMax = 4096;

int RefuseWrite(lua_State* L) {
  return luaL_error(L, "attempt to write to a read-only table (rules keep no state)");
}

// `#t` of a frozen table: the length of what it was (upvalue 1: the moved contents).
int FrozenLen(lua_State* L) {
  lua_pushinteger(L, static_cast<lua_Integer>(lua_rawlen(L, lua_upvalueindex(1))));
  return 1;
}

// A read-only metatable for an (empty) table whose contents are at stack index `contents`:
// reads go to the contents, writes fail, getmetatable() answers false.
void PushReadOnlyMeta(lua_State* L, int contents) {
  lua_createtable(L, 0, 4);
  lua_pushvalue(L, contents);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, &RefuseWrite);
  lua_setfield(L, -2, "__newindex");
  lua_pushvalue(L, contents);
  lua_pushcclosure(L, &FrozenLen, 1);
  lua_setfield(L, -2, "__len");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");
}

}  // namespace

Result<std::unique_ptr<LuaSandbox>> LuaSandbox::Create(LuaLimits limits) {
  CB_ASSIGN_OR_RETURN(std::unique_ptr<LuaSandbox> box, NewState(limits));
  lua_State* L = box->L_;
  lua_newtable(L);
  lua_pushvalue(L, -1);
  lua_setglobal(L, "lists");
  box->lists_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 48);
  box->input_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_newtable(L);  // the proxy
  lua_rawgeti(L, LUA_REGISTRYINDEX, box->input_ref_);
  PushReadOnlyMeta(L, lua_gettop(L));
  lua_setmetatable(L, -3);
  lua_pop(L, 1);
  box->proxy_ref_ = luaL_ref(L, LUA_REGISTRYINDEX);
  return box;
}

void LuaSandbox::AddListEntry(std::string_view list, std::string_view value) {
  CB_CHECK(!frozen_);
  CB_CHECK(lists_ref_ >= 0);
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, lists_ref_);
  lua_pushlstring(L, list.data(), list.size());
  if (lua_rawget(L, -2) != LUA_TTABLE) {
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushlstring(L, list.data(), list.size());
    lua_pushvalue(L, -2);
    lua_rawset(L, -4);
  }
  lua_pushlstring(L, value.data(), value.size());
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 2);
}

Result<int> LuaSandbox::LoadModule(std::string_view chunk_name, std::string_view source) {
  CB_CHECK(!frozen_);
  lua_State* L = L_;
  const std::string name = "=" + std::string(chunk_name);
  // Text only: a precompiled (binary) chunk can crash the VM.
  if (luaL_loadbufferx(L, source.data(), source.size(), name.c_str(), "t") != LUA_OK) {
    std::string message = lua_tostring(L, -1) != nullptr ? lua_tostring(L, -1) : "?";
    lua_pop(L, 1);
    return Status::InvalidArgument("lua: " + message);
  }
  // The module's environment: its own table, reads falling back to the shared globals.
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushglobaltable(L);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
  lua_pushvalue(L, -1);
  const int env_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  // A main chunk's only upvalue is _ENV.
  CB_CHECK(lua_setupvalue(L, -2, 1) != nullptr);
  CB_RETURN_IF_ERROR(Run(0, 0, chunk_name));
  module_refs_.push_back(env_ref);
  return static_cast<int>(module_refs_.size() - 1);
}

Result<int> LuaSandbox::FunctionRef(int module, std::string_view function) {
  CB_CHECK(module >= 0 && static_cast<size_t>(module) < module_refs_.size());
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, module_refs_[static_cast<size_t>(module)]);
  lua_pushlstring(L, function.data(), function.size());
  if (lua_rawget(L, -2) != LUA_TFUNCTION) {
    lua_pop(L, 2);
    return Status::InvalidArgument("no function " + std::string(function) + " defined");
  }
  const int ref = luaL_ref(L, LUA_REGISTRYINDEX);
  lua_pop(L, 1);
  return ref;
}

Status LuaSandbox::Freeze() {
  CB_CHECK(!frozen_);
  // Strings' metatable: getmetatable("") must not hand out a table a rule could change.
  lua_State* L = L_;
  lua_pushliteral(L, "");
  if (lua_getmetatable(L, -1)) {
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  CB_RETURN_IF_ERROR(FreezeReachable());
  frozen_ = true;
  return Status::Ok();
}

// Walks every table reachable from the globals and the module environments (values and
// metatables; a work list, no recursion) and freezes each one: its entries move to a hidden
// table, it stays empty with a read-only metatable, so `t.x = 1` always reaches __newindex.
// Lua functions met on the way may capture only their module's _ENV.
Status LuaSandbox::FreezeReachable() {
  lua_State* L = L_;
  const int base = lua_gettop(L);
  lua_newtable(L);  // base+1: seen (table -> true)
  lua_newtable(L);  // base+2: work list (array)
  lua_newtable(L);  // base+3: the environments a function may capture as _ENV
  const int seen = base + 1, work = base + 2, envs = base + 3;
  lua_Integer pending = 0;
  auto push_work = [&](int idx) {
    lua_pushvalue(L, idx);
    lua_rawseti(L, work, ++pending);
  };
  auto add_root = [&]() {
    push_work(-1);
    lua_pushboolean(L, 1);
    lua_rawset(L, envs);
  };
  lua_pushglobaltable(L);
  add_root();
  for (int ref : module_refs_) {
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    add_root();
  }
  int frozen_count = 0;
  Status status;
  while (pending > 0 && status.ok()) {
    lua_rawgeti(L, work, pending);
    lua_pushnil(L);
    lua_rawseti(L, work, pending--);
    const int t = lua_gettop(L);
    lua_pushvalue(L, t);
    if (lua_rawget(L, seen) != LUA_TNIL) {
      lua_settop(L, t - 1);
      continue;
    }
    lua_pop(L, 1);
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);
    if (++frozen_count > kFrozenTablesMax) {
      status = Status::InvalidArgument("rules reach more than " + std::to_string(kFrozenTablesMax) +
                                       " tables");
      break;
    }
    lua_newtable(L);  // t+1: the contents
    const int contents = t + 1;
    // The old metatable moves to the contents (a module's {__index = globals}). It is not
    // frozen itself: Lua reads metamethods raw, a frozen metatable would have none.
    if (lua_getmetatable(L, t)) lua_setmetatable(L, contents);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
      // key at -2, value at -1
      if (lua_type(L, -1) == LUA_TTABLE) push_work(-1);
      if (lua_type(L, -1) == LUA_TFUNCTION && !lua_iscfunction(L, -1)) {
        for (int n = 1;; n++) {
          const char* up = lua_getupvalue(L, -1, n);
          if (up == nullptr) break;
          // A file's own `local _ENV = {}` would be a mutable table: only the real ones.
          const bool env = std::string_view(up) == "_ENV" && lua_type(L, -1) == LUA_TTABLE &&
                           lua_rawget(L, envs) != LUA_TNIL;
          lua_pop(L, 1);
          if (!env && status.ok()) {
            const char* key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
            status = Status::InvalidArgument(
                "function " + std::string(key) + " captures the file-level local '" + up +
                "' (it would keep state between decisions: use a global, or <const>)");
          }
        }
      }
      lua_pushvalue(L, -2);
      lua_insert(L, -2);
      lua_rawset(L, contents);
    }
    lua_pushnil(L);
    while (lua_next(L, contents) != 0) {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      lua_pushnil(L);
      lua_rawset(L, t);
    }
    PushReadOnlyMeta(L, contents);
    lua_setmetatable(L, t);
    lua_settop(L, t - 1);
  }
  lua_settop(L, base);
  return status;
}

void LuaSandbox::BeginInput() {
  CB_CHECK(frozen_);
  lua_rawgeti(L_, LUA_REGISTRYINDEX, input_ref_);
}

void LuaSandbox::SetInput(const char* key, int64_t value) {
  lua_pushinteger(L_, static_cast<lua_Integer>(value));
  lua_setfield(L_, -2, key);
}

void LuaSandbox::SetInput(const char* key, std::string_view value) {
  lua_pushlstring(L_, value.data(), value.size());
  lua_setfield(L_, -2, key);
}

void LuaSandbox::EndInput() { lua_pop(L_, 1); }

Result<std::string_view> LuaSandbox::CallRef(int function_ref, std::string_view rule) {
  CB_CHECK(frozen_);
  lua_State* L = L_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, function_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, proxy_ref_);
  CB_RETURN_IF_ERROR(Run(1, 1, rule));
  if (lua_type(L, -1) != LUA_TSTRING) {
    lua_pop(L, 1);
    return Status::InvalidArgument("lua rule " + std::string(rule) +
                                   ": the result is not a string");
  }
  size_t len = 0;
  const char* text = lua_tolstring(L, -1, &len);
  result_.assign(text, len);
  lua_pop(L, 1);
  return std::string_view(result_);
}

}  // namespace cb::risk
