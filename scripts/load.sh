#!/usr/bin/env bash
# Starts release tandem-server node(s) on free loopback ports and drives them with tandem-load:
# N clients join first, then each sends one whole-value change every interval; p50/p90/p99 propagation,
# ack latency and fan-out deliveries per second are printed at the end.
#
#   scripts/load.sh                       # 50 clients on 5 records for 30 s, one change every 2 s each
#   scripts/load.sh 250 1 60s 2s          # clients, records, duration, interval
#   NODES=2 scripts/load.sh 250 1 60s 2s  # two nodes behind a throwaway redis-server + PostgreSQL (run as root)
#   CONFIG=debug scripts/load.sh          # skip the (long) release build
#   SCRATCH=.build-x scripts/load.sh      # build in (and run from) another scratch path
#   SERVER_BIN=/tmp/old/tandem-server BUILD=0 scripts/load.sh 250 1 30s 2s   # another server build, no build step
#   SERVER_BIN=.build-release/release/ws-floor BUILD=0 scripts/load.sh 250 1 30s 2s   # the bare NIO floor
#   (scripts/floor-compare.sh alternates tandem-server and the floor and prints the ratio)
#   DEFLATE=1 scripts/load.sh 100 1 30s 500ms   # websocket.compression on and the clients offer permessage-deflate
#   VALUE_BYTES=600 scripts/load.sh …             # each change a ~600-byte JSON text instead of a number
# One node uses the default store (SQLite under the run's data folder) unless DATABASE_URL is set.
# TMPDIR=/dev/shm puts the run's folder (and the SQLite store) on tmpfs, out of reach of a busy disk.
# PIN=1 pins the server(s) to CPU 0 and tandem-load (and redis-server/PostgreSQL) to the other CPUs (taskset): the
# server then has exactly one core to itself, the setup a simulated node with `topology.node.cores: 1` stands
# for; unpinned, the server and the load generator share every core and the scheduler decides who gets what.
#
# Server CPU: WARMUP (default 5) seconds after the clients start sending, the script reads the user and system
# time of every server process (and of tandem-load) from /proc/<pid>/stat, again WINDOW seconds later (default:
# the sending time less the warm-up and 2 s), and prints the server's CPU per fan-out delivery, user and system
# apart, at the delivery rate tandem-load measured (nothing lost: that rate is the steady one). tandem-load runs
# line-buffered (stdbuf) so the script sees when sending begins.
#
# Bytes on the wire: over the same window the script reads tandem-load's rchar (/proc/<pid>/io: the bytes its read
# syscalls returned, i.e. the WebSocket frames the server sent its clients, headers included) and prints them per
# fan-out delivery (acks and presence ride along, as on the wire). It also reads the servers' syscw there (write
# syscalls: the frames' write/writev, plus a few others — event-loop wake-ups, the store's own writes) and prints
# them per delivery: with the CPU per delivery at several rates, the least-squares line through them gives the
# node cost model's per_write and per_frame (docs/BENCHMARKS.md, "Node cost model").
#
# At the end each node's /metrics is summarised (scripts/stage-summary.py): the node's stage timings (the cost
# terms they give are fitted by `tandem calibrate`, docs/calibration.md).
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-50}
records=${2:-5}
duration=${3:-30s}
interval=${4:-2s}
config=${CONFIG:-release}
nodes=${NODES:-1}
scratch=(); [ -n "${SCRATCH:-}" ] && scratch=(--scratch-path "$SCRATCH")

if [ "${BUILD:-1}" != 0 ]; then
    swift build "${scratch[@]}" -c "$config" --product tandem-server >&2
    swift build "${scratch[@]}" -c "$config" --product tandem-load >&2
fi
bin=$(swift build "${scratch[@]}" -c "$config" --show-bin-path)
server_bin=${SERVER_BIN:-$bin/tandem-server}

# Seconds in 500ms / 30s / 2m.
seconds_of() {
    case "$1" in
        *ms) awk -v v="${1%ms}" 'BEGIN { print v / 1000 }' ;;
        *s) echo "${1%s}" ;;
        *m) echo $(( ${1%m} * 60 )) ;;
        *) echo "bad duration $1" >&2; exit 2 ;;
    esac
}
warmup=${WARMUP:-5}
window=${WINDOW:-$(awk -v d="$(seconds_of "$duration")" -v w="$warmup" 'BEGIN { x = d - w - 2; print (x < 1 ? 1 : x) }')}
# "utime stime" in clock ticks of every pid given, summed (fields 14 and 15 of /proc/<pid>/stat).
cpu_ticks() {
    local user=0 system=0 fields
    for pid in "$@"; do
        read -r -a fields <<<"$(sed 's/^.*) //' "/proc/$pid/stat")"
        user=$((user + fields[11])); system=$((system + fields[12]))
    done
    echo "$user $system"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-load.XXXXXX")
pids=()
load_pid=""
redis_pid=""
pg_data=""
cleanup() {
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
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
server_pin=(); load_pin=()
if [ "${PIN:-0}" = 1 ]; then
    cpus=$(nproc)
    [ "$cpus" -ge 2 ] || { echo "PIN=1 needs at least 2 CPUs (this machine has $cpus)" >&2; exit 2; }
    command -v taskset >/dev/null || { echo "PIN=1 needs taskset (util-linux)" >&2; exit 2; }
    server_pin=(taskset -c 0); load_pin=(taskset -c "1-$((cpus - 1))")
    echo "pinned: server(s) on CPU 0, tandem-load on CPUs 1-$((cpus - 1))"
fi

if [ "$nodes" -gt 1 ]; then
    redis_port=$(free_port)
    "${load_pin[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
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
        "${load_pin[@]}" runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -t 30 \
            -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1" start >/dev/null
        DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
    fi
fi
[ -n "${DATABASE_URL:-}" ] && export TANDEM_DATABASE_URL="$DATABASE_URL"
deflate=()
if [ "${DEFLATE:-0}" = 1 ]; then export TANDEM_WEBSOCKET_COMPRESSION=on; deflate=(--deflate); fi
# Bytes the process's read syscalls returned so far (rchar of /proc/<pid>/io).
read_bytes() { sed -n 's/^rchar: //p' "/proc/$1/io"; }
# Write syscalls (write, writev, …) of every pid given, summed: /proc/<pid>/io's syscw, counted by the kernel for
# free (perf's syscall tracepoints cost the pinned server enough CPU to move its knee).
write_calls() { local p n=0; for p in "$@"; do n=$((n + $(sed -n 's/^syscw: //p' "/proc/$p/io"))); done; echo "$n"; }


ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
urls=()
for node in $(seq "$nodes"); do
    TANDEM_NODE_ID="node-$node" TANDEM_DATA_DIR="$work/data-$node" \
        "${server_pin[@]}" "$server_bin" serve --demo >"$work/stdout-$node" 2>"$work/stderr-$node" &
    pids+=($!)
    for _ in $(seq 300); do grep -q 'listening on' "$work/stdout-$node" 2>/dev/null && break; sleep 0.1; done
    url=$(sed -n 's/^tandem-server listening on //p' "$work/stdout-$node" | head -1)
    [ -n "$url" ] || { cat "$work/stderr-$node" >&2; echo "node $node did not start" >&2; exit 1; }
    urls+=("$url")
done
echo "store: ${TANDEM_DATABASE_URL:-default SQLite}, backplane: ${TANDEM_REDIS_URL:-memory:}, nodes: ${urls[*]}"

"${load_pin[@]}" stdbuf -oL "$bin/tandem-load" --url "$(IFS=,; echo "${urls[*]}")" --clients "$clients" --records "$records" \
    --duration "$duration" --interval "$interval" --value-bytes "${VALUE_BYTES:-0}" "${deflate[@]}" >"$work/load.out" 2>&1 &
load_pid=$!
until grep -q '; sending' "$work/load.out" 2>/dev/null; do
    kill -0 "$load_pid" 2>/dev/null || break
    sleep 0.1
done
sed -n '1,2p' "$work/load.out"
cpu=""
if kill -0 "$load_pid" 2>/dev/null; then
    sleep "$warmup"
    server_before=$(cpu_ticks "${pids[@]}"); load_before=$(cpu_ticks "$load_pid"); read_before=$(read_bytes "$load_pid")
    writes_before=$(write_calls "${pids[@]}")
    sleep "$window"
    server_after=$(cpu_ticks "${pids[@]}"); load_after=$(cpu_ticks "$load_pid"); read_after=$(read_bytes "$load_pid")
    writes_after=$(write_calls "${pids[@]}")
    cpu="$server_before $server_after $load_before $load_after $read_before $read_after $writes_before $writes_after"
fi
load_status=0
wait "$load_pid" || load_status=$?
load_pid=""
sed -n '3,$p' "$work/load.out"
[ "$load_status" = 0 ] || exit "$load_status"
rate=$(sed -n 's/^fan-out deliveries: [0-9]* (\([0-9]*\)\/s)$/\1/p' "$work/load.out")
if [ -n "$cpu" ] && [ -n "$rate" ] && [ "$rate" -gt 0 ]; then
    # shellcheck disable=SC2086
    awk -v hz="$(getconf CLK_TCK)" -v w="$window" -v deflate="$([ "${DEFLATE:-0}" = 1 ] && echo offered || echo off)" -v warm="$warmup" -v rate="$rate" -v n="$nodes" \
        'BEGIN { split(ARGV[1], t, " "); ARGV[1] = ""
            us = (t[3] - t[1]) / hz; ss = (t[4] - t[2]) / hz; lu = (t[7] - t[5]) / hz; ls = (t[8] - t[6]) / hz
            d = rate * w
            printf "server CPU (%d node(s), %.0f s from %.0f s after sending began): %.1f %% of a core (user %.1f, system %.1f)\n", \
                n, w, warm, 100 * (us + ss) / w, 100 * us / w, 100 * ss / w
            printf "server CPU per delivery: %.2f us (user %.2f, system %.2f) at %d deliveries/s\n", \
                1e6 * (us + ss) / d, 1e6 * us / d, 1e6 * ss / d, rate
            printf "load generator CPU: %.1f %% of a core (user %.1f, system %.1f)\n", 100 * (lu + ls) / w, 100 * lu / w, 100 * ls / w
            printf "bytes to the clients: %.1f per delivery (%.0f KiB/s; permessage-deflate %s)\n", \
                (t[10] - t[9]) / d, (t[10] - t[9]) / w / 1024, deflate
            printf "server write syscalls: %.4f per delivery (write and writev; the per_write term of docs/BENCHMARKS.md)\n", \
                (t[12] - t[11]) / d
        }' "$cpu"
fi
for url in "${urls[@]}"; do
    echo "--- $url/metrics"
    curl -s "$url/metrics" >"$work/metrics"
    grep -E '^tandem_(commits_total|messages_(in|out)_total|slow_consumers|history_store_reads|commit_duration_seconds_(sum|count)|backplane_(messages|errors|lag))' "$work/metrics" || true
    if grep -q '^tandem_node_stage_seconds' "$work/metrics"; then scripts/stage-summary.py <"$work/metrics"; fi
done
