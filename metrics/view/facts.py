"""Facts about a drawn series, computed on exactly the points the chart shows, for the sentences to state.

A sentence may only say what a fact here says, and every fact is checked against the series it describes in
tests/unit/test_view_facts.py (property tests on generated series). Runs are counted over *consecutive periods*:
a missing month breaks a run, so "7 consecutive months" is true of the calendar, not just of the points.

The rules that tie icons, words and numbers together (issue 12, "Icon, direction word and change figure never
contradict each other"), written down once:
1. The variation icon is the SPC's reading of the latest point. A run chart whose Anhøj runs analysis signals
   non-random variation in the latest group (a long run, or too few crossings of the median) reads as special
   cause on the side of the median its latest point lies on: the runs analysis says the process changed; the
   latest point says which way. A point on the median gives no direction, and so stays common cause.
2. With no signal, the words never say "about the same" unless the values shown are flat: the latest value lies
   within the range of the values before it in the window. Otherwise the reading is "no clear pattern yet" and
   the change is stated as a plain fact (from what, to what), never as better or worse.
3. Fewer than MIN_POINTS_TO_JUDGE points cannot show a signal: the reading is "not enough information yet".
4. A change on a cohort smaller than SMALL_COHORT is not described as a change (one child moves it by a lot).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

MIN_POINTS_TO_JUDGE = 6
SMALL_COHORT = 10
STUCK_POINTS = 4  # the last this many periods at (or within STUCK_MARGIN of) a percentage's bound
STUCK_MARGIN = 2.5  # percentage points


def ordinal(date, period_type: str) -> int:
    """A period's position on its calendar, so consecutive periods differ by exactly 1."""
    d = pd.Timestamp(date)
    if period_type == "month":
        return d.year * 12 + d.month - 1
    if period_type == "quarter":
        return d.year * 4 + (d.month - 1) // 3
    if period_type == "term":  # autumn, spring, summer (from September, January, April)
        return int(ordinals(np.array([d.to_datetime64()]), "term")[0])
    return d.year


@dataclass(frozen=True)
class Run:
    """A stretch of consecutive periods with a property: `kind` says which.

    outside: points beyond the limits (n of them, not necessarily consecutive); same_side: consecutive points
    strictly above (side high) or below (low) the centre; monotone: consecutive points each higher (high) or lower
    (low) than the one before; near_limit: points between two sigma and the limit on one side (n of them).
    """
    kind: str
    n: int
    first: pd.Timestamp
    last: pd.Timestamp
    side: str  # high | low


def ordinals(dates: np.ndarray, period_type: str) -> np.ndarray:
    """`ordinal` of each date, vectorised."""
    d = np.asarray(dates, dtype="datetime64[M]").astype(np.int64)  # months since 1970-01
    if period_type == "month":
        return d
    if period_type == "quarter":
        return d // 3
    if period_type == "term":  # three terms a school year: autumn (September), spring (January), summer (April)
        month = d % 12 + 1
        school_year = d // 12 - (month < 9)
        return 3 * school_year + np.where(month >= 9, 0, np.where(month < 4, 1, 2))
    return d // 12


@dataclass(frozen=True)
class Drawn:
    """The points of one chart as drawn (values in the measure's units), oldest first, valid values only."""
    dates: np.ndarray  # datetime64
    values: np.ndarray
    centre: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    lower_2s: np.ndarray
    upper_2s: np.ndarray
    group: np.ndarray
    point_type: np.ndarray
    period_type: str

    @cached_property
    def ordinals(self) -> np.ndarray:
        return ordinals(self.dates, self.period_type)


def drawn(arrays, scale: float, period_type: str) -> Drawn:
    """The SPC result's arrays as drawn: valid values only, in the measure's units."""
    keep = ~np.isnan(np.asarray(arrays["value"], dtype=float))

    def col(name):
        return np.asarray(arrays[name], dtype=float)[keep] * scale

    return Drawn(np.asarray(arrays["date"])[keep], col("value"), col("centre"), col("lower"), col("upper"),
                 col("lower_2s") if "lower_2s" in arrays else col("lower"),
                 col("upper_2s") if "upper_2s" in arrays else col("upper"),
                 np.asarray(arrays["group"])[keep], np.asarray(arrays["point_type"])[keep], period_type)


def _runs(mask: np.ndarray, ordinals: np.ndarray, group: np.ndarray) -> list[tuple[int, int]]:
    """(start, end inclusive) of each stretch where `mask` holds over consecutive periods within one group."""
    out, start = [], None
    for i in range(len(mask)):
        contiguous = i > 0 and ordinals[i] == ordinals[i - 1] + 1 and group[i] == group[i - 1]
        if mask[i] and start is not None and contiguous:
            continue
        if start is not None:
            out.append((start, i - 1))
            start = None
        if mask[i]:
            start = i
    if start is not None:
        out.append((start, len(mask) - 1))
    return out


def same_side_runs(d: Drawn, side: str) -> list[tuple[int, int]]:
    above = d.values > d.centre if side == "high" else d.values < d.centre
    return _runs(above & ~np.isnan(d.centre), d.ordinals, d.group)


def monotone_runs(d: Drawn, side: str) -> list[tuple[int, int]]:
    """Stretches of consecutive periods each higher (lower) than the one before: a run of k steps has k + 1
    points. Returned as (first point, last point)."""
    n = len(d.values)
    if n < 2:
        return []
    step = np.diff(d.values) > 0 if side == "high" else np.diff(d.values) < 0
    ok = step & (np.diff(d.ordinals) == 1) & (d.group[1:] == d.group[:-1])
    return [(s, e + 1) for s, e in _runs(ok, np.arange(n - 1), np.zeros(n - 1))]


def signal_runs(d: Drawn, first, last, side: str, chart: str) -> list[Run]:
    """What is true of the flagged stretch from `first` to `last` (the latest signal), strongest first.

    Only patterns long enough to be a signal are stated (7 points for a shift or trend on an SPC chart; on a run
    chart the long run is stated whatever its length, as the runs analysis flagged it)."""
    lo, hi = np.datetime64(pd.Timestamp(first)), np.datetime64(pd.Timestamp(last))
    inside = (d.dates >= lo) & (d.dates <= hi)
    out: list[Run] = []
    if chart != "run":
        beyond = inside & ((d.values > d.upper) if side == "high" else (d.values < d.lower))
        if beyond.any():
            idx = np.flatnonzero(beyond)
            out.append(Run("outside", int(beyond.sum()), pd.Timestamp(d.dates[idx[0]]),
                           pd.Timestamp(d.dates[idx[-1]]), side))
    minimum = 7 if chart != "run" else 2
    for kind, runs in (("same_side", same_side_runs(d, side)), ("monotone", monotone_runs(d, side))):
        if kind == "monotone" and chart == "run":
            continue
        # The run (stated whole, as drawn) that overlaps the flagged stretch and ends latest.
        overlapping = [(e, e - s + 1, s) for s, e in runs
                       if e - s + 1 >= minimum and d.dates[s] <= hi and d.dates[e] >= lo]
        if overlapping:
            e, _, s = max(overlapping)
            best = (s, e)
            out.append(Run(kind, best[1] - best[0] + 1, pd.Timestamp(d.dates[best[0]]),
                           pd.Timestamp(d.dates[best[1]]), side))
    if chart != "run":
        # Between two sigma and the limit (a point beyond the limit is counted as outside). The two-in-three rule
        # looks at three points in a row: count from two points before the flagged stretch, within its group.
        idx = np.flatnonzero(inside)
        if idx.size:
            start = idx[0]
            while start > 0 and idx[0] - start < 2 and d.group[start - 1] == d.group[idx[0]]:
                start -= 1
            inside = inside.copy()
            inside[start:idx[0]] = True
        near = inside & (((d.values > d.upper_2s) & ~(d.values > d.upper)) if side == "high"
                         else ((d.values < d.lower_2s) & ~(d.values < d.lower)))
        if near.sum() >= 2:
            idx = np.flatnonzero(near)
            out.append(Run("near_limit", int(near.sum()), pd.Timestamp(d.dates[idx[0]]),
                           pd.Timestamp(d.dates[idx[-1]]), side))
    return out


def flat(values: np.ndarray) -> bool:
    """Rule 2: the latest value lies within the range of the values before it (the window shown)."""
    v = values[~np.isnan(values)]
    if len(v) < 2:
        return True
    return bool(v[:-1].min() <= v[-1] <= v[:-1].max())


@dataclass(frozen=True)
class Stuck:
    bound: float  # 100 or 0
    n: int
    first: pd.Timestamp


def stuck_at_bound(d: Drawn, unit: str) -> Stuck | None:
    """The latest STUCK_POINTS or more consecutive periods all at, or within STUCK_MARGIN of, 100% or 0%, at least
    half of them exactly at it (a measure that is simply small, such as a 1% appeal rate, is not stuck at 0%)."""
    if unit != "percent" or len(d.values) < STUCK_POINTS:
        return None
    for bound in (100.0, 0.0):
        close = np.abs(d.values - bound) <= STUCK_MARGIN
        runs = _runs(close, d.ordinals, np.zeros(len(close)))
        if runs and runs[-1][1] == len(close) - 1 and runs[-1][1] - runs[-1][0] + 1 >= STUCK_POINTS:
            s = runs[-1][0]
            if 2 * int((d.values[s:] == bound).sum()) >= len(close) - s:
                return Stuck(bound, len(close) - s, pd.Timestamp(d.dates[s]))
    return None


def mean_of(values: np.ndarray) -> float:
    v = values[~np.isnan(values)]
    return float(v.mean()) if len(v) else math.nan


def change_after(analysis, date, months: int = 12):
    """The first special-cause run that starts on or after `date` and within `months` of it, if any:
    (its words, its first date). A signal already running before the date is not credited to the event."""
    if analysis.spc is None:
        return None
    a = analysis.spc.arrays
    keep = ~np.isnan(np.asarray(a["value"], float))
    types, dates = np.asarray(a["point_type"])[keep], np.asarray(a["date"])[keep]
    d0 = pd.Timestamp(date)
    window = (dates >= d0.to_datetime64()) & (dates < (d0 + pd.DateOffset(months=months)).to_datetime64())
    starts = (types != "common_cause") & np.concatenate(([True], types[1:] != types[:-1]))
    hits = np.flatnonzero(window & starts)
    if not hits.size:
        return None
    kind = str(types[hits[0]])
    if kind in ("special_cause_improvement", "special_cause_concern"):
        words = kind.replace("_", " ")
    else:
        words = f"unusually {'high' if kind.endswith('high') else 'low'} values (neither better nor worse)"
    return words, pd.Timestamp(dates[hits[0]])


@dataclass(frozen=True)
class YearAgo:
    date: pd.Timestamp  # the earlier period
    difference: float  # latest - earlier, in the measure's units


def year_ago(dates: np.ndarray, values: np.ndarray) -> YearAgo | None:
    """The latest value with a value against the same period one calendar year before it, if that has a value
    (periods are named by their first day, so this is the same month, quarter or year for every period type)."""
    valid = np.flatnonzero(~np.isnan(values))
    if not valid.size:
        return None
    last = valid[-1]
    then = (pd.Timestamp(dates[last]) - pd.DateOffset(years=1)).to_datetime64()
    hit = np.flatnonzero(dates == then)
    if not hit.size or np.isnan(values[hit[0]]):
        return None
    return YearAgo(pd.Timestamp(then), float(values[last] - values[hit[0]]))
