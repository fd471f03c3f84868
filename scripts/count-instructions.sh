#!/usr/bin/env bash
# Instructions a simulation executes, counted by valgrind's callgrind: the one speed measure this host cannot drift
# (its wall clock moves by tens of percent within an hour; docs/BENCHMARKS.md, *Simulator*). A run is deterministic,
# so two builds compare exactly: same scenario, same seed, same count every time (hashing is made deterministic for
# the count; the simulation's trace does not depend on it either way). Prints one line per binary:
#
#   <instructions>  <binary>  <trace hash>
#
# and leaves the profile beside it (callgrind.<name>.out: read it with `callgrind_annotate --inclusive=yes`).
#
#   scripts/count-instructions.sh Scenarios/classroom-150.yaml                       # the release tandem of $SCRATCH
#   scripts/count-instructions.sh Scenarios/scale-1000x10.yaml /tmp/old/tandem .build-release/release/tandem
#   ARGS="--users 300" scripts/count-instructions.sh Scenarios/scale-1000x10.yaml   # extra `tandem run` arguments
#
# Needs valgrind (apt-get install valgrind). Under callgrind a run takes about 50 times its normal time
# (classroom-150 2.5 minutes, scale-1000x10 11). Valgrind 3.19 cannot read the Swift toolchain's DWARF, so each
# binary is copied without its debug sections first (symbols stay, so the profile is still named).
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; exit 2; }
command -v valgrind >/dev/null || { echo "count-instructions: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
scenario=$1
shift
[ -f "$scenario" ] || { echo "count-instructions: no scenario file $scenario" >&2; exit 2; }
binaries=("$@")
[ ${#binaries[@]} -gt 0 ] || binaries=("${SCRATCH:-.build-release}/release/tandem")
out=${OUT:-$(mktemp -d)}
mkdir -p "$out"
index=0
for binary in "${binaries[@]}"; do
    [ -x "$binary" ] || { echo "count-instructions: $binary is not an executable" >&2; exit 2; }
    index=$((index + 1))
    name=$index-$(basename "$binary")
    stripped="$out/$name"
    objcopy --strip-debug "$binary" "$stripped"
    # shellcheck disable=SC2086  # ARGS is a list of words on purpose
    SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$name.out" \
        "$stripped" run "$scenario" --quiet --out "$out/reports-$name" ${ARGS:-} >"$out/$name.log" 2>&1 || true
    # (A run whose expectations miss exits 1 and still counts; one that did not finish has no total.)
    instructions=$(sed -n 's/.*I *refs: *//p' "$out/$name.log" | tr -d ,)
    [ -n "$instructions" ] || { echo "count-instructions: $binary did not finish under callgrind; see $out/$name.log" >&2; exit 1; }
    trace=$(grep -ho '"trace_hash" *: *"[0-9a-f]*"' "$out"/reports-"$name"/*/*/report.json | head -1 | sed 's/.*: *"\(.*\)"/\1/')
    printf '%s  %s  %s\n' "$instructions" "$binary" "$trace"
done
echo "profiles and reports in $out" >&2
