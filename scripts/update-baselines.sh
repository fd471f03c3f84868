#!/usr/bin/env bash
# Regenerates the committed baseline reports under Reports/baselines/ (the scenario gate compares against them).
#
#   scripts/update-baselines.sh                 # every scenario in Scenarios/, release build
#   scripts/update-baselines.sh smoke-10        # just these
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product tandem --scratch-path .build-release >/dev/null
tandem=.build-release/release/tandem
if [ $# -gt 0 ]; then names=("$@"); else names=($(ls Scenarios/*.yaml | xargs -n1 basename | sed 's/\.yaml$//')); fi
for name in "${names[@]}"; do
    rm -rf "Reports/baselines/$name"
    "$tandem" run "Scenarios/$name.yaml" --out Reports/baselines --quiet || true   # a failing scenario's report is still its baseline
done
