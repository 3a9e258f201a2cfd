-- Single durable transfers between random accounts, a unique Idempotency-Key per request.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, key, head
local n = 0

setup = common.setup

function init(args)
  ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 7919)
  head = "POST /v1/transfers" ..
         common.head_lines(key, "Content-Type: application/json\r\nIdempotency-Key: bench-" ..
                                thread_id .. "-")
end

function request()
  n = n + 1
  local a = math.random(#ids)
  local b = math.random(#ids - 1)
  if b >= a then b = b + 1 end
  local body = '{"from_account":"' .. ids[a] .. '","to_account":"' .. ids[b] ..
               '","amount":"0.01","currency":"EUR"}'
  return head .. n .. "\r\nContent-Length: " .. #body .. "\r\n\r\n" .. body
end

function done(summary, latency, requests)
  common.done("transfer", summary, latency, 1)
end
