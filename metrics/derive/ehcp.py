"""Monthly EHC needs assessment timeliness series, and the assessment funnel, from the requests extract.

Definitions (the same words are in data/README.md):
- **Requests received** are counted in the month of request_date; **plans issued** in the month of
  final_issued_date.
- **Decision within 6 weeks** = decision_to_assess_date - request_date <= 42 days, of decisions to assess made in
  the month. The extract records agreed decisions only (a refusal leaves the date empty), so refusals are not in it.
- **Final plan within 20 weeks** = final_issued_date - request_date <= 140 days, of final plans issued in the
  month; `_excl` leaves out requests where an exception to the time limit applies (exception_applies), `_incl`
  counts every plan.
- **Advice within 6 weeks** = advice received - advice requested <= 42 days, per agency (education, health,
  social care), of advice received in the month; `All` pools the three agencies.
- **Phase transfer by the deadline** = final_issued_date <= phase_transfer_deadline, of requests with a deadline in
  the calendar year (breakdown "15 February" or "31 March"); a transfer without a final plan counts as late.
  Only deadlines on or before the last day of data are counted: a deadline still to come cannot yet be judged.
"""
from __future__ import annotations

from datetime import date

import pandas as pd
import polars as pl

from metrics.derive.periods import empty_output, finish, locality_list, monthly, percent, window
from metrics.schemas import AGENCIES

DECISION_DAYS = 42  # 6 weeks
FINAL_DAYS = 140  # 20 weeks
ADVICE_DAYS = 42  # 6 weeks
AGENCY_LABELS = {"education": "Education", "health": "Health", "social_care": "Social care"}
ADVICE = {a: (f"{a}_advice_requested_date", f"{a}_advice_received_date") for a in AGENCIES}
EVENTS = ["request_date", "decision_to_assess_date", "draft_issued_date", "final_issued_date",
          *(c for pair in ADVICE.values() for c in pair)]


def _days(start: str, end: str) -> pl.Expr:
    return (pl.col(end) - pl.col(start)).dt.total_days()


def _count(requests, area_name, since, through, *, event: str) -> pl.DataFrame:
    bounds = window(requests, "request_date", EVENTS, since, through)
    if bounds is None:
        return empty_output()
    lf = monthly(requests, area_name, event=pl.col(event), rows=pl.col(event).is_not_null(), category=None,
                 categories=None, sums={"count": pl.lit(1, pl.Int64)}, bounds=bounds,
                 localities=locality_list(requests))
    return finish(lf.with_columns(pl.col("count").alias("value"), pl.lit(None).alias("numerator"),
                                  pl.lit(None).alias("denominator")))


def _within(frame, area_name, bounds, localities, *, event: pl.Expr, waited: pl.Expr, limit: int,
            rows: pl.Expr | None = None, category: pl.Expr | None = None,
            categories: list[str] | None = None) -> pl.DataFrame:
    """% of events in the month where `waited` <= `limit` days; numerator and denominator are the counts."""
    lf = monthly(frame, area_name, event=event, rows=rows, category=category, categories=categories,
                 sums={"numerator": (waited <= limit).cast(pl.Int64), "denominator": pl.lit(1, pl.Int64)},
                 bounds=bounds, localities=localities)
    return finish(lf.with_columns(percent(pl.col("numerator"), pl.col("denominator")).alias("value")))


def _timeliness(requests, area_name, since, through, *, start: str, end: str, limit: int,
                rows: pl.Expr | None = None) -> pl.DataFrame:
    bounds = window(requests, "request_date", EVENTS, since, through)
    if bounds is None:
        return empty_output()
    present = pl.col(end).is_not_null()
    return _within(requests, area_name, bounds, locality_list(requests), event=pl.col(end), waited=_days(start, end),
                   limit=limit, rows=present if rows is None else present & rows)


def requests_received(requests, area_name: str, *, since: date | None = None,
                      through: date | None = None) -> pl.DataFrame:
    """Requests for an EHC needs assessment received in the month (by request_date)."""
    return _count(requests, area_name, since, through, event="request_date")


def plans_issued(requests, area_name: str, *, since: date | None = None, through: date | None = None) -> pl.DataFrame:
    """New EHC plans issued (final) in the month (by final_issued_date)."""
    return _count(requests, area_name, since, through, event="final_issued_date")


def pct_decision_within_6_weeks(requests, area_name: str, *, since: date | None = None,
                                through: date | None = None) -> pl.DataFrame:
    """Of decisions to assess made in the month, % made no more than 42 days after the request."""
    return _timeliness(requests, area_name, since, through, start="request_date", end="decision_to_assess_date",
                       limit=DECISION_DAYS)


def pct_final_within_20_weeks_excl(requests, area_name: str, *, since: date | None = None,
                                   through: date | None = None) -> pl.DataFrame:
    """Of final plans issued in the month where no exception applies, % issued no more than 140 days after request."""
    return _timeliness(requests, area_name, since, through, start="request_date", end="final_issued_date",
                       limit=FINAL_DAYS, rows=~pl.col("exception_applies"))


def pct_final_within_20_weeks_incl(requests, area_name: str, *, since: date | None = None,
                                   through: date | None = None) -> pl.DataFrame:
    """Of all final plans issued in the month (exceptions included), % issued no more than 140 days after request."""
    return _timeliness(requests, area_name, since, through, start="request_date", end="final_issued_date",
                       limit=FINAL_DAYS)


def _advice(requests) -> pl.LazyFrame:
    """One row per piece of advice: locality, agency label, requested, received."""
    return pl.concat([requests.lazy().select("locality", pl.lit(AGENCY_LABELS[a]).alias("agency"),
                                             pl.col(req).alias("requested"), pl.col(rec).alias("received"))
                      for a, (req, rec) in ADVICE.items()])


def pct_advice_within_6_weeks(requests, area_name: str, *, since: date | None = None,
                              through: date | None = None) -> pl.DataFrame:
    """Of advice received in the month, % received no more than 42 days after it was requested, by agency."""
    bounds = window(requests, "request_date", EVENTS, since, through)
    if bounds is None:
        return empty_output()
    return _within(_advice(requests), area_name, bounds, locality_list(requests), event=pl.col("received"),
                   waited=_days("requested", "received"), limit=ADVICE_DAYS,
                   rows=pl.col("received").is_not_null() & pl.col("requested").is_not_null(),
                   category=pl.col("agency"), categories=list(AGENCY_LABELS.values()))


def pct_phase_transfer_by_deadline(requests, area_name: str, *, since: date | None = None,
                                   through: date | None = None) -> pl.DataFrame:
    """% of phase transfers with the final plan issued on or before their deadline, per calendar year of the
    deadline, by deadline ("15 February" for school transfers, "31 March" for post-16)."""
    bounds = window(requests, "request_date", EVENTS, since, through)
    if bounds is None:
        return empty_output()
    first, _, last_day = bounds
    deadline = pl.col("phase_transfer_deadline")
    label = deadline.dt.strftime("%-d %B")
    judged = deadline.is_not_null() & (deadline <= last_day)
    found = (requests.lazy().filter(judged).group_by(label.alias("label"))
             .agg(deadline.dt.ordinal_day().min().alias("day"), deadline.dt.year().min().alias("lo"),
                  deadline.dt.year().max().alias("hi"))
             .sort("day").collect())
    if found.is_empty():
        return empty_output()
    # Years run from the first deadline in the data, not the first request: transfers review existing plans.
    years = (max(found["lo"].min(), first // 12) * 12, found["hi"].max() * 12, last_day)
    lf = monthly(requests, area_name, event=deadline, rows=judged, category=label, categories=found["label"].to_list(),
                 sums={"numerator": (pl.col("final_issued_date") <= deadline).fill_null(False).cast(pl.Int64),
                       "denominator": pl.lit(1, pl.Int64)},
                 bounds=years, localities=locality_list(requests), yearly=True)
    return finish(lf.with_columns(percent(pl.col("numerator"), pl.col("denominator")).alias("value")),
                  period_type="calendar_year")


# -- the assessment funnel (casework drill-down for the EHCP page) ------------------------------------------

FUNNEL_STAGES = ("Request", "Decision to assess", "Advice received", "Draft plan", "Final plan")


def ehcp_funnel(requests, *, locality: str | None = None, start: date, end: date) -> pd.DataFrame:
    """How far the requests received from `start` to `end` (inclusive) have got, stage by stage.

    A request reaches "Advice received" when every piece of advice requested has been received (the date is the
    last one to arrive); it needs at least one request for advice. Returns one row per stage (FUNNEL_STAGES) with
    reached (requests that got there), pct_of_requests, median_days (from the previous stage, among requests that
    reached this stage) and median_days_from_request.
    """
    lf = requests.lazy().filter(pl.col("request_date").is_between(start, end))
    if locality is not None:
        lf = lf.filter(pl.col("locality") == locality)
    requested = [pl.col(req) for req, _ in ADVICE.values()]
    outstanding = pl.any_horizontal([pl.col(req).is_not_null() & pl.col(rec).is_null() for req, rec in ADVICE.values()])
    advice_done = (pl.when(pl.any_horizontal([r.is_not_null() for r in requested]) & ~outstanding)
                   .then(pl.max_horizontal([pl.col(rec) for _, rec in ADVICE.values()])))
    dates = [pl.col("request_date"), pl.col("decision_to_assess_date"), advice_done, pl.col("draft_issued_date"),
             pl.col("final_issued_date")]
    stage_dates = lf.select(d.alias(s) for d, s in zip(dates, FUNNEL_STAGES))
    aggs = []
    for i, stage in enumerate(FUNNEL_STAGES):
        reached = pl.col(stage).is_not_null()
        aggs += [reached.sum().alias(f"{i}_reached"),
                 (pl.col(stage) - pl.col(FUNNEL_STAGES[max(i - 1, 0)])).dt.total_days().filter(reached)
                 .median().alias(f"{i}_step"),
                 (pl.col(stage) - pl.col("Request")).dt.total_days().filter(reached).median().alias(f"{i}_total")]
    row = stage_dates.select(aggs).collect().row(0, named=True)
    total = row["0_reached"]
    return pd.DataFrame({
        "stage": FUNNEL_STAGES,
        "reached": [row[f"{i}_reached"] for i in range(len(FUNNEL_STAGES))],
        "pct_of_requests": [100.0 * row[f"{i}_reached"] / total if total else None for i in range(len(FUNNEL_STAGES))],
        "median_days": [None] + [row[f"{i}_step"] for i in range(1, len(FUNNEL_STAGES))],
        "median_days_from_request": [None] + [row[f"{i}_total"] for i in range(1, len(FUNNEL_STAGES))],
    })
