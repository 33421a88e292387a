"""Views nobody asked for before: chart callbacks for a from/to window not yet drawn, as an analyst exploring makes.

From the chart-card requests a browser sent (bench/load.py captures them), each distinct view is the same request
with another window in the page-state it carries: every window of at least MIN_MONTHS months within the last
WINDOW_YEARS years of the data, for every captured chart, in a fixed shuffled order. Each is sent once (loadgen's
`distinct` mode), so every request is a miss in every cache: the headline of issue 14.

`fill` then draws many more (50,000 in the full run) and the same figures are measured again: a cache that slows as
it fills (cachelib's FileSystemCache pruned its whole folder on every write past 5,000 entries) shows here.
"""
from __future__ import annotations

import json
import random
import time

import pandas as pd

from bench import loadgen

MIN_MONTHS = 6
WINDOW_YEARS = 10
SEED = 14


def _window_input(body: dict) -> dict:
    """The input whose value carries the page's from/to window (page-state: a dict with `start` and `end`)."""
    for item in body.get("inputs", []):
        if isinstance(item, dict) and isinstance(item.get("value"), dict) and {"start", "end"} <= item["value"].keys():
            return item
    raise ValueError("no input of this callback carries a from/to window (a dict with start and end): "
                     "cannot make distinct views from it")


def windows(first_month: str, last_month: str) -> list[tuple[str, str]]:
    """Every (from, to) month pair at least MIN_MONTHS apart within the last WINDOW_YEARS years of the data."""
    months = [p.strftime("%Y-%m") for p in pd.period_range(first_month, last_month, freq="M")]
    months = months[-12 * WINDOW_YEARS:]
    return [(a, b) for i, a in enumerate(months) for b in months[i + MIN_MONTHS - 1:]]


def views(templates: list[loadgen.Request], first_month: str, last_month: str) -> list[loadgen.Request]:
    """Every template under every window, shuffled (fixed seed): all distinct requests."""
    bodies = [json.loads(t.body) for t in templates]
    for b in bodies:
        _window_input(b)  # fail early, naming why
    out = []
    for start, end in windows(first_month, last_month):
        for t, body in zip(templates, bodies):
            _window_input(body)["value"].update(start=start, end=end)
            out.append(loadgen.Request(t.method, t.path, json.dumps(body, separators=(",", ":")).encode()))
    random.Random(SEED).shuffle(out)
    return out


class Supply:
    """Hands out distinct views, never the same one twice in a run."""

    def __init__(self, requests: list[loadgen.Request]):
        self.requests, self.used = requests, 0

    def take(self, n: int) -> list[loadgen.Request]:
        if self.used + n > len(self.requests):
            raise ValueError(f"{n} more distinct views asked for, {len(self.requests) - self.used} left")
        out = self.requests[self.used:self.used + n]
        self.used += n
        return out


def drive(host: str, port: int, supply: Supply, *, concurrency: int, duration_s: float, most: int) -> dict:
    """Send up to `most` new distinct views for at most `duration_s` seconds at `concurrency`."""
    batch = supply.take(most)
    result = loadgen.run(host, port, batch, concurrency=concurrency, duration_s=duration_s, distinct=True,
                         max_duration_s=900)
    dropped = sum(n for kind, n in result["error_kinds"].items() if not kind.startswith("HTTP"))
    supply.used -= len(batch) - (result["requests"] + dropped)  # give back what was not sent
    return result


def fill(host: str, port: int, supply: Supply, *, views_wanted: int, budget_s: float, concurrency: int = 8) -> dict:
    """Draw `views_wanted` new distinct views (or as many as `budget_s` allows); how many, and how fast."""
    t0 = time.perf_counter()
    result = drive(host, port, supply, concurrency=concurrency, duration_s=budget_s, most=views_wanted)
    return {"views_drawn": result["requests"], "errors": result["errors"], "rps": result["rps"],
            "seconds": round(time.perf_counter() - t0, 1), "wanted": views_wanted}
