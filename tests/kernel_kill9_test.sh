#!/usr/bin/env bash
# kill -9 a real process running durable timers and an after-commit subscriber, again and
# again at random moments; after every crash the recovered state must hold: no timer fired
# twice, the subscriber's results are exactly the firings' seqs in journal order (a prefix
# of them), and after a final run to the end, every timer fired once and was noted once.
# Rounds alternate SubscriberOptions::overlap_commit.
source "$(dirname "$0")/lib.sh"
HELPER=${KERNEL_HELPER:?KERNEL_HELPER must point at kernel_crash_helper}

DATA="$WORK/data"
N=400
SPREAD_MS=4000
mid_run_kills=0
for round in 1 2 3 4 5 6 7 8; do
  LOG="$WORK/run$round.log"
  # Odd rounds commit the subscriber's results overlapped with its next Handle.
  CB_SUBSCRIBER_OVERLAP_COMMIT=$((round % 2)) "$HELPER" run "$DATA" "$N" "$SPREAD_MS" >"$LOG" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  sleep "0.$((RANDOM % 6 + 2))"
  kill -9 "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  last=$(grep '^progress' "$LOG" | tail -1 || true)
  fired=$(field "$last" fired)
  if [[ -n "$fired" && "$fired" -gt 0 && "$fired" -lt "$N" ]] && ! grep -q '^done' "$LOG"; then
    mid_run_kills=$((mid_run_kills + 1))
  fi
  check=$("$HELPER" check "$DATA" "$N") || fail "after kill $round: $check"
  echo "kill $round ($last): $check"
done
# The kills must have landed while timers were firing, or this test proves nothing.
[[ "$mid_run_kills" -ge 2 ]] || fail "only $mid_run_kills kills landed mid-run; adjust the timing"

CB_SUBSCRIBER_OVERLAP_COMMIT=1 timeout 120 "$HELPER" run "$DATA" "$N" "$SPREAD_MS" >"$WORK/final.log" 2>&1 ||
  fail "final run did not finish: $(tail -3 "$WORK/final.log")"
grep -q '^done' "$WORK/final.log" || fail "final run: $(tail -3 "$WORK/final.log")"
check=$("$HELPER" check "$DATA" "$N" --complete) || fail "final: $check"
expect_eq "$check" "check: ok fired=$N noted=$N pending=0" "final state"
echo "kernel kill -9: ok ($mid_run_kills kills mid-run)"
