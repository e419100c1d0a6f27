#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME (default 5s) each. Seeds live in testdata/fuzz.
set -euo pipefail
t=${FUZZTIME:-5s}
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz $pkg $f ($t)"
    go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >/dev/null
  done
done
