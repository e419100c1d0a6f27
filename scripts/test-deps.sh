#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, when it is missing: Debian's chromium and npm
# packages (as root, through apt-get), and the pinned npm packages the browser tests load
# (instantsearch.js, axe-core). Without root it names what to install and fails.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (Debian) for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "missing: ${missing[*]}; install them first (sudo apt-get install ${missing[*]}), then run make test again" >&2
    exit 1
  fi
fi

# Pinned npm packages of the browser tests: instantsearch.js (internal/algolia) and axe-core (web).
for npmdir in internal/algolia/testdata/instantsearch web/testdata/axe; do
  if [ ! -d "$npmdir/node_modules" ] || [ "$npmdir/package-lock.json" -nt "$npmdir/node_modules" ]; then
    echo "installing $npmdir (npm ci) for the browser tests"
    npm ci --prefix "$npmdir" --no-audit --no-fund --loglevel=error
  fi
done
