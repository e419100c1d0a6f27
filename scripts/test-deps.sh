#!/usr/bin/env bash
# Installs what `make test` needs beyond Go, when it is missing: Debian's chromium for the
# browser tests, Debian's npm (with Node.js) when there is none, and the pinned npm packages the
# browser tests load: InstantSearch.js, React InstantSearch, Algolia Autocomplete, algoliasearch
# and esbuild, which bundles the React and Autocomplete pages at test time (internal/algolia),
# and axe-core (web).
set -euo pipefail
cd "$(dirname "$0")/.."

# apt_install PACKAGE COMMAND: installs the Debian package when COMMAND is missing and we may.
apt_install() {
  command -v "$2" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing $1 (Debian) for the browser tests"
    if [ -z "${apt_updated:-}" ]; then
      apt-get update -qq
      apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
  else
    echo "$2 is missing: install Debian's $1 package for the browser tests" >&2
  fi
}

apt_install chromium chromium
apt_install npm npm # brings Node.js; esbuild needs Node 18 or later, as in Debian 12

# Pinned npm packages of the browser tests (package-lock.json); reinstalled when the lock changes.
for npmdir in internal/algolia/testdata/instantsearch web/testdata/axe; do
  if [ ! -d "$npmdir/node_modules" ] || [ "$npmdir/package-lock.json" -nt "$npmdir/node_modules" ]; then
    if command -v npm >/dev/null 2>&1; then
      echo "installing $npmdir (npm ci) for the browser tests"
      npm ci --prefix "$npmdir" --no-audit --no-fund --loglevel=error
      touch "$npmdir/node_modules" # npm ci may keep the directory's time
    else
      echo "npm is missing: the browser tests need $npmdir/node_modules" >&2
    fi
  fi
done
