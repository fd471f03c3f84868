#!/usr/bin/env bash
# Measures the scenario gate (docs/scenario-gate.md): its false-alarm rate and the smallest regression it detects.
#
# 1. False alarms: every CI scenario (Reports/baselines/gate.conf) is run under a pool of POOL seeds (from 1001, so
#    not the baseline's); PAIRS times, two disjoint sets of K seeds are drawn from the pool (seeded shuffle) and
#    judged against each other with `tandem compare` (the gate's rule). Same build, so every FAIL is a false alarm.
# 2. Sensitivity: `tandem gate` against the committed baselines with the test hook `--test-hook-commit-delay-ms D`
#    (every store append takes D ms longer) for each D in DELAYS; prints which scenarios fail and on which metrics.
#
#   scripts/gate-calibration.sh                       # release build at .build-release; POOL=100 PAIRS=20 K=20
#   TANDEM=.build-h-rel/release/tandem POOL=60 PAIRS=20 DELAYS="1 2 4" POOL_DIR=/tmp/pool scripts/gate-calibration.sh
set -euo pipefail
cd "$(dirname "$0")/.."
tandem=${TANDEM:-}
if [ -z "$tandem" ]; then
    scratch=${SCRATCH:-.build-release}
    swift build -c release --product tandem --scratch-path "$scratch" >/dev/null
    tandem=$scratch/release/tandem
fi
pool=${POOL:-100}
pairs=${PAIRS:-20}
k=${K:-20}
delays=${DELAYS:-1 2 3 4 6}
work=$(mktemp -d /tmp/tandem-calibration.XXXXXX)
trap 'rm -rf "$work"' EXIT
pool_dir=${POOL_DIR:-$work/pool}   # POOL_DIR: keep (or reuse) the pool's distributions there
scenarios=($(grep -v '^#' Reports/baselines/gate.conf | awk 'NF { print $1 }'))
files=()
for name in "${scenarios[@]}"; do files+=("Scenarios/$name.yaml"); done

echo "## False alarms: $pairs pairs of disjoint $k-seed sets from a pool of $pool seeds (1001…$((1000 + pool)))"
if [ -f "$pool_dir/${scenarios[0]}/distribution.json" ]; then
    echo "(reusing the pool in $pool_dir)"
else
    "$tandem" gate "${files[@]}" --seeds "$pool" --from 1001 --baseline "$pool_dir" --write-baseline 2>/dev/null | tail -1
fi
for name in "${scenarios[@]}"; do
    python3 - "$pool_dir/$name/distribution.json" "$work/pairs/$name" "$pairs" "$k" <<'PY'
import json, os, random, sys
source, folder, pairs, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pool = json.load(open(source))
rng = random.Random(20261201)
def subset(indices):
    d = dict(pool)
    d["seeds"] = [pool["seeds"][i] for i in indices]
    d["trace_hashes"] = [pool["trace_hashes"][i] for i in indices]
    d["metrics"] = [{"name": m["name"], "values": [m["values"][i] for i in indices]} for m in pool["metrics"]]
    chosen = set(d["seeds"])
    d["failures"] = [f for f in pool["failures"] if f["seed"] in chosen]
    d["thresholds"] = [dict(t, failed_seeds=[s for s in t["failed_seeds"] if s in chosen]) for t in pool["thresholds"]]
    return d
for pair in range(pairs):
    order = list(range(len(pool["seeds"])))
    rng.shuffle(order)
    for side, indices in (("a", sorted(order[:k])), ("b", sorted(order[k:2 * k]))):
        path = os.path.join(folder, str(pair), side)
        os.makedirs(path, exist_ok=True)
        json.dump(subset(indices), open(os.path.join(path, "distribution.json"), "w"))
PY
done
echo
echo "| Scenario | Pairs judged FAIL | Metrics flagged (pair: metric) |"
echo "| --- | --- | --- |"
total_fail=0
for name in "${scenarios[@]}"; do
    fails=0
    flagged=""
    for pair in $(seq 0 $((pairs - 1))); do
        if ! out=$("$tandem" compare "$work/pairs/$name/$pair/b" "$work/pairs/$name/$pair/a" 2>&1); then
            fails=$((fails + 1))
            what=$(printf '%s\n' "$out" | grep -E '^  (REGRESSED|SEED|THRESHOLD)' | sed -E 's/^  (REGRESSED|SEED|THRESHOLD) ([^:]*).*/\1 \2/' | tr '\n' ';' || true)
            flagged="$flagged $pair: $what"
        fi
        improved=$(printf '%s\n' "$out" | grep -c '^  improved' || true)
        if [ "$improved" -gt 0 ]; then flagged="$flagged $pair: $improved improved;"; fi
    done
    total_fail=$((total_fail + fails))
    echo "| $name | $fails of $pairs | ${flagged:-none} |"
done
echo
echo "All scenarios: $total_fail of $(( pairs * ${#scenarios[@]} )) scenario comparisons judged FAIL."
echo
echo "## Sensitivity: the committed baselines against the test hook --test-hook-commit-delay-ms D"
for delay in $delays; do
    echo
    echo "### D = $delay ms"
    echo
    echo '```'
    "$tandem" gate "${files[@]}" --baseline Reports/baselines --out "$work/gate-$delay" \
        --test-hook-commit-delay-ms "$delay" 2>/dev/null | grep -E '^(PASS|FAIL|  REGRESSED|  SEED|  THRESHOLD|  [0-9]+ regressed|gate:)' || true
    echo '```'
done
