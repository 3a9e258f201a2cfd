#!/usr/bin/env bash
# Runs one Node test suite (tests/SUITE/*.test.mjs, node's built-in runner) against a real
# `corebank serve` on the pinned Node.js of scripts/node-runtime (ADR 0009). Installs the
# suite's pinned npm packages (its package-lock.json) on first use, as scripts/setup.sh does.
#   COREBANK=build/corebank bash tests/node_suite.sh api|oauth
set -euo pipefail
SUITE=${1:?usage: node_suite.sh SUITE (a folder of tests/)}
COREBANK=${COREBANK:?COREBANK must point at the corebank binary}
export COREBANK
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NODE=${NODE:-$ROOT/scripts/node-runtime/bin/node}
[[ -x "$NODE" ]] || { echo "FAIL: no pinned Node.js at $NODE: run scripts/setup.sh" >&2; exit 1; }
cd "$ROOT/tests/$SUITE"
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
echo "node_suite: $SUITE on node $("$NODE" --version)"
exec "$NODE" --test ./*.test.mjs
