#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, when it is missing: Debian's chromium for the
# browser tests, and the pinned npm packages the browser tests load (instantsearch.js, axe-core).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian) for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: install Debian's chromium package for the browser tests" >&2
  fi
fi

# Pinned npm packages of the browser tests: instantsearch.js (internal/algolia) and axe-core (web).
for npmdir in internal/algolia/testdata/instantsearch web/testdata/axe; do
  if [ ! -d "$npmdir/node_modules" ] || [ "$npmdir/package-lock.json" -nt "$npmdir/node_modules" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "installing $npmdir (npm ci) for the browser tests"
      npm ci --prefix "$npmdir" --no-audit --no-fund --loglevel=error
    else
      echo "npm is missing: the browser tests need $npmdir/node_modules" >&2
    fi
  fi
done
