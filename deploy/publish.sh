#!/usr/bin/env bash
# publish.sh copies a finished build to each replica's index directory and switches the replica's
# `current` to it, atomically, the way the indexer does on its own machine:
#
#   1. cp -a BUILD  DIR/builds/<id>.tmp      (a killed copy leaves only a .tmp, which is ignored)
#   2. mv -T        DIR/builds/<id>.tmp DIR/builds/<id>
#   3. ln -s builds/<id> DIR/current.tmp.$$ ; mv -T DIR/current.tmp.$$ DIR/current
#
# searchd notices the new `current` at its next poll; with RELOAD_URLS set, each is also told at
# once with POST /api/admin/reload (needs SEARCHD_ADMIN_KEY). Older builds beyond KEEP are removed,
# never the one being replaced, which in-flight searches may still be reading: with KEEP=1 the
# new build and the one it replaced remain, and the next publish removes the latter. Run as root,
# the copy is given to the owner of DIR/builds (searchd's user), so searchd can prune it later.
#
# usage: publish.sh BUILD_DIR REPLICA_INDEX_DIR...
#   BUILD_DIR           a finished build, e.g. data/index/builds/20260301T120000Z-1a2b3c4d-abcdef
#   REPLICA_INDEX_DIR   a replica's index directory (its builds/ and current); a remote replica
#                       is published by running this script on its host
# env:
#   RELOAD_URLS         space-separated base URLs of the replicas, e.g. "http://10.0.0.1:8080"
#   SEARCHD_ADMIN_KEY   the admin key for the reload calls
#   KEEP                builds to keep per replica, the new one included (default 3)
set -euo pipefail

die() { echo "publish: $*" >&2; exit 1; }

[ $# -ge 2 ] || die "usage: publish.sh BUILD_DIR REPLICA_INDEX_DIR..."
build=${1%/}
shift
[ -f "$build/manifest.json" ] || die "$build is not a finished build (no manifest.json)"
id=$(basename "$build")
case "$id" in *.tmp|.*|"") die "$id is not a build id" ;; esac
keep=${KEEP:-3}
case "$keep" in ''|*[!0-9]*|0) die "KEEP=$keep: want a whole number of at least 1" ;; esac

for dir in "$@"; do
    dir=${dir%/}
    mkdir -p "$dir/builds"
    if [ ! -d "$dir/builds/$id" ]; then
        rm -rf "$dir/builds/$id.tmp"
        cp -a "$build" "$dir/builds/$id.tmp"
        if [ "$(id -u)" = 0 ]; then
            chown -R --reference="$dir/builds" "$dir/builds/$id.tmp"
        fi
        sync -f "$dir/builds/$id.tmp" 2>/dev/null || sync
        mv -T "$dir/builds/$id.tmp" "$dir/builds/$id"
    fi
    prev=$(basename "$(readlink "$dir/current" 2>/dev/null || echo none)")
    link="$dir/current.tmp.$$"
    ln -s "builds/$id" "$link"
    mv -T "$link" "$dir/current"
    sync -f "$dir" 2>/dev/null || true
    # Prune: newest first (ids start with their UTC time). The new build and the one it replaced
    # stay; the newest others fill the rest of KEEP.
    others=$((keep - 1))
    if [ "$prev" != "$id" ] && [ -d "$dir/builds/$prev" ]; then others=$((others - 1)); fi
    [ "$others" -ge 0 ] || others=0
    ls -1 "$dir/builds" | grep -v '\.tmp$' | grep -vxF -e "$id" -e "$prev" | sort -r | tail -n +"$((others + 1))" |
        while read -r old; do rm -rf "${dir:?}/builds/${old:?}"; done || true
    echo "publish: $dir -> $id"
done

if [ -n "${RELOAD_URLS:-}" ]; then
    [ -n "${SEARCHD_ADMIN_KEY:-}" ] || die "RELOAD_URLS needs SEARCHD_ADMIN_KEY"
    status=0
    for url in $RELOAD_URLS; do
        if out=$(curl -fsS --max-time 10 -X POST -H "Authorization: Bearer $SEARCHD_ADMIN_KEY" "${url%/}/api/admin/reload"); then
            echo "publish: reload $url: $out"
        else
            echo "publish: reload $url failed; it will pick the build up at its next poll" >&2
            status=1
        fi
    done
    exit $status
fi
