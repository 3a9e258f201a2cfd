#!/usr/bin/env bash
# Installs corebank's dependencies on Debian 12. Idempotent: when everything is present it
# prints one line and touches neither apt nor npm.
#   scripts/setup.sh          what building and running need (make build, make run)
#   scripts/setup.sh --test   also what the tests need (make test): test tools from apt, the
#                             pinned Node.js (scripts/node-runtime, ADR 0009) and the test
#                             suites' npm packages
set -euo pipefail

WITH_TESTS=0
case "${1:-}" in
  "") ;;
  --test) WITH_TESTS=1 ;;
  *) echo "usage: scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

# Build and run (curl and jq also drive the README walkthrough).
PACKAGES=(
  build-essential g++ cmake ninja-build ccache pkg-config git
  libssl-dev libboost1.81-dev libcli11-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format curl jq
  libtoml11-dev libjemalloc-dev openssl libsodium-dev
  liblua5.4-dev libicu-dev libxml2-dev
)
if [[ $WITH_TESTS -eq 1 ]]; then
  PACKAGES+=(
    # promtool (serve_test), wrk and time (bench/)
    prometheus wrk time
    # xmllint: iso20022_test checks every message we build against the XSD files with it
    libxml2-utils
    # fuzz/ (tests/fuzz_test.sh): clang-14; its libFuzzer/ASan/UBSan runtimes, which are
    # only a Recommends (not installed here); llvm-14 for llvm-symbolizer (source lines).
    clang-14 libclang-rt-14-dev llvm-14
  )
  # npm fetches the pinned Node.js and the suites' packages. Any npm will do, so one already
  # on the machine is kept; otherwise Debian's (its nodejs 18 only ever runs npm).
  if ! command -v npm >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi
fi

is_installed() {
  # dpkg-query exits non-zero for unknown packages; "deinstall ... config-files" is not installed.
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "${pkg}" || missing+=("${pkg}")
done

ROOT="$(cd "$(dirname "$0")/.." && pwd)"

# npm ci in DIR when its node_modules is missing or older than its lock file.
npm_ci_if_stale() {
  local dir=$1
  [[ -f "$dir/package-lock.json" ]] || return 0
  if [[ ! -f "$dir/node_modules/.package-lock.json" ||
        "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
    echo "setup.sh: npm ci in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The pinned Node.js (scripts/node-runtime), then the test suites' packages (pinned by their
# package-lock.json files). Each is skipped when already installed.
install_npm() {
  [[ $WITH_TESTS -eq 1 ]] || return 0
  local runtime="$ROOT/scripts/node-runtime" want have arch
  npm_ci_if_stale "$runtime"
  # Our own link, not node_modules/.bin: Debian's npm 9 links no bin named "node".
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64) arch=arm64 ;;
    *) arch=$(uname -m) ;;
  esac
  mkdir -p "$runtime/bin"
  ln -sfn "../node_modules/node-linux-$arch/bin/node" "$runtime/bin/node"
  want=$(sed -n "s/.*\"node-linux-$arch\": \"\\([0-9.]*\\)\".*/\\1/p" "$runtime/package.json")
  have=$("$runtime/bin/node" --version 2>/dev/null || true)
  if [[ -z "$want" || "$have" != "v$want" ]]; then
    echo "setup.sh: ERROR: scripts/node-runtime has no Node.js ${want:+v$want }for $(uname -m) (found '${have:-none}')" >&2
    exit 1
  fi
  npm_ci_if_stale "$ROOT/tests/api"
  npm_ci_if_stale "$ROOT/tests/oauth"
}

if [[ ${#missing[@]} -eq 0 ]]; then
  echo "setup.sh: all ${#PACKAGES[@]} packages already installed"
  install_npm
  exit 0
fi

echo "setup.sh: missing packages: ${missing[*]}"

SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "setup.sh: ERROR: not root and sudo is unavailable; install as root:" >&2
    echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
# Always update first: with empty lists, "apt-get install g++" can "succeed" by regex-matching
# unrelated package names instead of installing g++ itself.
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
  apt-get install -y --no-install-recommends "${missing[@]}"

# apt's exit status is not proof: verify every package by exact name.
still_missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "${pkg}" || still_missing+=("${pkg}")
done
if [[ ${#still_missing[@]} -ne 0 ]]; then
  echo "setup.sh: ERROR: still not installed after apt-get: ${still_missing[*]}" >&2
  exit 1
fi
echo "setup.sh: installed ${missing[*]}"
install_npm
