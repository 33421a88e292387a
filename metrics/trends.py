"""Change beside the SPC: against the same period last year and against the first point.

Two points never make a trend, so these numbers say how much a value moved, never whether it improved: the
direction is read only from the SPC result (metrics/view/reading.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics.spc.inputs import as_dates, as_numbers, sort_by_date


@dataclass(frozen=True)
class Comparison:
    """The latest value against an earlier one."""
    date: pd.Timestamp  # the earlier point's period
    value: float
    difference: float  # latest - earlier, in the metric's units (percentage points for a percentage)
    relative: float | None  # difference / |earlier|; None when the earlier value is 0


@dataclass(frozen=True)
class Change:
    latest_date: pd.Timestamp | None  # the latest period with a value; None if there is none
    latest: float
    last_year: Comparison | None  # the period exactly one year before the latest, if it has a value
    baseline: Comparison | None  # the first period with a value, if it is not the latest


def change(dates, values) -> Change:
    """Change of the latest value with a value (missing periods are skipped) against the same period a year
    earlier and against the first value. The period a year earlier is the latest date minus one calendar year,
    which is the same month, quarter or year for every period type the data uses (periods are named by their
    first day); no value there means no comparison, rather than comparing with a neighbouring period."""
    d = as_dates("dates", dates)
    y = as_numbers("values", values, len(d))
    d, y = sort_by_date(d, y)
    valid = np.flatnonzero(~np.isnan(y))
    if not valid.size:
        return Change(None, math.nan, None, None)
    latest_date, latest = pd.Timestamp(d[valid[-1]]), float(y[valid[-1]])

    def against(i: int) -> Comparison:
        earlier = float(y[i])
        diff = latest - earlier
        return Comparison(pd.Timestamp(d[i]), earlier, diff, diff / abs(earlier) if earlier else None)

    year_before = np.flatnonzero(d == (latest_date - pd.DateOffset(years=1)).to_datetime64())
    last_year = against(year_before[0]) if year_before.size and not np.isnan(y[year_before[0]]) else None
    baseline = against(valid[0]) if valid.size > 1 else None
    return Change(latest_date, latest, last_year, baseline)
