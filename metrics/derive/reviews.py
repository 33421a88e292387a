"""Monthly annual-review series from the annual reviews extract.

Definitions (the same words are in data/README.md):
- **Review held on time** = meeting_date <= review_due_date, of reviews due in the month. A review with no meeting
  counts as late once its due month has ended (by the last day of data); until then it is not counted.
- **Review outcomes**: of reviews with an outcome whose meeting was held in the month, the share maintained /
  amended / ceased (the `All` row is the total, 100%).
- **Amended plan on time** = amended_plan_issued_date - meeting_date <= 84 days, of amended plans issued in the
  month. 84 days is the 4 weeks the local authority has to notify its decision after the meeting plus the 8 weeks
  it then has to issue the amended plan (the statutory timescales since the SEND Regulations were amended in 2023).
"""
from __future__ import annotations

from datetime import date

import polars as pl

from metrics.derive.periods import (ALL, empty_output, finish, locality_list, month_end, month_index, monthly, percent,
                                    window)
from metrics.schemas import REVIEW_OUTCOMES

AMENDED_PLAN_DAYS = 84  # 4 weeks to notify + 8 weeks to issue
OUTCOME_LABELS = {o: o.capitalize() for o in REVIEW_OUTCOMES}
# review_due_date is left out of the activity dates: reviews are scheduled ahead, so due dates run into the future.
EVENTS = ["meeting_date", "paperwork_received_date", "amended_plan_issued_date"]


def _bounds(reviews, since, through):
    return window(reviews, "review_due_date", EVENTS, since, through)


def pct_reviews_on_time(reviews, area_name: str, *, since: date | None = None,
                        through: date | None = None) -> pl.DataFrame:
    """Of reviews due in the month, % whose meeting was held on or before the due date."""
    bounds = _bounds(reviews, since, through)
    if bounds is None:
        return empty_output()
    met = pl.col("meeting_date").is_not_null()
    month_over = month_end(month_index(pl.col("review_due_date"))) <= bounds[2]
    lf = monthly(reviews, area_name, event=pl.col("review_due_date"), rows=met | month_over, category=None,
                 categories=None, bounds=bounds, localities=locality_list(reviews),
                 sums={"numerator": (met & (pl.col("meeting_date") <= pl.col("review_due_date"))).cast(pl.Int64),
                       "denominator": pl.lit(1, pl.Int64)})
    return finish(lf.with_columns(percent(pl.col("numerator"), pl.col("denominator")).alias("value")))


def review_outcome_share(reviews, area_name: str, *, since: date | None = None,
                         through: date | None = None) -> pl.DataFrame:
    """Share of review outcomes (maintained / amended / ceased) among reviews held in the month.

    numerator = reviews with that outcome, denominator = reviews held in the month with any outcome.
    """
    bounds = _bounds(reviews, since, through)
    if bounds is None:
        return empty_output()
    outcome = pl.col("outcome").replace_strict(OUTCOME_LABELS, default=pl.col("outcome"))
    counts = monthly(reviews, area_name, event=pl.col("meeting_date"),
                     rows=pl.col("meeting_date").is_not_null() & pl.col("outcome").is_not_null(),
                     category=outcome, categories=list(OUTCOME_LABELS.values()), bounds=bounds,
                     localities=locality_list(reviews), sums={"numerator": pl.lit(1, pl.Int64)})
    totals = counts.filter(pl.col("breakdown") == ALL).select("area", "idx", pl.col("numerator").alias("denominator"))
    lf = counts.join(totals, on=["area", "idx"], how="left")
    return finish(lf.with_columns(percent(pl.col("numerator"), pl.col("denominator")).alias("value")))


def pct_amended_plans_on_time(reviews, area_name: str, *, since: date | None = None,
                              through: date | None = None) -> pl.DataFrame:
    """Of amended plans issued in the month, % issued no more than 84 days after the review meeting."""
    bounds = _bounds(reviews, since, through)
    if bounds is None:
        return empty_output()
    issued = pl.col("amended_plan_issued_date")
    waited = (issued - pl.col("meeting_date")).dt.total_days()
    lf = monthly(reviews, area_name, event=issued,
                 rows=issued.is_not_null() & pl.col("meeting_date").is_not_null() & (pl.col("outcome") == "amended"),
                 category=None, categories=None, bounds=bounds, localities=locality_list(reviews),
                 sums={"numerator": (waited <= AMENDED_PLAN_DAYS).cast(pl.Int64), "denominator": pl.lit(1, pl.Int64)})
    return finish(lf.with_columns(percent(pl.col("numerator"), pl.col("denominator")).alias("value")))
