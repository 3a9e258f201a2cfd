#!/usr/bin/env bash
# Runs one of the ledger benchmarks of issue 3 three times on fresh data and prints each
# run's last line, then the median (by throughput) prefixed with "median:".
#   bench/ledger.sh durable|none|hot|replay|recovery
# Data goes to $BENCH_DIR (default /tmp/corebank-bench); it needs ~4 GB free.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
CB=${COREBANK:-$here/build/corebank}
DIR=${BENCH_DIR:-/tmp/corebank-bench}
scenario=${1:?usage: bench/ledger.sh durable|none|hot|replay|recovery}
RUNS=${RUNS:-3}
common=(--accounts 1000000 --transfers 10000000 --batch 8190)

run_once() {
  rm -rf "$DIR/run"
  case "$scenario" in
    durable) "$CB" bench ledger --data "$DIR/run" "${common[@]}" --durable fdatasync | tail -1 ;;
    none) "$CB" bench ledger --data "$DIR/run" "${common[@]}" --durable none | tail -1 ;;
    hot) "$CB" bench ledger --data "$DIR/run" "${common[@]}" --durable fdatasync --hot-percent 10 | tail -1 ;;
    replay | recovery)
      # One journal for all runs: the durable benchmark's.
      if [[ ! -d "$DIR/journal-src/journal" ]]; then
        rm -rf "$DIR/journal-src"
        "$CB" bench ledger --data "$DIR/journal-src" "${common[@]}" --durable fdatasync >/dev/null
        "$CB" snapshot --data "$DIR/journal-src" >/dev/null
      fi
      if [[ "$scenario" == replay ]]; then
        "$CB" replay --data "$DIR/journal-src" | tail -1
      else
        "$CB" bench recovery --data "$DIR/journal-src" | tail -1
      fi
      ;;
    *) echo "unknown scenario $scenario" >&2; exit 2 ;;
  esac
}

mkdir -p "$DIR"
lines=()
for i in $(seq 1 "$RUNS"); do
  line=$(run_once)
  echo "run $i: $line"
  lines+=("$line")
done
key=transfers_per_s
[[ "$scenario" == replay ]] && key=events_per_s
[[ "$scenario" == recovery ]] && key=seconds
median=$(for l in "${lines[@]}"; do
  v=$(sed -n "s/.* $key=\([0-9.]*\).*/\1/p" <<<" $l"); echo "$v|$l"
done | sort -t'|' -k1,1 -g | sed -n "$(( (RUNS + 1) / 2 ))p" | cut -d'|' -f2-)
echo "median: $median"
rm -rf "$DIR/run"
