"""Months, reporting windows and the roll-up to areas and breakdowns that every derivation shares.

Months are handled as integer indexes (year * 12 + month - 1) while aggregating, because integer ranges and joins
are much cheaper than date arithmetic on millions of rows; they become `period_start` dates only at the end.
"""
from __future__ import annotations

from datetime import date

import polars as pl

ALL = "All"  # the breakdown value of a total
OUTPUT_SCHEMA = {"period_start": pl.Date, "period_type": pl.String, "area": pl.String, "breakdown": pl.String,
                 "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64}


def month_index(expr: pl.Expr) -> pl.Expr:
    """Date -> months since year 0 (so consecutive months differ by 1)."""
    return (expr.dt.year().cast(pl.Int32) * 12 + expr.dt.month().cast(pl.Int32) - 1).cast(pl.Int32)


def month_start(idx: pl.Expr) -> pl.Expr:
    return pl.date(idx // 12, idx % 12 + 1, 1)


def month_end(idx: pl.Expr) -> pl.Expr:
    return month_start(idx).dt.month_end()


def index_of(d: date) -> int:
    return d.year * 12 + d.month - 1


def index_to_date(idx: int) -> date:
    """The first day of month `idx`."""
    return date(idx // 12, idx % 12 + 1, 1)


def empty_output() -> pl.DataFrame:
    return pl.DataFrame(schema=OUTPUT_SCHEMA)


def window(df: pl.DataFrame | pl.LazyFrame, primary: str, events: list[str],
           since: date | None, through: date | None) -> tuple[int, int, date] | None:
    """The months a derivation reports: (first month index, last month index, last day of data).

    The first month is `since`'s month, else the month of the earliest `primary` date (referral, request or review
    due date). The last month is `through`'s month, else the month of the latest recorded activity (`events`);
    `primary` is not used for the end because due dates and deadlines may lie in the future. None when the input
    is empty.
    """
    lf = df.lazy()
    row = lf.select(pl.col(primary).min().alias("first"),
                    pl.max_horizontal([pl.col(c).max() for c in events]).alias("last")).collect().row(0)
    first, last = row
    if first is None:
        return None
    last = through or last or first
    return index_of(since or first), index_of(last), last


def locality_list(df: pl.DataFrame | pl.LazyFrame) -> list[str]:
    return sorted(df.lazy().select(pl.col("locality").unique()).collect().to_series().to_list())


def rollup(lf: pl.LazyFrame, area_name: str | int, keys: list[str], sums: list[str], *, by: bool = True,
           total: str | int = ALL) -> pl.LazyFrame:
    """Sum additive columns up to every (area, breakdown) pair the dashboard shows.

    `lf` has a `locality` column and, when `by`, a `category` column (the breakdown value) at the finest grain.
    Each row is counted four times: for its locality and for the whole area (`area_name`), under its category and
    under `total`. (Callers aggregating millions of rows pass integer codes, which group faster than strings.)
    """
    finest = ["locality", *(["category"] if by else []), *keys]
    lf = lf.group_by(finest).agg(pl.col(sums).sum())  # aggregate first, so only the small result is copied
    parts = []
    for area in (pl.col("locality"), pl.lit(area_name)):
        for breakdown in ((pl.col("category"), pl.lit(total)) if by else (pl.lit(total),)):
            parts.append(lf.select(area.alias("area"), breakdown.alias("breakdown"), *keys, *sums))
    return pl.concat(parts).group_by(["area", "breakdown", *keys]).agg(pl.col(sums).sum())


def grid(area_name: str, localities: list[str], categories: list[str] | None, first: int, last: int,
         step: int = 1) -> pl.LazyFrame:
    """Every (area, breakdown, period) the output must have a row for, so empty periods show as 0, not as gaps.

    Periods are month indexes from `first` to `last`, every `step` months (12 for calendar years).
    """
    areas = pl.LazyFrame({"area": [area_name, *localities]})
    breakdowns = pl.LazyFrame({"breakdown": [ALL, *(categories or [])]})
    months = pl.LazyFrame({"idx": pl.int_range(first, last + 1, step, eager=True, dtype=pl.Int32)})
    return areas.join(breakdowns, how="cross").join(months, how="cross")


def finish(lf: pl.LazyFrame, period_type: str = "month") -> pl.DataFrame:
    """Month index -> period_start and the output column layout, sorted for stable output."""
    return (lf.with_columns(month_start(pl.col("idx")).alias("period_start"), pl.lit(period_type).alias("period_type"))
            .select(pl.col(c).cast(t) for c, t in OUTPUT_SCHEMA.items())
            .sort(["area", "breakdown", "period_start"]).collect())


def percent(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """100 * numerator / denominator, null (not NaN or infinity) when nothing was counted."""
    return pl.when(denominator > 0).then(100.0 * numerator / denominator).otherwise(None)


def monthly(df: pl.DataFrame | pl.LazyFrame, area_name: str, *, event: pl.Expr, rows: pl.Expr | None = None,
            category: pl.Expr | None, categories: list[str] | None, sums: dict[str, pl.Expr],
            bounds: tuple[int, int, date], localities: list[str], yearly: bool = False) -> pl.LazyFrame:
    """Sum `sums` by month (or calendar year) of `event`, rows filtered by `rows`, per area and breakdown, on the
    full grid. Result columns: area, breakdown, idx (a year is indexed by its January) and each of `sums` (0 where
    nothing happened in a period).
    """
    first, last, _ = bounds
    lf = df.lazy()
    if rows is not None:
        lf = lf.filter(rows)
    idx = month_index(event.dt.truncate("1y") if yearly else event)
    lf = (lf.select(pl.col("locality"), idx.alias("idx"),
                    *([category.alias("category")] if category is not None else []),
                    *(e.alias(name) for name, e in sums.items()))
          .filter(pl.col("idx").is_between(first, last)))
    names = list(sums)
    totals = rollup(lf, area_name, ["idx"], names, by=category is not None)
    return (grid(area_name, localities, categories, first, last, 12 if yearly else 1)
            .join(totals, on=["area", "breakdown", "idx"], how="left")
            .with_columns(pl.col(names).fill_null(0)))
