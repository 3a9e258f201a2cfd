#!/usr/bin/env bash
# `corebank scheme` under load (docs/payments/scheme.md; target: 1,000 credit transfers/s with
# --delay-ms 0, answers published within a few ms). Starts a fresh scheme on loopback, posts
# distinct pacs.008s (testdata/scheme/pacs008.xml with a new MsgId each) with wrk for DURATION
# seconds while a probe posts one at a time and long-polls the feed for its pacs.002, then
# checks every accepted transfer was answered. Prints
#   scheme bench: rps=X p50_ms=A p99_ms=B non2xx=N answered=M probe_answer_p50_ms=C p99_ms=D
# Env: COREBANK (binary), DURATION (10), CONNECTIONS (32), THREADS (2), PROBES (200).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
COREBANK=${COREBANK:-$HERE/../build/corebank}
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
PROBES=${PROBES:-200}
FIXTURE=$HERE/../testdata/scheme/pacs008.xml
command -v wrk >/dev/null || { echo "wrk not installed (scripts/setup.sh installs it)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not installed" >&2; exit 1; }
WORK=$(mktemp -d /tmp/scheme-bench.XXXXXX)
PID=
cleanup() {
  [[ -n "$PID" ]] && kill -9 "$PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
sync  # an earlier run's writeback must not land in this run's fdatasyncs

"$COREBANK" scheme --listen 127.0.0.1:0 --data "$WORK/data" --delay-ms 0 >"$WORK/log" 2>&1 &
PID=$!
for _ in $(seq 1 200); do grep -q 'listening on' "$WORK/log" && break; sleep 0.05; done
url=$(sed -n 's/^scheme: listening on \(http:[^ ]*\) .*/\1/p' "$WORK/log")
[[ -n "$url" ]] || { cat "$WORK/log" >&2; exit 1; }

# One Lua state per wrk thread: `tid` keeps their MsgIds apart.
cat >"$WORK/post.lua" <<'LUA'
local template = io.open(os.getenv("FIXTURE")):read("*a")
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local n = 0
request = function()
  n = n + 1
  local body = template:gsub("<MsgId>MSG%-0001</MsgId>", "<MsgId>W" .. tid .. "-" .. n .. "</MsgId>")
  return wrk.format("POST", "/v1/messages", {["Content-Type"] = "application/xml"}, body)
end
LUA
cat >"$WORK/probe.py" <<'PY'
import http.client, json, sys, time
host, port = sys.argv[1].split("//")[1].split(":")
probes, deadline = int(sys.argv[2]), time.monotonic() + float(sys.argv[3])
template = open(sys.argv[4]).read()
post, feed = http.client.HTTPConnection(host, int(port)), http.client.HTTPConnection(host, int(port))
took = []
for i in range(probes):
    if time.monotonic() > deadline: break
    msg_id = "PROBE-%d" % i
    feed.request("GET", "/v1/messages?after=0&limit=1")
    last = json.loads(feed.getresponse().read())["last_seq"]
    start = time.monotonic()
    post.request("POST", "/v1/messages", template.replace("<MsgId>MSG-0001</MsgId>",
                 "<MsgId>%s</MsgId>" % msg_id), {"Content-Type": "application/xml"})
    post.getresponse().read()
    want, seen = "<OrgnlMsgId>%s</OrgnlMsgId>" % msg_id, False
    while not seen:
        feed.request("GET", "/v1/messages?after=%d&limit=1000&wait_ms=5000" % last)
        page = json.loads(feed.getresponse().read())
        seen = any(want in m["xml"] for m in page["data"])
        last = page["last_seq"]
    took.append((time.monotonic() - start) * 1000)
    time.sleep(0.02)
took.sort()
print("%.1f %.1f %d" % (took[len(took) // 2], took[int(len(took) * 0.99)], len(took)))
PY
python3 "$WORK/probe.py" "$url" "$PROBES" "$((DURATION - 1))" "$FIXTURE" >"$WORK/probe.out" &
probe=$!
FIXTURE=$FIXTURE wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$WORK/post.lua" \
  "$url/" >"$WORK/wrk.out"
wait "$probe"
rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$WORK/wrk.out")
# wrk prints "2.10ms", "850.00us" or "1.02s": in ms.
ms() {
  awk -v p="$1" '$1 == p {
    v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
    printf "%.2f", (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v)) }' "$WORK/wrk.out"
}
p50=$(ms 50%)
p99=$(ms 99%)
non2xx=$(awk '/Non-2xx/ {print $5}' "$WORK/wrk.out")
requests=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
# Every accepted transfer gets its pacs.002 (delay 0): wait until the feed holds them all
# (a few more than counted: wrk does not count the requests in flight when it stops).
want=$((requests - ${non2xx:-0} + $(awk '{print $3}' "$WORK/probe.out")))
for _ in $(seq 1 100); do
  answered=$(curl -s "$url/v1/messages?after=0&limit=1" | sed -n 's/.*"last_seq":\([0-9]*\).*/\1/p')
  ((answered >= want)) && break
  sleep 0.1
done
read -r probe_p50 probe_p99 _ <"$WORK/probe.out"
echo "scheme bench: rps=$rps p50_ms=$p50 p99_ms=$p99 non2xx=${non2xx:-0} answered=$answered/$want" \
  "probe_answer_p50_ms=$probe_p50 p99_ms=$probe_p99"
((answered >= want)) || { echo "scheme bench: not every transfer was answered" >&2; exit 1; }
kill -TERM "$PID"
wait "$PID" || { echo "scheme bench: the scheme exited $? on SIGTERM" >&2; exit 1; }
PID=
