#!/usr/bin/env bash
# The whole test suite, on a fresh machine of this kind: installs what is missing, starts redis-server and
# PostgreSQL on free loopback ports, runs every test target and the browser tests, and stops what it started.
#
#   scripts/test.sh                 # everything
#   scripts/test.sh --filter Core   # extra arguments go to `swift test`
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '[test.sh] %s\n' "$*" >&2; }

# 1. System packages (hiredis and redis for the backplane, PostgreSQL and SQLite for the stores): one list, in setup.sh.
scripts/setup.sh --test

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

work=$(mktemp -d /tmp/tandem-test.XXXXXX)
redis_pid=""
pg_data=""
cleanup() {
    local status=$?
    if [ -n "$redis_pid" ] && kill -0 "$redis_pid" 2>/dev/null; then
        kill "$redis_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$redis_pid" 2>/dev/null || break; sleep 0.1; done
    fi
    if [ -n "$pg_data" ] && [ -f "$pg_data/postmaster.pid" ]; then
        runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
    exit $status
}
trap cleanup EXIT INT TERM

# 2. redis-server on a free loopback port, no persistence.
redis_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --pidfile "$work/redis.pid" --logfile "$work/redis.log" --dir "$work"
for _ in $(seq 50); do [ -s "$work/redis.pid" ] && break; sleep 0.1; done
redis_pid=$(cat "$work/redis.pid")
export TANDEM_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
log "redis-server pid $redis_pid on port $redis_port"

# 3. A throwaway PostgreSQL cluster on a free loopback port.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
pg_port=$(free_port)
chown postgres:postgres "$work"
chmod 0755 "$work"
pg_data="$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$pg_data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$work/initdb.log"
runuser -u postgres -- "$pg_bin/pg_ctl" -D "$pg_data" -l "$work/pg.log" -w -t 30 \
    -o "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null
export TANDEM_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
log "PostgreSQL on port $pg_port"

# 4. python-socketio and openapi-spec-validator in a venv, for the Socket.IO endpoint's tests and OpenAPITests
#    (pinned in the script).
socketio_python=$(scripts/socketio/venv.sh)
export TANDEM_TEST_SOCKETIO_PYTHON="$socketio_python"
log "python-socketio: $TANDEM_TEST_SOCKETIO_PYTHON"

# 5. The browser client's unit tests (OT vectors shared with TandemCoreTests, the client state machine, the
#    protocol logic against a fake server), then every Swift test target (the executables are built first: tests
#    run the real `tandem` binary).
log "node --test Tests/js/"
node --test Tests/js/
log "swift build"
swift build
if [ $# -gt 0 ]; then
    log "swift test $*"
    swift test "$@"
else
    # Three phases, so that tests with real-time deadlines never share the two cores with minutes of CPU-bound
    # simulation. Every suite starts at once inside one `swift test`; when whole-scenario simulations (the
    # `tandem` binary at full speed, for minutes) ran beside real servers, a process that exits in 0.2 s on an
    # idle host missed a 15 s deadline and a live scenario read p99 12 s (CI, 2026-12-02, load average ~11).
    #   1. the simulator and everything in-process or CPU-bound: no wall-clock deadline on a real process;
    #   2. real servers, Redis, PostgreSQL, sockets and fault proxies;
    #   3. whole scenarios live (LiveRunTests: latency thresholds on real processes), alone.
    simulated='^(TandemCoreTests|TandemEngineTests|TandemRuntimeTests|TandemScenarioTests|TandemSimTests|TandemReportTests|TandemWireTests|TandemStoreTests)\.'
    live_runs='^TandemLiveTests\.LiveRunTests'
    log "swift test, phase 1 of 3: the simulator and in-process tests"
    swift test --filter "$simulated"
    log "swift test, phase 2 of 3: real servers, Redis, PostgreSQL and sockets"
    swift test --skip "$simulated" --skip "$live_runs"
    log "swift test, phase 3 of 3: whole scenarios live"
    swift test --filter "$live_runs"
fi

# 6. The real-browser tests: two headless Chromium sessions (Debian's chromium and chromium-driver, installed by
#    setup.sh --test above) driven by Selenium (PyPI, in a venv under .build/) against the tandem-server just built.
#    Screenshots, the server log and measurements.json go to $TANDEM_BROWSER_ARTIFACTS (default: a folder under /tmp).
if [ $# -eq 0 ]; then
    log "browser tests"
    TANDEM_SERVER_BINARY="$PWD/.build/debug/tandem-server" Tests/browser/run.sh
fi

# 7. The scenario gate: CI scenarios under K seeds against their committed baseline distributions, with a release
#    build of `tandem` (skipped when filtering tests).
if [ $# -eq 0 ]; then
    log "scenario gate"
    scripts/scenario-gate.sh
fi
