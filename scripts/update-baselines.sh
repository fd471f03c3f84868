#!/usr/bin/env bash
# Regenerates the committed baselines under Reports/baselines/ with a release build of `tandem`:
#  - each named scenario's reference report, Reports/baselines/<scenario>/<seed>/report.{json,md,html};
#  - for the scenarios of the gate's CI set (Reports/baselines/gate.conf), the seed distribution the gate compares
#    against, Reports/baselines/<scenario>/distribution.json (`tandem gate --write-baseline`, K seeds from 1).
# It then prints how the new distributions compare with the ones they replace: paste that into the commit message.
# Refresh only for a change that is meant to move the numbers, from the build of that change, in its own commit.
#
#   scripts/update-baselines.sh                 # every scenario in Scenarios/
#   scripts/update-baselines.sh smoke-10        # just these
#   SCRATCH=.build-mine scripts/update-baselines.sh   # another scratch path for the release build
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=${SCRATCH:-.build-release}
swift build -c release --product tandem --scratch-path "$scratch" >/dev/null
tandem=$scratch/release/tandem
if [ $# -gt 0 ]; then names=("$@"); else names=($(ls Scenarios/*.yaml | xargs -n1 basename | sed 's/\.yaml$//')); fi
previous=$(mktemp -d /tmp/tandem-baselines.XXXXXX)
trap 'rm -rf "$previous"' EXIT
for name in "${names[@]}"; do
    [ -f "Reports/baselines/$name/distribution.json" ] && cp "Reports/baselines/$name/distribution.json" "$previous/$name.json"
    find "Reports/baselines/$name" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} + 2>/dev/null || true
    "$tandem" run "Scenarios/$name.yaml" --out Reports/baselines --quiet || true   # a failing scenario's report is still its baseline
    seeds=$(awk -v n="$name" '$1 == n { print $2 }' Reports/baselines/gate.conf)
    if [ -n "$seeds" ]; then
        "$tandem" gate "Scenarios/$name.yaml" --seeds "$seeds" --baseline Reports/baselines --write-baseline 2>/dev/null
        if [ -f "$previous/$name.json" ]; then
            echo "== $name: the new baseline against the one it replaces"
            "$tandem" compare "Reports/baselines/$name/distribution.json" "$previous/$name.json" || true
        fi
    fi
done
