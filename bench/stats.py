"""Summaries of timing samples, the same way for every benchmark (milliseconds in, milliseconds out)."""
from __future__ import annotations

import time

import numpy as np


def summarise(ms: list[float]) -> dict:
    """p50, p95, p99 and max of samples in ms (None when there are none), rounded to microseconds."""
    if not ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}
    p50, p95, p99 = np.percentile(np.asarray(ms, float), [50, 95, 99])
    return {"p50_ms": round(float(p50), 3), "p95_ms": round(float(p95), 3), "p99_ms": round(float(p99), 3),
            "max_ms": round(max(ms), 3)}


def time_calls(fn, *, repeat: int, warmup: int = 1, budget_s: float = 60.0) -> tuple[dict, object]:
    """Call `fn` `warmup` times untimed, then up to `repeat` times (stopping early past `budget_s`).

    Returns the summary (plus `runs`) and the last result, so callers can check what was computed.
    """
    result = None
    for _ in range(warmup):
        result = fn()
    samples, t_end = [], time.perf_counter() + budget_s
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() > t_end:
            break
    return {**summarise(samples), "runs": len(samples)}, result
