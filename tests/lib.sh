# Shared helpers for the system tests (sourced). Each test gets a fresh temp dir, removed
# on exit; failures print what was expected and what happened.
set -euo pipefail
COREBANK=${COREBANK:?COREBANK must point at the corebank binary}
WORK=$(mktemp -d /tmp/corebank-test.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# expect_eq ACTUAL EXPECTED WHAT
expect_eq() {
  [[ "$1" == "$2" ]] || fail "$3: expected '$2', got '$1'"
}

# Value of key=VALUE in a line of `key=value` pairs.
field() {
  sed -n "s/.*[[:space:]]$2=\([^[:space:]]*\).*/\1/p" <<<" $1" | head -1
}
