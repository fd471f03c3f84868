#!/usr/bin/env python3
"""Summarises one tandem-server /metrics page (read from stdin): each node stage's count, mean and percentiles
(interpolated within tandem_node_stage_seconds buckets), and the simulator cost terms they give
(docs/BENCHMARKS.md, "Node cost model"):

  per_frame     ~ mean decode
  per_message   ~ (busy time - fan-out time of the changes committed here) / frames handled
  per_recipient ~ mean fanout / recipients per change (messages out per commit)

Usage: curl -s http://127.0.0.1:PORT/metrics | scripts/stage-summary.py
"""
import re
import sys

SAMPLE = re.compile(r'^tandem_node_stage_seconds_(bucket|sum|count)\{stage="([a-z_]+)"(?:,le="([^"]+)")?\} (\S+)$')


def quantile(buckets, count, q):
    """Linear interpolation inside the bucket that holds the q-th observation (Prometheus's histogram_quantile)."""
    if count == 0:
        return float("nan")
    rank = q * count
    lower, below = 0.0, 0.0
    for bound, cumulative in buckets:
        if cumulative >= rank:
            if bound == float("inf"):
                return lower
            width = cumulative - below
            return lower + (bound - lower) * ((rank - below) / width if width else 1)
        lower, below = bound, cumulative
    return lower


def main():
    stages, plain = {}, {}
    for line in sys.stdin:
        line = line.strip()
        match = SAMPLE.match(line)
        if match:
            kind, stage, le, value = match.groups()
            entry = stages.setdefault(stage, {"buckets": [], "sum": 0.0, "count": 0.0})
            if kind == "bucket":
                entry["buckets"].append((float("inf") if le == "+Inf" else float(le), float(value)))
            else:
                entry[kind] = float(value)
        elif line and not line.startswith("#") and "{" not in line:
            name, _, value = line.rpartition(" ")
            try:
                plain[name] = float(value)
            except ValueError:
                pass
    if not stages:
        sys.exit("no tandem_node_stage_seconds on the page: is this tandem-server's /metrics?")
    print(f"{'stage':<13} {'count':>10} {'mean us':>10} {'p50 us':>10} {'p99 us':>10}")
    means = {}
    for stage, entry in stages.items():
        count = entry["count"]
        means[stage] = entry["sum"] / count if count else float("nan")
        p50, p99 = (quantile(entry["buckets"], count, q) for q in (0.5, 0.99))
        print(f"{stage:<13} {count:>10.0f} {1e6 * means[stage]:>10.1f} {1e6 * p50:>10.1f} {1e6 * p99:>10.1f}")
    handled = stages.get("handle", {}).get("count", 0)
    commits = plain.get("tandem_commits_total", 0)
    out = plain.get("tandem_messages_out_total", 0)
    if handled and "busy" in stages:
        busy = stages["busy"]["sum"]
        own = (busy - means.get("fanout", 0) * commits) / handled
        print(f"per_message ~ {1e6 * own:.1f} us (the node's own time per frame, {1e6 * busy / handled:.1f} us, "
              f"less the fan-outs of the changes it committed)")
    if "decode" in means:
        print(f"per_frame ~ {1e6 * means['decode']:.1f} us (decode)")
    if commits and "fanout" in means:
        recipients = out / commits
        print(f"per_recipient ~ {1e6 * means['fanout'] / max(recipients, 1):.2f} us "
              f"(fanout {1e6 * means['fanout']:.1f} us over {recipients:.1f} frames out per commit)")


if __name__ == "__main__":
    main()
