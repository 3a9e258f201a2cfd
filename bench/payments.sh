#!/usr/bin/env bash
# Payments benchmarks beyond bench/http.sh payment (issue 15):
#   rail:  external payments to the scheme process (zero delay) at RATE payments/s for
#          DURATION s; p50/p99 from POST to the payment's `payment.settled` event.
#   batch: one bulk payout of ITEMS internal rows; seconds from POST to every row settled.
# Starts a fresh durable `corebank serve` and `corebank scheme` on loopback. Last lines:
#   payments bench: scenario=rail rate=R sent=N settled=N p50_ms=A p99_ms=B
#   payments bench: scenario=batch items=N seconds=S
# Env: COREBANK, RATE (1000), DURATION (30), ITEMS (10000; 0 skips the batch), LOGS (a
# directory to keep the server's and the scheme's logs in).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
COREBANK=${COREBANK:-$HERE/../build/corebank}
NODE=${NODE:-$HERE/../scripts/node-runtime/bin/node}
[[ -x "$NODE" ]] || { echo "no pinned Node.js at $NODE (scripts/setup.sh installs it)" >&2; exit 1; }
sync
WORK=$(mktemp -d /tmp/cb-payments-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
  if [[ -n "${LOGS:-}" ]]; then mkdir -p "$LOGS" && cp "$WORK"/*.log "$LOGS"/; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
"$COREBANK" scheme --listen 127.0.0.1:0 --data "$WORK/scheme" >"$WORK/scheme.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 200); do grep -q 'listening on' "$WORK/scheme.log" && break; sleep 0.05; done
SCHEME=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/scheme.log" | head -1)
COREBANK_RATE_UNAUTH_PER_IP_PER_S=0 COREBANK_RATE_SIGN_IN_PER_IP_PER_S=0 \
"$COREBANK" serve --data "$WORK/data" --listen 127.0.0.1:0 --access-log off \
  --snapshot-interval-s 0 --scheme-url "$SCHEME" >"$WORK/serve.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 400); do grep -q 'ready\.' "$WORK/serve.log" && break; sleep 0.05; done
URL=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$WORK/serve.log" | head -1)
[[ -n "$URL" && -n "$SCHEME" ]] || { cat "$WORK/serve.log" "$WORK/scheme.log" >&2; exit 1; }
RATE=${RATE:-1000} DURATION=${DURATION:-30} ITEMS=${ITEMS:-10000} \
  "$NODE" "$HERE/payments.mjs" "$URL" "$WORK/data"
