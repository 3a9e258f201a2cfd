#!/usr/bin/env bash
# `corebank policy test BUNDLE`: exit 0 for the default bundle, 2 (with the file named on
# stderr) for a copy whose rule has a syntax error or whose manifest is malformed, 1 for a
# copy with a wrong expectation.
set -euo pipefail
: "${COREBANK:?}" "${POLICIES:?}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$COREBANK" policy test "$POLICIES/default" >"$work/out"
grep -q "0 failed, 0 rules untested" "$work/out"

expect() {  # expect CODE STDERR_FRAGMENT BUNDLE
  local code=0
  "$COREBANK" policy test "$3" >"$work/stdout" 2>"$work/stderr" || code=$?
  if [[ $code -ne $1 ]] || ! grep -q -- "$2" "$work/stdout" "$work/stderr"; then
    echo "want exit $1 and '$2', got exit $code:"; cat "$work/stdout" "$work/stderr"; exit 1
  fi
}

cp -r "$POLICIES/default" "$work/syntax"
printf 'function velocity(x)\n  return (\nend\n' >"$work/syntax/rules/velocity.lua"
expect 2 "rules/velocity.lua:3" "$work/syntax"

cp -r "$POLICIES/default" "$work/toml"
printf 'version = = 2\n' >>"$work/toml/manifest.toml"
expect 2 "manifest.toml:" "$work/toml"

cp -r "$POLICIES/default" "$work/wrong"
sed -i 's/outcome = "hold"/outcome = "deny"/' "$work/wrong/rules/velocity.test.toml"
expect 1 "FAIL rules/velocity.test.toml" "$work/wrong"

expect 2 "not a readable directory" "$work/missing"
echo "policy_cli_test: ok"
