"""Choose and run the right SPC chart for one metric's series, as the catalogue defines it.

The catalogue says which chart a metric wants; the data decides whether limits are meaningful yet:
fewer than MIN_POINTS_FOR_LIMITS points gives a run chart, with a note saying why.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.spc import c_chart, p_chart, run_chart, xmr
from metrics.spc.charts import SHORT_GROUP as MIN_POINTS_FOR_LIMITS  # limits from fewer than 12 points mislead
from metrics.spc.choose import count_chart


PERIOD_WORDS = {"month": "months", "quarter": "quarters", "term": "terms", "academic_year": "academic years",
                "financial_year": "financial years", "calendar_year": "years"}


@dataclass(frozen=True)
class Analysis:
    """One metric's series for one area and breakdown, with its SPC result and what a reader needs to know."""
    metric_id: str
    area: str
    breakdown: str
    series: pd.DataFrame  # the rows analysed: a frame, or the store's Columns of the window (Store.analysis)
    spc: object | None  # metrics.spc result, None when there is nothing to chart
    chart: str  # the chart actually drawn: xmr | p | run | none
    note: str = ""  # why the chart differs from the catalogue's, or why there is nothing to show
    rebase_dates: tuple = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return self.spc is None


def analyse(metric, series: pd.DataFrame, *, area: str, breakdown: str = "All", rebase=()) -> Analysis:
    """Run the metric's chart over `series` (already filtered to one area, breakdown and period window).

    `rebase` holds dates an analyst marked as restarting the limits; series breaks (a change of definition)
    always restart them, so no limits are drawn across a break.
    """
    # numpy arrays rather than pandas: this runs for every metric, area, breakdown and window asked for. `series` is
    # a frame or the store's Columns (its arrays already).
    value = _col(series, "value", float)
    status = _col(series, "status")
    ok = (status == "ok") & ~np.isnan(value)
    dates_all = _col(series, "period_start", "datetime64[ns]")
    breaks = dates_all[_col(series, "series_break", bool)]
    rebase_dates = tuple(sorted({pd.Timestamp(d) for d in (*rebase, *breaks)}))
    n = int(ok.sum())
    if n == 0:
        why = "No data for this selection"
        if len(series):
            why += f": all {len(series)} values are suppressed or not available"
        return Analysis(metric.id, area, breakdown, series, None, "none", why + ".")
    dates, values = dates_all[ok], value[ok]
    ptype = str(_col(series, "period_type")[-1]) if len(series) else metric.frequency
    unit = PERIOD_WORDS.get(ptype, "points")
    if metric.chart == "run" or n < MIN_POINTS_FOR_LIMITS:
        note = ""
        if metric.chart != "run":
            note = (f"Only {n} {unit} of data: control limits need at least {MIN_POINTS_FOR_LIMITS}, "
                    "so this is a run chart against the median.")
        elif ptype != "month":
            note = (f"Reported in {unit}: too few points for reliable control limits, "
                    "so this is a run chart against the median.")
        r = run_chart(dates, values, improvement=metric.improvement, rebase=rebase_dates)
        return Analysis(metric.id, area, breakdown, series, r, "run", note, rebase_dates)
    numerator = _col(series, "numerator", float)[ok]
    denominator = _col(series, "denominator", float)[ok]
    if metric.chart == "p" and (denominator > 0).all():  # NaN > 0 is False: every point needs a denominator
        # Percentages are stored 0-100; the p chart works on proportions.
        target = metric.target / 100 if metric.target is not None else None
        r = p_chart(dates, numerator, denominator,
                    improvement=metric.improvement, target=target, rebase=rebase_dates)
        return Analysis(metric.id, area, breakdown, series, r, "p", "", rebase_dates)
    note = ""
    if metric.chart == "p":
        note = "Some points have no denominator, so this is an XmR chart of the percentages."
    if metric.chart in ("c", "count") and _whole(values):
        # A count measure: a c chart where the counts are too coarse for XmR limits (metrics.spc.choose: the
        # catalogue's chart = "count" asks for this rule; chart = "c" always draws one).
        kind = "c" if metric.chart == "c" else count_chart(values, dates=dates, rebase=rebase_dates)
        if kind == "c":
            r = c_chart(dates, values, improvement=metric.improvement, target=metric.target, rebase=rebase_dates)
            why = "" if metric.chart == "c" else (
                "The counts are too small and coarse for XmR limits, so this is a c chart (limits from the "
                "average count, as for events that happen at random).")
            return Analysis(metric.id, area, breakdown, series, r, "c", why, rebase_dates)
    r = xmr(dates, values, improvement=metric.improvement, target=metric.target,
            rebase=rebase_dates)
    return Analysis(metric.id, area, breakdown, series, r, "xmr", note, rebase_dates)


def _col(series, name: str, dtype=None) -> np.ndarray:
    """A column as a numpy array, from the store's Columns (its own arrays) or a frame."""
    attr = {"period_start": "dates"}.get(name, name)
    if hasattr(series, attr) and not isinstance(series, pd.DataFrame):
        arr = getattr(series, attr)
        return arr if dtype is None else arr.astype(dtype, copy=False)
    return series[name].to_numpy(dtype=dtype) if dtype is not None else series[name].to_numpy()


def _whole(values: np.ndarray) -> bool:
    return bool((values >= 0).all() and (values == np.floor(values)).all())


def scale(analysis: Analysis) -> float:
    """Multiplier from the SPC result's units to the metric's (p charts work in proportions, metrics in %)."""
    return 100.0 if analysis.chart == "p" else 1.0


def latest(analysis: Analysis) -> dict:
    """The last reported point: its period, value and status (a suppressed last point is still the latest)."""
    if analysis.series.empty:
        return {"period_start": None, "value": np.nan, "status": "not_available"}
    row = analysis.series.iloc[-1]
    return {"period_start": row["period_start"], "value": row["value"], "status": row["status"]}
