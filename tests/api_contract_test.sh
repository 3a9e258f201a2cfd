#!/usr/bin/env bash
# REST API contract: tests/api/*.test.mjs drive a real `corebank serve` (node's built-in test
# runner) and validate every answer against api/openapi.yaml. Installs the pinned node
# dependencies (package-lock.json) on first use.
set -euo pipefail
COREBANK=${COREBANK:?COREBANK must point at the corebank binary}
export COREBANK
DIR="$(cd "$(dirname "$0")/api" && pwd)"
command -v node >/dev/null || { echo "FAIL: node (>= 20) is needed for the API contract tests" >&2; exit 1; }
cd "$DIR"
# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test ./*.test.mjs
