#!/usr/bin/env bash
# The CI gate on scenario files: runs the CI scenario set in the simulator and compares each report with its
# committed baseline under Reports/baselines/<scenario>/<seed>/report.json (`tandem compare`, 10% tolerance).
# Both steps judge scoped thresholds (`latency.propagation.p99{outside: faults}`): the run fails on one that misses,
# and compare flags one that passed in the baseline and fails now, and any window's percentiles that got worse.
#
#   scripts/scenario-gate.sh                  # uses .build/debug/tandem (build it first)
#   TANDEM=.build/release/tandem scripts/scenario-gate.sh classroom-150
set -euo pipefail
cd "$(dirname "$0")/.."
tandem=${TANDEM:-.build/debug/tandem}
[ -x "$tandem" ] || { echo "scenario-gate: $tandem is not built (swift build --product tandem)" >&2; exit 2; }
if [ $# -gt 0 ]; then scenarios=("$@"); else
    scenarios=(smoke-10 classroom-150 crash-restart partition-streams partition-pubsub partition-pubsub-norecovery
        delete-during-partition)
fi
out=$(mktemp -d /tmp/tandem-gate.XXXXXX)
trap 'rm -rf "$out"' EXIT
status=0
for name in "${scenarios[@]}"; do
    baseline_dir=$(ls -d Reports/baselines/"$name"/*/ 2>/dev/null | head -1 || true)
    if [ -z "$baseline_dir" ]; then
        echo "scenario-gate: no baseline for $name under Reports/baselines/$name/ (scripts/update-baselines.sh $name)" >&2
        status=1
        continue
    fi
    seed=$(basename "$baseline_dir")
    echo "== $name (seed $seed)"
    if ! "$tandem" run "Scenarios/$name.yaml" --seed "$seed" --out "$out" --quiet; then
        echo "scenario-gate: $name failed its own checks and thresholds" >&2
        status=1
    fi
    if ! "$tandem" compare "$out/$name/$seed/report.json" "$baseline_dir/report.json" --tolerance 10%; then
        echo "scenario-gate: $name got worse than its baseline" >&2
        status=1
    fi
    new_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["identity"].get("trace_hash",""))' "$out/$name/$seed/report.json")
    old_hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["identity"].get("trace_hash",""))' "$baseline_dir/report.json")
    if [ "$new_hash" != "$old_hash" ]; then
        echo "   note: trace $new_hash differs from the baseline's $old_hash (behaviour changed; refresh baselines with scripts/update-baselines.sh)"
    fi
done
exit $status
