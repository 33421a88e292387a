"""Monthly (and annual) series derived from the record-level inputs, named by the catalogue's `derivation`.

Every derivation takes its input as a polars DataFrame (or LazyFrame) with the columns of `metrics.schemas`, the
whole area's name, and optional `since` / `through` dates bounding the periods reported, and returns one row per
period per area (the whole area and each locality present in the input) per breakdown value (and `All`):
period_start, period_type, area, breakdown, value, numerator, denominator. Each module's docstring defines its
measures in words. `derive_series` runs every catalogue metric that names a derivation.
"""
from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import NamedTuple

import polars as pl

from metrics import schemas
from metrics.derive import ehcp, reviews, therapy
from metrics.derive.ehcp import ehcp_funnel
from metrics.derive.therapy import WEEKS_BANDS, therapy_current_waiters, therapy_dna_by


class Derivation(NamedTuple):
    frequency: str  # the period_type it produces (its input and breakdown are in metrics.catalogue.DERIVATIONS)
    fn: Callable[..., pl.DataFrame]


MONTH, YEAR = "month", "calendar_year"
DERIVATIONS: dict[str, Derivation] = {
    "waiting_list_size": Derivation(MONTH, therapy.waiting_list_size),
    "referrals_received": Derivation(MONTH, therapy.referrals_received),
    "median_weeks_waited": Derivation(MONTH, therapy.median_weeks_waited),
    "mean_weeks_waited": Derivation(MONTH, therapy.mean_weeks_waited),
    "pct_waiting_over_18_weeks": Derivation(MONTH, therapy.pct_waiting_over_18_weeks),
    "waiters_52_weeks_plus": Derivation(MONTH, therapy.waiters_52_weeks_plus),
    "dna_rate": Derivation(MONTH, therapy.dna_rate),
    "pct_seen_within_18_weeks": Derivation(MONTH, therapy.pct_seen_within_18_weeks),
    "requests_received": Derivation(MONTH, ehcp.requests_received),
    "pct_decision_within_6_weeks": Derivation(MONTH, ehcp.pct_decision_within_6_weeks),
    "pct_final_within_20_weeks_excl": Derivation(MONTH, ehcp.pct_final_within_20_weeks_excl),
    "pct_final_within_20_weeks_incl": Derivation(MONTH, ehcp.pct_final_within_20_weeks_incl),
    "plans_issued": Derivation(MONTH, ehcp.plans_issued),
    "pct_advice_within_6_weeks": Derivation(MONTH, ehcp.pct_advice_within_6_weeks),
    "pct_phase_transfer_by_deadline": Derivation(YEAR, ehcp.pct_phase_transfer_by_deadline),
    "pct_reviews_on_time": Derivation(MONTH, reviews.pct_reviews_on_time),
    "review_outcome_share": Derivation(MONTH, reviews.review_outcome_share),
    "pct_amended_plans_on_time": Derivation(MONTH, reviews.pct_amended_plans_on_time),
}

STATUS_EMPTY = "not_applicable"  # a period with nothing to measure (no denominator, nobody waiting): value is null


def check_metric(metric) -> Derivation:
    """The derivation a catalogue metric names, after checking the catalogue's frequency is the one it produces.

    (The catalogue itself checks the derivation belongs to the metric's input and matches its breakdown.)
    """
    d = DERIVATIONS.get(metric.derivation)
    if d is None:
        raise ValueError(f"metric {metric.id}: unknown derivation {metric.derivation!r}; "
                         f"expected one of {', '.join(DERIVATIONS)}")
    if metric.frequency != d.frequency:
        raise ValueError(f"metric {metric.id}: derivation {metric.derivation} produces {d.frequency!r} periods, "
                         f"the catalogue says frequency = {metric.frequency!r}")
    return d


def derive_series(inputs: dict[str, pl.DataFrame], catalogue, area_name: str, through: date | None = None, *,
                  since: date | dict[str, date] | None = None,
                  synthetic: dict[str, bool] | None = None) -> pl.DataFrame:
    """Every catalogue metric derived from a record-level input present in `inputs`, in the METRIC_VALUES layout.

    `since` / `through` bound the periods (default: each input's first primary date and last recorded activity).
    Pass `since` (one date, or input name -> date) when an extract covers everything open during a period and so
    includes older cases still open at its start: months before it would otherwise look emptier than they were.
    `synthetic` maps input name -> whether it is synthetic demonstration data (default False).
    """
    synthetic = synthetic or {}
    computed: dict[str, pl.DataFrame] = {}
    frames = []
    for metric in catalogue.metrics:
        if metric.input not in inputs or metric.input == "metric_values":
            continue
        d = check_metric(metric)
        if metric.derivation not in computed:
            start = since.get(metric.input) if isinstance(since, dict) else since
            computed[metric.derivation] = d.fn(inputs[metric.input], area_name, since=start, through=through)
        frames.append(computed[metric.derivation].with_columns(
            pl.lit(metric.id).alias("metric_id"),
            pl.when(pl.col("value").is_null()).then(pl.lit(STATUS_EMPTY)).otherwise(pl.lit(schemas.STATUS_OK))
            .alias("status"),
            pl.lit(metric.source).alias("source"),
            pl.lit(bool(synthetic.get(metric.input, False))).alias("synthetic"),
            pl.lit(False).alias("series_break"),
            pl.lit(None, pl.String).alias("quality"),  # flags describe published figures, not local extracts
        ))
    empty = pl.from_arrow(schemas.METRIC_VALUES.empty_table())
    columns = empty.columns
    return pl.concat([empty, *(f.select(columns) for f in frames)], how="vertical_relaxed")


__all__ = ["DERIVATIONS", "Derivation", "WEEKS_BANDS", "check_metric", "derive_series", "ehcp_funnel",
           "therapy_current_waiters", "therapy_dna_by"]
