#!/usr/bin/env bash
# HTTP benchmarks: bench/http.sh transfer|balance|batch|token|payment
#   payment: internal payments by alias (POST /v1/payments, payments module), risk on.
#   token: OAuth client-credentials token issuance (POST /oauth2/token, Basic auth).
#   AUTH=jwt: transfer/balance/batch authenticate with an OAuth access token, not the API key
#   (the scenario prints as transfer_jwt, ...).
# Starts a fresh `corebank serve` (durable, fdatasync) on loopback, loads ACCOUNTS funded
# accounts, drives it with wrk for DURATION seconds at CONNECTIONS connections and prints
#   http bench: scenario=S rps=X p50_ms=A p99_ms=B non2xx=N
# Env: COREBANK (binary), DURATION (20), CONNECTIONS (64), THREADS (2), ACCOUNTS (10000),
#      ACCESS_LOG (file|off; default file, in the data dir, as production would run).
set -euo pipefail
SCENARIO=${1:?usage: bench/http.sh transfer|balance|batch|token|payment}
case "$SCENARIO" in transfer|balance|batch|token|payment) ;; *) echo "unknown scenario $SCENARIO" >&2; exit 2 ;; esac
AUTH=${AUTH:-key}
case "$AUTH" in key|jwt) ;; *) echo "AUTH is key or jwt" >&2; exit 2 ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
COREBANK=${COREBANK:-$HERE/../build/corebank}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ACCOUNTS=${ACCOUNTS:-10000}
ACCESS_LOG=${ACCESS_LOG:-file}
command -v wrk >/dev/null || { echo "wrk not installed (scripts/setup.sh installs it)" >&2; exit 1; }
NODE=${NODE:-$HERE/../scripts/node-runtime/bin/node}  # pinned, ADR 0009
[[ -x "$NODE" ]] || { echo "no pinned Node.js at $NODE (scripts/setup.sh installs it)" >&2; exit 1; }

# A previous run's journal (gigabytes after `batch`) may still be written back: its I/O would
# land in this run's fdatasync latencies.
sync
WORK=$(mktemp -d /tmp/cb-http-bench.XXXXXX)
SERVER_PID=""
cleanup() {
  [[ -n "$SERVER_PID" ]] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

LOG_OPT=off
[[ "$ACCESS_LOG" == file ]] && LOG_OPT="$WORK/access.log"
# One client address drives everything here: the per-address limits that protect a real
# deployment's sign-in endpoints (on by default) would measure themselves, not the server.
COREBANK_RATE_UNAUTH_PER_IP_PER_S=0 COREBANK_RATE_SIGN_IN_PER_IP_PER_S=0 \
"$COREBANK" serve --data "$WORK/data" --listen 127.0.0.1:0 --access-log "$LOG_OPT" \
  --snapshot-interval-s 0 ${SERVE_ARGS:-} >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 400); do
  grep -q 'ready\.' "$WORK/serve.log" && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/serve.log" >&2; exit 1; }
  sleep 0.05
done
URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/serve.log" | head -1)
[[ -n "$URL" ]] || { echo "server did not start" >&2; cat "$WORK/serve.log" >&2; exit 1; }

AUTH="$AUTH" "$NODE" "$HERE/http/setup.mjs" "$URL" "$WORK/data" "$ACCOUNTS" "$WORK/accounts.txt"

export BENCH_DIR="$HERE/http" BENCH_ACCOUNTS="$WORK/accounts.txt" BENCH_AUTH="$AUTH"
# CPU seconds the server and wrk spent, per request: steadier than rps on a noisy VM, and the
# number the io path is tuned by.
server_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
TIMER=()
[[ -x /usr/bin/time ]] && TIMER=(/usr/bin/time -f '%U %S' -o "$WORK/wrk.time")
TICKS0=$(server_ticks)
"${TIMER[@]}" wrk -t "$THREADS" -c "$CONNECTIONS" -d "${DURATION}s" --latency --timeout 10s \
  -s "$HERE/http/$SCENARIO.lua" "$URL" >"$WORK/wrk.out" 2>&1 || { cat "$WORK/wrk.out" >&2; exit 1; }
TICKS1=$(server_ticks)
grep -vE '^http bench: scenario' "$WORK/wrk.out" | grep -E 'Latency|Requests/sec|Non-2xx|http bench' || true
REQUESTS=$(awk '/requests in/ {print $1}' "$WORK/wrk.out")
if [[ -n "$REQUESTS" && "$REQUESTS" -gt 0 ]]; then
  TICK_US=$((1000000 / $(getconf CLK_TCK)))
  WRK_US="n/a"
  [[ -s "$WORK/wrk.time" ]] && WRK_US=$(awk -v n="$REQUESTS" 'END {printf "%.1f", ($1 + $2) * 1e6 / n}' "$WORK/wrk.time")
  awk -v t=$((TICKS1 - TICKS0)) -v us="$TICK_US" -v n="$REQUESTS" -v w="$WRK_US" \
    'BEGIN {printf "http bench: cpu_us_per_request server=%.1f wrk=%s\n", t * us / n, w}'
fi
# How the shard batched the load: commands per writer batch, and journal group commits.
if command -v curl >/dev/null; then
  curl -s "$URL/metrics" | awk '
    /^corebank_executor_batch_commands_sum / {cmds = $2}
    /^corebank_executor_batch_commands_count / {batches = $2}
    /^corebank_journal_fsync_duration_seconds_sum / {fsync_s = $2}
    /^corebank_journal_fsync_duration_seconds_count / {fsyncs = $2}
    END {if (batches > 0 && fsyncs > 0)
      printf "http bench: writer_batches=%d commands_per_batch=%.1f fsyncs=%d fsync_mean_ms=%.3f\n",
             batches, cmds / batches, fsyncs, fsync_s * 1000 / fsyncs}'
fi
grep -E '^http bench: scenario' "$WORK/wrk.out" | tail -1
