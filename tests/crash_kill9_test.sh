#!/usr/bin/env bash
# kill -9 a real `corebank bench ledger` mid-run; then `audit verify` and `replay` must show
# an intact chain and every transfer the bench reported durable, with balanced books.
source "$(dirname "$0")/lib.sh"

DATA="$WORK/data"
LOG="$WORK/bench.log"
"$COREBANK" bench ledger --data "$DATA" --accounts 2000 --transfers 3000000 --batch 1000 \
  --progress --durable fdatasync >"$LOG" 2>&1 &
PID=$!
PIDS+=("$PID")

# Wait for a good number of durable batches, then kill without warning.
for _ in $(seq 1 600); do
  n=$(grep -c '^durable:' "$LOG" || true)
  [[ "$n" -ge 40 ]] && break
  kill -0 "$PID" 2>/dev/null || fail "bench exited early: $(tail -3 "$LOG")"
  sleep 0.05
done
kill -9 "$PID" 2>/dev/null || true
wait "$PID" 2>/dev/null || true
# The kill must have landed mid-run, or this test proves nothing.
if grep -q '^ledger bench:' "$LOG"; then fail "bench finished before the kill; raise --transfers"; fi

last=$(grep '^durable:' "$LOG" | tail -1)
[[ -n "$last" ]] || fail "bench reported no durable batch"
last_id=$(field "$last" last_id)
echo "bench reported durable up to transfer id $last_id"

verify=$("$COREBANK" audit verify --data "$DATA") || fail "audit verify failed after kill -9: $verify"
grep -q '^audit verify: ok batches=' <<<"$(tail -1 <<<"$verify")" || fail "audit verify last line: $verify"

replay1=$("$COREBANK" replay --data "$DATA") || fail "replay failed: $replay1"
summary=$(grep 'trial_balance=' <<<"$replay1")
expect_eq "$(field "$summary" trial_balance)" "balanced" "trial balance after crash"
records=$(field "$summary" records)
[[ "$records" -ge "$last_id" ]] || fail "replay has $records transfers, bench acknowledged $last_id"

# Every acknowledged transfer is present: ids 1..last_id, each one.
check=$("$COREBANK" lookup-transfer --data "$DATA" --id 1 --count "$last_id") \
  || fail "acknowledged transfers missing after kill -9: $check"
expect_eq "$check" "lookup-transfer: found=$last_id missing=0" "acknowledged transfers present"

# Replay is deterministic: the same journal gives the same state hash.
replay2=$("$COREBANK" replay --data "$DATA")
expect_eq "$(field "$(tail -1 <<<"$replay2")" state_hash)" \
  "$(field "$(tail -1 <<<"$replay1")" state_hash)" "state hash of two replays"
echo "PASS crash_kill9_test: $records transfers recovered, $last_id acknowledged"
