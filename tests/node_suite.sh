#!/usr/bin/env bash
# Runs one Node test suite (tests/SUITE/*.test.mjs, node's built-in runner) against a real
# `corebank serve` on the pinned Node.js of scripts/node-runtime (ADR 0009). Installs the
# suite's pinned npm packages (its package-lock.json) on first use, as scripts/setup.sh does.
#   COREBANK=build/corebank bash tests/node_suite.sh api|oauth
set -euo pipefail
SUITE=${1:?usage: node_suite.sh SUITE (a folder of tests/)}
COREBANK=${COREBANK:?COREBANK must point at the corebank binary}
COREBANK=$(realpath "$COREBANK")  # the suite runs from its own folder
export COREBANK
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NODE=${NODE:-$ROOT/scripts/node-runtime/bin/node}
[[ -x "$NODE" ]] || { echo "FAIL: no pinned Node.js at $NODE: run scripts/setup.sh" >&2; exit 1; }
cd "$ROOT/tests/$SUITE"
# A suite with a lock file has packages of its own; one without (adversarial/) uses the
# harness of tests/api, whose packages are installed the same way.
for dir in "$ROOT/tests/$SUITE" "$ROOT/tests/api"; do
  [[ -f "$dir/package-lock.json" ]] || continue
  if [[ ! -f $dir/node_modules/.package-lock.json ||
        $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
echo "node_suite: $SUITE on node $("$NODE" --version)"
exec "$NODE" --test ./*.test.mjs
