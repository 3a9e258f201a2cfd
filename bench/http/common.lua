-- Shared by the bench scenarios: account ids and the API key written by setup.mjs, and the
-- contract's last line.
local M = {}

function M.load(path)
  local ids = {}
  for line in io.lines(path) do
    if #line > 0 then ids[#ids + 1] = line end
  end
  local f = io.open(path .. ".key")
  local key = f:read("*l")
  f:close()
  return ids, key
end

-- The fixed start of every request ("METHOD PATH" is added per request): wrk.format builds a
-- headers table and runs string.format per header on every call, which on this 2-vCPU machine
-- is CPU taken from the server under test. These scripts concatenate instead.
function M.head_lines(key, extra)
  local host = wrk.host .. ":" .. tostring(wrk.port)
  return " HTTP/1.1\r\nHost: " .. host .. "\r\nAuthorization: Bearer " .. key .. "\r\n" ..
         (extra or "")
end

-- Every thread gets a distinct prefix so idempotency keys never collide across threads.
local thread_counter = 0
function M.setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_id", thread_counter)
end

function M.done(scenario, summary, latency, items_per_request)
  if os.getenv("BENCH_AUTH") == "jwt" then scenario = scenario .. "_jwt" end
  local seconds = summary.duration / 1e6
  local rps = summary.requests / seconds
  local non2xx = summary.errors.status
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write +
                 summary.errors.timeout
  local line = string.format("http bench: scenario=%s rps=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d",
                             scenario, rps, latency:percentile(50) / 1000,
                             latency:percentile(99) / 1000, non2xx)
  if items_per_request > 1 then
    io.write(string.format("http bench: transfers_per_s=%.0f (%d per request)\n",
                           rps * items_per_request, items_per_request))
  end
  if errors > 0 then
    io.write(string.format("http bench: socket errors=%d\n", errors))
  end
  io.write(line .. "\n")
end

return M
