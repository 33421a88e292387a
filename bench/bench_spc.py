"""Benchmark of the SPC engine (metrics.spc): one 72-point XmR series, then 10,000 series of 72 points, as the app
computes the whole catalogue x localities x breakdowns at load; plus p, p' and run charts and the cost of turning a
result into a DataFrame or JSON.

    .venv/bin/python bench/bench_spc.py

Prints a markdown table and merges its numbers into bench/results.json under the key "spc" (other keys are kept).
"""
from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # so the script runs from any directory without installing the project

import numpy as np  # noqa: E402

from metrics.spc import p_chart, run_chart, xmr  # noqa: E402

N_SERIES, N_POINTS, SEED = 10_000, 72, 2024
RESULTS = ROOT / "bench" / "results.json"


def monthly_series(rng: np.random.Generator):
    """72 months of noise around a level, with a step change in a third of the series so that rules fire."""
    y = rng.normal(100, 10, N_POINTS)
    if rng.random() < 1 / 3:
        y[rng.integers(24, 60):] += rng.normal(0, 25)
    return y


def timed(calls) -> list[float]:
    """Microseconds taken by each call."""
    out = []
    for fn in calls:
        t0 = time.perf_counter_ns()
        fn()
        out.append((time.perf_counter_ns() - t0) / 1e3)
    return out


def summary(us: list[float]) -> dict:
    return {"median_us": round(statistics.median(us), 1), "p90_us": round(float(np.percentile(us, 90)), 1),
            "total_s": round(sum(us) / 1e6, 3), "n": len(us)}


def main() -> dict:
    rng = np.random.default_rng(SEED)
    dates = np.arange(np.datetime64("2019-04"), np.datetime64("2019-04") + N_POINTS).astype("datetime64[D]")
    ys = [monthly_series(rng) for _ in range(N_SERIES)]
    dens = [rng.integers(20, 200, N_POINTS) for _ in range(N_SERIES)]
    nums = [rng.binomial(d, rng.uniform(0.2, 0.8)) for d in dens]
    one = ys[0]
    for y in ys[:200]:  # warm up
        xmr(dates, y)

    results = {
        "xmr, one 72-point series (2,000 repeats)": summary(timed([lambda: xmr(dates, one)] * 2000)),
        "xmr, 10,000 series of 72": summary(timed([lambda y=y: xmr(dates, y) for y in ys])),
        "p chart, 10,000 series of 72": summary(timed([lambda n=n, d=d: p_chart(dates, n, d)
                                                       for n, d in zip(nums, dens)])),
        "Laney p' chart, 10,000 series of 72": summary(timed([lambda n=n, d=d: p_chart(dates, n, d, laney=True)
                                                              for n, d in zip(nums, dens)])),
        "run chart, 10,000 series of 72": summary(timed([lambda y=y: run_chart(dates, y) for y in ys])),
        "xmr then .points DataFrame, 1,000 series": summary(timed([lambda y=y: xmr(dates, y).points
                                                                   for y in ys[:1000]])),
        "xmr then .to_dict(), 1,000 series": summary(timed([lambda y=y: xmr(dates, y).to_dict() for y in ys[:1000]])),
    }
    return {
        "results": results,
        "machine": {"python": platform.python_version(), "numpy": np.__version__, "cpus": os.cpu_count(),
                    "load_average_1m": round(os.getloadavg()[0], 2)},
        "note": "Median and 90th percentile per call in microseconds; total_s is the sum over all calls.",
    }


def markdown(spc: dict) -> str:
    lines = ["| SPC benchmark | median per series (µs) | p90 (µs) | total (s) |", "|---|---:|---:|---:|"]
    for name, r in spc["results"].items():
        lines.append(f"| {name} | {r['median_us']} | {r['p90_us']} | {r['total_s']} |")
    m = spc["machine"]
    lines.append(f"\nPython {m['python']}, numpy {m['numpy']}, {m['cpus']} CPUs, 1-minute load {m['load_average_1m']}.")
    return "\n".join(lines)


def merge(spc: dict, path: Path = RESULTS) -> None:
    """Put `spc` under "spc" in results.json, keeping every other key; written whole (via a temporary file) or not
    at all, so a failed run never leaves other benchmarks' numbers half-written."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data["spc"] = spc
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, path)


if __name__ == "__main__":
    spc = main()
    merge(spc)
    print(markdown(spc))
