-- Single durable transfers between random accounts, a unique Idempotency-Key per request.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, key
local n = 0

setup = common.setup

function init(args)
  ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 7919)
end

function request()
  n = n + 1
  local a = math.random(#ids)
  local b = math.random(#ids - 1)
  if b >= a then b = b + 1 end
  local body = '{"from_account":"' .. ids[a] .. '","to_account":"' .. ids[b] ..
               '","amount":"0.01","currency":"EUR"}'
  return wrk.format("POST", "/v1/transfers", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "bench-" .. thread_id .. "-" .. n,
  }, body)
end

function done(summary, latency, requests)
  common.done("transfer", summary, latency, 1)
end
