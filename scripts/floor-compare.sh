#!/usr/bin/env bash
# tandem-server against the bare NIO floor (Benchmarks/ws-floor, issue 10), side by side in one sitting: PAIRS
# runs of scripts/load.sh with each server, alternated (the host's speed drifts by tens of percent between
# runs, so only ratios within a pair are compared), the same client (tandem-load) and the same CPU accounting.
# Prints one row per run and, per pair, tandem-server's CPU per delivery as a multiple of the floor's.
#
#   scripts/floor-compare.sh                      # 250 clients in 1 record, 30 s, one change every 2 s, 3 pairs
#   scripts/floor-compare.sh 250 1 30s 1s 2       # clients records duration interval pairs
#   BUILD=0 scripts/floor-compare.sh              # reuse the release builds in $SCRATCH (default .build-release)
#   SERVER_BIN=/tmp/other/tandem-server scripts/floor-compare.sh   # another tandem-server build against the floor
#   BEFORE_BIN=/tmp/old/tandem-server scripts/floor-compare.sh     # three per round: that build, this one, the floor
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${1:-250}; records=${2:-1}; duration=${3:-30s}; interval=${4:-2s}; pairs=${5:-3}
scratch=${SCRATCH:-.build-release}
if [ "${BUILD:-1}" != 0 ]; then
    for product in tandem-server tandem-load ws-floor; do
        swift build -c release --scratch-path "$scratch" --product "$product" >&2
    done
fi
tandem_bin=${SERVER_BIN:-$scratch/release/tandem-server}
floor_bin=$scratch/release/ws-floor
before_bin=${BEFORE_BIN:-}
for bin in "$tandem_bin" "$floor_bin" "$scratch/release/tandem-load" ${before_bin:+"$before_bin"}; do
    [ -x "$bin" ] || { echo "floor-compare: $bin is not built (run without BUILD=0)" >&2; exit 2; }
done
echo "floor-compare: $clients clients, $records record(s), $duration, one change every $interval each; $pairs pairs, alternated; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-4s %-13s %12s %10s %10s %8s %8s %26s %10s\n' run server deliveries/s p50_ms p99_ms lost server "us/delivery (user+sys)" loadgen
ratios=()
for pair in $(seq "$pairs"); do
    declare -A cost=()
    for server in ${before_bin:+before} tandem-server ws-floor; do
        case $server in before) bin=$before_bin ;; ws-floor) bin=$floor_bin ;; *) bin=$tandem_bin ;; esac
        out=$(SCRATCH="$scratch" BUILD=0 SERVER_BIN="$bin" scripts/load.sh "$clients" "$records" "$duration" "$interval" 2>&1) || {
            echo "$out" >&2; echo "floor-compare: the $server run failed" >&2; exit 1; }
        rate=$(sed -n 's/^fan-out deliveries: [0-9]* (\([0-9]*\)\/s)$/\1/p' <<<"$out")
        p50=$(sed -n 's/^propagation ms: p50 \([0-9.]*\).*/\1/p' <<<"$out")
        p99=$(sed -n 's/^propagation ms: .* p99 \([0-9.]*\).*/\1/p' <<<"$out")
        sent=$(sed -n 's/^clients: .*changes sent: \([0-9]*\) .*acks: \([0-9]*\).*/\1 \2/p' <<<"$out")
        lost=$(awk '{ print $1 - $2 }' <<<"${sent:-0 0}")
        cpu=$(sed -n 's/^server CPU (.*: \([0-9.]*\) % of a core.*/\1/p' <<<"$out")
        per=$(sed -n 's/^server CPU per delivery: \([0-9.]*\) us (user \([0-9.]*\), system \([0-9.]*\)).*/\1 (\2+\3)/p' <<<"$out")
        loadgen=$(sed -n 's/^load generator CPU: \([0-9.]*\) %.*/\1/p' <<<"$out")
        cost[$server]=${per%% *}
        printf '%-4s %-13s %12s %10s %10s %8s %7s%% %26s %9s%%\n' "$pair" "$server" "${rate:-?}" "${p50:-?}" "${p99:-?}" \
            "$lost" "${cpu:-?}" "${per:-?}" "${loadgen:-?}"
    done
    if [ -n "${cost[tandem-server]:-}" ] && [ -n "${cost[ws-floor]:-}" ]; then
        ratio=$(awk -v a="${cost[tandem-server]}" -v b="${cost[ws-floor]}" 'BEGIN { printf "%.2f", a / b }')
        ratios+=("$ratio")
        echo "pair $pair: tandem-server / floor CPU per delivery = ${ratio}x"
    fi
    if [ -n "${cost[before]:-}" ] && [ -n "${cost[tandem-server]:-}" ] && [ -n "${cost[ws-floor]:-}" ]; then
        awk -v a="${cost[tandem-server]}" -v b="${cost[before]}" -v f="${cost[ws-floor]}" \
            'BEGIN { printf "round %d: tandem-server / before = %.2fx, before / floor = %.2fx\n", '"$pair"', a / b, b / f }'
    fi
done
echo "ratios: ${ratios[*]:-none} (lost = changes sent less acks received)"
