#!/usr/bin/env bash
# The CI gate on scenario files: `tandem gate` runs every scenario of the CI set (Reports/baselines/gate.conf) under
# the seeds of its baseline distribution, on all cores, and compares the change of each metric's median across
# seeds with the baseline: a metric regresses only when the 95% bootstrap interval of that change lies entirely
# beyond 10% and the Mann–Whitney U test gives p < 0.01. Any seed that fails a safety checker, or misses a
# threshold every baseline seed met, fails the gate and is named with the command that replays it.
# Comparisons go to Reports/gate/<scenario>/gate.{md,html}.
#
#   scripts/scenario-gate.sh                     # builds a release `tandem` (scratch path .build-release)
#   scripts/scenario-gate.sh classroom-150       # just these scenarios
#   TANDEM=.build/release/tandem scripts/scenario-gate.sh    # an existing binary
#   SCRATCH=.build-mine scripts/scenario-gate.sh             # another scratch path for the release build
set -euo pipefail
cd "$(dirname "$0")/.."
tandem=${TANDEM:-}
if [ -z "$tandem" ]; then
    scratch=${SCRATCH:-.build-release}
    started=$(date +%s)
    swift build -c release --product tandem --scratch-path "$scratch" >/dev/null
    echo "scenario-gate: release build of tandem took $(( $(date +%s) - started )) s"
    tandem=$scratch/release/tandem
fi
[ -x "$tandem" ] || { echo "scenario-gate: $tandem is not built (swift build -c release --product tandem)" >&2; exit 2; }
if [ $# -gt 0 ]; then scenarios=("$@"); else
    scenarios=($(grep -v '^#' Reports/baselines/gate.conf | awk 'NF { print $1 }'))
fi
files=()
for name in "${scenarios[@]}"; do files+=("Scenarios/$name.yaml"); done
status=0
"$tandem" gate "${files[@]}" --baseline Reports/baselines --out Reports/gate || status=$?
# --wire: the production codecs (client and server frames, backplane JSON) on every simulated hop must leave the run
# exactly as it was: the same trace hash as the baseline report of the same seed.
if [ $# -eq 0 ]; then
    wire_out=$(mktemp -d /tmp/tandem-wire.XXXXXX)
    "$tandem" run Scenarios/crash-restart.yaml --seed 3 --wire --quiet --out "$wire_out" >/dev/null || true
    want=$(grep -o '"trace_hash" : "[0-9a-f]*"' Reports/baselines/crash-restart/3/report.json || true)
    got=$(grep -o '"trace_hash" : "[0-9a-f]*"' "$wire_out/crash-restart/3/report.json" 2>/dev/null || true)
    wire_counts=$(grep -o '"wire\.[a-z_]*" : [0-9]*' "$wire_out/crash-restart/3/report.json" 2>/dev/null | tr '\n' ' ' || true)
    rm -rf "$wire_out"
    if [ -n "$want" ] && [ "$want" = "$got" ] && ! grep -q "mismatches\|decode_failures" <<<"$wire_counts"; then
        echo "scenario-gate: --wire crash-restart seed 3: same trace as the baseline (${wire_counts% })"
    else
        echo "scenario-gate: --wire crash-restart seed 3 differs from the baseline: ${got:-no report} vs $want; ${wire_counts}" >&2
        status=1
    fi
fi
exit $status
