#!/usr/bin/env bash
# Starts a release tandem-server on a free loopback port and drives it with tandem-load:
# N clients, one whole-value change every 2 s each, p50/p90/p99 propagation printed at the end.
#
#   scripts/load.sh                 # 50 clients on 5 records for 30 s
#   scripts/load.sh 500 50 60s      # clients, records, duration
#   CONFIG=debug scripts/load.sh    # skip the (long) release build
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
records=${2:-5}
duration=${3:-30s}
config=${CONFIG:-release}

swift build -c "$config" --product tandem-server >&2
swift build -c "$config" --product tandem-load >&2
bin=$(swift build -c "$config" --show-bin-path)

work=$(mktemp -d /tmp/tandem-load.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid"
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
TANDEM_PORT=0 TANDEM_DATA_DIR="$work/data" TANDEM_BCRYPT_COST=4 TANDEM_LOG_LEVEL=warning \
    "$bin/tandem-server" >"$work/stdout" 2>"$work/stderr" &
server_pid=$!
for _ in $(seq 300); do grep -q 'listening on' "$work/stdout" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/^tandem-server listening on //p' "$work/stdout" | head -1)
[ -n "$url" ] || { cat "$work/stderr" >&2; echo "server did not start" >&2; exit 1; }

"$bin/tandem-load" --url "$url" --clients "$clients" --records "$records" --duration "$duration" --interval 2s
echo "--- server metrics"
curl -s "$url/metrics" | grep -E '^tandem_(commits_total|messages_(in|out)_total|slow_consumers|commit_duration_seconds_(sum|count))'
