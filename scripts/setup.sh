#!/usr/bin/env bash
# Installs corebank's build dependencies on Debian 12. Idempotent: when everything is
# present it prints one line and exits without touching apt.
set -euo pipefail

PACKAGES=(
  build-essential g++ cmake ninja-build ccache pkg-config git
  libssl-dev libboost1.81-dev libcli11-dev libprotobuf-dev protobuf-compiler
  libgtest-dev libgmock-dev libbenchmark-dev
  clang-format curl
  wrk libtoml11-dev prometheus jq libjemalloc-dev openssl libsodium-dev
)
# Node.js runs the API contract tests (ajv) and the system tests; any node >= 18 will do,
# so a node already on the machine (e.g. from NodeSource) is kept.
if ! command -v node >/dev/null 2>&1; then PACKAGES+=(nodejs npm); fi

is_installed() {
  # dpkg-query exits non-zero for unknown packages; "deinstall ... config-files" is not installed.
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" == "install ok installed" ]]
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  is_installed "${pkg}" || missing+=("${pkg}")
done

# npm packages of the test suites, pinned by package-lock.json; skipped when installed.
install_npm() {
  local dir
  for dir in "$(dirname "$0")/../tests/api" "$(dirname "$0")/../tests/oauth"; do
    [[ -f "$dir/package-lock.json" ]] || continue
    if [[ ! -d "$dir/node_modules" || "$dir/package-lock.json" -nt "$dir/node_modules" ]]; then
      echo "setup.sh: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) && touch "$dir/node_modules"
    fi
  done
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
