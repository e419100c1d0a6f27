#!/usr/bin/env bash
# Runs every fuzz target of the module for FUZZTIME (default 3000x: a count, see the Makefile) each. Seeds live in testdata/fuzz.
# A failing target's output is printed: it names the input, written under testdata/fuzz.
set -euo pipefail
t=${FUZZTIME:-3000x}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for pkg in $(go list ./...); do
  for f in $(go test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
    echo "fuzz $pkg $f ($t)"
    if ! go test -run '^$' -fuzz "^$f\$" -fuzztime "$t" "$pkg" >"$out" 2>&1; then
      cat "$out"
      exit 1
    fi
  done
done
