#!/usr/bin/env bash
# scaleout-test.sh: three searchd replicas behind nginx (deploy/nginx.conf), on loopback only.
# While searches run through nginx, a new build is published to every replica with
# deploy/publish.sh. Checks: no failed request, every replica serves the new build, and nginx's
# cached answers are revalidated into the new build's (their ETag changes). Prints figures.
# Bounded: the whole run is killed after SCALEOUT_TIMEOUT seconds (default 110).
set -euo pipefail

if [ -z "${SCALEOUT_INNER:-}" ]; then
    exec timeout -k 5 "${SCALEOUT_TIMEOUT:-110}" env SCALEOUT_INNER=1 "$0" "$@"
fi

cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=$(mktemp -d /tmp/scaleout.XXXXXX)
PIDS=()
ADMIN_KEY=scaleout-$RANDOM$RANDOM
MAX_AGE=2 # seconds: short, so revalidation after the switch happens within the test
LOAD_SECONDS=10

START_NS=$(date +%s%N)
log() {
    local ds=$((($(date +%s%N) - START_NS) / 100000000))
    printf '[%3d.%ds] %s\n' $((ds / 10)) $((ds % 10)) "$*"
}
fail() { echo "FAIL: $*" >&2; exit 1; }

cleanup() {
    status=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [ "$status" -ne 0 ]; then
        echo "--- logs (last lines) ---" >&2
        for f in "$WORK"/*.log "$WORK"/nginx/*.log; do
            [ -f "$f" ] && { echo "== $f" >&2; tail -n 15 "$f" >&2; }
        done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

freeport() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            case " ${USED_PORTS:-} " in *" $p "*) continue ;; esac
            USED_PORTS="${USED_PORTS:-} $p"
            echo "$p"
            return
        fi
    done
}

# wait_for URL SECONDS: until URL answers 200.
wait_for() {
    local deadline=$((SECONDS + $2))
    until curl -fsS -o /dev/null --max-time 1 "$1" 2>/dev/null; do
        [ $SECONDS -lt $deadline ] || fail "$1 not ready after $2s"
        sleep 0.1
    done
}

build_id_of() { curl -fsS --max-time 2 "$1/readyz" | sed -n 's/.*"build_id":"\([^"]*\)".*/\1/p'; }

# header NAME FILE: the value of a response header in a curl -D dump.
header() { grep -i "^$1:" "$2" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

# --- nginx ---------------------------------------------------------------------------------
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    log "installing nginx from Debian"
    [ "$(id -u)" -eq 0 ] || fail "nginx is missing and installing it needs root"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx-light >/dev/null 2>&1 ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx >/dev/null
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
log "nginx: $($NGINX -v 2>&1)"

# --- binaries and the first build ----------------------------------------------------------
log "building binaries"
make -s build >/dev/null
"$ROOT/bin/searchd" --version | grep -q . || fail "searchd --version"
SRC=$WORK/src
"$ROOT/bin/indexer" --corpus corpus --index "$SRC" >"$WORK/indexer-1.log" 2>&1
ID1=$(basename "$(readlink "$SRC/current")")
log "first build $ID1"
for i in 1 2 3; do
    "$ROOT/deploy/publish.sh" "$SRC/builds/$ID1" "$WORK/replica$i" >/dev/null
done

# --- three replicas ------------------------------------------------------------------------
PORTS=()
for i in 1 2 3; do
    port=$(freeport)
    PORTS+=("$port")
    # Every test client is 127.0.0.1 behind one nginx, so the per-client rate limit is off here.
    SEARCHD_ADMIN_KEY=$ADMIN_KEY "$ROOT/bin/searchd" --addr "127.0.0.1:$port" --index "$WORK/replica$i" \
        --corpus corpus --poll 200ms --rate -1 --trusted-proxy 127.0.0.1 \
        --cache-max-age "${MAX_AGE}s" --log-format json >"$WORK/searchd-$i.log" 2>&1 &
    PIDS+=($!)
done
for port in "${PORTS[@]}"; do wait_for "http://127.0.0.1:$port/readyz" 20; done
log "replicas ready on ports ${PORTS[*]}"

# --- nginx from deploy/nginx.conf ----------------------------------------------------------
NG=$WORK/nginx
mkdir -p "$NG/cache" "$NG/tmp"
NPORT=$(freeport)
user_line="user root;"
[ "$(id -u)" -eq 0 ] || user_line=""
sed -e "s|^user .*;|$user_line|" \
    -e "s|^pid .*;|pid $NG/nginx.pid;|" \
    -e "s|^error_log .*;|error_log $NG/error.log warn;|" \
    -e "s|access_log /var/log/nginx/searchd-access.log|access_log $NG/access.log|" \
    -e "s|/var/cache/nginx/searchd|$NG/cache|" \
    -e "s|listen 8080;|listen 127.0.0.1:$NPORT;|" \
    -e "s|127.0.0.1:8081|127.0.0.1:${PORTS[0]}|" \
    -e "s|127.0.0.1:8082|127.0.0.1:${PORTS[1]}|" \
    -e "s|127.0.0.1:8083|127.0.0.1:${PORTS[2]}|" \
    -e "s|^http {|http {\n    client_body_temp_path $NG/tmp/body;\n    proxy_temp_path $NG/tmp/proxy;\n    fastcgi_temp_path $NG/tmp/fastcgi;\n    uwsgi_temp_path $NG/tmp/uwsgi;\n    scgi_temp_path $NG/tmp/scgi;|" \
    "$ROOT/deploy/nginx.conf" >"$NG/nginx.conf"
"$NGINX" -t -q -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" || fail "nginx -t"
"$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
LB=http://127.0.0.1:$NPORT
wait_for "$LB/healthz" 10
log "nginx on $LB"

# --- caching before the publish: MISS, then HIT, then a revalidation once max-age passes ---
PROBE="$LB/api/search?q=swan+lake&per_page=7"
probe() { curl -fsS -o /dev/null -D "$WORK/h" --max-time 5 "$PROBE"; echo "$(header X-Cache-Status "$WORK/h") $(header ETag "$WORK/h")"; }
read -r s1 E1 <<<"$(probe)"
read -r s2 E2 <<<"$(probe)"
log "probe before publish: $s1 $E1, then $s2 $E2"
[ "$s1" = MISS ] && [ "$s2" = HIT ] && [ "$E1" = "$E2" ] || fail "want MISS then HIT with one ETag; got $s1 $E1, $s2 $E2"
sleep $((MAX_AGE + 1))
read -r s3 E3 <<<"$(probe)"
log "probe after max-age, same build: $s3 $E3"
[ "$E3" = "$E1" ] || fail "ETag changed without a new build: $E1 -> $E3"
case "$s3" in REVALIDATED|STALE|UPDATING|EXPIRED) ;; *) fail "after max-age want a revalidation; got $s3" ;; esac
PRE_STATUSES="$s1 $s2 $s3"

# --- searches through nginx while a new build is published ---------------------------------
LOADTEST_JSON=$WORK/loadtest.json
LOADTEST=no
if [ -d cmd/loadtest ] && go build -o "$WORK/loadtest" ./cmd/loadtest 2>"$WORK/loadtest-build.log"; then
    LOADTEST=yes
    "$WORK/loadtest" --url "$LB" --duration "${LOAD_SECONDS}s" --concurrency 4 --json >"$LOADTEST_JSON" 2>"$WORK/loadtest.log" &
    LOAD_PID=$!
    PIDS+=("$LOAD_PID")
fi
# A curl loop as well, over many distinct requests, so replicas (not only the cache) answer.
WORDS=(swan lake nutcracker ballet giselle bolshoi kirov romeo juliet spartacus sleeping beauty cinderella stone flower firebird)
(
    end=$((SECONDS + LOAD_SECONDS))
    n=0
    while [ $SECONDS -lt $end ]; do
        w=${WORDS[$((n % ${#WORDS[@]}))]}
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$LB/api/search?q=$w&per_page=$((n % 50 + 1))") || code=000
        echo "$code"
        n=$((n + 1))
    done
) >"$WORK/curl-codes.txt" &
CURL_PID=$!
PIDS+=("$CURL_PID")

sleep 2
"$ROOT/bin/indexer" --corpus corpus --index "$SRC" >"$WORK/indexer-2.log" 2>&1
ID2=$(basename "$(readlink "$SRC/current")")
[ "$ID2" != "$ID1" ] || fail "the second build has the first one's id"
URLS=""
for port in "${PORTS[@]}"; do URLS="$URLS http://127.0.0.1:$port"; done
PUB_START=$(date +%s%N)
RELOAD_URLS=$URLS SEARCHD_ADMIN_KEY=$ADMIN_KEY "$ROOT/deploy/publish.sh" "$SRC/builds/$ID2" \
    "$WORK/replica1" "$WORK/replica2" "$WORK/replica3" >"$WORK/publish.log" 2>&1 || fail "publish.sh: $(cat "$WORK/publish.log")"
log "published $ID2 to 3 replicas"

# Every replica converges on the new build.
deadline=$((SECONDS + 10))
for port in "${PORTS[@]}"; do
    until [ "$(build_id_of "http://127.0.0.1:$port")" = "$ID2" ]; do
        [ $SECONDS -lt $deadline ] || fail "replica $port still serves $(build_id_of "http://127.0.0.1:$port")"
        sleep 0.05
    done
done
CONVERGE_MS=$((($(date +%s%N) - PUB_START) / 1000000))
log "all replicas serve $ID2, ${CONVERGE_MS} ms after publish.sh started"

# The cached answer is revalidated into the new build's: its ETag changes.
deadline=$((SECONDS + MAX_AGE * 3 + 5))
POST_STATUSES=""
while :; do
    read -r s E <<<"$(probe)"
    POST_STATUSES="$POST_STATUSES $s"
    [ "$E" != "$E1" ] && break
    [ $SECONDS -lt $deadline ] || fail "nginx still serves the old ETag $E1 (statuses:$POST_STATUSES)"
    sleep 0.5
done
E_NEW=$E
read -r s4 E4 <<<"$(probe)"
log "probe after publish:$POST_STATUSES -> $E_NEW; next $s4"
[ "$E4" = "$E_NEW" ] || fail "ETag not stable after the switch: $E_NEW, $E4"
# Direct check: the replica answers If-None-Match with the old ETag by a full 200, the new by 304.
old_code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E1" "http://127.0.0.1:${PORTS[0]}/api/search?q=swan+lake&per_page=7")
new_code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $E_NEW" "http://127.0.0.1:${PORTS[0]}/api/search?q=swan+lake&per_page=7")
[ "$old_code" = 200 ] && [ "$new_code" = 304 ] || fail "replica: old ETag -> $old_code (want 200), new ETag -> $new_code (want 304)"

# --- results -------------------------------------------------------------------------------
wait "$CURL_PID" || true
[ "$LOADTEST" = yes ] && { wait "$LOAD_PID" || true; }
CURL_TOTAL=$(wc -l <"$WORK/curl-codes.txt")
CURL_BAD=$(grep -cvE '^(2..|304)$' "$WORK/curl-codes.txt" || true)

echo
echo "=== scale-out figures ==="
echo "replicas: 3 (ports ${PORTS[*]}), nginx $LB, cache max-age ${MAX_AGE}s"
echo "builds: $ID1 -> $ID2; all replicas converged ${CONVERGE_MS} ms after publish.sh started"
echo "cache probe before publish: $PRE_STATUSES (ETag $E1)"
echo "cache probe after publish:$POST_STATUSES $s4 (ETag $E_NEW); replica: old ETag $old_code, new ETag $new_code"
echo "curl loop (distinct requests): $CURL_TOTAL requests, $CURL_BAD failed"
LT_BAD=0
if [ "$LOADTEST" = yes ] && [ -s "$LOADTEST_JSON" ]; then
    python3 - "$LOADTEST_JSON" <<'PY' || LT_BAD=1
import json, sys
r = json.load(open(sys.argv[1]))
s = r["status"]
bad = r["requests"] - s["2xx"]
print(f'loadtest: {r["requests"]} requests in {r["seconds"]:.1f}s ({r["requests_per_second"]:.0f}/s), '
      f'p50 {r["p50_ms"]:.2f} ms, p99 {r["p99_ms"]:.2f} ms, max {r["max_ms"]:.1f} ms, status {s}')
sys.exit(1 if bad else 0)
PY
else
    echo "loadtest: not run ($(head -c 300 "$WORK/loadtest-build.log" 2>/dev/null))"
fi
echo "nginx cache statuses:" $(grep -o 'cache=[A-Z-]*' "$NG/access.log" | sort | uniq -c | sort -rn | awk '{print $2"="$1}')
echo "nginx foreground upstream requests by replica:" $(grep -o 'upstream=127[0-9.:]*' "$NG/access.log" | sort | uniq -c | awk '{print $2"="$1}')
echo "nginx statuses:" $(awk '{print $7}' "$NG/access.log" | sort | uniq -c | awk '{print $2"="$1}')
for i in 1 2 3; do
    m=$(curl -fsS "http://127.0.0.1:${PORTS[$((i - 1))]}/metrics")
    echo "replica $i: swaps $(echo "$m" | awk '/^searchd_index_swaps_total/{print $2}')," \
        "searches $(echo "$m" | awk '/^searchd_search_duration_seconds_count/{print $2}')," \
        "cache hits $(echo "$m" | awk '/^searchd_response_cache_requests_total\{result="hit"\}/{print $2}')," \
        "304s (revalidations) $(echo "$m" | awk -F' ' '/^searchd_http_requests_total\{code="304"/{s+=$2} END{print s+0}')"
done
[ "$CURL_BAD" -eq 0 ] || fail "$CURL_BAD of $CURL_TOTAL curl requests failed: $(grep -vE '^(2..|304)$' "$WORK/curl-codes.txt" | sort | uniq -c | tr '\n' ' ')"
[ "$LT_BAD" -eq 0 ] || fail "loadtest saw failed requests"
echo "PASS"
