#!/usr/bin/env bash
# `corebank serve` starts on loopback, answers /healthz and /readyz after recovery, and
# stops cleanly on SIGTERM.
source "$(dirname "$0")/lib.sh"

LOG="$WORK/serve.log"
"$COREBANK" serve --data "$WORK/data" --listen 127.0.0.1:0 >"$LOG" 2>&1 &
PID=$!
PIDS+=("$PID")
for _ in $(seq 1 200); do
  grep -q 'ready\.' "$LOG" && break
  kill -0 "$PID" 2>/dev/null || fail "serve exited: $(cat "$LOG")"
  sleep 0.05
done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
[[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "no URL printed: $(cat "$LOG")"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" "200" "GET /healthz"
expect_eq "$(curl -s "$url/readyz")" '{"status":"ready"}' "GET /readyz body"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" "404" "unknown route"
kill -TERM "$PID"
wait "$PID" || fail "serve exit code $? on SIGTERM"
echo "PASS serve_test"
