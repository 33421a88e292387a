"""Waiting-list capacity planning for the therapy services and the EHC needs assessment pipeline.

The formulas follow NHSRwaitinglist (nhs-r-community, `R/calc_*.R`), with every time in **weeks** and every rate
**per week**:

- queue load = demand / capacity (more than 1: the list grows);
- target mean wait = target wait / factor; target queue size = demand x target mean wait (Little's law);
- relief capacity = demand + (queue - target queue) / weeks allowed;
- target (maintenance) capacity = demand + ((cv_arrival^2 + cv_service^2) / 2) x (factor / target wait)
  (Kingman's formula, as NHSRwaitinglist applies it);
- for a standard "a share p seen within T weeks", factor = -ln(1 - p): waits on a stable list are close to
  exponential, so P(wait <= T) = 1 - exp(-T / mean) = p gives mean = T / -ln(1 - p) (92% -> 2.526). Factor 4 is
  the same as p = 98.2%.

On top of those: the time to reach the target queue at current rates, a simulated trajectory (Poisson arrivals,
first in first out, removals other than treatment at the observed rate) for a fan chart, a what-if (extra clinic
sessions, demand growth), and the planner's inputs per service and locality read from the Store. `plan()` returns
a frozen `PlannerView` with every number a page shows and the sentences of its text alternative.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace
from datetime import date, timedelta

import numpy as np
import polars as pl

DEFAULT_FACTOR = 4.0
DEFAULT_WEEKS_TO_TARGET = 26.0
DAYS_PER_WEEK = 7
EPOCH = date(1970, 1, 1)  # polars stores a date as days since this

# The pipelines a planner can model, and the standard each is held to by default.
THERAPY, EHCP = "therapy", "ehcp"
THERAPY_TARGET_WEEKS, THERAPY_STANDARD = 18.0, 0.92  # NHS constitution: 92% within 18 weeks
EHCP_TARGET_WEEKS = 20.0  # statutory: every final plan within 20 weeks. 100% cannot be planned for with a queue
# model (the factor would be infinite), so the EHC pipeline uses the default factor 4: about 98% within 20 weeks.

# An EHC request with no recorded decision to assess, or an assessment with no draft plan, ends without a plan,
# but the extract has no date for that. It is dated by the statutory deadline the family is told by.
EHC_DECISION_DAYS = 42  # 6 weeks: decision whether to assess
EHC_NO_PLAN_DAYS = 112  # 16 weeks: decision not to issue a plan after assessment


# -- the formulas -------------------------------------------------------------------------------------------------

def _number(name: str, x, *, minimum: float | None = 0.0, strict: bool = False) -> float:
    """`x` as a finite float, else ValueError naming the argument."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise ValueError(f"{name}: expected a number, got {x!r}")
    x = float(x)
    if not math.isfinite(x):
        raise ValueError(f"{name}: expected a finite number, got {x!r}")
    if minimum is not None and (x <= minimum if strict else x < minimum):
        raise ValueError(f"{name}: expected {'more than' if strict else 'at least'} {minimum:g}, got {x:g}")
    return x


def queue_load(demand: float, capacity: float) -> float:
    """Arrivals for each removal: demand / capacity (both per week). Above 1 the list grows."""
    return _number("demand", demand) / _number("capacity", capacity, strict=True)


def standard_factor(share: float) -> float:
    """The factor for a standard "share `share` within the target wait": -ln(1 - share), share in (0, 1)."""
    share = _number("share", share, strict=True)
    if share >= 1:
        raise ValueError(f"share: expected a share below 1 (e.g. 0.92 for 92%), got {share:g}")
    return -math.log1p(-share)


def share_within(factor: float) -> float:
    """The share seen within the target wait that a factor stands for: 1 - exp(-factor) (factor 4 -> 98.2%)."""
    return -math.expm1(-_number("factor", factor, strict=True))


def target_mean_wait(target_wait: float, factor: float = DEFAULT_FACTOR) -> float:
    """The mean wait (weeks) that meets the target: target wait / factor."""
    return _number("target_wait", target_wait, strict=True) / _number("factor", factor, strict=True)


def target_queue_size(demand: float, target_wait: float, factor: float = DEFAULT_FACTOR) -> float:
    """Little's law: the list size whose mean wait is target wait / factor, at `demand` a week."""
    return _number("demand", demand) * target_mean_wait(target_wait, factor)


def relief_capacity(demand: float, queue_size: float, target_queue_size: float,
                    time_to_target: float = DEFAULT_WEEKS_TO_TARGET) -> float:
    """Removals a week that bring the list from `queue_size` to `target_queue_size` in `time_to_target` weeks."""
    demand = _number("demand", demand)
    queue_size = _number("queue_size", queue_size)
    target = _number("target_queue_size", target_queue_size)
    return demand + (queue_size - target) / _number("time_to_target", time_to_target, strict=True)


def target_capacity(demand: float, target_wait: float, factor: float = DEFAULT_FACTOR, cv_arrival: float = 1.0,
                    cv_service: float = 1.0) -> float:
    """Removals a week that keep the mean wait at target wait / factor once there (Kingman, as NHSRwaitinglist)."""
    demand = _number("demand", demand)
    cv_arrival = _number("cv_arrival", cv_arrival)
    cv_service = _number("cv_service", cv_service)
    return demand + (cv_arrival ** 2 + cv_service ** 2) / 2 / target_mean_wait(target_wait, factor)


def waiting_list_pressure(mean_wait: float, target_wait: float) -> float:
    """2 x mean wait / target wait; above 1 the list is likely to miss its target.

    Both in weeks. (NHSRwaitinglist's `wl_stats` passes a mean wait in days with a target in weeks, which
    overstates the pressure sevenfold; here the caller's mean wait must already be in weeks.)
    """
    return 2 * _number("mean_wait", mean_wait) / _number("target_wait", target_wait, strict=True)


def weeks_to_target(demand: float, capacity: float, queue_size: float, target_queue_size: float) -> float:
    """Weeks until the list falls to the target size at current rates: 0 if it is there, infinity if it never will."""
    demand, capacity = _number("demand", demand), _number("capacity", capacity)
    excess = _number("queue_size", queue_size) - _number("target_queue_size", target_queue_size)
    if excess <= 0:
        return 0.0
    return excess / (capacity - demand) if capacity > demand else math.inf


# -- the simulation -----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Trajectory:
    """Percentile bands of a simulated list, week by week (week 0 is now), for a fan chart."""
    weeks: tuple[int, ...]
    levels: tuple[float, ...]  # percentiles across runs, e.g. (10, 50, 90)
    queue: tuple[tuple[float, ...], ...]  # per level: list size at each week end
    mean_queue: tuple[float, ...]  # mean list size over the runs at each week end
    wait: tuple[tuple[float, ...], ...]  # per level: the `wait_share` percentile wait (completed weeks)
    wait_share: float  # e.g. 0.92: the wait 92% of those waiting are within
    runs: int
    seed: int
    mean_arrivals: float  # per week, over every run and week
    mean_seen: float
    mean_withdrawn: float

    def band(self, level: float, what: str = "queue") -> tuple[float, ...]:
        return getattr(self, what)[self.levels.index(level)]


def simulate(*, demand: float, capacity: float, initial_waits, withdrawal_rate: float = 0.0, weeks: int = 52,
             runs: int = 500, seed: int = 0, levels=(10, 50, 90), wait_share: float = 0.92) -> Trajectory:
    """Simulate the list `weeks` ahead, `runs` times, and summarise the runs by percentiles.

    Each week, in this order: every waiter leaves without being seen with probability `withdrawal_rate`; the
    service sees a Poisson(`capacity`) number of waiters, longest-waiting first; Poisson(`demand`) new referrals
    join. `initial_waits` are the weeks waited by each child on the list now. All runs are advanced together:
    the list is held as counts per week of arrival (runs x cohorts), so a week is a few array operations.
    """
    demand = _number("demand", demand)
    capacity = _number("capacity", capacity)
    withdrawal_rate = _number("withdrawal_rate", withdrawal_rate)
    if withdrawal_rate > 1:
        raise ValueError(f"withdrawal_rate: expected a weekly probability from 0 to 1, got {withdrawal_rate:g}")
    weeks = int(_number("weeks", weeks, strict=True))
    runs = int(_number("runs", runs, strict=True))
    wait_share = _number("wait_share", wait_share, strict=True)
    if wait_share > 1:
        raise ValueError(f"wait_share: expected a share up to 1, got {wait_share:g}")
    ages = np.floor(np.asarray(initial_waits, dtype=float)).astype(np.int64)
    if ages.size and ages.min() < 0:
        raise ValueError("initial_waits: waits cannot be negative")
    rng = np.random.default_rng(seed)

    oldest = int(ages.max()) + 1 if ages.size else 0
    # Column j holds one cohort; its age at the end of week t is oldest - 1 - j + t (oldest cohort first).
    cohorts = np.zeros((runs, oldest + weeks), dtype=np.int64)
    cohorts[:, :oldest] = np.bincount(ages, minlength=oldest)[::-1] if oldest else 0
    queue = np.empty((weeks + 1, runs))
    wait = np.empty((weeks + 1, runs))
    arrivals = seen = withdrawn = 0
    queue[0], wait[0] = _snapshot(cohorts[:, :oldest], wait_share)
    for t in range(1, weeks + 1):
        live = cohorts[:, :oldest + t - 1]
        if withdrawal_rate > 0:
            kept = rng.binomial(live, 1 - withdrawal_rate)
            withdrawn += int((live - kept).sum())
            live[...] = kept
        slots = rng.poisson(capacity, runs)
        before = live.sum()
        live[...] = np.minimum(live, np.maximum(np.cumsum(live, axis=1) - slots[:, None], 0))  # oldest first
        seen += int(before - live.sum())
        new = rng.poisson(demand, runs)
        arrivals += int(new.sum())
        cohorts[:, oldest + t - 1] = new
        queue[t], wait[t] = _snapshot(cohorts[:, :oldest + t], wait_share)
    levels = tuple(float(x) for x in levels)
    per_run_week = runs * weeks
    return Trajectory(
        weeks=tuple(range(weeks + 1)), levels=levels,
        queue=tuple(tuple(float(v) for v in row) for row in np.percentile(queue, levels, axis=1)),
        wait=tuple(tuple(float(v) for v in row) for row in np.percentile(wait, levels, axis=1)),
        mean_queue=tuple(float(v) for v in queue.mean(axis=1)),
        wait_share=wait_share, runs=runs, seed=seed, mean_arrivals=arrivals / per_run_week,
        mean_seen=seen / per_run_week, mean_withdrawn=withdrawn / per_run_week)


def _snapshot(cohorts: np.ndarray, share: float) -> tuple[np.ndarray, np.ndarray]:
    """List size per run, and the wait (completed weeks) within which `share` of the list are, per run."""
    size = cohorts.sum(axis=1)
    if cohorts.shape[1] == 0:
        return size.astype(float), np.zeros(len(size))
    youngest_first = np.cumsum(cohorts[:, ::-1], axis=1)  # column k: waiters of age k weeks or less
    reached = youngest_first >= np.ceil(share * size)[:, None]
    return size.astype(float), np.where(size > 0, reached.argmax(axis=1), 0).astype(float)


# -- the planner's inputs -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class PlannerInputs:
    """What the planner needs for one list: flows over a window of whole months, and the list at its end."""
    pipeline: str  # THERAPY or EHCP
    service: str | None  # the therapy service's name; None for the EHC pipeline
    area: str  # the whole local area or a locality
    start: date  # first day of the window
    end: date  # last day of the window: the list is as it stood at the end of this day
    demand: float  # arrivals a week
    seen: float  # removals a week by treatment: first contacts (therapy) or final plans issued (EHC)
    withdrawn: float  # other removals a week: discharged without a first contact, or ended without a plan
    queue: int  # waiting at `end`
    mean_queue: float  # average list size over the window (week ends)
    wait_days: tuple[int, ...]  # wait_days[d] = children on the list at `end` who had waited d days
    cv_arrival: float
    cv_service: float
    source: str  # "records" or "monthly series"
    notes: tuple[str, ...] = ()  # assumptions forced by missing detail

    @property
    def capacity(self) -> float:
        """All removals a week, as NHSRwaitinglist counts capacity."""
        return self.seen + self.withdrawn

    @property
    def weeks(self) -> float:
        return ((self.end - self.start).days + 1) / DAYS_PER_WEEK

    @property
    def withdrawal_rate(self) -> float:
        """Weekly probability that a child on the list leaves it without being seen."""
        return min(1.0, self.withdrawn / self.mean_queue) if self.mean_queue > 0 else 0.0

    def wait_percentile(self, share: float) -> float | None:
        """The wait (weeks) within which at least `share` of those waiting at `end` are; None when nobody waits."""
        cum = np.cumsum(self.wait_days)
        if not cum.size or cum[-1] == 0:
            return None
        return _kth(cum, max(math.ceil(share * cum[-1]) - 1, 0)) / DAYS_PER_WEEK

    @property
    def median_wait(self) -> float | None:
        """The exact median wait in weeks (the mean of the middle two of an even count), as the Store's series."""
        cum = np.cumsum(self.wait_days)
        if not cum.size or cum[-1] == 0:
            return None
        n = int(cum[-1])
        return (_kth(cum, (n - 1) // 2) + _kth(cum, n // 2)) / 2 / DAYS_PER_WEEK

    @property
    def mean_wait(self) -> float | None:
        counts = np.asarray(self.wait_days)
        total = counts.sum()
        return float((counts * np.arange(len(counts))).sum() / total / DAYS_PER_WEEK) if total else None

    @property
    def months(self) -> int:
        return (self.end.year * 12 + self.end.month) - (self.start.year * 12 + self.start.month) + 1

    def waits_weeks(self) -> np.ndarray:
        """Each waiting child's wait in weeks (days / 7), for the simulation's starting list."""
        return np.repeat(np.arange(len(self.wait_days)), self.wait_days) / DAYS_PER_WEEK


def _kth(cumulative: np.ndarray, k: int) -> int:
    """The k-th smallest (0-based) value of a histogram given its cumulative counts."""
    return int(np.searchsorted(cumulative, k, side="right"))


def _dispersion_cv(counts: np.ndarray) -> float:
    """The coefficient of variation of the gaps between events, from counts per interval.

    For a renewal process the variance-to-mean ratio of counts over long intervals tends to cv^2 (Cox), so
    cv = sqrt(var / mean) of weekly counts: 1 for Poisson arrivals, more for bursty (e.g. term-time) referrals.
    (NHSRwaitinglist takes the cv of gaps between dated events, which same-day events make 0.)
    """
    counts = np.asarray(counts, dtype=float)
    if counts.size < 2 or counts.mean() <= 0:
        return 1.0
    return float(math.sqrt(counts.var(ddof=1) / counts.mean()))


def flows(arrived: np.ndarray, left: np.ndarray, treated: np.ndarray, *, start: date, end: date) -> dict:
    """Demand, removals, the list and its waits from one row per case (days since 1970; `left` may be NaN).

    `treated` marks removals by treatment. Counts are per week over the window `start`..`end` (inclusive).
    """
    s, e = (start - EPOCH).days, (end - EPOCH).days
    arrived = np.asarray(arrived, dtype=float)
    left = np.asarray(left, dtype=float)
    treated = np.asarray(treated, dtype=bool)
    weeks = (e - s + 1) / DAYS_PER_WEEK
    came = (arrived >= s) & (arrived <= e)
    went = (left >= s) & (left <= e)
    whole = int((e - s + 1) // DAYS_PER_WEEK)  # whole weeks, for the dispersion of weekly counts
    weekly_in = np.bincount(((arrived[came] - s) // DAYS_PER_WEEK).astype(int), minlength=whole + 1)[:whole]
    weekly_out = np.bincount(((left[went] - s) // DAYS_PER_WEEK).astype(int), minlength=whole + 1)[:whole]
    waiting = (arrived <= e) & ~(left <= e)  # NaN (still open) compares False
    waited = (e - arrived[waiting]).astype(int)
    # The list at each week end: arrived by then, minus left by then.
    week_ends = s - 1 + DAYS_PER_WEEK * np.arange(1, whole + 1)
    on_list = (np.searchsorted(np.sort(arrived), week_ends, side="right")
               - np.searchsorted(np.sort(left[~np.isnan(left)]), week_ends, side="right"))
    return {"demand": float(came.sum() / weeks), "seen": float((went & treated).sum() / weeks),
            "withdrawn": float((went & ~treated).sum() / weeks), "queue": int(waiting.sum()),
            "mean_queue": float(on_list.mean()) if whole else float(waiting.sum()),
            "wait_days": tuple(int(c) for c in np.bincount(waited)) if waited.size else (),
            "cv_arrival": _dispersion_cv(weekly_in), "cv_service": _dispersion_cv(weekly_out)}


def _days(frame: pl.DataFrame, column: str | pl.Expr) -> np.ndarray:
    expr = pl.col(column) if isinstance(column, str) else column
    return frame.select(expr.cast(pl.Int32).cast(pl.Float64)).to_series().fill_null(np.nan).to_numpy()


class NoDataToPlan(ValueError):
    """The list has no figures to plan from (its extract was refused, or it has none for this place)."""


def _window(store, metric_id: str, area: str, breakdown: str, end: date | None, months: int) -> tuple[date, date]:
    """`months` whole months ending with the month of `end` (default: the last month of the metric's series)."""
    if end is None:
        series = store.series(metric_id, area, breakdown)
        if series.empty:
            raise NoDataToPlan(f"{metric_id}: no data for {area} ({breakdown}) to plan from")
        end = series["period_start"].iloc[-1].date()
    months = int(_number("months", months, strict=True))
    last = date(end.year, end.month, 1)
    first_idx = last.year * 12 + last.month - 1 - (months - 1)
    first = date(first_idx // 12, first_idx % 12 + 1, 1)
    following = date(last.year + last.month // 12, last.month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _check_area(store, area: str) -> None:
    if area != store.area.name and area not in store.area.localities:
        raise ValueError(f"area: expected {store.area.name} or one of {', '.join(store.area.localities)}, "
                         f"got {area!r}")


def _in_area(frame: pl.DataFrame, store, area: str) -> pl.DataFrame:
    return frame if area == store.area.name else frame.filter(pl.col("locality").cast(pl.String) == area)


def therapy_inputs(store, service: str, area: str, *, end: date | None = None, months: int = 12) -> PlannerInputs:
    """A therapy service's list in an area: referrals in, first contacts and discharges without one out.

    Dated as in metrics/derive/therapy.py: a referral leaves the list at its first contact, or at its discharge
    if that comes first (not seen). Uses the referral records when the Store has them, else the monthly series.
    """
    known = [s.name for s in store.catalogue.services]
    if service not in known:
        raise ValueError(f"service: expected one of {', '.join(known)}, got {service!r}")
    _check_area(store, area)
    start, stop = _window(store, "therapy_waiting_list", area, service, end, months)
    records = store.records.get("therapy_referrals")
    if records is None:
        return _therapy_from_series(store, service, area, start, stop)
    cases = _in_area(records.filter(pl.col("service").cast(pl.String) == service), store, area)
    first, discharge = _days(cases, "first_contact_date"), _days(cases, "discharge_date")
    left = np.fmin(first, discharge)  # fmin ignores a missing date
    treated = ~np.isnan(first) & ~(discharge < first)
    return PlannerInputs(THERAPY, service, area, start, stop, source="records",
                         **flows(_days(cases, "referral_date"), left, treated, start=start, end=stop))


def _therapy_from_series(store, service: str, area: str, start: date, stop: date) -> PlannerInputs:
    """Without records: demand and the list from the monthly series, removals from the balance of the two
    (out = in + list at the start - list at the end), waits assumed exponential around the mean wait."""
    def values(metric_id, lo, hi):
        s = store.series(metric_id, area, service, lo, hi, period_type="month")
        if s.empty or (s["status"] != "ok").any():
            raise ValueError(f"{metric_id}: {area} ({service}) has months without a value from {lo} to {hi}; "
                             "the planner needs every month")
        return s["value"].to_numpy(dtype=float)

    before = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    referrals = values("therapy_referrals", start, stop)
    listed = values("therapy_waiting_list", before, stop)
    weeks = ((stop - start).days + 1) / DAYS_PER_WEEK
    queue = int(round(listed[-1]))
    mean_wait = values("therapy_mean_wait", stop.replace(day=1), stop)[-1] if queue else 0.0
    # Exponential waits with the series' mean: the i-th of n waiters at the ((i + 0.5) / n) quantile.
    days = np.floor(-mean_wait * DAYS_PER_WEEK * np.log1p(-(np.arange(queue) + 0.5) / queue)).astype(int)
    return PlannerInputs(
        THERAPY, service, area, start, stop, demand=float(referrals.sum() / weeks),
        seen=float((referrals.sum() + listed[0] - listed[-1]) / weeks), withdrawn=0.0, queue=queue,
        mean_queue=float(listed[1:].mean()), wait_days=tuple(int(c) for c in np.bincount(days)) if queue else (),
        cv_arrival=_dispersion_cv(referrals), cv_service=1.0, source="monthly series",
        notes=("Without referral records every removal counts as seen (none as leaving the list unseen), the "
               "variability of removals is taken as random (cv 1), and waits are assumed to be spread like a "
               "stable list's around the mean wait.",))


def ehcp_inputs(store, area: str, *, end: date | None = None, months: int = 12) -> PlannerInputs:
    """The EHC needs assessment pipeline in an area: requests in, final plans issued or requests ended out.

    The extract records a final plan's date, but no date for a request that ended without one. Such a request
    is dated by the deadline the family would be told by: 6 weeks after the request when no decision to assess
    is recorded, 16 weeks after it when an assessment has no draft plan. Until then it counts as open.
    """
    _check_area(store, area)
    start, stop = _window(store, "ehcp_requests", area, "All", end, months)
    records = store.records.get("ehc_requests")
    if records is None:
        raise ValueError("ehc_requests: the EHC request records are not loaded (public edition or a failed "
                         "extract), and no monthly series gives the open assessments")
    cases = _in_area(records, store, area)
    request, final = _days(cases, "request_date"), _days(cases, "final_issued_date")
    decision, draft = _days(cases, "decision_to_assess_date"), _days(cases, "draft_issued_date")
    ended = np.where(np.isnan(decision), request + EHC_DECISION_DAYS,
                     np.where(np.isnan(draft), request + EHC_NO_PLAN_DAYS, np.nan))
    last_day = (stop - EPOCH).days
    ended = np.where(ended <= last_day, ended, np.nan)  # a deadline still to come: the request is open
    left = np.where(np.isnan(final), ended, final)
    return PlannerInputs(EHCP, None, area, start, stop, source="records",
                         notes=("A request that ended without a plan is dated by its statutory deadline (6 weeks "
                                "without a decision to assess, 16 weeks without a draft plan): the extract has "
                                "no date for it.",),
                         **flows(request, left, ~np.isnan(final), start=start, end=stop))


def planner_inputs(store, pipeline: str, area: str, service: str | None = None, *, end: date | None = None,
                   months: int = 12) -> PlannerInputs:
    if pipeline == THERAPY:
        return therapy_inputs(store, service, area, end=end, months=months)
    if pipeline == EHCP:
        return ehcp_inputs(store, area, end=end, months=months)
    raise ValueError(f"pipeline: expected {THERAPY!r} or {EHCP!r}, got {pipeline!r}")


# -- what-if and the planner view ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class WhatIf:
    extra_sessions: float = 0.0  # extra clinic sessions a week
    per_session: float = 0.0  # children seen in each
    demand_growth_pct: float = 0.0  # referrals up (or down, negative) by this percentage from now

    def __post_init__(self):
        _number("extra_sessions", self.extra_sessions)
        _number("per_session", self.per_session)
        _number("demand_growth_pct", self.demand_growth_pct, minimum=-100)

    @property
    def extra_capacity(self) -> float:
        return self.extra_sessions * self.per_session

    @property
    def is_baseline(self) -> bool:
        return self.extra_capacity == 0 and self.demand_growth_pct == 0


def apply_what_if(inputs: PlannerInputs, what_if: WhatIf) -> PlannerInputs:
    """The inputs with the what-if's extra sessions added to treatment and its demand growth applied."""
    return replace(inputs, demand=inputs.demand * (1 + what_if.demand_growth_pct / 100),
                   seen=inputs.seen + what_if.extra_capacity)


@dataclass(frozen=True)
class PlannerView:
    """Every number the planner page shows for one list, and its text alternative."""
    inputs: PlannerInputs  # as observed
    what_if: WhatIf
    demand: float  # after the what-if
    capacity: float  # all removals a week after the what-if
    target_wait: float  # weeks
    factor: float
    standard_share: float  # the share within the target wait that `factor` stands for
    load: float
    target_mean_wait: float
    target_queue: float
    relief_capacity: float  # removals a week to reach the target queue in `time_to_target` weeks
    time_to_target: float
    target_capacity: float  # removals a week to hold the target once there
    extra_needed: float  # relief capacity minus capacity (0 or less: enough already)
    weeks_to_target: float  # at the what-if's rates; math.inf when the list never gets there
    reach_date: date | None
    median_wait: float | None
    percentile_wait: float | None  # the wait `standard_share` of those waiting are within, now
    pressure: float | None
    trajectory: Trajectory | None
    sentences: tuple[str, ...]


def plan(inputs: PlannerInputs, *, target_wait: float | None = None, standard: float | None = None,
         factor: float | None = None, time_to_target: float = DEFAULT_WEEKS_TO_TARGET,
         what_if: WhatIf = WhatIf(), simulate_weeks: int = 52, runs: int = 500, seed: int = 0) -> PlannerView:
    """The planner for one list. The standard is a share within `target_wait` weeks (`standard`, e.g. 0.92) or a
    `factor`; by default 92% within 18 weeks for therapy and factor 4 within 20 weeks for EHC plans."""
    if standard is not None and factor is not None:
        raise ValueError("standard: give a share within the target wait or a factor, not both")
    therapy = inputs.pipeline == THERAPY
    if target_wait is None:
        target_wait = THERAPY_TARGET_WEEKS if therapy else EHCP_TARGET_WEEKS
    target_wait = _number("target_wait", target_wait, strict=True)
    if factor is None and standard is None:
        factor = standard_factor(THERAPY_STANDARD) if therapy else DEFAULT_FACTOR
    elif factor is None:
        factor = standard_factor(standard)
    share = share_within(factor)
    now = apply_what_if(inputs, what_if)
    capacity = now.capacity
    target_queue = target_queue_size(now.demand, target_wait, factor)
    relief = relief_capacity(now.demand, now.queue, target_queue, time_to_target)
    weeks = weeks_to_target(now.demand, capacity, now.queue, target_queue)
    trajectory = None
    if simulate_weeks:
        trajectory = simulate(demand=now.demand, capacity=now.seen, initial_waits=inputs.waits_weeks(),
                              withdrawal_rate=inputs.withdrawal_rate, weeks=simulate_weeks, runs=runs, seed=seed,
                              wait_share=share)
    mean_wait = inputs.mean_wait
    median_wait = inputs.median_wait
    view = PlannerView(
        inputs=inputs, what_if=what_if, demand=now.demand, capacity=capacity, target_wait=target_wait,
        factor=factor, standard_share=share, load=queue_load(now.demand, capacity) if capacity > 0 else math.inf,
        target_mean_wait=target_mean_wait(target_wait, factor), target_queue=target_queue, relief_capacity=relief,
        time_to_target=time_to_target,
        target_capacity=target_capacity(now.demand, target_wait, factor, inputs.cv_arrival, inputs.cv_service),
        extra_needed=relief - capacity, weeks_to_target=weeks,
        reach_date=inputs.end + timedelta(weeks=math.ceil(weeks)) if math.isfinite(weeks) else None,
        median_wait=median_wait, percentile_wait=inputs.wait_percentile(share),
        pressure=waiting_list_pressure(mean_wait, target_wait) if mean_wait is not None else None,
        trajectory=trajectory, sentences=())
    return replace(view, sentences=tuple(_sentences(view)))


# -- the text alternative -----------------------------------------------------------------------------------------

def _n(x: float, digits: int = 0) -> str:
    return f"{x:,.{digits}f}"


def _weeks(x: float, digits: int = 1) -> str:
    text = _n(x, digits)
    return f"{text} week" if text in ("1", "1.0") else f"{text} weeks"


def _who(inputs: PlannerInputs) -> str:
    what = inputs.service if inputs.pipeline == THERAPY else "EHC needs assessments"
    return f"{what}, {inputs.area}"


def _sentences(v: PlannerView) -> list[str]:
    i = v.inputs
    people = "children" if i.pipeline == THERAPY else "requests"
    seen_word = "seen for the first time" if i.pipeline == THERAPY else "issued a final plan"
    left_word = "leave the list without being seen" if i.pipeline == THERAPY else "end without a plan"
    standard = f"{v.standard_share:.0%} within {_weeks(v.target_wait, 0)}"
    out = [f"{_who(i)}: over the {i.months} months to {i.end:%B %Y}, {_n(i.demand, 1)} {people} "
           f"joined the list a week and {_n(i.capacity, 1)} left it ({_n(i.seen, 1)} {seen_word}, "
           f"{_n(i.withdrawn, 1)} {left_word})."]
    if not v.what_if.is_baseline:
        parts = []
        if v.what_if.extra_capacity:
            parts.append(f"{_n(v.what_if.extra_sessions, 1)} extra sessions a week of {_n(v.what_if.per_session, 1)} "
                         f"each ({_n(v.what_if.extra_capacity, 1)} more a week)")
        if v.what_if.demand_growth_pct:
            parts.append(f"demand {abs(v.what_if.demand_growth_pct):g}% {'higher' if v.what_if.demand_growth_pct > 0 else 'lower'}")
        out.append(f"What if: {' and '.join(parts)}. The figures below include this.")
    trend = ("grows" if v.load > 1 else "shrinks" if v.load < 1 else "stays the same size")
    out.append(f"Queue load {_n(v.load, 2)}: for every one leaving, {_n(v.load, 2)} join, so the list {trend}.")
    wait_text = (f" Half have waited {_weeks(v.median_wait)} or less; {v.standard_share:.0%} have waited "
                 f"{_weeks(v.percentile_wait)} or less." if v.median_wait is not None else "")
    out.append(f"{_n(i.queue)} were waiting at {i.end:%-d %B %Y}.{wait_text}")
    out.append(f"To meet the standard of {standard}, the mean wait should be {_weeks(v.target_mean_wait)} or "
               f"less and the list no more than {_n(v.target_queue)} (target queue size).")
    if i.queue > v.target_queue:
        more = (f", {_n(v.extra_needed, 1)} a week more than now" if v.extra_needed > 0
                else ", which current removals already exceed")
        out.append(f"Bringing the list to that size in {_weeks(v.time_to_target, 0)} needs {_n(v.relief_capacity, 1)} "
                   f"removals a week (relief capacity){more}.")
        if math.isfinite(v.weeks_to_target):
            out.append(f"At these rates the list reaches the target size in about "
                       f"{_weeks(math.ceil(v.weeks_to_target), 0)} ({v.reach_date:%B %Y}).")
        else:
            out.append("At these rates the list never reaches the target size: as many or more join than leave.")
    else:
        out.append("The list is already no bigger than the target size.")
    out.append(f"Holding the standard once there needs about {_n(v.target_capacity, 1)} removals a week "
               f"(maintenance capacity, allowing for the variability of referrals and removals).")
    t = v.trajectory
    if t is not None:
        lo, mid, hi = t.queue[0][-1], t.queue[len(t.levels) // 2][-1], t.queue[-1][-1]
        out.append(f"Simulated {t.runs} times {len(t.weeks) - 1} weeks ahead at these rates, the list ends between "
                   f"{_n(lo)} and {_n(hi)} ({t.levels[0]:g}th to {t.levels[-1]:g}th percentile), {_n(mid)} in the "
                   f"middle run; the wait {t.wait_share:.0%} are within ends near {_weeks(t.wait[len(t.levels) // 2][-1], 0)}.")
    out.extend(i.notes)
    return out
