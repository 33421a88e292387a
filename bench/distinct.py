"""Views nobody asked for before: chart requests for a from/to window not yet drawn, as an analyst exploring makes.

A chart is drawn by GET `/chart/<id>.html?locality=…&from=…&to=…` (an SPC chart drawn as SVG) or
`/figure/<id>.json?…` (a plotly figure) (components/routes.py; assets/dashboard.js asks when the chart scrolls into
view; the first screen's SPC charts come inside the page body, and a window the analyst picks is a body of its own). From the chart addresses a page holds (bench/load.py reads them from the page in
a browser), each distinct view is the same address with another window: every window of at least MIN_MONTHS months
within the last WINDOW_YEARS years of the data that holds at least one of the chart's periods (a window with none
has no chart: the page shows a note instead, and never asks), for every chart, in a fixed shuffled order. Each is
sent once
(loadgen's `distinct` mode), so every request is a miss in every cache (the worker's memory and the shared store
alike: the response cache's key is the path and canonical query): the headline of issue 14.

`fill` then draws many more (50,000 in the full run) and the same figures are measured again: a cache that slows as
it fills (cachelib's FileSystemCache pruned its whole folder on every write past 5,000 entries) shows here.
"""
from __future__ import annotations

import json
import random
import re
import time
from html import unescape
from urllib.parse import parse_qsl, urlencode, urlsplit

import pandas as pd

from bench import loadgen

MIN_MONTHS = 6
WINDOW_YEARS = 10
SEED = 14
_DATE = re.compile(r"^\d{4}-\d{2}(-\d{2})?")


def windows(first_month: str, last_month: str) -> list[tuple[str, str]]:
    """Every (from, to) month pair at least MIN_MONTHS apart within the last WINDOW_YEARS years of the data."""
    months = [p.strftime("%Y-%m") for p in pd.period_range(first_month, last_month, freq="M")]
    months = months[-12 * WINDOW_YEARS:]
    return [(a, b) for i, a in enumerate(months) for b in months[i + MIN_MONTHS - 1:]]


_CHART_BOX = re.compile(r'class="chart[^"]*"[^>]*\sdata-src="(/(?:chart|figure)/[^"]*)"')
CHART_PREFIXES = ("/chart/", "/figure/")


def _html_blocks(value):
    """Every page body (`data-html`, components/html.py) in a decoded callback response."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k == "data-html" and isinstance(v, str):
                yield v
            else:
                yield from _html_blocks(v)
    elif isinstance(value, list):
        for v in value:
            yield from _html_blocks(v)


def page_charts(response: bytes) -> list[str]:
    """The chart addresses (`.chart[data-src]`) of the page bodies in a callback response, in page order."""
    return [unescape(u) for block in _html_blocks(json.loads(response)) for u in _CHART_BOX.findall(block)]


def with_window(url: str, start: str, end: str) -> str:
    """`url` with its query's `from` and `to` set to the window (its other parameters kept, in their order)."""
    parts = urlsplit(url)
    if not parts.path.startswith(CHART_PREFIXES):
        raise ValueError(f"{url}: not a chart's address (/chart/<id>.html or /figure/<id>.json): cannot make distinct "
                         "views from it")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("from", "to")]
    return parts.path + "?" + urlencode(query + [("from", start), ("to", end)])


def figure_address(url: str) -> str:
    """The plotly figure of a chart's address: the same view, as JSON whose x values are its periods."""
    parts = urlsplit(url)
    if parts.path.startswith("/chart/") and parts.path.endswith(".html"):
        path = "/figure/" + parts.path[len("/chart/"):-len(".html")] + ".json"
        return path + ("?" + parts.query if parts.query else "")
    return url


def figure_months(figure_json: bytes) -> set[str] | None:
    """The months (YYYY-MM) of a figure's own series: the dated x values of its first trace (components/chart.py
    draws the place's values first; comparators such as England's line, often longer, come after). None when they
    are not dates (a window would not change the chart)."""
    data = json.loads(figure_json)["figure"].get("data", [])
    months = {x[:7] for x in (data[0].get("x") or []) if isinstance(x, str) and _DATE.match(x)} if data else set()
    return months or None


def views(charts: dict[str, set[str] | None], first_month: str, last_month: str) -> list[loadgen.Request]:
    """Every chart address under every window that holds one of its months (`charts`: address -> months; a chart
    without dated months is left out), shuffled (fixed seed): all distinct requests."""
    for url in charts:
        with_window(url, first_month, last_month)  # fail early, naming why
    out = [loadgen.Request("GET", with_window(url, start, end))
           for start, end in windows(first_month, last_month) for url, months in charts.items()
           if months and any(start <= m <= end for m in months)]
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
    batch = supply.take(min(most, len(supply.requests) - supply.used))
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
