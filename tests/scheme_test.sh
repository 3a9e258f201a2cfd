#!/usr/bin/env bash
# `corebank scheme` (docs/payments/scheme.md), a real process on real files: a pacs.008 is
# answered with an XSD-valid pacs.002 ACSC; a duplicate gets the original answer and no second
# pacs.002; the same MsgId with other bytes is 409; invalid XML and XSD failures are 400 and
# publish nothing; REJECT/NOANSWER/RETURN creditor names; inbound credits (copies: 2 is the
# same message twice); sandbox returns; camt.053/054 that validate and hold the right entries;
# the long poll wakes when a message arrives; input validation; and kill -9: the feed keeps
# its messages and sequence, a duplicate is still a duplicate, and a message received before
# the kill without its answer is answered after the restart.
source "$(dirname "$0")/lib.sh"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIXTURE="$ROOT/testdata/scheme/pacs008.xml"
XSD="$ROOT/testdata/iso20022/xsd"
OUR_IBAN=GB04CBNK00000100000001     # customer account number 1 (platform/account_iban.h)
THEIR_IBAN=DE89370400440532013000
for tool in curl jq xmllint; do
  command -v "$tool" >/dev/null || fail "$tool not installed: run scripts/setup.sh"
done
xmllint --noout --schema "$XSD/pacs.008.001.08.xsd" "$FIXTURE" 2>/dev/null ||
  fail "the fixture $FIXTURE does not validate"

start_scheme() {  # start_scheme NAME [flags...]
  LOG="$WORK/scheme-$1.log"
  "$COREBANK" scheme --listen 127.0.0.1:0 --data "$WORK/data" "${@:2}" >"$LOG" 2>&1 &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$LOG" && break
    kill -0 "$PID" 2>/dev/null || fail "scheme exited: $(cat "$LOG")"
    sleep 0.05
  done
  url=$(sed -n 's/^scheme: listening on \(http:[^ ]*\) (data .*)$/\1/p' "$LOG" | head -1)
  [[ "$url" =~ ^http://127\.0\.0\.1:[0-9]+$ ]] || fail "no URL printed: $(cat "$LOG")"
}

# msg MSGID E2E CREDITOR_NAME [AMOUNT]: a pacs.008 file from the fixture; prints its path.
msg() {
  local f="$WORK/msg-$1.xml"
  sed -e "s|<MsgId>MSG-0001</MsgId>|<MsgId>$1</MsgId>|" \
    -e "s|<EndToEndId>E2E-0001</EndToEndId>|<EndToEndId>$2</EndToEndId>|" \
    -e "s|<TxId>TX-0001</TxId>|<TxId>TX-$1</TxId>|" \
    -e "s|<Nm>Bob Creditor</Nm>|<Nm>$3</Nm>|" \
    -e "s|>123.45</IntrBkSttlmAmt>|>${4:-123.45}</IntrBkSttlmAmt>|" "$FIXTURE" >"$f"
  echo "$f"
}
post() {  # post FILE [CONTENT_TYPE]: prints the status; the body is in $WORK/body
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H "Content-Type: ${2:-application/xml}" \
    --data-binary @"$1" "$url/v1/messages"
}
post_json() {  # post_json PATH JSON: prints the status; the body is in $WORK/body
  curl -s -o "$WORK/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
    --data-binary "$2" "$url$1"
}
status_of() { curl -s -o "$WORK/body" -w '%{http_code}' "$@"; }
feed_all() { curl -sf "$url/v1/messages?after=0&limit=1000"; }
last_seq() { feed_all | jq '.last_seq'; }
# count TYPE MSGID: feed messages of TYPE naming MSGID as the original.
count() {
  feed_all | jq --arg t "$1" --arg m "<OrgnlMsgId>$2</OrgnlMsgId>" \
    '[.data[] | select(.message_type == $t and (.xml | contains($m)))] | length'
}
# xml_of TYPE MSGID: the XML of the first such message.
xml_of() {
  feed_all | jq -r --arg t "$1" --arg m "<OrgnlMsgId>$2</OrgnlMsgId>" \
    '[.data[] | select(.message_type == $t and (.xml | contains($m)))][0].xml'
}
# await TYPE MSGID: long-polls until such a message is on the feed (at most ~10 s).
await() {
  for _ in $(seq 1 20); do
    [[ "$(count "$1" "$2")" -ge 1 ]] && return 0
    curl -s "$url/v1/messages?after=$(last_seq)&wait_ms=500" >/dev/null
  done
  fail "no $1 for $2 on the feed: $(feed_all | head -c 2000)"
}
# quiet MS: the feed publishes nothing for MS milliseconds (a long poll that times out).
quiet() {
  local before
  before=$(last_seq)
  local page
  page=$(curl -s "$url/v1/messages?after=$before&wait_ms=$1")
  expect_eq "$(jq '.data | length' <<<"$page")" "0" "messages published while quiet"
}
xpath() { xmllint --xpath "$1" - 2>/dev/null; }
validate() {  # validate XSD_NAME (XML on stdin)
  cat >"$WORK/v.xml"
  xmllint --noout --schema "$XSD/$1.xsd" "$WORK/v.xml" 2>"$WORK/xmllint.out" ||
    fail "$1 does not validate: $(cat "$WORK/xmllint.out")"
}

FROM=$(date -u +%Y-%m-%dT00:00:00Z)  # the test day (to: the end of the day it ends on)
start_scheme 1 --delay-ms 0
expect_eq "$(status_of "$url/healthz")" "200" "GET /healthz"
expect_eq "$(stat -c %a "$WORK/data")" "700" "data dir mode"
expect_eq "$(stat -c %a "$WORK/data/scheme.log")" "600" "log file mode"
# Bound to the address given only: another loopback address is refused.
port=${url##*:}
curl -s -o /dev/null --max-time 2 "http://127.0.0.2:$port/healthz" &&
  fail "the scheme answers on 127.0.0.2, not only on 127.0.0.1"

# ---- A valid pacs.008: 202, then an XSD-valid pacs.002 ACSC echoing the original's ids.
A_XML="$WORK/msg-A-original.xml"
cp "$(msg MSG-A E2E-A 'Bob Creditor')" "$A_XML"
expect_eq "$(post "$A_XML")" "202" "POST a valid pacs.008"
expect_eq "$(jq -c . "$WORK/body")" \
  '{"message_id":"MSG-A","end_to_end_id":"E2E-A","duplicate":false}' "202 body"
await pacs.002.001.10 MSG-A
xml_of pacs.002.001.10 MSG-A | validate pacs.002.001.10
A002=$(xml_of pacs.002.001.10 MSG-A)
expect_eq "$(xpath '//*[local-name()="TxSts"]/text()' <<<"$A002")" "ACSC" "MSG-A status"
expect_eq "$(xpath '//*[local-name()="OrgnlEndToEndId"]/text()' <<<"$A002")" "E2E-A" "OrgnlEndToEndId"
expect_eq "$(xpath '//*[local-name()="OrgnlTxId"]/text()' <<<"$A002")" "TX-MSG-A" "OrgnlTxId"
A_ID=$(xpath '//*[local-name()="GrpHdr"]/*[local-name()="MsgId"]/text()' <<<"$A002")
((${#A_ID} >= 1 && ${#A_ID} <= 35)) || fail "pacs.002 MsgId length: '$A_ID'"

# ---- Duplicate: 200 with the original answer, and no second pacs.002.
expect_eq "$(post "$A_XML")" "200" "POST the same pacs.008 again"
expect_eq "$(jq -c . "$WORK/body")" \
  '{"message_id":"MSG-A","end_to_end_id":"E2E-A","duplicate":true}' "duplicate body"
# Same MsgId, other bytes: 409.
expect_eq "$(post "$(msg MSG-A E2E-A 'Bob Creditor' 99.99)")" "409" "same MsgId, other bytes"
expect_eq "$(jq -r .error.code "$WORK/body")" "message_id_reused" "409 code"
quiet 300
expect_eq "$(count pacs.002.001.10 MSG-A)" "1" "pacs.002 for MSG-A after a duplicate"

# ---- Invalid input: 400 and nothing published.
seq_before=$(last_seq)
printf '<Document><not closed' >"$WORK/broken.xml"
expect_eq "$(post "$WORK/broken.xml")" "400" "malformed XML"
expect_eq "$(jq -r .error.code "$WORK/body")" "invalid_message" "malformed XML code"
sed 's|<ChrgBr>SLEV</ChrgBr>||' "$(msg MSG-X E2E-X 'Bob Creditor')" >"$WORK/noxsd.xml"
expect_eq "$(post "$WORK/noxsd.xml")" "400" "pacs.008 failing the XSD"
expect_eq "$(jq -r .error.code "$WORK/body")" "invalid_message" "XSD failure code"
expect_eq "$(post "$(msg MSG-Y E2E-Y 'Bob Creditor' 12.345)")" "400" "three decimals in EUR"
printf '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>' >"$WORK/doctype.xml"
expect_eq "$(post "$WORK/doctype.xml")" "400" "a DOCTYPE"
expect_eq "$(post "$A_XML" text/plain)" "415" "wrong content type"
head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' 'x' >"$WORK/big.xml"
expect_eq "$(post "$WORK/big.xml")" "413" "a body over 1 MiB"
quiet 300
expect_eq "$(last_seq)" "$seq_before" "last_seq after refused messages"
# The refused MsgId was not recorded: sending it valid now is a new message.
expect_eq "$(post "$(msg MSG-X E2E-X 'Bob Creditor' 1.00)")" "202" "MsgId of a refused message"
await pacs.002.001.10 MSG-X

# ---- Creditor names that steer the outcome.
expect_eq "$(post "$(msg MSG-R E2E-R 'REJECT AC04 closed account')")" "202" "POST REJECT"
await pacs.002.001.10 MSG-R
R002=$(xml_of pacs.002.001.10 MSG-R)
validate pacs.002.001.10 <<<"$R002"
expect_eq "$(xpath '//*[local-name()="TxSts"]/text()' <<<"$R002")" "RJCT" "REJECT status"
expect_eq "$(xpath '//*[local-name()="StsRsnInf"]//*[local-name()="Cd"]/text()' <<<"$R002")" \
  "AC04" "REJECT reason"
expect_eq "$(post "$(msg MSG-N E2E-N 'NOANSWER please')")" "202" "POST NOANSWER"
expect_eq "$(post "$(msg MSG-T E2E-T 'RETURN AC04')")" "202" "POST RETURN"
await pacs.004.001.09 MSG-T
expect_eq "$(count pacs.002.001.10 MSG-T)" "1" "RETURN: its pacs.002"
expect_eq "$(xpath '//*[local-name()="TxSts"]/text()' <<<"$(xml_of pacs.002.001.10 MSG-T)")" \
  "ACSC" "RETURN: ACSC first"
T004=$(xml_of pacs.004.001.09 MSG-T)
# pacs.004 has no XSD here: check the structure the participant relies on.
expect_eq "$(xpath 'name(/*)' <<<"$T004")" "Document" "pacs.004 root"
expect_eq "$(xpath 'namespace-uri(/*)' <<<"$T004")" \
  "urn:iso:std:iso:20022:tech:xsd:pacs.004.001.09" "pacs.004 namespace"
expect_eq "$(xpath '//*[local-name()="OrgnlEndToEndId"]/text()' <<<"$T004")" "E2E-T" \
  "pacs.004 OrgnlEndToEndId"
expect_eq "$(xpath '//*[local-name()="RtrRsnInf"]//*[local-name()="Cd"]/text()' <<<"$T004")" \
  "AC04" "pacs.004 reason"
expect_eq "$(xpath 'string(//*[local-name()="RtrdIntrBkSttlmAmt"])' <<<"$T004")" "123.45" \
  "pacs.004 amount"
expect_eq "$(xpath 'string(//*[local-name()="RtrdIntrBkSttlmAmt"]/@Ccy)' <<<"$T004")" "EUR" \
  "pacs.004 currency"
quiet 300
expect_eq "$(count pacs.002.001.10 MSG-N)" "0" "NOANSWER: no pacs.002"

# ---- Inbound credit, published twice (copies: 2): the same message at two sequences.
code=$(post_json /v1/sandbox/inbound_credits "{\"iban\":\"$OUR_IBAN\",\"amount\":\"10.00\",
  \"currency\":\"EUR\",\"debtor_name\":\"Carol Payer\",\"debtor_iban\":\"$THEIR_IBAN\",
  \"end_to_end_id\":\"E2E-IN-1\",\"remittance\":\"Rent\",\"copies\":2}")
expect_eq "$code" "201" "inbound credit"
IN_ID=$(jq -r .message_id "$WORK/body")
expect_eq "$(jq -r .end_to_end_id "$WORK/body")" "E2E-IN-1" "inbound end_to_end_id"
((${#IN_ID} >= 1 && ${#IN_ID} <= 35)) || fail "inbound MsgId length: '$IN_ID'"
copies=$(feed_all | jq -c --arg m "<MsgId>$IN_ID</MsgId>" \
  '[.data[] | select(.message_type == "pacs.008.001.08" and (.xml | contains($m)))]')
expect_eq "$(jq length <<<"$copies")" "2" "copies of the inbound pacs.008"
[[ "$(jq -r '.[0].xml' <<<"$copies")" == "$(jq -r '.[1].xml' <<<"$copies")" ]] ||
  fail "the two copies differ"
expect_eq "$(jq '.[1].seq - .[0].seq' <<<"$copies")" "1" "copies' sequences"
IN_XML=$(jq -r '.[0].xml' <<<"$copies")
validate pacs.008.001.08 <<<"$IN_XML"
expect_eq "$(xpath '//*[local-name()="CdtrAcct"]//*[local-name()="IBAN"]/text()' <<<"$IN_XML")" \
  "$OUR_IBAN" "inbound creditor IBAN"
expect_eq "$(xpath '//*[local-name()="CdtrAgt"]//*[local-name()="BICFI"]/text()' <<<"$IN_XML")" \
  "CBNKGB2LXXX" "inbound creditor agent"
expect_eq "$(xpath '//*[local-name()="DbtrAcct"]//*[local-name()="IBAN"]/text()' <<<"$IN_XML")" \
  "$THEIR_IBAN" "inbound debtor IBAN"
expect_eq "$(xpath '//*[local-name()="Dbtr"]/*[local-name()="Nm"]/text()' <<<"$IN_XML")" \
  "Carol Payer" "inbound debtor name"
expect_eq "$(xpath '//*[local-name()="IntrBkSttlmDt"]/text()' <<<"$IN_XML")" \
  "$(date -u +%Y-%m-%d)" "inbound settlement date"
# Without an end_to_end_id the scheme makes one.
code=$(post_json /v1/sandbox/inbound_credits "{\"iban\":\"$OUR_IBAN\",\"amount\":\"0.05\",
  \"debtor_name\":\"Dan\",\"debtor_iban\":\"$THEIR_IBAN\"}")
expect_eq "$code" "201" "inbound credit without end_to_end_id"
E2E_MADE=$(jq -r .end_to_end_id "$WORK/body")
((${#E2E_MADE} >= 1 && ${#E2E_MADE} <= 35)) || fail "made EndToEndId: '$E2E_MADE'"
# Refusals: 400 with the field named.
base="\"amount\":\"1.00\",\"debtor_name\":\"Dan\",\"debtor_iban\":\"$THEIR_IBAN\""
for body in "{\"iban\":\"GB00CBNK00000100000001\",$base}" \
  "{\"iban\":\"$THEIR_IBAN\",$base}" \
  "{\"iban\":\"$OUR_IBAN\",\"amount\":\"1.001\",\"debtor_name\":\"D\",\"debtor_iban\":\"$THEIR_IBAN\"}" \
  "{\"iban\":\"$OUR_IBAN\",\"amount\":1.5,\"debtor_name\":\"D\",\"debtor_iban\":\"$THEIR_IBAN\"}" \
  "{\"iban\":\"$OUR_IBAN\",\"amount\":\"0\",\"debtor_name\":\"D\",\"debtor_iban\":\"$THEIR_IBAN\"}" \
  "{\"iban\":\"$OUR_IBAN\",$base,\"currency\":\"USD\"}" \
  "{\"iban\":\"$OUR_IBAN\",$base,\"copies\":11}" \
  "{\"iban\":\"$OUR_IBAN\",$base,\"colour\":\"red\"}" \
  "{\"iban\":\"$OUR_IBAN\",$base,\"iban\":\"$OUR_IBAN\"}" \
  "{\"iban\":\"$OUR_IBAN\",\"amount\":\"1.00\",\"debtor_iban\":\"$THEIR_IBAN\"}" \
  "[1]" "not json"; do
  expect_eq "$(post_json /v1/sandbox/inbound_credits "$body")" "400" "inbound credit: $body"
  expect_eq "$(jq -r .error.code "$WORK/body")" "invalid_request" "code for $body"
done

# ---- Sandbox returns.
expect_eq "$(post_json /v1/sandbox/returns '{"original_end_to_end_id":"E2E-NOPE","reason_code":"AC04"}')" \
  "404" "return of an unknown end_to_end_id"
expect_eq "$(post_json /v1/sandbox/returns '{"original_end_to_end_id":"E2E-R","reason_code":"AC04"}')" \
  "404" "return of a rejected transfer"
expect_eq "$(post_json /v1/sandbox/returns '{"original_end_to_end_id":"E2E-A","reason_code":"ac4"}')" \
  "400" "return with a malformed reason"
expect_eq "$(post_json /v1/sandbox/returns '{"original_end_to_end_id":"E2E-A","reason_code":"MS02"}')" \
  "201" "return of MSG-A"
expect_eq "$(jq -r .original_message_id "$WORK/body")" "MSG-A" "returned message"
A004=$(xml_of pacs.004.001.09 MSG-A)
expect_eq "$(xpath '//*[local-name()="RtrRsnInf"]//*[local-name()="Cd"]/text()' <<<"$A004")" \
  "MS02" "sandbox return reason"
expect_eq "$(post_json /v1/sandbox/returns '{"original_end_to_end_id":"E2E-A","reason_code":"MS02"}')" \
  "409" "a second return of MSG-A"

# ---- Statements: every entry booked today, with the right amounts and directions.
TO=$(date -u +%Y-%m-%dT23:59:59.999999999Z)
camt() { curl -sf "$url/v1/$1?from=$FROM&to=$TO"; }
camt statements/camt.053 >"$WORK/camt053.xml" || fail "GET camt.053"
validate camt.053.001.08 <"$WORK/camt053.xml"
entries() {  # "E2E IND AMOUNT" per entry of a camt file, sorted
  local n i p
  n=$(xmllint --xpath 'count(//*[local-name()="Ntry"])' "$1")
  for ((i = 1; i <= n; i++)); do
    p="(//*[local-name()=\"Ntry\"])[$i]"
    echo "$(xmllint --xpath "string($p//*[local-name()=\"EndToEndId\"])" "$1")" \
      "$(xmllint --xpath "string($p/*[local-name()=\"CdtDbtInd\"])" "$1")" \
      "$(xmllint --xpath "string($p/*[local-name()=\"Amt\"])" "$1")"
  done | sort
}
want=$(printf '%s\n' "$E2E_MADE CRDT 0.05" "E2E-A CRDT 123.45" "E2E-A DBIT 123.45" \
  "E2E-IN-1 CRDT 10.00" "E2E-T CRDT 123.45" "E2E-T DBIT 123.45" "E2E-X DBIT 1.00" | sort)
expect_eq "$(entries "$WORK/camt053.xml")" "$want" "camt.053 entries"
# Opening 0; closing = 0.05 + 10.00 - 1.00 = 9.05 (every transfer out came back but E2E-X).
expect_eq "$(xmllint --xpath 'string(//*[local-name()="Bal"][.//*[local-name()="Cd"]="CLBD"]/*[local-name()="Amt"])' "$WORK/camt053.xml")" \
  "9.05" "closing balance"
camt notifications/camt.054 >"$WORK/camt054.xml" || fail "GET camt.054"
validate camt.054.001.08 <"$WORK/camt054.xml"
expect_eq "$(entries "$WORK/camt054.xml")" "$want" "camt.054 entries"
expect_eq "$(status_of "$url/v1/statements/camt.053?from=$TO&to=$FROM")" "400" "from after to"
expect_eq "$(status_of "$url/v1/statements/camt.053?from=yesterday&to=$TO")" "400" "bad from"
expect_eq "$(status_of "$url/v1/notifications/camt.054?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z")" \
  "404" "camt.054 of no entries"

# ---- Feed parameters.
for q in "limit=0" "limit=1001" "wait_ms=30001" "after=abc" "after=-1" "colour=red" \
  "limit=5&limit=6"; do
  expect_eq "$(status_of "$url/v1/messages?$q")" "400" "GET /v1/messages?$q"
done
expect_eq "$(curl -s "$url/v1/messages?after=0&limit=2" | jq '.data | length')" "2" "limit=2"
expect_eq "$(status_of "$url/v1/nope")" "404" "unknown route"
expect_eq "$(status_of -X DELETE "$url/v1/messages")" "405" "wrong method"

# ---- The long poll returns as soon as a message arrives, not at its wait_ms.
before=$(last_seq)
start_ns=$(date +%s%N)
curl -s "$url/v1/messages?after=$before&wait_ms=20000" >"$WORK/poll.json" &
poll=$!
sleep 0.3
expect_eq "$(post "$(msg MSG-L E2E-L 'Bob Creditor')")" "202" "POST during a long poll"
wait "$poll"
took_ms=$((($(date +%s%N) - start_ns) / 1000000))
((took_ms < 5000)) || fail "the long poll took ${took_ms} ms for a message sent after 300 ms"
expect_eq "$(jq '.data[0].seq' "$WORK/poll.json")" "$((before + 1))" "long poll's message"
start_ns=$(date +%s%N)
empty=$(curl -s "$url/v1/messages?after=$(last_seq)&wait_ms=400")
took_ms=$((($(date +%s%N) - start_ns) / 1000000))
expect_eq "$(jq '.data | length' <<<"$empty")" "0" "long poll with nothing to send"
((took_ms >= 350)) || fail "an empty long poll answered after ${took_ms} ms, not ~400"

# ---- kill -9 and restart on the same data: nothing published or received is lost.
feed_all >"$WORK/feed-before.json"
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
start_scheme 2 --delay-ms 60000 # answers owed now wait a minute: the kill below beats them
expect_eq "$(feed_all | jq -c .data)" "$(jq -c .data "$WORK/feed-before.json")" \
  "feed after kill -9"
expect_eq "$(last_seq)" "$(jq .last_seq "$WORK/feed-before.json")" "last_seq after kill -9"
expect_eq "$(post "$A_XML")" "200" "duplicate after kill -9"
expect_eq "$(jq -r .duplicate "$WORK/body")" "true" "duplicate flag after kill -9"
expect_eq "$(post "$(msg MSG-P E2E-P 'Bob Creditor')")" "202" "POST before the next kill"
expect_eq "$(count pacs.002.001.10 MSG-P)" "0" "MSG-P unanswered at the kill"
# 20 at once (they share fdatasyncs), killed as soon as the last 202 is in.
posts=()
for i in $(seq 1 20); do
  curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/xml' \
    --data-binary @"$(msg "MSG-C$i" "E2E-C$i" 'Bob Creditor')" "$url/v1/messages" \
    >"$WORK/code-C$i" &
  posts+=($!)
done
wait "${posts[@]}"
for i in $(seq 1 20); do expect_eq "$(cat "$WORK/code-C$i")" "202" "concurrent POST $i"; done
kill -9 "$PID"
wait "$PID" 2>/dev/null || true
start_scheme 3 --delay-ms 0
grep -Eq 'answers owed 21(;|$)' "$LOG" || fail "restart did not find 21 answers owed: $(cat "$LOG")"
for i in $(seq 1 20); do
  expect_eq "$(post "$WORK/msg-MSG-C$i.xml")" "200" "concurrent POST $i after kill -9"
done
for i in $(seq 1 20); do await pacs.002.001.10 "MSG-C$i"; done
await pacs.002.001.10 MSG-P
expect_eq "$(xpath '//*[local-name()="TxSts"]/text()' <<<"$(xml_of pacs.002.001.10 MSG-P)")" \
  "ACSC" "MSG-P answered after the restart"
expect_eq "$(feed_all | jq '[.data[] | select(.seq <= '"$(jq .last_seq "$WORK/feed-before.json")"')]')" \
  "$(jq .data "$WORK/feed-before.json")" "the old feed after a second restart"
expect_eq "$(feed_all | jq '[.data[].seq] == [range(1; .last_seq + 1)]')" "true" \
  "sequences without gaps"
expect_eq "$(count pacs.002.001.10 MSG-A)" "1" "still one pacs.002 for MSG-A"
camt statements/camt.053 >"$WORK/camt053-after.xml" || fail "GET camt.053 after restart"
expect_eq "$(entries "$WORK/camt053-after.xml")" \
  "$({
    echo "$want"
    echo "E2E-L DBIT 123.45"
    echo "E2E-P DBIT 123.45"
    for i in $(seq 1 20); do echo "E2E-C$i DBIT 123.45"; done
  } | sort)" \
  "camt.053 entries after restarts"

# Logs name no party (names and IBANs are PII) and quote no message.
for secret in "Bob Creditor" "Carol Payer" "$THEIR_IBAN" "$OUR_IBAN" "<Document"; do
  grep -q "$secret" "$WORK"/scheme-*.log && fail "a log contains '$secret'"
done
kill -TERM "$PID"
wait "$PID" || fail "scheme exit code $? on SIGTERM"
echo "scheme_test: ok"
