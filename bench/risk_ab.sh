#!/usr/bin/env bash
# Issue 14's A/B: `bench/http.sh transfer` with the default risk bundle active against the
# same with risk decisions off (COREBANK_RISK_DECISIONS=0), interleaved ROUNDS times (3)
# so both see the same machine. Prints each run and then
#   risk ab: on_rps=X off_rps=Y ratio=Z   (medians; the target is ratio >= 0.90)
# Env: as bench/http.sh (DURATION, CONNECTIONS, ACCOUNTS, ...), ROUNDS.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROUNDS=${ROUNDS:-3}
on=() off=()
rps_of() { sed -n 's/.*rps=\([0-9.]*\).*/\1/p' <<<"$1" | tail -1; }
for _ in $(seq 1 "$ROUNDS"); do
  line=$("$HERE/http.sh" transfer | grep '^http bench:')
  echo "risk on:  $line"
  on+=("$(rps_of "$line")")
  line=$(COREBANK_RISK_DECISIONS=0 "$HERE/http.sh" transfer | grep '^http bench:')
  echo "risk off: $line"
  off+=("$(rps_of "$line")")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
m_on=$(median "${on[@]}")
m_off=$(median "${off[@]}")
echo "risk ab: on_rps=$m_on off_rps=$m_off ratio=$(awk -v a="$m_on" -v b="$m_off" 'BEGIN {printf "%.3f", a / b}')"
