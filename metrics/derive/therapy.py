"""Monthly therapy waiting-list series and drill-downs from the record-level referrals extract.

Definitions (the same words are in data/README.md):
- A child is **waiting** at a month end when referral_date <= month end and they have neither had a first contact
  nor been discharged by then (first_contact_date and discharge_date both null or after the month end). A referral
  closed without being seen has left the list, as in NHS community health waiting-list returns.
- **Weeks waited** at a month end = whole days from referral_date to the month end / 7, for those waiting.
- **Over 18 weeks** = waited more than 126 days; **52+ weeks** = waited 364 days or more.
- **Referrals received** are counted in the month of referral_date.
- **Seen within 18 weeks** = of referrals with a first contact in the month, % whose first contact came no more
  than 126 days after referral.
- **DNA rate** = missed appointments (did_not_attend_count, summed) per 100 referrals with a first contact in the
  month. The extract records missed appointments per referral, not every appointment, so the denominator unit is
  the referral first seen in the month, and the DNAs are those recorded on it.

Waiting-list snapshots are exact at any scale without crossing rows with months: referrals are first counted by
(locality, service, referral date, month they left the list); each referral date's count then rises when referred
and falls as children leave, and is expanded to one row per month while it is above zero. That table is bounded by
dates x months, however many referrals there are, and gives exact medians as (days waited, count) pairs.
"""
from __future__ import annotations

import weakref
from datetime import date

import pandas as pd
import polars as pl

from metrics.derive.periods import (ALL, empty_output, finish, grid, index_of, index_to_date, locality_list, month_end,
                                    month_index, monthly, percent, rollup, window)
from metrics.schemas import AGE_BANDS, SEN_STATUSES

OVER_18_WEEKS_DAYS = 126  # waited more than this many days
WEEKS_52_DAYS = 364  # waited at least this many days
EPOCH = date(1970, 1, 1)  # polars stores a date as days since this
EVENTS = ["referral_date", "first_contact_date", "discharge_date"]
FIRST_LANGUAGE = ("English", "Other than English")

# Drill-down bands of weeks waited, by days waited at the as-of date. The cut-offs match the headline measures:
# a child in "Over 18, up to 35 weeks" or later is counted in % over 18 weeks, "52 weeks or more" in 52+ waiters.
WEEKS_BANDS = (
    ("Up to 6 weeks", 42),
    ("Over 6, up to 12 weeks", 84),
    ("Over 12, up to 18 weeks", 126),
    ("Over 18, up to 35 weeks", 245),
    ("Over 35, under 52 weeks", 363),
    ("52 weeks or more", None),
)
DRILLDOWNS = ("weeks_band", "sen_status", "age_band", "first_language")


def _first_language() -> pl.Expr:
    english, other = FIRST_LANGUAGE
    return pl.when(pl.col("first_language_english")).then(pl.lit(english)).otherwise(pl.lit(other))


def _waiting_on(day: date) -> pl.Expr:
    """On the list at the end of `day` (the month-end snapshot's definition, for one day)."""
    not_yet = [pl.col(c).is_null() | (pl.col(c) > day) for c in ("first_contact_date", "discharge_date")]
    return (pl.col("referral_date") <= day) & not_yet[0] & not_yet[1]


def _left_list() -> pl.Expr:
    """The date a referral left the waiting list: first contact, or discharge without one."""
    return pl.min_horizontal("first_contact_date", "discharge_date")


def _services(referrals) -> list[str]:
    return sorted(referrals.lazy().select(pl.col("service").unique()).collect().to_series().to_list())


def _snapshot(referrals: pl.DataFrame | pl.LazyFrame, area_name: str, since: date | None,
              through: date | None) -> pl.DataFrame | None:
    """Month-end waiting-list statistics per area, service (and All) and month, on the full grid.

    Columns: area, breakdown, idx, waiting, over_18, over_52, total_days, median_days. The five snapshot
    derivations share one computation: the last result is kept while its input frame is alive.
    """
    key = (area_name, since, through)
    cached_frame, cached_key, cached = _last_snapshot
    if cached_frame() is referrals and cached_key == key:
        return cached
    result = _compute_snapshot(referrals, area_name, since, through)
    _last_snapshot[:] = [weakref.ref(referrals), key, result]
    return result


_last_snapshot: list = [lambda: None, None, None]  # [weak reference to the input, (area, since, through), result]


def _compute_snapshot(referrals, area_name, since, through) -> pl.DataFrame | None:
    bounds = window(referrals, "referral_date", EVENTS, since, through)
    if bounds is None:
        return None
    first, last, _ = bounds
    localities, services = locality_list(referrals), _services(referrals)
    by_exit = _count_by_exit(referrals, localities, services, last)
    # Localities and services stay integer codes until the end (code len(...) = the whole area / All).
    whole, every = len(localities), len(services)
    keys = ["area", "breakdown", "referral_date"]
    # Collected here: the plan below reads it twice, and it is small (bounded by dates x months, not referrals).
    by_exit = rollup(by_exit, whole, ["referral_date", "exit_idx"], ["n"], total=every).collect().lazy()
    # Each referral date's list count goes up when referred and down as children leave; between two such months
    # it is constant, so each stretch becomes one row per month with a non-zero count.
    changes = pl.concat([
        by_exit.group_by(keys).agg(month_index(pl.col("referral_date").first()).alias("idx"),
                                   pl.col("n").sum().alias("change")),
        by_exit.filter(pl.col("exit_idx") <= last).select(*keys, pl.col("exit_idx").alias("idx"),
                                                            (-pl.col("n")).alias("change")),
    ])
    waiting = (changes
               .with_columns(pl.col("change").cum_sum().over(keys, order_by="idx").alias("n"),
                             pl.col("idx").shift(-1).over(keys, order_by="idx").fill_null(last + 1).alias("until"))
               .filter(pl.col("n") > 0)
               .with_columns(pl.int_ranges(pl.max_horizontal("idx", first), "until", dtype=pl.Int32).alias("idx"))
               .explode("idx")  # a stretch wholly before `first` is an empty range: no rows
               .select("area", "breakdown", "idx", "n",
                       (month_end(pl.col("idx")) - pl.col("referral_date")).dt.total_days().alias("days")))
    group = ["area", "breakdown", "idx"]
    # Exact median of the individual waits from (wait, count) pairs: the middle one or two of `waiting` values.
    ordered = waiting.with_columns(pl.col("n").cum_sum().over(group, order_by="days").alias("upto"),
                                   pl.col("n").sum().over(group).alias("of"))
    stats = ordered.group_by(group).agg(
        pl.col("n").sum().alias("waiting"),
        pl.col("n").filter(pl.col("days") > OVER_18_WEEKS_DAYS).sum().alias("over_18"),
        pl.col("n").filter(pl.col("days") >= WEEKS_52_DAYS).sum().alias("over_52"),
        (pl.col("n") * pl.col("days")).sum().alias("total_days"),
        ((pl.col("days").filter(pl.col("upto") > (pl.col("of") - 1) // 2).min()
          + pl.col("days").filter(pl.col("upto") > pl.col("of") // 2).min()) / 2).alias("median_days"),
    ).with_columns(pl.col("area").replace_strict(range(whole + 1), [*localities, area_name]),
                   pl.col("breakdown").replace_strict(range(every + 1), [*services, ALL]))
    return (grid(area_name, localities, services, first, last)
            .join(stats, on=group, how="left")
            .with_columns(pl.col("waiting", "over_18", "over_52", "total_days").fill_null(0))
            .collect())


def _count_by_exit(referrals, localities: list[str], services: list[str], last: int) -> pl.LazyFrame:
    """Referrals counted by (locality code, service code, referral_date, exit_idx: month they left the list).

    Only referrals on the list at some month end up to month `last` are counted; exit_idx is last + 1 for those
    still waiting then. The four columns are packed into one integer and counted by sorting, because on millions
    of rows a sort and run-length count is several times faster than hash-grouping four columns.
    """
    first_referral = referrals.lazy().select(pl.col("referral_date").min()).collect().item()
    day0, idx0 = (first_referral - EPOCH).days, index_of(first_referral)
    n_days = (index_to_date(last + 1) - first_referral).days  # referral dates run to the end of month `last`
    span = last + 2 - idx0  # exit_idx - idx0 runs from 1 to last + 1 - idx0
    code = (pl.col("locality").cast(pl.Enum(localities)).to_physical().cast(pl.Int64) * len(services)
            + pl.col("service").cast(pl.Enum(services)).to_physical().cast(pl.Int64))
    ref_idx = month_index(pl.col("referral_date"))
    exit_idx = month_index(_left_list()).fill_null(last + 1).clip(upper_bound=last + 1)
    key = (code * n_days + pl.col("referral_date").cast(pl.Int64) - day0) * span + exit_idx - idx0
    runs = (referrals.lazy()
            .select(key.alias("key"), ref_idx.alias("ref_idx"), exit_idx.alias("exit_idx"))  # filter ints, not strings
            .filter((pl.col("ref_idx") <= last) & (pl.col("exit_idx") > pl.col("ref_idx")))  # else never on a list
            .select(pl.col("key").sort().rle().alias("run")).unnest("run"))
    return runs.select(
        (pl.col("value") // span // n_days // len(services)).cast(pl.Int32).alias("locality"),
        (pl.col("value") // span // n_days % len(services)).cast(pl.Int32).alias("category"),
        (pl.col("value") // span % n_days + day0).cast(pl.Int32).cast(pl.Date).alias("referral_date"),
        (pl.col("value") % span + idx0).cast(pl.Int32).alias("exit_idx"),
        pl.col("len").cast(pl.Int64).alias("n"))


def _from_snapshot(referrals, area_name: str, since: date | None, through: date | None, *, value: pl.Expr,
                   numerator: pl.Expr | None = None, denominator: pl.Expr | None = None) -> pl.DataFrame:
    snap = _snapshot(referrals, area_name, since, through)
    if snap is None:
        return empty_output()
    return finish(snap.lazy().with_columns(value.alias("value"), _or_null(numerator).alias("numerator"),
                                    _or_null(denominator).alias("denominator")))


def _or_null(expr: pl.Expr | None) -> pl.Expr:
    return expr if expr is not None else pl.lit(None, pl.Float64)


def waiting_list_size(referrals, area_name: str, *, since: date | None = None,
                      through: date | None = None) -> pl.DataFrame:
    """Children waiting at each month end, per service."""
    return _from_snapshot(referrals, area_name, since, through, value=pl.col("waiting"))


def pct_waiting_over_18_weeks(referrals, area_name: str, *, since: date | None = None,
                              through: date | None = None) -> pl.DataFrame:
    """% of those waiting at the month end who had waited more than 126 days (numerator / denominator: counts)."""
    return _from_snapshot(referrals, area_name, since, through, value=percent(pl.col("over_18"), pl.col("waiting")),
                          numerator=pl.col("over_18"), denominator=pl.col("waiting"))


def waiters_52_weeks_plus(referrals, area_name: str, *, since: date | None = None,
                          through: date | None = None) -> pl.DataFrame:
    """Children waiting at the month end who had waited 364 days or more."""
    return _from_snapshot(referrals, area_name, since, through, value=pl.col("over_52"))


def median_weeks_waited(referrals, area_name: str, *, since: date | None = None,
                        through: date | None = None) -> pl.DataFrame:
    """Median weeks waited (days / 7) of those waiting at the month end; denominator = number waiting."""
    return _from_snapshot(referrals, area_name, since, through, value=pl.col("median_days") / 7,
                          denominator=pl.col("waiting"))


def mean_weeks_waited(referrals, area_name: str, *, since: date | None = None,
                      through: date | None = None) -> pl.DataFrame:
    """Mean weeks waited (days / 7) of those waiting at the month end; denominator = number waiting."""
    mean = pl.when(pl.col("waiting") > 0).then(pl.col("total_days") / pl.col("waiting") / 7)
    return _from_snapshot(referrals, area_name, since, through, value=mean, denominator=pl.col("waiting"))


def _flow(referrals, area_name, since, through, *, event, rows=None, category, categories, sums, value):
    bounds = window(referrals, "referral_date", EVENTS, since, through)
    if bounds is None:
        return empty_output()
    lf = monthly(referrals, area_name, event=event, rows=rows, category=category, categories=categories, sums=sums,
                 bounds=bounds, localities=locality_list(referrals))
    return finish(lf.with_columns(value.alias("value")).with_columns(
        *(pl.col(c).cast(pl.Float64) if c in sums else pl.lit(None).alias(c) for c in ("numerator", "denominator"))))


def referrals_received(referrals, area_name: str, *, since: date | None = None,
                       through: date | None = None) -> pl.DataFrame:
    """Referrals received in the month (by referral_date), per service."""
    return _flow(referrals, area_name, since, through, event=pl.col("referral_date"), category=pl.col("service"),
                 categories=_services(referrals), sums={"count": pl.lit(1, pl.Int64)}, value=pl.col("count"))


def pct_seen_within_18_weeks(referrals, area_name: str, *, since: date | None = None,
                             through: date | None = None) -> pl.DataFrame:
    """Of referrals with a first contact in the month, % first seen no more than 126 days after referral."""
    waited = (pl.col("first_contact_date") - pl.col("referral_date")).dt.total_days()
    return _flow(referrals, area_name, since, through, event=pl.col("first_contact_date"),
                 rows=pl.col("first_contact_date").is_not_null(), category=pl.col("service"),
                 categories=_services(referrals),
                 sums={"numerator": (waited <= OVER_18_WEEKS_DAYS).cast(pl.Int64), "denominator": pl.lit(1, pl.Int64)},
                 value=percent(pl.col("numerator"), pl.col("denominator")))


def dna_rate(referrals, area_name: str, *, since: date | None = None, through: date | None = None) -> pl.DataFrame:
    """Missed appointments per 100 referrals first seen in the month, by first language (all services).

    numerator = did_not_attend_count summed over referrals with a first contact in the month; denominator = those
    referrals. It can exceed 100 (more than one missed appointment per child), so it is a rate, not a proportion.
    """
    return _flow(referrals, area_name, since, through, event=pl.col("first_contact_date"),
                 rows=pl.col("first_contact_date").is_not_null(), category=_first_language(),
                 categories=list(FIRST_LANGUAGE),
                 sums={"numerator": pl.col("did_not_attend_count").cast(pl.Int64), "denominator": pl.lit(1, pl.Int64)},
                 value=percent(pl.col("numerator"), pl.col("denominator")))


# -- drill-downs for the therapy page (one request each; lazy so a scanned Parquet extract is filtered at read) --

def _scope(referrals, service: str | None, locality: str | None) -> pl.LazyFrame:
    lf = referrals.lazy()
    if service is not None:
        lf = lf.filter(pl.col("service") == service)
    if locality is not None:
        lf = lf.filter(pl.col("locality") == locality)
    return lf


def _category(by: str) -> tuple[pl.Expr, tuple[str, ...]]:
    if by not in DRILLDOWNS:
        raise ValueError(f"by: expected one of {', '.join(DRILLDOWNS)}, got {by!r}")
    if by == "weeks_band":
        days = pl.col("days")
        expr = pl.lit(WEEKS_BANDS[-1][0])
        for label, upto in reversed(WEEKS_BANDS[:-1]):
            expr = pl.when(days <= upto).then(pl.lit(label)).otherwise(expr)
        return expr, tuple(label for label, _ in WEEKS_BANDS)
    if by == "first_language":
        return _first_language(), FIRST_LANGUAGE
    return pl.col(by), {"sen_status": SEN_STATUSES, "age_band": AGE_BANDS}[by]


def _in_order(found: pl.DataFrame, order: tuple[str, ...]) -> pl.DataFrame:
    """Every category of the vocabulary in its natural order (absent ones with zero counts), then any others."""
    found = found.with_columns(pl.col("category").cast(pl.String))  # the Store holds text columns as Enums
    extra = sorted(set(found["category"].to_list()) - set(order))
    frame = pl.DataFrame({"category": [*order, *extra]})
    return frame.join(found, on="category", how="left", maintain_order="left")


def therapy_current_waiters(referrals, *, as_of: date, service: str | None = None, locality: str | None = None,
                            by: str = "weeks_band") -> pd.DataFrame:
    """Children waiting on `as_of` (same definition as the month-end snapshot), split by `by`.

    `service` is a service name as in the extract (None = all services); `locality` a locality name (None = the
    whole area); `by` one of weeks_band (WEEKS_BANDS), sen_status, age_band, first_language.
    Returns columns category, waiting, pct (of all waiting in scope), median_weeks (null where nobody waits).
    """
    category, order = _category(by)
    waiting = (_scope(referrals, service, locality)
               .filter(_waiting_on(as_of))
               .with_columns((pl.lit(as_of) - pl.col("referral_date")).dt.total_days().alias("days"))
               .group_by(category.alias("category"))
               .agg(pl.len().alias("waiting"), (pl.col("days").median() / 7).alias("median_weeks"))
               .collect())
    out = _in_order(waiting, order).with_columns(pl.col("waiting").fill_null(0))
    total = out["waiting"].sum()
    return out.with_columns((100.0 * pl.col("waiting") / total if total else pl.lit(None, pl.Float64)).alias("pct")
                            ).select("category", "waiting", "pct", "median_weeks").to_pandas()


def therapy_dna_by(referrals, *, start: date, end: date, service: str | None = None, locality: str | None = None,
                   by: str = "first_language") -> pd.DataFrame:
    """Missed appointments of referrals first seen from `start` to `end` (inclusive), split by `by`.

    `by` one of sen_status, age_band, first_language. Returns columns category, seen (referrals first seen),
    missed (did_not_attend_count summed), dna_rate (missed per 100 seen, as the dna_rate series).
    """
    if by == "weeks_band":
        raise ValueError("by: weeks_band describes children still waiting; use sen_status, age_band or first_language")
    category, order = _category(by)
    seen = (_scope(referrals, service, locality)
            .filter(pl.col("first_contact_date").is_between(start, end))
            .group_by(category.alias("category"))
            .agg(pl.len().alias("seen"), pl.col("did_not_attend_count").cast(pl.Int64).sum().alias("missed"))
            .collect())
    out = _in_order(seen, order).with_columns(pl.col("seen", "missed").fill_null(0))
    return out.with_columns(percent(pl.col("missed"), pl.col("seen")).alias("dna_rate")).to_pandas()

