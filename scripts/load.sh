#!/usr/bin/env bash
# Starts release tandem-server node(s) on free loopback ports and drives them with tandem-load:
# N clients join first, then each sends one whole-value change every interval; p50/p90/p99 propagation,
# ack latency and fan-out deliveries per second are printed at the end.
#
#   scripts/load.sh                       # 50 clients on 5 records for 30 s, one change every 2 s each
#   scripts/load.sh 250 1 60s 2s          # clients, records, duration, interval
#   NODES=2 scripts/load.sh 250 1 60s 2s  # two nodes behind a throwaway redis-server + PostgreSQL (run as root)
#   CONFIG=debug scripts/load.sh          # skip the (long) release build
# One node uses the default store (SQLite under the run's data folder) unless DATABASE_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
records=${2:-5}
duration=${3:-30s}
interval=${4:-2s}
config=${CONFIG:-release}
nodes=${NODES:-1}

swift build -c "$config" --product tandem-server >&2
swift build -c "$config" --product tandem-load >&2
bin=$(swift build -c "$config" --show-bin-path)

work=$(mktemp -d /tmp/tandem-load.XXXXXX)
pids=()
redis_pid=""
pg_data=""
cleanup() {
    for pid in "${pids[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
    done
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

export TANDEM_PORT=0 TANDEM_BCRYPT_COST=4 TANDEM_LOG_LEVEL=warning
export TANDEM_JWT_SECRET="load-test-secret-0123456789abcdef-0123456789"
if [ "$nodes" -gt 1 ]; then
    redis_port=$(free_port)
    redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
    for _ in $(seq 50); do [ -s "$work/redis.pid" ] && break; sleep 0.1; done
    redis_pid=$(cat "$work/redis.pid")
    export TANDEM_REDIS_URL="redis://127.0.0.1:$redis_port"
    if [ -z "${DATABASE_URL:-}" ]; then
        pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
        pg_port=$(free_port)
        chown postgres:postgres "$work" && chmod 0755 "$work"
        pg_data="$work/pg"
        runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C >"$work/initdb.log"
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -t 30 \
            -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
        DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
    fi
fi
[ -n "${DATABASE_URL:-}" ] && export TANDEM_DATABASE_URL="$DATABASE_URL"

ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
urls=()
for node in $(seq "$nodes"); do
    TANDEM_NODE_ID="node-$node" TANDEM_DATA_DIR="$work/data-$node" \
        "$bin/tandem-server" serve --demo >"$work/stdout-$node" 2>"$work/stderr-$node" &
    pids+=($!)
    for _ in $(seq 300); do grep -q 'listening on' "$work/stdout-$node" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/^tandem-server listening on //p' "$work/stdout-$node" | head -1)
    [ -n "$url" ] || { cat "$work/stderr-$node" >&2; echo "node $node did not start" >&2; exit 1; }
    urls+=("$url")
done
echo "store: ${TANDEM_DATABASE_URL:-default SQLite}, backplane: ${TANDEM_REDIS_URL:-memory:}, nodes: ${urls[*]}"

"$bin/tandem-load" --url "$(IFS=,; echo "${urls[*]}")" --clients "$clients" --records "$records" \
    --duration "$duration" --interval "$interval"
for url in "${urls[@]}"; do
    echo "--- $url/metrics"
    curl -s "$url/metrics" | grep -E '^tandem_(commits_total|messages_(in|out)_total|slow_consumers|commit_duration_seconds_(sum|count)|backplane_(messages|errors|lag))'
done
