-- GET the balances of random accounts.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local ids, key, head

setup = common.setup

function init(args)
  ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 104729)
  head = common.head_lines(key) .. "\r\n"
end

function request()
  return "GET /v1/accounts/" .. ids[math.random(#ids)] .. "/balances" .. head
end

function done(summary, latency, requests)
  common.done("balance", summary, latency, 1)
end
