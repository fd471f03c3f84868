#!/usr/bin/env python3
"""Summarises one tandem-server /metrics page (read from stdin): each node stage's count, mean and percentiles
(interpolated linearly within tandem_node_stage_seconds buckets, as Prometheus's histogram_quantile does), and the
frames out per commit. The simulator cost terms these give are fitted in one place, `tandem calibrate`
(CalibrationFit, docs/calibration.md), not here.

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
    commits = plain.get("tandem_commits_total", 0)
    if commits:
        print(f"frames out per commit: {plain.get('tandem_messages_out_total', 0) / commits:.1f}")


if __name__ == "__main__":
    main()
