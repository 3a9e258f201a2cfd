#!/usr/bin/env bash
# OAuth 2.0 / OIDC real-client tests: tests/oauth/*.test.mjs drive a real `corebank serve`
# with openid-client (discovery, client credentials, PAR + code + PKCE, refresh,
# introspection, revocation, userinfo, private_key_jwt, registration) and verify every token
# with jose against /oauth2/jwks; attack tests check that forgeries and replays are refused.
# Installs the pinned node dependencies (package-lock.json) on first use.
set -euo pipefail
COREBANK=${COREBANK:?COREBANK must point at the corebank binary}
export COREBANK
DIR="$(cd "$(dirname "$0")/oauth" && pwd)"
command -v node >/dev/null || { echo "FAIL: node (>= 20) is needed for the OAuth tests" >&2; exit 1; }
cd "$DIR"
# npm ci when node_modules is missing or older than the lock file.
if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
exec node --test ./*.test.mjs
