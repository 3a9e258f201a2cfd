#!/usr/bin/env bash
# `corebank serve`: starts on loopback, bootstraps the sandbox tenant once (bootstrap.json,
# mode 0600, the key never in the log), serves probes, a valid Prometheus /metrics, the
# OpenAPI document, authenticates with the bootstrap key, and stops cleanly on SIGTERM.
# A restart keeps the same key working and does not bootstrap again.
source "$(dirname "$0")/lib.sh"

start_server() {
  LOG="$WORK/serve-$1.log"
  "$COREBANK" serve --data "$WORK/data" --listen 127.0.0.1:0 --access-log "$WORK/access.log" \
    "${@:2}" >"$LOG" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do
    grep -q 'ready\.' "$LOG" && break
    kill -0 "$PID" 2>/dev/null || fail "serve exited: $(cat "$LOG")"
    sleep 0.05
  done
  url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
  [[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "no URL printed: $(cat "$LOG")"
}

start_server 1
BOOT="$WORK/data/bootstrap.json"
[[ -f "$BOOT" ]] || fail "no bootstrap.json: $(cat "$LOG")"
expect_eq "$(stat -c %a "$BOOT")" "600" "bootstrap.json mode"
# Secrets at rest: the data dir, the journal and its segments are the owner's alone.
expect_eq "$(stat -c %a "$WORK/data")" "700" "data dir mode"
expect_eq "$(stat -c %a "$WORK/data/journal")" "700" "journal dir mode"
for f in "$WORK"/data/journal/seg-*.cbj; do expect_eq "$(stat -c %a "$f")" "600" "$f mode"; done
KEY=$(sed -n 's/.*"api_key": "\([^"]*\)".*/\1/p' "$BOOT")
TENANT=$(sed -n 's/.*"tenant_id": "\([^"]*\)".*/\1/p' "$BOOT")
[[ "$KEY" =~ ^sk_[0-9A-Z]{26}_[0-9a-f]{64}$ ]] || fail "api_key shape: $KEY"
[[ "$TENANT" =~ ^ten_[0-9A-Z]{26}$ ]] || fail "tenant_id shape: $TENANT"
grep -q "$BOOT" "$LOG" || fail "log does not name the bootstrap file"
grep -q "${KEY:20}" "$LOG" && fail "the API key appears in the log"

expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/healthz")" "200" "GET /healthz"
expect_eq "$(curl -s "$url/readyz")" '{"status":"ready"}' "GET /readyz body"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/nope")" "404" "unknown route"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/customers")" "401" "no key"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  "$url/v1/customers")" "200" "bootstrap key"
curl -s "$url/v1/openapi.yaml" >"$WORK/openapi.yaml"
grep -q "^openapi: 3\.1" "$WORK/openapi.yaml" || fail "openapi.yaml not served"

# Prometheus exposition must pass promtool's checks (scripts/setup.sh installs prometheus, so
# a missing promtool is a set-up failure, not a reason to skip).
curl -s "$url/metrics" >"$WORK/metrics.txt"
grep -q 'corebank_http_requests_total{' "$WORK/metrics.txt" || fail "no request counter"
grep -q 'corebank_journal_fsync_duration_seconds_bucket' "$WORK/metrics.txt" || fail "no fsync histogram"
command -v promtool >/dev/null || fail "promtool not installed: run scripts/setup.sh"
promtool check metrics <"$WORK/metrics.txt" >"$WORK/promtool.out" 2>&1 ||
  fail "promtool: $(cat "$WORK/promtool.out")"

kill -TERM "$PID"
wait "$PID" || fail "serve exit code $? on SIGTERM"
grep -q "${KEY:20}" "$WORK/access.log" && fail "the API key appears in the access log"
grep -q '"route":"/v1/customers"' "$WORK/access.log" || fail "access log has no request line"

# Restart: same key works, no second bootstrap.
start_server 2
grep -q 'created the sandbox tenant' "$LOG" && fail "bootstrapped twice"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  "$url/v1/customers")" "200" "bootstrap key after restart"
kill -TERM "$PID"
wait "$PID" || fail "serve exit code $? on SIGTERM"

# Offline key creation (server stopped): prints a working operator key once.
OP_KEY=$("$COREBANK" admin create-key --data "$WORK/data" --tenant "$TENANT" --role operator)
[[ "$OP_KEY" =~ ^sk_[0-9A-Z]{26}_[0-9a-f]{64}$ ]] || fail "create-key output: $OP_KEY"
"$COREBANK" admin create-key --data "$WORK/data" --tenant ten_nope --role admin 2>/dev/null &&
  fail "create-key accepted a bad tenant id"

# Offline cursor deletion: the counter module's subscriber recorded its cursor at start.
DEL=$("$COREBANK" admin delete-cursor --data "$WORK/data" --name counter.accounts_opened)
[[ "$DEL" =~ ^admin\ delete-cursor:\ counter\.accounts_opened\ deleted\ \(it\ was\ at\ seq\ [0-9]+\)$ ]] ||
  fail "delete-cursor output: $DEL"
"$COREBANK" admin delete-cursor --data "$WORK/data" --name counter.accounts_opened 2>/dev/null &&
  fail "delete-cursor deleted a cursor twice"
"$COREBANK" replay --data "$WORK/data" >/dev/null || fail "replay after delete-cursor"

# Configuration: TOML file < environment < flags; rate limits answer 429 with Retry-After;
# CORS allows the configured origin only.
cat >"$WORK/corebank.toml" <<TOML
listen = "127.0.0.1:1"
data_dir = "$WORK/data"
rate_per_key_per_s = 1
rate_per_key_burst = 2
cors_origins = ["https://app.example"]
TOML
COREBANK_ACCESS_LOG=off start_server 4 --config "$WORK/corebank.toml"
expect_eq "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP_KEY" \
  "$url/v1/customers")" "200" "operator key from create-key"
code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $OP_KEY" "$url/v1/customers")
code=$(curl -s -D "$WORK/h429" -o "$WORK/b429" -w '%{http_code}' -H "Authorization: Bearer $OP_KEY" \
  "$url/v1/customers")
expect_eq "$code" "429" "third request within the burst of 2"
grep -qi '^Retry-After: [1-9]' "$WORK/h429" || fail "429 without Retry-After: $(cat "$WORK/h429")"
grep -q '"code":"rate_limited"' "$WORK/b429" || fail "429 body: $(cat "$WORK/b429")"
curl -s -D "$WORK/hcors" -o /dev/null -H "Origin: https://app.example" "$url/healthz"
grep -qi '^Access-Control-Allow-Origin: https://app.example' "$WORK/hcors" || fail "no CORS header"
curl -s -D "$WORK/hcors2" -o /dev/null -H "Origin: https://evil.example" "$url/healthz"
grep -qi '^Access-Control-Allow-Origin' "$WORK/hcors2" && fail "CORS allowed an unknown origin"
kill -TERM "$PID"
wait "$PID" || fail "serve exit code $? on SIGTERM"
printf 'lisen = "127.0.0.1:0"\n' >"$WORK/typo.toml"
"$COREBANK" serve --config "$WORK/typo.toml" --data "$WORK/data" >"$WORK/typo.log" 2>&1 &&
  fail "a config typo was accepted"
grep -q "unknown option 'lisen'" "$WORK/typo.log" || fail "typo error: $(cat "$WORK/typo.log")"

# TLS 1.3 when a certificate is configured; older protocol versions are refused.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
  -subj /CN=localhost -keyout "$WORK/tls.key" -out "$WORK/tls.crt" >/dev/null 2>&1 ||
  fail "openssl could not make a test certificate"
LOG="$WORK/serve-tls.log"
"$COREBANK" serve --data "$WORK/data" --listen 127.0.0.1:0 --access-log off \
  --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" >"$LOG" 2>&1 &
PID=$!
PIDS+=("$PID")
for _ in $(seq 1 200); do grep -q 'ready\.' "$LOG" && break; sleep 0.05; done
turl=$(sed -n 's/.*listening on \(https:[^ ]*\).*/\1/p' "$LOG" | head -1)
[[ "$turl" =~ ^https://127\.0\.0\.1:[0-9]+$ ]] || fail "no https URL: $(cat "$LOG")"
expect_eq "$(curl -sk --tlsv1.3 -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $KEY" \
  "$turl/v1/customers")" "200" "API over TLS 1.3"
curl -sk --tls-max 1.2 -o /dev/null "$turl/healthz" && fail "TLS 1.2 was accepted"
kill -TERM "$PID"
wait "$PID" || fail "TLS serve exit code $? on SIGTERM"

# Production mode: nothing is created.
rm -rf "$WORK/data"
start_server 3 --no-bootstrap
[[ -f "$WORK/data/bootstrap.json" ]] && fail "--no-bootstrap wrote bootstrap.json"
kill -TERM "$PID"
wait "$PID" || true
echo "PASS serve_test"
