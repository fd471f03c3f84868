#!/usr/bin/env bash
# The real-browser tests: headless Chromium (Debian's chromium and chromium-driver) driven by Selenium (PyPI, in a
# venv) against a built tandem-server. scripts/test.sh runs this after `swift build`; by hand:
#
#   swift build --product tandem-server && Tests/browser/run.sh [pytest arguments]
#
# TANDEM_SERVER_BINARY names the binary (default .build/debug/tandem-server); TANDEM_BROWSER_VENV the venv
# (default .build/browser-venv); TANDEM_BROWSER_ARTIFACTS where screenshots, the server log and measurements.json
# go (default a new folder under /tmp, printed).
set -euo pipefail
cd "$(dirname "$0")/../.."

log() { printf '[browser] %s\n' "$*" >&2; }

scripts/setup.sh --browser

venv=${TANDEM_BROWSER_VENV:-.build/browser-venv}
case "$venv" in /*) ;; *) venv="$PWD/$venv" ;; esac
if ! "$venv/bin/python" -c 'import selenium, pytest' 2>/dev/null; then
    log "creating $venv with Selenium and pytest"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -r Tests/browser/requirements.txt
fi
export TANDEM_BROWSER_ARTIFACTS=${TANDEM_BROWSER_ARTIFACTS:-$(mktemp -d /tmp/tandem-browser-artifacts.XXXXXX)}
log "artifacts in $TANDEM_BROWSER_ARTIFACTS"
cd Tests/browser
exec "$venv/bin/python" -m pytest -p no:cacheprovider -v "$@"
