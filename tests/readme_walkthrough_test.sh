#!/usr/bin/env bash
# The README's curl walkthrough, run as written (only the URL is swapped for a free port),
# so the documented quick start cannot drift from the server.
source "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is required (scripts/setup.sh installs it)"
README="$(cd "$(dirname "$0")/.." && pwd)/README.md"
cd "$WORK"
"$COREBANK" scheme --listen 127.0.0.1:0 --data ./var-scheme >scheme.log 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 200); do grep -q 'listening on' scheme.log && break; sleep 0.05; done
scheme_url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' scheme.log | head -1)
[[ -n "$scheme_url" ]] || fail "scheme did not start: $(cat scheme.log)"
"$COREBANK" serve --data ./var --listen 127.0.0.1:0 --access-log off --scheme-url "$scheme_url" \
  >serve.log 2>&1 &
PIDS+=("$!")
for _ in $(seq 1 200); do grep -q 'ready\.' serve.log && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' serve.log | head -1)
[[ -n "$url" ]] || fail "server did not start: $(cat serve.log)"
# The walkthrough, the external payment through the scheme, then the OAuth section's block
# in the same shell (they reuse B, H, A1 and A2).
{
  awk '/^### Walkthrough/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' "$README"
  awk '/^### Paying outside the bank/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' "$README"
  awk '/^### OAuth 2.0/{f=1} f&&/^```sh/{g=1;next} g&&/^```/{exit} g' "$README"
} | sed -e "s|^B=http://127.0.0.1:8080|B=$url|" -e "s|^S=http://127.0.0.1:8091|S=$scheme_url|" >walk.sh
grep -q "^S=$scheme_url" walk.sh || fail "the scheme block not found in README.md"
grep -q 'oauth2/token' walk.sh || fail "OAuth block not found in README.md"
grep -q "^B=$url" walk.sh || fail "walkthrough block not found in README.md"
bash -euo pipefail walk.sh >walk.out 2>&1 || fail "walkthrough failed: $(cat walk.out)"
grep -q '"amount":"12.34","currency":"EUR","status":"posted"' walk.out || fail "no transfer: $(cat walk.out)"
grep -q '"object":"balances".*"current":"12.34","available":"12.34"' walk.out ||
  fail "balance after the walkthrough: $(cat walk.out)"
grep -q '"type":"transfer.created"' walk.out || fail "no transfer event: $(cat walk.out)"
# The external payment settled through the scheme, with its two messages; the inbound credit.
grep -qx '\["settled","sepa_instant"\]' walk.out ||
  fail "external payment not settled: $(cat walk.out)"
grep -qx 'pacs.002.001.10' walk.out || fail "no pacs.002: $(cat walk.out)"
grep -qx '\["20.00","Erika Mustermann"\]' walk.out || fail "no received payment: $(cat walk.out)"
# With the OAuth access token: the same balance, and discovery names this server.
[[ $(grep -c '"object":"balances".*"current":"12.34"' walk.out) -ge 2 ]] ||
  fail "no balance read with the access token: $(cat walk.out)"
grep -qx "$url" walk.out || fail "discovery issuer is not $url: $(cat walk.out)"
echo "PASS readme_walkthrough_test"
