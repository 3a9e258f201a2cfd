-- GET the balances of random accounts.
package.path = os.getenv("BENCH_DIR") .. "/?.lua;" .. package.path
local common = require("common")
local requests = {}

setup = common.setup

-- One request per account, built once: the per-request work left to wrk is a random pick.
function init(args)
  local ids, key = common.load(os.getenv("BENCH_ACCOUNTS"))
  math.randomseed(thread_id * 104729)
  local head = common.head_lines(key) .. "\r\n"
  for i = 1, #ids do
    requests[i] = "GET /v1/accounts/" .. ids[i] .. "/balances" .. head
  end
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  common.done("balance", summary, latency, 1)
end
