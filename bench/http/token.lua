-- OAuth client-credentials token issuance: POST /oauth2/token with HTTP Basic client
-- authentication; every answer is a fresh ES256-signed access token.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local basic

setup = common.setup

-- Base64 for the Basic header (wrk's Lua has no library for it).
local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(s)
  return ((s:gsub(".", function(c)
    local bits, b = "", c:byte()
    for i = 8, 1, -1 do bits = bits .. (b % 2 ^ i - b % 2 ^ (i - 1) > 0 and "1" or "0") end
    return bits
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return alphabet:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#s % 3 + 1])
end

function init(args)
  local f = io.open(os.getenv("BENCH_ACCOUNTS") .. ".client")
  local id = f:read("*l")
  local secret = f:read("*l")
  f:close()
  basic = "Basic " .. b64(id .. ":" .. secret)
end

function request()
  return wrk.format("POST", "/oauth2/token", {
    ["Authorization"] = basic,
    ["Content-Type"] = "application/x-www-form-urlencoded",
  }, "grant_type=client_credentials&scope=accounts.read")
end

function done(summary, latency, requests)
  common.done("token", summary, latency, 1)
end
