"""What the overview and each chart's table show, as plain rows (no Dash): one place, so the page, its table
alternative and its CSV download always agree.

`overview(store, area, start, end)` gives one row per catalogue metric for an area: latest value and period,
target, Making Data Count icons, sparkline values, change on the same period last year, comparators and
provenance. It is computed once per (data version, area, window) and kept, so the board overview is a lookup.
`chart_rows(analysis, metric)` gives the rows behind one chart, and `chart_csv` the same rows with GSS symbols.
"""
from __future__ import annotations

import csv
import io
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from metrics import benchmarking
from metrics import format as fmt
from metrics.analysis import Analysis, latest, scale
from metrics.area import ENGLAND, SN_AVERAGE
from metrics.edition import BOARD, PUBLIC
from metrics.narrative import period_type
from metrics.trends import change as trend_change

SPARK_POINTS = 24  # the last two years of a monthly series: enough to see a direction at a glance
POINT_WORDS = {"common_cause": "Common cause", "special_cause_improvement": "Special cause improvement",
               "special_cause_concern": "Special cause concern",
               "special_cause_neutral_high": "Special cause (high)",
               "special_cause_neutral_low": "Special cause (low)"}
TABLE_COLUMNS = ("Period", "Value", "Centre line", "Lower limit", "Upper limit", "Point")


# -- one chart's rows ---------------------------------------------------------------------------------------

def chart_rows(analysis: Analysis, metric) -> pd.DataFrame:
    """Every period in the chart's window (suppressed and missing ones too), with the SPC lines in the
    metric's units: period_start, period, value, status, centre, lower, upper, point_type."""
    series = analysis.series
    ptype = period_type(analysis, metric)
    rows = pd.DataFrame({
        "period_start": pd.to_datetime(series["period_start"]).to_numpy(),
        "value": series["value"].astype(float).to_numpy(),
        "status": series["status"].astype(str).to_numpy(),
    })
    for column in ("centre", "lower", "upper"):
        rows[column] = np.nan
    rows["point_type"] = ""
    if analysis.spc is not None and len(rows):
        a = analysis.spc.arrays
        k = scale(analysis)
        where = {pd.Timestamp(d): i for i, d in enumerate(a["date"])}
        idx = [where.get(pd.Timestamp(d)) for d in rows["period_start"]]
        for column in ("centre", "lower", "upper"):
            rows[column] = [float(a[column][i]) * k if i is not None else np.nan for i in idx]
        rows["point_type"] = [str(a["point_type"][i]) if i is not None and rows["status"].iat[n] == "ok" else ""
                              for n, i in enumerate(idx)]
    rows.insert(1, "period", [fmt.period(d, ptype) for d in rows["period_start"]])
    return rows


def table_text(rows: pd.DataFrame, metric) -> list[tuple[str, ...]]:
    """The rows as the accessible table reads them, one tuple per period in TABLE_COLUMNS order."""
    out = []
    for r in rows.itertuples(index=False):
        out.append((r.period, fmt.value(r.value, metric.unit, r.status),
                    _blank(r.centre, metric.unit), _blank(r.lower, metric.unit), _blank(r.upper, metric.unit),
                    POINT_WORDS.get(r.point_type, "")))
    return out


def _blank(x, unit: str) -> str:
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else fmt.value(x, unit)


# A download's columns by edition. The public one has no SPC lines: their words are jargon to families, and a
# count measure's centre and limits can be decimals from 1 to 5, which would defeat "no count from 1 to 5".
CSV_COLUMNS = {
    BOARD: ("metric_id", "area", "breakdown", "period", "period_start", "value", "unit", "centre", "lower_limit",
            "upper_limit", "point_type"),
    PUBLIC: ("metric_id", "area", "breakdown", "period", "period_start", "value", "unit"),
}


def chart_csv(rows: pd.DataFrame, analysis: Analysis, metric, edition: str = BOARD) -> str:
    """The chart's rows as CSV with the edition's columns (CSV_COLUMNS): values with GSS symbols for suppressed
    (c), not available (x), not applicable (z); for the board, the SPC lines as numbers (blank where a chart has
    none)."""
    columns = CSV_COLUMNS[edition]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows.itertuples(index=False):
        cells = {"metric_id": metric.id, "area": analysis.area, "breakdown": analysis.breakdown,
                 "period": r.period, "period_start": pd.Timestamp(r.period_start).date(),
                 "value": fmt.symbol(r.value, r.status, digits=3), "unit": metric.unit,
                 "centre": r.centre, "lower_limit": r.lower, "upper_limit": r.upper, "point_type": r.point_type}
        for line in ("centre", "lower_limit", "upper_limit"):
            cells[line] = "" if math.isnan(cells[line]) else fmt.symbol(cells[line], digits=3)
        w.writerow([cells[c] for c in columns])
    return buf.getvalue()


# -- the overview -------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Comparator:
    name: str
    value: float
    status: str
    period: str  # its own period (published comparators are often a year behind local data)
    text: str


@dataclass(frozen=True)
class OverviewRow:
    metric_id: str
    title: str
    page: str
    unit: str
    improvement: str
    latest_value: float
    latest_status: str
    latest_period: str  # "March 2026", "2024/25", "—"
    latest_text: str  # "62.5%", "Suppressed to protect confidentiality", "No data"
    target: float | None
    target_text: str
    variation: str | None  # Making Data Count variation icon; None when nothing could be charted
    assurance: str | None
    spark: tuple  # the last SPARK_POINTS values (None for gaps), oldest first
    change: float | None  # against the same period last year, in the metric's units
    change_text: str  # "up 3.1 points on March 2025", "" when there is no year-ago value
    comparators: tuple[Comparator, ...]
    synthetic: bool
    source: str
    owner: str | None
    plan_refs: tuple[str, ...]
    unavailable: str  # why the metric cannot be shown, "" when it can
    note: str  # the analysis note (e.g. a run chart because there are too few points)


_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()
CACHE_SIZE = 256


def overview(store, area: str, start=None, end=None) -> tuple[OverviewRow, ...]:
    """One row per catalogue metric, in catalogue order, for `area` over [start, end] (None: the whole range)."""
    key = (store.version, area, None if start is None else pd.Timestamp(start),
           None if end is None else pd.Timestamp(end))
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    rows = tuple(overview_row(store, m, area, start, end) for m in store.catalogue.metrics)
    with _lock:
        _cache[key] = rows
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return rows


def overview_row(store, metric, area: str, start=None, end=None) -> OverviewRow:
    analysis = store.analysis(metric.id, area, "All", start, end)
    series = analysis.series
    last = latest(analysis)
    ptype = period_type(analysis, metric)
    values = series["value"].astype(float).where(series["status"] == "ok").tolist()[-SPARK_POINTS:]
    spark = tuple(None if (v is None or math.isnan(v)) else v for v in values)
    change, change_text = None, ""
    if len(series):
        ok = series["value"].astype(float).where(series["status"] == "ok")
        last_year = trend_change(series["period_start"], ok).last_year
        if last_year is not None:
            change, change_text = last_year.difference, change_words(last_year.difference, metric.unit,
                                                                      fmt.period(last_year.date, ptype))
    comparators = ()
    if metric.comparators:
        comparators = tuple(c for c in (_comparator(store, metric, name, end) for name in (ENGLAND, SN_AVERAGE))
                            if c is not None)
    spc = analysis.spc
    return OverviewRow(
        metric_id=metric.id, title=metric.title, page=metric.page, unit=metric.unit,
        improvement=metric.improvement,
        latest_value=float(last["value"]) if last["value"] is not None else math.nan,
        latest_status=last["status"],
        latest_period=fmt.period(last["period_start"], ptype),
        latest_text=fmt.value(last["value"], metric.unit, last["status"]) if last["period_start"] is not None
        else "No data",
        target=metric.target,
        target_text=fmt.value(metric.target, metric.unit) if metric.target is not None else "",
        variation=spc.variation if spc is not None else None,
        assurance=spc.assurance if spc is not None else None,
        spark=spark, change=change, change_text=change_text, comparators=comparators,
        synthetic=bool(series["synthetic"].any()) if len(series) else False,
        source=_source(series, metric), owner=metric.owner, plan_refs=metric.plan_refs,
        unavailable=store.unavailable.get(metric.id, ""), note=analysis.note,
    )


def change_words(difference: float, unit: str, then: str) -> str:
    """'up 3.1 percentage points on March 2025', 'down 12 on 2023/24', 'no change on March 2025'.

    Only how much it moved: whether that is better or worse is the SPC's call (two points are not a trend)."""
    if difference == 0:
        return f"no change on {then}"
    size = fmt.value(abs(difference), unit)
    if unit == "percent":
        size = size.removesuffix("%") + " percentage points"
    return f"{'up' if difference > 0 else 'down'} {size} on {then}"


def _source(series: pd.DataFrame, metric) -> str:
    if len(series) and "source" in series:
        return str(series["source"].iloc[-1])
    return metric.source


def _comparator(store, metric, name: str, end=None) -> Comparator | None:
    """The comparator's latest published value up to the window's end."""
    s = store.series(metric.id, name, "All", None, end)
    if s is None or not len(s):
        return None
    row = s.iloc[-1]
    ptype = str(row["period_type"]) if "period_type" in s else metric.frequency
    return Comparator(name=name, value=float(row["value"]) if pd.notna(row["value"]) else math.nan,
                      status=str(row["status"]), period=fmt.period(row["period_start"], ptype),
                      text=fmt.value(row["value"], metric.unit, str(row["status"])))


def comparator_series(store, metric, start=None, end=None) -> dict[str, pd.DataFrame]:
    """England, the region and the statistical-neighbour average over the window, for drawing on a chart."""
    if not metric.comparators:
        return {}
    out = {}
    for name in store.area.comparators:
        s = store.series(metric.id, name, "All", start, end)
        if len(s):
            out[name] = s
    return out


# -- data and definitions -----------------------------------------------------------------------------------

DATE_COLUMN = {"therapy_referrals": "referral_date", "ehc_requests": "request_date",
               "annual_reviews": "review_due_date"}


@dataclass(frozen=True)
class InputRow:
    name: str
    available: bool
    rows: int
    files: tuple[str, ...]
    synthetic: bool
    source: str
    first: str  # the earliest date or period the input covers ("" when unknown)
    last: str
    modified: str  # when its newest file was written (UTC), i.e. how fresh the extract is
    reason: str  # why it is unavailable


def inputs_rows(store) -> list[InputRow]:
    """Each input's provenance, coverage and freshness, for the Data and definitions page."""
    out = []
    for name, info in store.inputs.items():
        first = last = ""
        frame = store.records.get(name)
        if frame is not None and DATE_COLUMN.get(name) in frame.columns and frame.height:
            col = frame[DATE_COLUMN[name]]
            first, last = str(col.min()), str(col.max())
        elif name == "metric_values" and len(store.values):
            ids = {m.id for m in store.catalogue.metrics if not m.record_level}
            periods = store.values.loc[store.values["metric_id"].isin(ids), "period_start"]
            if len(periods):
                first, last = str(periods.min().date()), str(periods.max().date())
        mtimes = []
        for f in info.get("files", []):
            try:
                mtimes.append((store.data_dir / f).stat().st_mtime)
            except OSError:
                pass
        modified = pd.Timestamp(max(mtimes), unit="s").strftime("%d %B %Y %H:%M UTC") if mtimes else ""
        out.append(InputRow(name=name, available=bool(info.get("available")), rows=int(info.get("rows", 0)),
                            files=tuple(info.get("files", [])), synthetic=bool(info.get("synthetic", False)),
                            source=str(info.get("source", "")), first=first, last=last, modified=modified,
                            reason=str(info.get("reason", ""))))
    return out


def synthetic_metrics(store) -> dict[str, bool]:
    """Metric id -> whether the local area's series is synthetic demonstration data (any synthetic row)."""
    values = store.values
    local = values[values["area"].isin(store.areas)]
    flags = local.groupby("metric_id")["synthetic"].any().to_dict() if len(local) else {}
    return {m.id: bool(flags.get(m.id, False)) for m in store.catalogue.metrics}


# -- statistical neighbours and published files ----------------------------------------------------------------

_benchmarks: OrderedDict = OrderedDict()


@dataclass(frozen=True)
class Benchmark:
    rank: object | None  # benchmarking.Rank: the area's latest rank among its statistical neighbours
    table: pd.DataFrame  # benchmarking.benchmark_table: the area and each neighbour, latest value and travel


def benchmarks(store) -> dict[str, Benchmark]:
    """metric_id -> the area against its statistical neighbours, for every metric with published comparators.
    Computed once per data version: each one scans the long table."""
    with _lock:
        if store.version in _benchmarks:
            return _benchmarks[store.version]
    values = store.values
    found = {}
    for m in store.catalogue.metrics:
        if m.comparators:
            table = benchmarking.benchmark_table(values, m.id, store.area, improvement=m.improvement)
            rank = benchmarking.neighbour_rank(values, m.id, store.area, improvement=m.improvement)
            if rank is not None or table["value"].notna().any():
                found[m.id] = Benchmark(rank, table)
    with _lock:
        _benchmarks[store.version] = found
        while len(_benchmarks) > 4:
            _benchmarks.popitem(last=False)
    return found


def rank_words(rank, metric) -> str:
    """'3rd of 11 statistical-neighbour areas in 2024/25 (1st = lowest)'."""
    def ordinal(n: int) -> str:
        return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
    best = f" (1st = {rank.best_is})" if rank.best_is else " (1st = highest)"
    return (f"Ranked {ordinal(rank.rank)} of {rank.n} with its statistical neighbours in "
            f"{fmt.period(rank.period_start, rank.period_type)}{best}")


@dataclass(frozen=True)
class IngestedFile:
    file: str
    source: str
    release: str
    sha256: str
    periods: str  # first to last period covered
    rows_written: int
    warnings: int
    loaded_at: str


def ingested_files(store) -> list[IngestedFile]:
    """The published files loaded into this data folder (latest ingest of each), for the data page."""
    # Imported here: the ingest package loads its whole pipeline (~0.2 s), which only the data page needs, and
    # every worker imports this module before serving its first page (issue 5: first page < 3 s).
    from metrics.ingest import log as ingest_log

    rows = []
    for e in ingest_log.latest_by_file(store.data_dir):
        periods = e.get("periods") or []
        rows.append(IngestedFile(
            e["file"], e.get("source", ""), e.get("release") or "", e.get("sha256", "")[:12],
            f"{min(periods)} to {max(periods)}" if periods else "", int(e.get("rows_written", 0)),
            len(e.get("warnings") or []), str(e.get("loaded_at", ""))[:16].replace("T", " ")))
    return rows
