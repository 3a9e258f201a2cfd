-- POST /v1/transfers/batch with 8190 transfers per request (random account pairs).
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, key
local bodies = {}
local n = 0
local kItems = 8190

setup = common.setup

function init(args)
  ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 15485863)
  for v = 1, 4 do
    local parts = {}
    for i = 1, kItems do
      local a = math.random(#ids)
      local b = math.random(#ids - 1)
      if b >= a then b = b + 1 end
      parts[i] = '{"from_account":"' .. ids[a] .. '","to_account":"' .. ids[b] ..
                 '","amount":"0.01","currency":"EUR"}'
    end
    bodies[v] = '{"transfers":[' .. table.concat(parts, ",") .. ']}'
  end
end

function request()
  n = n + 1
  return wrk.format("POST", "/v1/transfers/batch", {
    ["Authorization"] = "Bearer " .. key,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = "batch-" .. thread_id .. "-" .. n,
  }, bodies[(n % #bodies) + 1])
end

function done(summary, latency, requests)
  common.done("batch", summary, latency, kItems)
end
