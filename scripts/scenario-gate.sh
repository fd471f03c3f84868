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
exec "$tandem" gate "${files[@]}" --baseline Reports/baselines --out Reports/gate
