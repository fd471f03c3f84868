#!/usr/bin/env bash
# The simulator against the real server, side by side in one sitting (issue 17; docs/BENCHMARKS.md, "Node cost
# model"): 250 clients in one record on one pinned node, one change every INTERVAL each, for every INTERVAL given.
# Per interval it measures the host's speeds (node-cost-bench's cpu_scale and write_scale, pinned to CPU 0, the
# medians of five runs), runs the real server (scripts/load.sh with PIN=1 on tmpfs), measures the speed again, and simulates the
# same shape (Benchmarks/scenarios/fanout-250x0.5.yaml with think_time and ramp at the interval, and the store's
# latency as the real server's store_append stage measured it in that run: lognormal, its p50 and p99) twice: with the
# means of the speed readings (a profile holding only topology.node.cpu_scale and write_scale) and with the defaults as
# committed. It prints one row per interval (with the socket writes per delivery of the real server and of the
# simulation at the host's speed), the sim/real ratios, and each side's knee (the rate where p99 crosses
# 50 ms, interpolated between the intervals given; give them from the slowest rate up and past the knee).
#
#   scripts/fanout-compare.sh 2s 1s 500ms 400ms 300ms      # the intervals, slowest rate first
#   BUILD=0 scripts/fanout-compare.sh 2s                    # reuse the release builds in $SCRATCH (.build-release)
#   DURATION=60s scripts/fanout-compare.sh 2s 1s            # longer real runs (default 30s; the simulated ones
#                                                           # keep the file's 30 s: its numbers are steady by then)
#
# Needs 2+ CPUs and taskset (the server and the probe on CPU 0, the load generator on the others), python3, and
# the release products tandem, tandem-server, tandem-load and node-cost-bench (built unless BUILD=0). Every
# number depends on the host's speed at that minute: compare rows of one run of this script, not across days.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2; }
scratch=${SCRATCH:-.build-release}
duration=${DURATION:-30s}
bin=$scratch/release
if [ "${BUILD:-1}" != 0 ]; then
    for product in tandem tandem-server tandem-load node-cost-bench; do
        swift build -c release --scratch-path "$scratch" --product "$product" >&2
    done
fi
for product in tandem tandem-server tandem-load node-cost-bench; do
    [ -x "$bin/$product" ] || { echo "fanout-compare: $bin/$product is not built (run without BUILD=0)" >&2; exit 2; }
done
[ "$(nproc)" -ge 2 ] || { echo "fanout-compare: needs at least 2 CPUs (this machine has $(nproc))" >&2; exit 2; }
command -v taskset >/dev/null || { echo "fanout-compare: needs taskset (util-linux)" >&2; exit 2; }
for interval in "$@"; do
    [[ "$interval" =~ ^[0-9]+(ms|s)$ ]] || { echo "fanout-compare: bad interval '$interval' (like 2s or 500ms)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/fanout-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
base=Benchmarks/scenarios/fanout-250x0.5.yaml
engine=$(sed -n 's/.*static let current = "\(.*\)"/\1/p' Sources/TandemReport/EngineVersion.swift)

# The host's two speeds, "cpu_scale write_scale" (node-cost-bench: the actor's user-space work, and a socket write).
probe() {
    taskset -c 0 "$bin/node-cost-bench" 250 40000 5 | awk '/^cpu_scale of this host:/ { c = $5 } /^write_scale of this host:/ { w = $5 }
        END { print c, w }'
}
# p50 p99 of a simulated run's propagation (ms), and its socket writes per delivery (the model's `per_write` batching).
simulate() { # file profile-or-empty out
    local out=$3
    "$bin/tandem" run "$1" ${2:+--profile "$2"} --out "$out" --quiet >/dev/null 2>&1 || true
    python3 - "$out" <<'PY'
import glob, json, sys
found = glob.glob(sys.argv[1] + "/*/*/report.json")
if not found: print("- - -"); sys.exit()
report = json.load(open(found[0]))
p = report["latency"]["propagation"]
counters = report["load"]["nodes"][0]["counters"]
writes = counters.get("writes", 0) / counters["messages.out"] if counters.get("messages.out") else None
print(f"{p['p50_ms']:.2f} {p['p99_ms']:.2f} " + (f"{writes:.4f}" if writes is not None else "-"))
PY
}

echo "fanout-compare: 250 clients, 1 record, $duration per run, intervals $*; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
rows=$work/rows
: >"$rows"
for interval in "$@"; do
    read -r before wbefore <<<"$(probe)"
    PIN=1 TMPDIR=/dev/shm BUILD=0 SCRATCH="$scratch" scripts/load.sh 250 1 "$duration" "$interval" >"$work/real-$interval.log" 2>&1 || {
        echo "fanout-compare: the real run at $interval failed; its output:" >&2; cat "$work/real-$interval.log" >&2; exit 1; }
    read -r after wafter <<<"$(probe)"
    real=$(sed -n 's/^propagation ms: p50 \([0-9.]*\) .* p99 \([0-9.]*\) .*/\1 \2/p' "$work/real-$interval.log")
    real=${real:-- -}
    cpu=$(sed -n 's/^server CPU per delivery: \([0-9.]*\) us.* at \([0-9]*\) deliveries\/s/\2 \1/p' "$work/real-$interval.log")
    writes=$(sed -n 's/^server write syscalls: \([0-9.]*\) per delivery.*/\1/p' "$work/real-$interval.log")
    scale=$(awk -v a="$before" -v b="$after" 'BEGIN { printf "%.2f", (a + b) / 2 }')
    wscale=$(awk -v a="$wbefore" -v b="$wafter" 'BEGIN { printf "%.2f", (a + b) / 2 }')
    # The store as the real server measured it in this run (its store_append stage, p50 and p99), for the
    # simulated store's latency: an input of the shape, like the links, measured at this rate rather than fitted.
    store=$(awk '$1 == "store_append" && $4 + 0 > 0 && $5 + 0 > $4 + 0 { printf "%d %d", $4, $5 }' "$work/real-$interval.log")
    file=$work/fanout-$interval.yaml
    sed -e "s/think_time: {fixed: 2s}/think_time: {fixed: $interval}/" -e "s/over: 2s,/over: $interval,/" "$base" >"$file"
    if [ -n "$store" ]; then
        sed -i "s/^  store: {latency: .*}$/  store: {latency: {lognormal: {median: ${store% *}us, p99: ${store#* }us}}}/" "$file"
    fi
    printf 'profile: 1\nengine_version: %s\ncalibrated: {by: "node-cost-bench 250 40000 5 before and after the real run: cpu_scale %s, %s; write_scale %s, %s"}\ntopology:\n  node: {cpu_scale: %s, write_scale: %s}\n' \
        "$engine" "$before" "$after" "$wbefore" "$wafter" "$scale" "$wscale" >"$work/host-$interval.yaml"
    scaled=$(simulate "$file" "$work/host-$interval.yaml" "$work/sim-$interval")
    defaults=$(simulate "$file" "" "$work/def-$interval")
    echo "$interval ${cpu:-- -} ${writes:--} $real $before $after $scale $scaled $defaults $wscale $wbefore $wafter" | tee -a "$rows" >/dev/null
    echo "  $interval done: real p50/p99 $real ms, cpu_scale $before/$after, write_scale $wbefore/$wafter, store_append p50/p99 ${store:-(not measured, as in the file)} us, simulated p50/p99 ms, writes per delivery $scaled (defaults $defaults)" >&2
done
python3 - "$rows" Benchmarks/node-costs.json <<'PY'
import json, sys
costs = json.load(open(sys.argv[2]))
# The model's cost of one frame of a 250-recipient fan-out, less its write: per_delivery plus the actor's terms per
# delivery (as docs/BENCHMARKS.md, "Node cost model", derives per_delivery from the fit).
defaults_write = costs["per_write_us"]
defaults_frame = costs["per_delivery_us"] + costs["per_recipient_us"] + (costs["per_message_us"] + costs["per_store_call_us"]) / 250
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
num = lambda x: None if x == "-" else float(x)
def seconds(interval):  # "2s", "500ms", "1.5s"
    return float(interval[:-2]) / 1000 if interval.endswith("ms") else float(interval[:-1])
print(f"{'interval':>8} {'offered':>8} {'deliv/s':>8} {'us/deliv':>8} {'writes':>6} {'sim':>6} {'real p50':>8} {'p99':>7} {'cpu_scale':>14} "
      f"{'sim p50':>8} {'p99':>8} {'ratio p50':>9} {'p99':>5} {'defaults':>8} {'p99':>8}")
points = {"real": [], "sim": [], "defaults": []}
unsteady = []
for r in rows:
    interval, rate, cpu, writes, rp50, rp99, before, after, scale, sp50, sp99, swrites, dp50, dp99, _, _, wb, wa = r
    rate, rp50, rp99, sp50, sp99, dp50, dp99 = map(num, (rate, rp50, rp99, sp50, sp99, dp50, dp99))
    ratio = lambda s, real: f"{s / real:.2f}" if s is not None and real else "-"
    # The knee is found on the offered rate (each of 250 clients changes once per interval, 249 recipients each):
    # past the knee the real server delivers fewer than that, and its measured rate falls back among the slower rows.
    offered = 250 * 249 / seconds(interval)
    print(f"{interval:>8} {offered:>8.0f} {rate or 0:>8.0f} {cpu:>8} {writes:>6} {swrites[:6]:>6} {rp50 or 0:>8.1f} {rp99 or 0:>7.1f} "
          f"{before + '/' + after + '=' + scale:>14} {sp50 or 0:>8.2f} {sp99 or 0:>8.2f} {ratio(sp50, rp50):>9} {ratio(sp99, rp99):>5} "
          f"{dp50 or 0:>8.2f} {dp99 or 0:>8.2f}")
    # The host held still only if each probe read about the same before and after the real run (docs/BENCHMARKS.md,
    # "A ninth sitting": within a few per cent on good days, 2x apart on a bad one); else the row compares nothing.
    spread = max(abs(float(b) - float(a)) / ((float(b) + float(a)) / 2) for b, a in ((before, after), (wb, wa)))
    if spread > 0.15:
        unsteady.append(f"{interval} ({before}/{after}, write {wb}/{wa})")
    points["real"].append((offered, rp99)); points["sim"].append((offered, sp99)); points["defaults"].append((offered, dp99))
def knee(pts):
    pts = sorted(p for p in pts if p[1] is not None)
    for (r0, l0), (r1, l1) in zip(pts, pts[1:]):
        if l0 < 50 <= l1:
            return (r0 + (r1 - r0) * (50 - l0) / (l1 - l0), r0, r1)
    return None
found = {name: knee(pts) for name, pts in points.items()}
k = {name: v[0] if v else None for name, v in found.items()}
def fmt(name):
    v = found[name]
    return f"{v[0]:,.0f}/s (between {v[1]:,.0f} and {v[2]:,.0f})" if v else "not bracketed by these intervals"
# What a write and a frame cost the real server in this sitting: least squares of its CPU per delivery against its
# write syscalls per delivery over the rows below the knee (p99 < 50 ms), each row's writes read at the host's speed at
# writes (write_scale) and its per-frame part at its user-space speed (cpu_scale), both measured beside it, so that the
# two numbers read as the model's per_write and per-frame cost (per_delivery plus what the actor's terms charge per
# delivery) on the defaults' machine: cpu per delivery = per_write * writes * write_scale + per_frame * cpu_scale.
fit = []
for r in rows:
    cpu, writes, rp99, scale, wscale = num(r[2]), num(r[3]), num(r[5]), num(r[8]), num(r[15])
    if None not in (cpu, writes, rp99, scale, wscale) and rp99 < 50 and scale > 0 and wscale > 0:
        fit.append((writes * wscale, scale, cpu))
if len(fit) >= 3:
    # Two regressors, no intercept: the normal equations.
    aa = sum(a * a for a, _, _ in fit); ab = sum(a * b for a, b, _ in fit); bb = sum(b * b for _, b, _ in fit)
    ay = sum(a * y for a, _, y in fit); by = sum(b * y for _, b, y in fit)
    det = aa * bb - ab * ab
    if det > 0:
        write = (ay * bb - by * ab) / det; frame = (aa * by - ab * ay) / det
        worst = max(abs(y - write * a - frame * b) for a, b, y in fit)
        print(f"cost fit over {len(fit)} rows below the knee, on the defaults' machine (each row's writes over its write_scale, the rest over its cpu_scale): "
              f"{write:.1f} us per write + {frame:.2f} us per frame (largest residual {worst:.2f} us); the defaults: {defaults_write} us per write + "
              f"{defaults_frame:.2f} us per frame")
    # How the defaults' per_write was measured (docs/BENCHMARKS.md, "An eighth sitting"): when the free per-frame cost
    # falls below what the actor's terms charge per delivery, it is held there (per_delivery at its floor).
    floor = defaults_frame - costs["per_delivery_us"]
    held = sum(a * (y - floor * b) for a, b, y in fit) / aa
    worst_held = max(abs(y - floor * b - held * a) for a, b, y in fit)
    print(f"  with the per-frame cost held at the actor's terms ({floor:.2f} us, per_delivery 0): {held:.1f} us per write "
          f"(largest residual {worst_held:.2f} us)")
else:
    print(f"cost fit: needs 3 rows below the knee with CPU, write counts and both speeds ({len(fit)} here)")
if unsteady:
    print(f"WARNING: the host's speed moved by more than 15 % around the real run of {', '.join(unsteady)}: those rows "
          "compare nothing (the simulation used the mean of readings the host did not hold); rerun them on a steadier host")
print(f"knee (p99 = 50 ms, linear between the two offered rates around it): real {fmt('real')}; "
      + f"simulated with the host's speed {fmt('sim')}"
      + (f" ({k['sim'] / k['real']:.2f}x)" if k['sim'] and k['real'] else "")
      + f"; with the defaults {fmt('defaults')}"
      + (f" ({k['defaults'] / k['real']:.2f}x)" if k['defaults'] and k['real'] else ""))
PY
