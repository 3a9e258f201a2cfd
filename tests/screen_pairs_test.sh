#!/usr/bin/env bash
# `corebank screen pairs` end to end (the contract scripts rely on): one score in [0,1] per
# input line, in order; the same name scores 1, unrelated names score low, transliterations
# high; a line without a tab is an error naming the line, exit 2. Then `bench screening`'s
# last line on a small run.
source "$(dirname "$0")/lib.sh"

printf '%s\t%s\n' \
  "Vladimir Putin" "PUTIN, Vladimir" \
  "John Smith" "Maria Garcia" \
  "Владимир Путин" "Vladimir Putin" \
  "ROSNEFT OOO" "Rosneft LLC" \
  "J. Smith" "John Smith" \
  "" "" >"$WORK/pairs.tsv"
out=$("$COREBANK" screen pairs <"$WORK/pairs.tsv")
expect_eq "$(wc -l <<<"$out" | tr -d ' ')" "6" "output line count"
while read -r s; do
  [[ "$s" =~ ^(0|1)\.[0-9]+$ ]] || fail "not a score: '$s'"
  awk -v s="$s" 'BEGIN { exit !(s >= 0 && s <= 1) }' || fail "score out of [0,1]: $s"
done <<<"$out"
score() { sed -n "${1}p" <<<"$out"; }
expect_eq "$(score 1)" "1.0000" "reordered same name"
awk -v s="$(score 2)" 'BEGIN { exit !(s < 0.3) }' || fail "unrelated names scored $(score 2)"
awk -v s="$(score 3)" 'BEGIN { exit !(s > 0.9) }' || fail "Cyrillic Putin scored $(score 3)"
expect_eq "$(score 4)" "1.0000" "legal forms ignored"
awk -v s="$(score 5)" 'BEGIN { exit !(s > 0.7 && s < 1) }' || fail "initial scored $(score 5)"
expect_eq "$(score 6)" "0.0000" "empty names"

# CRLF input is accepted.
crlf=$(printf 'a b\ta b\r\n' | "$COREBANK" screen pairs)
expect_eq "$crlf" "1.0000" "CRLF line"

# A line without a tab: exit 2, the line number on stderr, earlier scores already written.
set +e
bad=$(printf 'a\tb\nno tab here\nc\td\n' | "$COREBANK" screen pairs 2>"$WORK/err")
rc=$?
set -e
expect_eq "$rc" "2" "exit status for a line without a tab"
grep -q "line 2" "$WORK/err" || fail "stderr does not name line 2: $(cat "$WORK/err")"
expect_eq "$(wc -l <<<"$bad" | tr -d ' ')" "1" "scores written before the bad line"

# The bench's contract line (a small run).
b=$("$COREBANK" bench screening --names 300)
[[ "$(tail -1 <<<"$b")" =~ ^screening\ bench:\ names=300\ entries=[0-9]+\ p50_us=[0-9]+\ p99_us=[0-9]+$ ]] \
  || fail "bench line: $b"
echo "screen_pairs_test: ok"
