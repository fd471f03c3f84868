#!/usr/bin/env bash
# The live load generator's own cost (issue 8; docs/BENCHMARKS.md): a scenario's node(s) run under
# `tandem-live up` in one process, its users under `tandem-live run --target` in another, so the second
# process's CPU and peak memory are the load generator's alone (no servers, no fault proxies in it).
#
#   scripts/live-load-bench.sh                                   # Benchmarks/scenarios/live-users-2000.yaml
#   scripts/live-load-bench.sh Benchmarks/scenarios/live-users-2000.yaml /tmp/out
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-Benchmarks/scenarios/live-users-2000.yaml}
out=${2:-$(mktemp -d /tmp/tandem-live-bench.XXXXXX)}
scratch=${SCRATCH:-.build-release}
swift build -c release --product tandem-server --scratch-path "$scratch" >/dev/null
swift build -c release --product tandem-live --scratch-path "$scratch" >/dev/null
live="$scratch/release/tandem-live"
log=$(mktemp /tmp/tandem-live-up.XXXXXX)
"$live" up "$scenario" >"$log" 2>&1 &
up=$!
trap 'kill -INT $up 2>/dev/null; wait $up 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 300); do grep -q '^ready$' "$log" && break; kill -0 $up 2>/dev/null || { cat "$log" >&2; exit 2; }; sleep 1; done
grep -q '^ready$' "$log" || { echo "live-load-bench: tandem-live up did not get ready" >&2; cat "$log" >&2; exit 2; }
command=$(sed -n 's/^run against it: tandem-live //p' "$log")
mkdir -p "$out"
echo "live-load-bench: $live $command --out $out"
# shellcheck disable=SC2086
/usr/bin/time -v "$live" $command --out "$out" --quiet 2> "$out/time.txt" || true
grep -E "Maximum resident|User time|System time|Elapsed" "$out/time.txt"
python3 - "$out" <<'PY'
import glob, json, sys
for path in glob.glob(sys.argv[1] + "/*/*/report.json"):
    report = json.load(open(path))
    counters = report["load"]["run"]["counters"]
    latency = report["latency"]["propagation"]
    print(f"{report['identity']['scenario_name']}: passed={report['passed']} "
          f"propagation p50 {latency['p50_ms']:.1f} ms p99 {latency['p99_ms']:.1f} ms, "
          + ", ".join(f"{k} {v}" for k, v in sorted(counters.items()) if k.startswith("load_generator.")))
PY
