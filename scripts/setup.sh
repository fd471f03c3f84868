#!/usr/bin/env bash
# Installs (apt) what building the server side needs on a fresh Debian machine with Swift 6.3, and with --test
# also what the test suite runs against. The one list of system packages: scripts/test.sh calls this too.
#
#   scripts/setup.sh          # libhiredis-dev (CHiredis, the Redis backplane), libsqlite3-dev (the SQLite store) and
#                             # zlib1g-dev (WebSocket permessage-deflate)
#   scripts/setup.sh --test   # plus redis-server and PostgreSQL (the live backplane and store the tests start),
#                             # python3 with venv (the Socket.IO tests' python-socketio), nodejs (the browser
#                             # client's unit tests) and chromium with chromium-driver (the browser tests)
#   scripts/setup.sh --browser  # only chromium and chromium-driver
#
# Only what is missing is installed; nothing happens when everything is there. The simulator (`tandem`) needs none
# of it.
set -euo pipefail

build_packages=1
browser_packages=0
case "${1:-}" in
    "") test_packages=0 ;;
    --test) test_packages=1; browser_packages=1 ;;
    --browser) test_packages=0; build_packages=0; browser_packages=1 ;;
    *) printf 'setup.sh: unknown argument "%s" (expected nothing, --test or --browser)\n' "$1" >&2; exit 2 ;;
esac

need=()
if [ "$build_packages" = 1 ]; then
    [ -f /usr/include/hiredis/hiredis.h ] || need+=(libhiredis-dev)
    [ -f /usr/include/sqlite3.h ] || need+=(libsqlite3-dev)
    [ -f /usr/include/zlib.h ] || need+=(zlib1g-dev)   # permessage-deflate (compress-nio)
fi
if [ "$test_packages" = 1 ]; then
    command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
    ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
    # python3 with venv: the Socket.IO tests run python-socketio from a venv (scripts/socketio/venv.sh).
    command -v python3 >/dev/null 2>&1 || need+=(python3)
    python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || need+=(python3-venv)
    command -v node >/dev/null 2>&1 || need+=(nodejs)   # the browser client's unit tests (node --test)
fi
if [ "$browser_packages" = 1 ]; then
    command -v chromium >/dev/null 2>&1 || need+=(chromium)
    command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
fi
if [ ${#need[@]} -gt 0 ]; then
    printf '[setup.sh] installing %s\n' "${need[*]}" >&2
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
