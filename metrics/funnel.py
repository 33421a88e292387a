"""Funnel plots: a proportion for every local authority at one period, against limits around the England rate.

Following Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Stat Med 24:1185-1202:

- the target is England's proportion (numerator / denominator) in the same period;
- limits at 95% and 99.8% for each denominator n, either **exact binomial** (Appendix A.1.1: the p-quantile r_p of
  Binomial(n, target) is the smallest r with P(R <= r) >= p; it is interpolated to
  (r_p - alpha) / n with alpha = (P(R <= r_p) - p) / (P(R <= r_p) - P(R <= r_p - 1)), so the limits are smooth
  curves rather than steps), or the **normal approximation** target +/- z sqrt(target (1 - target) / n);
- **overdispersion** (section 5): each area's z-score (y - target) / sqrt(target (1 - target) / n) is
  **winsorised** — the z-scores below the 10th percentile of all areas' z-scores are set to it, those above the
  90th to it (percentiles by linear interpolation, as R's default) — and phi = mean of the squared winsorised
  z-scores. I x phi is compared with chi-squared on I degrees of freedom (the target is England, not estimated
  from these areas). The **multiplicative** adjustment widens the normal limits by sqrt(phi) when phi > 1; the
  **additive** one adds a between-area variance tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / s^2
  (0 when I phi <= I - 1), giving target +/- z sqrt(s^2 + tau^2). Adjusted limits use the normal form.

Values in the Store are percentages (0-100); this module works in proportions and reports percentages.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
from metrics.area import ENGLAND, SN_AVERAGE, Area
from metrics.schemas import STATUS_OK

LEVELS = (0.95, 0.998)
METHODS = ("exact", "normal")
ADJUSTMENTS = (None, "multiplicative", "additive")
WINSORISE = 0.10  # share of z-scores pulled in at each end before estimating phi
MIN_AREAS = 5  # local authorities with a numerator and denominator that make a funnel worth drawing
CURVE_POINTS = 200


def _stats():
    """scipy.stats, imported when a funnel is first drawn: importing it adds ~60 MB to a worker (measured), and most
    workers never draw one."""
    from scipy import stats

    return stats


def _check_target(target: float) -> float:
    if not 0 < target < 1:
        raise ValueError(f"target: expected a proportion strictly between 0 and 1, got {target!r}")
    return float(target)


def _check_level(level: float) -> float:
    if not 0 < level < 1:
        raise ValueError(f"level: expected a coverage between 0 and 1 (e.g. 0.95), got {level!r}")
    return float(level)


def exact_limits(target: float, n, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact binomial limits (proportions) for denominators `n` (whole numbers >= 1), interpolated as Spiegelhalter."""
    target, level = _check_target(target), _check_level(level)
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if (n < 1).any() or (n != np.round(n)).any():
        raise ValueError("n: expected whole-number denominators of 1 or more")

    def limit(p):
        binom = _stats().binom
        r = binom.ppf(p, n, target)
        at, below = binom.cdf(r, n, target), binom.cdf(r - 1, n, target)
        alpha = (at - p) / (at - below)
        return np.clip((r - alpha) / n, 0.0, 1.0)

    tail = (1 - level) / 2
    return limit(tail), limit(1 - tail)


def normal_limits(target: float, n, level: float, *, phi: float = 1.0, tau2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """target +/- z sqrt(phi target (1 - target) / n + tau2), clipped to [0, 1]."""
    target, level = _check_target(target), _check_level(level)
    n = np.atleast_1d(np.asarray(n, dtype=float))
    if (n <= 0).any():
        raise ValueError("n: expected denominators above 0")
    if phi <= 0 or tau2 < 0:
        raise ValueError(f"phi: expected phi > 0 and tau2 >= 0, got phi={phi!r}, tau2={tau2!r}")
    z = _stats().norm.ppf(1 - (1 - level) / 2)
    half = z * np.sqrt(phi * target * (1 - target) / n + tau2)
    return np.clip(target - half, 0.0, 1.0), np.clip(target + half, 0.0, 1.0)


@dataclass(frozen=True)
class Overdispersion:
    phi: float  # mean squared winsorised z-score; 1 when the areas vary only by chance
    tau2: float  # between-area variance (proportion squared) for the additive adjustment
    statistic: float  # I x phi
    p_value: float  # chance of a statistic this large from chance variation alone (chi-squared, I df)
    areas: int

    @property
    def overdispersed(self) -> bool:
        return self.p_value < 0.05


def overdispersion(target: float, numerators, denominators, winsorise: float = WINSORISE) -> Overdispersion:
    """Spiegelhalter's phi (from winsorised z-scores) and tau^2, and the chi-squared test of phi."""
    target = _check_target(target)
    y, n = np.asarray(numerators, dtype=float), np.asarray(denominators, dtype=float)
    if y.size < 2 or y.shape != n.shape:
        raise ValueError("numerators: need the same number of numerators and denominators, at least two areas")
    if not 0 <= winsorise < 0.5:
        raise ValueError(f"winsorise: expected a share from 0 to under 0.5, got {winsorise!r}")
    s2 = target * (1 - target) / n
    z = (y / n - target) / np.sqrt(s2)
    lo, hi = np.percentile(z, [100 * winsorise, 100 * (1 - winsorise)])
    phi = float(np.mean(np.clip(z, lo, hi) ** 2))
    areas = int(z.size)
    w = 1 / s2
    excess = areas * phi - (areas - 1)
    tau2 = max(0.0, excess / (w.sum() - (w ** 2).sum() / w.sum())) if excess > 0 else 0.0
    return Overdispersion(phi=phi, tau2=float(tau2), statistic=areas * phi,
                          p_value=float(_stats().chi2.sf(areas * phi, areas)), areas=areas)


def limits(target: float, n, level: float, *, method: str = "exact", adjustment: str | None = None,
           od: Overdispersion | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Limits for `n` by the chosen method; with an overdispersion adjustment, the adjusted normal limits."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if adjustment not in ADJUSTMENTS:
        raise ValueError(f"adjustment: expected none, multiplicative or additive, got {adjustment!r}")
    if adjustment is not None:
        if od is None:
            raise ValueError("od: an overdispersion adjustment needs the estimate (overdispersion())")
        if adjustment == "multiplicative":
            return normal_limits(target, n, level, phi=max(od.phi, 1.0))
        return normal_limits(target, n, level, tau2=od.tau2)
    return exact_limits(target, n, level) if method == "exact" else normal_limits(target, n, level)


# -- the funnel of a measure at a period -----------------------------------------------------------------------------

@dataclass(frozen=True)
class FunnelPoint:
    area: str
    numerator: float
    denominator: float
    percent: float
    z: float  # (proportion - target) / its standard error under the target
    outside_95: str | None  # "high", "low" or None (inside)
    outside_998: str | None
    local: bool  # the local area
    neighbour: bool  # one of its statistical neighbours


@dataclass(frozen=True)
class FunnelCurve:
    """The limits sampled over denominators, for drawing (percentages)."""
    n: tuple[float, ...]
    lower_95: tuple[float, ...]
    upper_95: tuple[float, ...]
    lower_998: tuple[float, ...]
    upper_998: tuple[float, ...]


@dataclass(frozen=True)
class Funnel:
    metric_id: str
    breakdown: str
    period_start: date
    period_type: str
    target: float  # England's percentage
    england_numerator: float
    england_denominator: float
    method: str
    adjustment: str | None
    od: Overdispersion
    points: tuple[FunnelPoint, ...]  # every local authority with a numerator and denominator, smallest n first
    curve: FunnelCurve
    outside: tuple[FunnelPoint, ...]  # outside the 95% limits, furthest first
    local: FunnelPoint | None
    neighbours: tuple[FunnelPoint, ...]
    sentences: tuple[str, ...]


def _non_la(area: Area) -> set[str]:
    return {ENGLAND, SN_AVERAGE, area.region, *area.localities}


def _usable(v: pd.DataFrame) -> pd.DataFrame:
    """Rows with a value, a numerator and a denominator; published only (across areas only those compare)."""
    v = v[(v["status"] == STATUS_OK) & v["numerator"].notna() & v["denominator"].notna() & (v["denominator"] > 0)]
    if "synthetic" in v.columns:
        v = v[~v["synthetic"].astype(bool)]
    return v.assign(period_start=pd.to_datetime(v["period_start"]))


@dataclass(frozen=True)
class FunnelMeasure:
    metric_id: str
    period_type: str
    periods: tuple[date, ...]  # periods with England and at least MIN_AREAS local authorities, oldest first


def funnel_measures(values: pd.DataFrame, area: Area, catalogue=None, *, min_areas: int = MIN_AREAS
                    ) -> tuple[FunnelMeasure, ...]:
    """The measures a funnel can be drawn for, found in the data: a proportion (numerator never above its
    denominator) with England's numerator and denominator and at least `min_areas` local authorities' at a
    period. With a catalogue, only its percentage measures count."""
    v = _usable(values[values["breakdown"] == "All"])
    if catalogue is not None:
        percent = {m.id for m in catalogue.metrics if m.unit == "percent"}
        v = v[v["metric_id"].isin(percent)]
    found = []
    others = _non_la(area)
    for (metric_id, ptype), rows in v.groupby(["metric_id", "period_type"], sort=True):
        if (rows["numerator"] > rows["denominator"]).any():
            continue  # a rate that can exceed 100 (e.g. missed appointments per 100) is not a proportion
        periods = []
        for period, at in rows.groupby("period_start"):
            las = at[~at["area"].isin(others)]
            if (at["area"] == ENGLAND).any() and las["area"].nunique() >= min_areas:
                periods.append(period.date())
        if periods:
            found.append(FunnelMeasure(metric_id, ptype, tuple(periods)))
    return tuple(found)


def funnel(values: pd.DataFrame, metric_id: str, period_start, area: Area, *, breakdown: str = "All",
           period_type: str | None = None, method: str = "exact", adjustment: str | None = None,
           title: str | None = None, curve_points: int = CURVE_POINTS) -> Funnel:
    """The funnel plot of `metric_id` at `period_start` across local authorities, from the Store's long frame."""
    if method not in METHODS:
        raise ValueError(f"method: expected one of {', '.join(METHODS)}, got {method!r}")
    if adjustment not in ADJUSTMENTS:
        raise ValueError(f"adjustment: expected none, multiplicative or additive, got {adjustment!r}")
    period = pd.Timestamp(period_start)
    v = _usable(values[(values["metric_id"] == metric_id) & (values["breakdown"] == breakdown)])
    v = v[v["period_start"] == period]
    if period_type is None and len(v):
        period_type = v.loc[v["area"] == ENGLAND, "period_type"].mode().iat[0] if (v["area"] == ENGLAND).any() \
            else v["period_type"].mode().iat[0]
    v = v[v["period_type"] == period_type]
    england = v[v["area"] == ENGLAND]
    if england.empty:
        raise ValueError(f"{metric_id}: no England numerator and denominator for {period:%Y-%m-%d}; a funnel needs "
                         "the England rate as its target")
    las = v[~v["area"].isin(_non_la(area))].sort_values(["denominator", "area"])
    if len(las) < 2:
        raise ValueError(f"{metric_id}: {len(las)} local authorities with a numerator and denominator for "
                         f"{period:%Y-%m-%d}; a funnel needs at least 2")
    e_num, e_den = float(england["numerator"].iat[0]), float(england["denominator"].iat[0])
    target = e_num / e_den
    y, n = las["numerator"].to_numpy(float), las["denominator"].to_numpy(float)
    od = overdispersion(target, y, n)
    neighbours = {nb.name for nb in area.neighbours}

    def bounds(ns):
        return {level: limits(target, ns, level, method=method, adjustment=adjustment, od=od) for level in LEVELS}

    at_points = bounds(np.round(n))
    share = y / n
    z = (share - target) / np.sqrt(target * (1 - target) / n)

    def side(i, level):
        lo, hi = at_points[level]
        return "high" if share[i] > hi[i] else "low" if share[i] < lo[i] else None

    points = tuple(FunnelPoint(area=a, numerator=float(y[i]), denominator=float(n[i]), percent=100 * share[i],
                               z=float(z[i]), outside_95=side(i, 0.95), outside_998=side(i, 0.998),
                               local=a == area.name, neighbour=a in neighbours)
                   for i, a in enumerate(las["area"]))
    grid = np.unique(np.round(np.geomspace(max(1.0, n.min() / 2), n.max() * 1.2, curve_points)))
    at_grid = bounds(grid)
    curve = FunnelCurve(n=tuple(float(x) for x in grid),
                        lower_95=_percent(at_grid[0.95][0]), upper_95=_percent(at_grid[0.95][1]),
                        lower_998=_percent(at_grid[0.998][0]), upper_998=_percent(at_grid[0.998][1]))
    outside = tuple(sorted((p for p in points if p.outside_95), key=lambda p: -abs(p.z)))
    local = next((p for p in points if p.local), None)
    result = Funnel(metric_id=metric_id, breakdown=breakdown, period_start=period.date(), period_type=period_type,
                    target=100 * target, england_numerator=e_num, england_denominator=e_den, method=method,
                    adjustment=adjustment, od=od, points=points, curve=curve, outside=outside, local=local,
                    neighbours=tuple(p for p in points if p.neighbour), sentences=())
    return _with_sentences(result, title or metric_id)


def _percent(xs) -> tuple[float, ...]:
    return tuple(float(100 * x) for x in xs)


def _where(p: FunnelPoint) -> str:
    if p.outside_998:
        return f"{p.outside_998}er than England beyond the 99.8% limits"
    if p.outside_95:
        return f"{p.outside_95}er than England beyond the 95% limits"
    return "within the 95% limits: no different from England beyond chance"


def _with_sentences(f: Funnel, title: str) -> Funnel:
    how = {"exact": "exact binomial limits", "normal": "normal-approximation limits"}[f.method]
    if f.adjustment:
        how = f"normal-approximation limits widened for overdispersion ({f.adjustment})"
    out = [f"{title}, {f.period_start:%Y} ({f.period_type.replace('_', ' ')}): {len(f.points)} local authorities "
           f"against England's {f.target:.1f}%, with {how}."]
    if f.local is not None:
        out.append(f"{f.local.area}: {f.local.percent:.1f}% of {f.local.denominator:,.0f}, {_where(f.local)}.")
    if f.outside:
        out.append("Outside the 95% limits: " + "; ".join(
            f"{p.area} ({p.percent:.1f}%, {p.outside_95}{', also beyond 99.8%' if p.outside_998 else ''})"
            for p in f.outside) + ".")
    else:
        out.append("Every local authority is within the 95% limits.")
    od = f.od
    spread = ("more than chance alone would give" if od.overdispersed else "no more than chance would give")
    out.append(f"The areas vary {spread} (overdispersion phi {od.phi:.2f}, chi-squared p = {od.p_value:.3f}).")
    return replace(f, sentences=tuple(out))
