"""Checking and normalising what callers pass to the SPC functions (and to `metrics.trends`).

Every bad argument raises ValueError naming the argument and, where there is one, the position of the bad item.
"""
from __future__ import annotations

import math
import numbers

import numpy as np
import pandas as pd

IMPROVEMENTS = ("increase", "decrease", "neutral")
TWO_SIGMA_RULES = ("mdc", "plotthedots")  # see rules.beyond_two_sigma


def as_dates(name: str, dates) -> np.ndarray:
    """`dates` as a datetime64[ns] array (time-zone aware dates are converted to UTC and made naive)."""
    if isinstance(dates, np.ndarray) and dates.dtype.kind == "M":
        arr = dates.astype("datetime64[ns]")  # fast path (what the data layer passes); a copy, as results freeze it
    elif isinstance(dates, (tuple, list)) and all(isinstance(d, pd.Timestamp) and d.tzinfo is None for d in dates):
        # Naive Timestamps (rebase dates, as the store gives them): pandas' parser costs ~50x this.
        arr = np.array([d.to_datetime64() for d in dates], dtype="datetime64[ns]")
    else:
        if isinstance(dates, (str, bytes)) or np.ndim(dates) != 1:
            raise ValueError(f"{name}: expected a sequence of dates, got {type(dates).__name__}")
        try:
            idx = pd.DatetimeIndex(pd.to_datetime(dates))
        except (ValueError, TypeError, OverflowError) as e:
            raise ValueError(f"{name}: cannot be read as dates ({e})") from None
        if idx.tz is not None:
            idx = idx.tz_convert(None)
        arr = idx.to_numpy("datetime64[ns]")
    if arr.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional sequence of dates")
    missing = np.isnat(arr)
    if missing.any():
        raise ValueError(f"{name}: missing date at position {np.flatnonzero(missing)[0]}")
    return arr


def as_numbers(name: str, values, length: int) -> np.ndarray:
    """`values` as a float array of `length` items; None/NaN/pd.NA become NaN, anything non-numeric is an error."""
    if isinstance(values, (pd.Series, pd.Index)):
        if values.dtype == bool or not pd.api.types.is_numeric_dtype(values.dtype):
            raise ValueError(f"{name}: must be numeric, got dtype {values.dtype}")
        arr = np.array(values.to_numpy(dtype=float, na_value=np.nan))  # a copy: results freeze their arrays
    else:
        raw = np.asarray(values)
        if raw.ndim != 1:
            raise ValueError(f"{name}: expected a one-dimensional sequence of numbers")
        if raw.dtype.kind in "iuf":
            arr = raw.astype(float)
        elif raw.dtype.kind == "O":
            arr = np.array([_number(name, i, v) for i, v in enumerate(raw)], dtype=float)
        else:
            raise ValueError(f"{name}: must be numeric, got dtype {raw.dtype}")
    if len(arr) != length:
        raise ValueError(f"{name}: has {len(arr)} items but dates has {length}")
    infinite = np.isinf(arr)
    if infinite.any():
        raise ValueError(f"{name}: infinite value at position {np.flatnonzero(infinite)[0]}")
    return arr


def _number(name: str, i: int, v) -> float:
    if v is None or v is pd.NA:
        return math.nan
    if isinstance(v, numbers.Real) and not isinstance(v, (bool, np.bool_)):
        return float(v)
    raise ValueError(f"{name}: non-numeric value {v!r} at position {i}")


def check_improvement(improvement) -> str:
    if improvement not in IMPROVEMENTS:
        raise ValueError(f"improvement: must be one of {', '.join(IMPROVEMENTS)}; got {improvement!r}")
    return improvement


def check_two_sigma_rule(rule) -> str:
    if rule not in TWO_SIGMA_RULES:
        raise ValueError(f"two_sigma_rule: must be one of {', '.join(TWO_SIGMA_RULES)}; got {rule!r}")
    return rule


def as_counts(name: str, values, length: int) -> np.ndarray:
    """`values` as a float array of non-negative whole numbers (missing values stay NaN)."""
    arr = as_numbers(name, values, length)
    bad = ~(np.isnan(arr) | ((arr >= 0) & (arr == np.floor(arr))))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: {float(arr[i])!r} at position {i} is not a count (a whole number, 0 or more)")
    return arr


def check_target(target) -> float | None:
    if target is None:
        return None
    if isinstance(target, (bool, np.bool_)) or not isinstance(target, numbers.Real) or not math.isfinite(target):
        raise ValueError(f"target: must be a finite number or None; got {target!r}")
    return float(target)


def check_flag(name: str, flag) -> bool:
    if not isinstance(flag, (bool, np.bool_)):
        raise ValueError(f"{name}: must be True or False; got {flag!r}")
    return bool(flag)


def check_fix_after_n_points(n) -> int | None:
    # NHSRplotthedots (R/ptd_spc_options.R) accepts a single number >= 12; rows are counted up to it.
    if n is None:
        return None
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Real) or not math.isfinite(n) or n < 12:
        raise ValueError(f"fix_after_n_points: must be a number >= 12 or None; got {n!r}")
    return math.floor(n)


def sort_by_date(dates: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Dates ascending with their columns; a date given twice is an error."""
    if len(dates) < 2 or (dates[1:] > dates[:-1]).all():  # already in order (the usual case): nothing to do
        return (dates, *columns)
    order = np.argsort(dates, kind="stable")
    dates = dates[order]
    dup = np.flatnonzero(dates[1:] == dates[:-1])
    if dup.size:
        raise ValueError(f"dates: {np.datetime_as_string(dates[dup[0]], unit='D')} appears more than once")
    return (dates, *(c[order] for c in columns))


def rebase_groups(dates: np.ndarray, rebase) -> np.ndarray:
    """Group number (0, 1, ...) of each sorted date: a new group starts at the first date on or after each rebase date.

    NHSRplotthedots (R/ptd_add_rebase_column.R) only rebases at dates present in the data and silently ignores
    others. Here a rebase date between two points starts the group at the next point, so a series break that
    falls on a suppressed (dropped) period still splits the limits. Dates before the first point or after the
    last change nothing, exactly as in the package (tests/testthat/test-ptd_spc.R rebases at 2020-01-01, before
    its data, and gets one group).
    """
    if isinstance(rebase, (tuple, list)) and not rebase:
        return np.zeros(len(dates), dtype=np.int64)
    if isinstance(rebase, (str, bytes)) or np.ndim(rebase) == 0:
        rebase = [rebase]
    starts = np.searchsorted(dates, as_dates("rebase", rebase), side="left")
    flags = np.zeros(len(dates) + 1, dtype=np.int64)
    flags[starts] = 1
    flags[0] = 0  # a rebase at or before the first point changes nothing
    return np.cumsum(flags[:-1])
