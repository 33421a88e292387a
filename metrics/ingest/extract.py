"""Apply the published map to a reader's frame: one long row per metric, area, breakdown and period.

Every cell becomes (value, status) through `symbols`; every time label becomes (period_start, period_type)
through `periods`. Anything unreadable raises IngestError naming the file, the column and the data row.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, QUALITY, ROW, TIME_ID, Frame, row_column, source_column
from metrics.ingest.mapping import Indicator
from metrics.ingest.periods import is_provisional, period_start
from metrics.ingest.symbols import BLANK, parse_cells
from metrics.schemas import STATUS_OK, TERM_STARTS, quality_text

LONG_COLUMNS = ["metric_id", "area", "breakdown", "period_start", "period_type", "value", "numerator",
                "denominator", "status", "quality", "_row", "_column"]

# time_identifier values a period type may be read from ("" = the layout has no identifier).
# A January-census count published as "2022 / Calendar year" is the academic year 2021/22 (see periods.py).
IDENTIFIERS = {
    "academic_year": {"", "Academic year", "Calendar year"},
    "financial_year": {"", "Financial year", "Calendar year"},
    "calendar_year": {"", "Calendar year"},
    "month": {"", "Month"},
    "quarter": set(),
    "term": set(TERM_STARTS),
}


def _first_present(names: tuple[str, ...], columns) -> str | None:
    return next((n for n in names if n in columns), None)


def _cell_rows(t: pd.DataFrame, column: str) -> np.ndarray:
    """The published row of each cell: reshaping readers record it per column."""
    rc = row_column(column)
    if rc in t.columns:
        return t[rc].fillna(t[ROW]).astype(int).to_numpy()
    return t[ROW].astype(int).to_numpy()


def _published_column(t: pd.DataFrame, column: str) -> pd.Series:
    """The file's own name for each cell's column (reshaping readers record it; others keep the name)."""
    sc = source_column(column)
    return t[sc] if sc in t.columns else pd.Series(column, index=t.index)


def _parse(t: pd.DataFrame, column: str, frame: Frame):
    values, statuses, bad = parse_cells(t[column], frame.kind)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IngestError(frame.file, f"{str(t[column].iloc[i]).strip()!r} is neither a number nor a known "
                                      "symbol (c, x, z, low, :, ~, -)", column=_published_column(t, column).iloc[i],
                          row=int(_cell_rows(t, column)[i]))
    return values, statuses


def indicator_applies(ind: Indicator, columns) -> bool:
    if any(n not in columns for n in ind.needs):
        return False
    if ind.column:
        return _first_present(ind.column, columns) is not None
    return _all_present(ind.numerator, columns) and _all_present(ind.denominator, columns)


def _all_present(parts: tuple[tuple[str, ...], ...], columns) -> bool:
    return bool(parts) and all(_first_present(names, columns) for names in parts)


def _sum(t: pd.DataFrame, parts, frame: Frame):
    """Sum of published count columns: a cell's status is the first non-ok status among its parts."""
    total = np.zeros(len(t))
    status = np.full(len(t), STATUS_OK, dtype=object)
    for names in parts:
        v, s = _parse(t, _first_present(names, t.columns), frame)
        total += v
        status = np.where(status == STATUS_OK, s, status)
    return total, status


def _period_starts(frame: Frame, ind: Indicator, t: pd.DataFrame, rows: np.ndarray) -> list:
    allowed = IDENTIFIERS[ind.period_type] | ({"Academic year"} if ind.january_census else set())
    starts = []
    for label, ident, row in zip(t[PERIOD], t[TIME_ID], rows):
        if str(ident).strip() not in allowed:
            raise IngestError(frame.file, f"time_identifier {str(ident).strip()!r} cannot be read as "
                                          f"{ind.period_type.replace('_', ' ')} for {ind.metric_id}",
                              column="time_identifier", row=int(row))
        try:
            starts.append(period_start(str(label), ind.period_type, year_label=ind.year_label,
                                       january_census=ind.january_census, term=str(ident)))
        except ValueError as exc:
            raise IngestError(frame.file, str(exc), column=frame.period_column, row=int(row)) from None
    return starts


def _quality(frame: Frame, ind: Indicator, t: pd.DataFrame) -> list:
    """Each row's quality flags: provisional time labels, and whatever the reader flagged."""
    provisional = [is_provisional(str(p)) for p in t[PERIOD]]
    if any(provisional):
        frame.warnings.append(f"{ind.metric_id}: {sum(provisional)} value(s) published as provisional (kept and "
                              "flagged; a later release replaces them)")
    read = t[QUALITY] if QUALITY in t.columns else pd.Series(None, index=t.index, dtype=object)
    return [quality_text("provisional" if p else None, q if isinstance(q, str) else None)
            for p, q in zip(provisional, read)]


def extract(frame: Frame, indicators: list[Indicator]) -> tuple[pd.DataFrame, list[Indicator]]:
    """Long rows for every indicator that applies to the frame, and the indicators used."""
    parts, used = [], []
    t0 = frame.table
    for ind in indicators:
        if not indicator_applies(ind, t0.columns):
            continue
        t = t0
        for col, accepted in ind.where:
            if col in t.columns:
                t = t[t[col].str.strip().isin(accepted)]
        if ind.breakdown_from:
            mapping = dict(ind.breakdowns)
            t = t[t[ind.breakdown_from].str.strip().isin(mapping)]
            breakdown = t[ind.breakdown_from].str.strip().map(mapping).to_numpy()
        else:
            breakdown = np.full(len(t), ind.breakdown, dtype=object)
        if t.empty:
            continue
        used.append(ind)
        parts.append(_rows(frame, ind, t, breakdown))
    if not parts:
        return pd.DataFrame(columns=LONG_COLUMNS), used
    return pd.concat(parts, ignore_index=True), used


def _rows(frame: Frame, ind: Indicator, t: pd.DataFrame, breakdown: np.ndarray) -> pd.DataFrame:
    columns = t.columns
    numerator = denominator = None
    num_status = den_status = np.full(len(t), STATUS_OK, dtype=object)
    if _all_present(ind.numerator, columns):
        numerator, num_status = _sum(t, ind.numerator, frame)
    if _all_present(ind.denominator, columns):
        denominator, den_status = _sum(t, ind.denominator, frame)
    den_col = _first_present(ind.denominator[0], columns) if denominator is not None else None

    if ind.column:
        value_col = _first_present(ind.column, columns)
        value, status = _parse(t, value_col, frame)
        value = value * ind.scale
    else:  # computed from published counts, e.g. % waiting over 18 weeks
        value_col = den_col
        status = np.where(num_status != STATUS_OK, num_status, den_status)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = numerator / denominator * (100.0 if ind.unit == "percent" else 1.0)
        zero = (status == STATUS_OK) & (denominator == 0)
        status = np.where(zero, "not_applicable", status)  # a percentage of nobody
        value = np.where(status == STATUS_OK, value, np.nan)
    if numerator is not None:
        numerator = np.where(num_status == STATUS_OK, numerator, np.nan)
    if denominator is not None:
        denominator = np.where(den_status == STATUS_OK, denominator, np.nan)

    rows = _cell_rows(t, value_col)
    starts = _period_starts(frame, ind, t, rows)
    nan = np.full(len(t), np.nan)
    blank = (status == BLANK) | (num_status == BLANK) | (den_status == BLANK) if ind.computed else status == BLANK
    if blank.any():
        frame.skipped[f"blank cells for {ind.metric_id} (nothing published)"] += int(blank.sum())
    rows_out = pd.DataFrame({
        "metric_id": ind.metric_id, "area": t[AREA].to_numpy(), "breakdown": breakdown,
        "period_start": starts, "period_type": ind.period_type,
        "value": np.where(status == STATUS_OK, value, np.nan),
        "numerator": nan if numerator is None else numerator,
        "denominator": nan if denominator is None else denominator,
        "status": status, "quality": _quality(frame, ind, t), "_row": rows,
        "_column": _published_column(t, value_col).to_numpy(),
    })
    return rows_out[~blank]
