-- Internal payments by alias (POST /v1/payments): a random payer account pays another
-- account's phone alias (setup.mjs gives the k-th account +4470000 and k in 6 digits), with a
-- payee name to check, a unique Idempotency-Key per request. Risk decisions are on.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, key, head
local n = 0

setup = common.setup

function init(args)
  ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 7919)
  head = "POST /v1/payments" ..
         common.head_lines(key, "Content-Type: application/json\r\nIdempotency-Key: bench-" ..
                                thread_id .. "-")
end

function request()
  n = n + 1
  local a = math.random(#ids)
  local b = math.random(#ids - 1)
  if b >= a then b = b + 1 end
  local body = '{"from_account":"' .. ids[a] .. '","to":{"alias":"+4470000' ..
               string.format("%06d", b - 1) .. '","name":"Bench Ltd"},"amount":"0.01",' ..
               '"currency":"EUR","reference":"bench"}'
  return head .. n .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  common.done("payment", summary, latency, 1)
end
