#!/usr/bin/env bash
# Server CPU per fan-out delivery on the Socket.IO endpoint beside the native /ws one, same load shape, runs
# alternated in pairs (native then socket.io, then socket.io then native, …), each against a fresh server (SQLite
# store; release build unless BIN says otherwise):
#
#   scripts/socketio/bench.sh                 # 3 pairs of 50 clients on 1 record for 30 s, one change every 1 s each
#   scripts/socketio/bench.sh 3 50 1 30 1     # pairs, clients, records, seconds, interval (s)
#   BIN=.build-x/release scripts/socketio/bench.sh   # where tandem-server and tandem-load are (default: release bin)
#
# The native load is tandem-load; the Socket.IO load is scripts/socketio/load.py (python-socketio, from the venv
# scripts/socketio/venv.sh makes). WARMUP (default 5) s after sending began, the server's user+system time
# (/proc/<pid>/stat) and its frames queued to clients (`tandem_messages_out_total`, every fan-out delivery, ack and
# reply) are read, and again WINDOW s later (default: the sending time less the warm-up and 2 s); the CPU per
# delivery is the one over the other. Each pair's ratio (socket.io / native) is printed, then the median ratio.
set -euo pipefail
cd "$(dirname "$0")/../.."
pairs=${1:-3}
clients=${2:-50}
records=${3:-1}
seconds=${4:-30}
interval=${5:-1}
bin=${BIN:-$(swift build -c release --show-bin-path)}
python=$(scripts/socketio/venv.sh)
warmup=${WARMUP:-5}
window=${WINDOW:-$((seconds - warmup - 2))}

work=$(mktemp -d "${TMPDIR:-/tmp}/tandem-sio-bench.XXXXXX")
server_pid=""
load_pid=""
cleanup() {
    [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null || true
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

export TANDEM_PORT=0 TANDEM_BCRYPT_COST=4 TANDEM_LOG_LEVEL=warning
export TANDEM_JWT_SECRET="load-test-secret-0123456789abcdef-0123456789"
hz=$(getconf CLK_TCK)
ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }
frames_out() { curl -s "$1/metrics" | awk '$1 == "tandem_messages_out_total" { print $2 }'; }

# One run: prints "<cpu ticks> <frames>" over the window.
run() {
    local kind=$1 n=$2
    rm -rf "$work/data"
    TANDEM_DATA_DIR="$work/data" "$bin/tandem-server" serve --demo >"$work/server.out" 2>"$work/server.err" &
    server_pid=$!
    for _ in $(seq 300); do grep -q 'listening on' "$work/server.out" 2>/dev/null && break; sleep 0.1; done
    local url
    url=$(sed -n 's/^tandem-server listening on //p' "$work/server.out" | head -1)
    [ -n "$url" ] || { cat "$work/server.err" >&2; echo "server did not start" >&2; exit 1; }
    if [ "$kind" = native ]; then
        stdbuf -oL "$bin/tandem-load" --url "$url" --clients "$clients" --records "$records" --duration "${seconds}s" \
            --interval "${interval}s" >"$work/load.out" 2>&1 &
    else
        "$python" -u scripts/socketio/load.py "$url" "$clients" "$records" "$seconds" "$interval" >"$work/load.out" 2>&1 &
    fi
    load_pid=$!
    until grep -q 'sending' "$work/load.out" 2>/dev/null; do
        kill -0 "$load_pid" 2>/dev/null || { cat "$work/load.out" >&2; exit 1; }
        sleep 0.1
    done
    sleep "$warmup"
    local t0 f0 t1 f1
    t0=$(ticks "$server_pid"); f0=$(frames_out "$url")
    sleep "$window"
    t1=$(ticks "$server_pid"); f1=$(frames_out "$url")
    wait "$load_pid" || { cat "$work/load.out" >&2; exit 1; }
    load_pid=""
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
    server_pid=""
    awk -v k="$kind" -v n="$n" -v hz="$hz" -v w="$window" -v t0="$t0" -v t1="$t1" -v f0="$f0" -v f1="$f1" \
        'BEGIN { cpu = (t1 - t0) / hz; d = f1 - f0
                 printf "run %d %-9s %6.1f %% of a core, %7d frames/s, %6.2f us of server CPU per frame\n", \
                     n, k, 100 * cpu / w, d / w, 1e6 * cpu / d }' >&2
    awk -v hz="$hz" -v t0="$t0" -v t1="$t1" -v f0="$f0" -v f1="$f1" 'BEGIN { printf "%.9f\n", (t1 - t0) / hz / (f1 - f0) }'
    tail -1 "$work/load.out" | sed 's/^/    /' >&2
}

echo "$(nproc) cores, $(uptime | sed 's/.*load average/load average/'); $pairs pairs of $clients clients on $records record(s), ${seconds} s, one change every ${interval} s each" >&2
ratios=()
for pair in $(seq "$pairs"); do
    # Odd pairs run native first, even pairs socket.io first, so neither always has the warmer (or quieter) slot.
    if [ $((pair % 2)) = 1 ]; then
        native=$(run native "$pair"); sio=$(run socket.io "$pair")
    else
        sio=$(run socket.io "$pair"); native=$(run native "$pair")
    fi
    ratio=$(awk -v a="$sio" -v b="$native" 'BEGIN { printf "%.3f", a / b }')
    ratios+=("$ratio")
    echo "pair $pair: socket.io / native = $ratio" >&2
done
printf '%s\n' "${ratios[@]}" | sort -n | awk '{ r[NR] = $1 } END { printf "median ratio socket.io / native: %s (of %d pairs)\n", r[int((NR + 1) / 2)], NR }'
