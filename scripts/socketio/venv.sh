#!/usr/bin/env bash
# Makes (once) the Python virtual environment the Socket.IO tests run python-socketio from (and OpenAPITests
# openapi-spec-validator), and prints its python's path. The packages are pinned; a venv that already has them is
# reused as it is.
#
#   scripts/socketio/venv.sh [DIR]    # DIR defaults to $TANDEM_SOCKETIO_VENV, else .build/socketio-venv
set -euo pipefail
cd "$(dirname "$0")/../.."

dir="${1:-${TANDEM_SOCKETIO_VENV:-.build/socketio-venv}}"
packages=(python-socketio==5.18.1 python-engineio==4.15.1 aiohttp==3.14.5 openapi-spec-validator==0.9.0)

if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import importlib.metadata as m, sys; import socketio, aiohttp, openapi_spec_validator; sys.exit(m.version("python-socketio") != "5.18.1" or m.version("openapi-spec-validator") != "0.9.0")' 2>/dev/null; then
    printf '%s\n' "$(cd "$dir" && pwd)/bin/python"
    exit 0
fi
printf '[socketio/venv.sh] installing %s into %s\n' "${packages[*]}" "$dir" >&2
python3 -m venv "$dir"
"$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${packages[@]}" >&2
printf '%s\n' "$(cd "$dir" && pwd)/bin/python"
