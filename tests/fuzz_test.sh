#!/usr/bin/env bash
# Fuzz run (ctest fuzz_short_test): builds the libFuzzer targets of fuzz/ with clang into
# build-fuzz/ (configured here if missing, so a clean clone works) and runs each on a copy of
# its committed corpus. Fails on any crash, leak, timeout, OOM or sanitizer report and prints
# the command that reproduces it. Defaults make the short run of `make test` (~15 s a target).
#   FUZZ_SECONDS     seconds per target (15); long runs: FUZZ_SECONDS=3600, see fuzz/README.md
#   FUZZ_TARGETS     which targets ("json_decode_fuzzer form_fuzzer journal_record_fuzzer http_request_fuzzer")
#   FUZZ_CORPUS_DIR  keep the grown corpora there (default: a temp dir, removed on exit)
#   FUZZ_JOBS        build parallelism (2)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$ROOT/build-fuzz
SECONDS_PER_TARGET=${FUZZ_SECONDS:-15}
read -r -a TARGETS <<<"${FUZZ_TARGETS:-json_decode_fuzzer form_fuzzer journal_record_fuzzer http_request_fuzzer}"
CXX=${FUZZ_CXX:-clang++-14}

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

command -v "$CXX" >/dev/null || fail "$CXX not found: run scripts/setup.sh (clang-14, libclang-rt-14-dev)"
if [[ ! -f "$BUILD/build.ninja" ]]; then
  launcher=()
  if command -v ccache >/dev/null; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
  cmake -S "$ROOT/fuzz" -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER="$CXX" "${launcher[@]}" >/dev/null
fi
cmake --build "$BUILD" -j"${FUZZ_JOBS:-2}" -- "${TARGETS[@]}"

TMP=$(mktemp -d /tmp/corebank-fuzz.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
CORPORA=${FUZZ_CORPUS_DIR:-$TMP/corpus}
# Reproducers outlive the run (build-fuzz is ignored by git).
ARTIFACTS=$BUILD/artifacts
mkdir -p "$ARTIFACTS"
SYMBOLIZER=$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
[[ -n "$SYMBOLIZER" ]] && export ASAN_SYMBOLIZER_PATH=$SYMBOLIZER

status=0
for target in "${TARGETS[@]}"; do
  corpus=$CORPORA/$target
  mkdir -p "$corpus"
  cp -n "$ROOT/fuzz/corpus/$target/"* "$corpus/"
  dict=()
  [[ -f "$ROOT/fuzz/$target.dict" ]] && dict=(-dict="$ROOT/fuzz/$target.dict")
  log=$TMP/$target.log
  prefix=$ARTIFACTS/$target-$(date +%Y%m%d-%H%M%S)-
  started=$(date +%s)
  if "$BUILD/$target" "${dict[@]}" -max_total_time="$SECONDS_PER_TARGET" -timeout=5 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$prefix" "$corpus" >"$log" 2>&1; then
    rc=0
  else
    rc=$?
  fi
  elapsed=$(($(date +%s) - started))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\) .*/\1/p' <<<"$done_line")
  echo "fuzz: $target seconds=$elapsed execs=${execs:-?} cov=${cov:-?} ft=${ft:-?}" \
    "corpus_files=$(find "$corpus" -type f | wc -l)"
  found=$(find "$ARTIFACTS" -maxdepth 1 -name "$(basename "$prefix")*" -type f | head -1)
  if [[ $rc -ne 0 || -n "$found" ]]; then
    tail -60 "$log" >&2
    echo "FAIL: $target exited $rc" >&2
    [[ -n "$found" ]] && echo "reproduce: $BUILD/$target $found" >&2
    status=1
  fi
done
exit $status
