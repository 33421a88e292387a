"""Checking what a sentence claims against the points a chart draws, independently of how the claim was made.

`problems(text, points, period_type)` parses every counted claim the view model's sentences make ("7 months in a
row above the mean (March 2025 to September 2025)", "... each lower than the one before (...)", "3 values above the
upper process limit between ...", "61.6% in 2024 was below the lower process limit") and re-derives it from the
chart's points (their labels, values, centre and limits). It returns a list of what does not hold; [] when every
claim is true of the data drawn.
"""
from __future__ import annotations

import re

import pandas as pd

PERIODS = r"(?:months?|quarters?|terms?|years?|academic years?|financial years?|periods?)"
IN_A_ROW = re.compile(rf"(\d+) {PERIODS} in a row (above|below) the (mean|median|average) \(([^)]*)\)")
EACH = re.compile(rf"(\d+) {PERIODS} in a row each (higher|lower) than the one before \(([^)]*)\)")
OUTSIDE_N = re.compile(r"(\d+) values (above the upper|below the lower) process limit (?:between (.+?) and (.+?)|in "
                       r"(.+?)), the latest")
OUTSIDE_1 = re.compile(r"in ([A-Z][a-z]+ \d{4}|\d{4}(?:/\d{2})?|Q\d \d{4}|FY \d{4}/\d{2}) was (above the upper|below "
                       r"the lower) process limit")
RECALC = re.compile(r"recalculated from ([A-Z][a-z]+ \d{4}|Q\d \d{4}|\d{4}(?:/\d{2})?)")


def _step(period_type: str) -> pd.DateOffset:
    return {"month": pd.DateOffset(months=1), "quarter": pd.DateOffset(months=3)}.get(period_type,
                                                                                     pd.DateOffset(years=1))


def _next(x, period_type: str) -> pd.Timestamp:
    """The start of the period after the one starting at `x` (school terms start in September, January, April)."""
    x = pd.Timestamp(x)
    if period_type == "term":
        return x.replace(month={9: 1, 1: 4, 4: 9}[x.month], year=x.year + (x.month == 9))
    return x + _step(period_type)


def _span(text: str) -> tuple[str, str]:
    first, _, last = text.partition(" to ")
    return first, (last or first)


def _run(points, first: str, last: str, period_type: str):
    """The points from the one labelled `first` to the one labelled `last`, if they are consecutive periods."""
    labels = [p.label for p in points]
    if first not in labels or last not in labels:
        return None
    i, j = labels.index(first), labels.index(last)
    run = points[i:j + 1]
    for a, b in zip(run, run[1:]):
        if _next(a.x, period_type) != pd.Timestamp(b.x):
            return None
    return run


def problems(text: str, points, period_type: str) -> list[str]:
    out = []
    for n, side, _, span in IN_A_ROW.findall(text):
        run = _run(points, *_span(span), period_type)
        if run is None:
            out.append(f"not consecutive periods: {span!r}")
            continue
        if len(run) != int(n):
            out.append(f"claims {n} in a row ({span}) but that span has {len(run)}")
        bad = [p.label for p in run if p.value is None or p.centre is None
               or not (p.value > p.centre if side == "above" else p.value < p.centre)]
        if bad:
            out.append(f"claims {side} the centre from {span}, not true for {bad}")
    for n, way, span in EACH.findall(text):
        run = _run(points, *_span(span), period_type)
        if run is None:
            out.append(f"not consecutive periods: {span!r}")
            continue
        if len(run) != int(n):
            out.append(f"claims {n} each {way} ({span}) but that span has {len(run)}")
        values = [p.value for p in run]
        if None in values or not all((b > a) if way == "higher" else (b < a) for a, b in zip(values, values[1:])):
            out.append(f"claims each {way} than the one before over {span}: {values}")
    for n, side, first, last, only in OUTSIDE_N.findall(text):
        first, last = (first, last) if first else (only, only)
        span = f"{first} to {last}"
        labels = [p.label for p in points]
        if first not in labels or last not in labels:
            out.append(f"unknown periods in {span!r}")
            continue
        run = points[labels.index(first):labels.index(last) + 1]
        beyond = [p for p in run if p.value is not None and p.upper is not None and
                  (p.value > p.upper if side.startswith("above") else p.value < p.lower)]
        if len(beyond) != int(n):
            out.append(f"claims {n} values {side} limit between {span}; the chart has {len(beyond)}")
    for label, side in OUTSIDE_1.findall(text):
        p = next((p for p in points if p.label == label), None)
        if p is None or p.value is None or p.upper is None or \
                not (p.value > p.upper if side.startswith("above") else p.value < p.lower):
            out.append(f"claims {label} was {side} limit")
    return out
