"""The charts: XmR (NHSRplotthedots 0.2.2), p, Laney p' and c (qicharts2 0.8.1), and the run chart (qicharts2).

Each sorts its input by date, splits it into rebase groups, computes the centre line and limits per group with
numpy, applies the rules and returns an SpcResult. Missing values (NaN) stay in the output as points without a
point type of their own (always common cause), are left out of every mean, median and moving range, and break
any run of points they fall in (see rules.py).

The charts with limits type their points with the Making Data Count rules; `two_sigma_rule` picks today's
two-in-three rule ("mdc", the default) or NHSRplotthedots 0.2.2's ("plotthedots"): see rules.beyond_two_sigma.
"""
from __future__ import annotations

import math

import numpy as np

from metrics.spc import inputs
from metrics.spc.result import SpcResult, build, point_types
from metrics.spc.rules import NONE, RULE_NAMES, SHIFT, mdc_rules
from metrics.spc.runs import runs_analysis

XMR_LIMIT = 2.66  # 3 / d2 with d2 = 1.128 for moving ranges of two (R/ptd_spc_standard.R: `limit`)
XMR_LIMIT_2S = 2 * (XMR_LIMIT / 3)  # the 2-sigma line, computed as the package does (`limitclose`)
MR_SCREEN = 3.267  # moving ranges at or above 3.267 x their mean are left out (Nelson 1982; both packages)
D2 = 1.128
SHORT_GROUP = 12  # NHSRplotthedots warns when a group has fewer points (R/ptd_add_short_group_warnings.R)
TRIAL_POINTS = 13  # limits from fewer points with a value are trial limits, to be recalculated (issue 12 C)
LINES = ("centre", "lower", "upper", "lower_2s", "upper_2s")


def xmr(dates, values, improvement="increase", target=None, rebase=(), fix_after_n_points=None,
        screen_outliers=True, two_sigma_rule="mdc") -> SpcResult:
    """Making Data Count XmR chart, as NHSRplotthedots' ptd_spc() draws it.

    Per rebase group: centre = mean of the values; limits = mean ± 2.66 × mean moving range, the moving ranges
    screened first (those >= 3.267 × their mean are dropped) unless screen_outliers is False. With
    fix_after_n_points (>= 12), the mean and moving ranges come from the first n rows of each group only.
    two_sigma_rule: "mdc" (today's Making Data Count rule) or "plotthedots" (NHSRplotthedots 0.2.2's).
    """
    improvement = inputs.check_improvement(improvement)
    target = inputs.check_target(target)
    fix = inputs.check_fix_after_n_points(fix_after_n_points)
    screen = inputs.check_flag("screen_outliers", screen_outliers)
    rule = inputs.check_two_sigma_rule(two_sigma_rule)
    d, y, group = _series(dates, "values", values, rebase)

    bounds = _group_bounds(group)
    per_group = []
    for s, e in bounds:
        fixed = y[s:e] if fix is None else y[s:min(e, s + fix)]
        mean, amr = _mean(fixed), _mean_moving_range(np.abs(fixed[1:] - fixed[:-1]), screen)
        per_group.append((mean, mean - XMR_LIMIT * amr, mean + XMR_LIMIT * amr, mean - XMR_LIMIT_2S * amr,
                          mean + XMR_LIMIT_2S * amr))
    lines = _group_lines(bounds, per_group)
    return _mdc_result("xmr", improvement, target, d, y, group, lines, {}, rule)


def p_chart(dates, numerators, denominators, laney=False, improvement="increase", target=None, rebase=(),
            screen_outliers=True, two_sigma_rule="mdc") -> SpcResult:
    """p chart (or Laney p' chart with laney=True) of numerators / denominators, as qicharts2's qic(chart='p'|'pp').

    Per rebase group: centre = Σnumerators / Σdenominators; each point's limits centre ± 3σᵢ with
    σᵢ = √(centre(1 − centre) / denominatorᵢ), clamped to [0, 1]. Laney's p' multiplies σᵢ by σ_z, the mean
    moving range of the points' z-scores over 1.128, screened as in xmr (qicharts2 screens when attached, its
    .onAttach sets qic.screenedmr = TRUE). screen_outliers only matters for p'. Values and target are proportions
    (0-1). A zero denominator is a period with no cases: a missing point. Points are then typed with the Making
    Data Count rules against their own limits.
    """
    laney = inputs.check_flag("laney", laney)
    improvement = inputs.check_improvement(improvement)
    target = inputs.check_target(target)
    if target is not None and not 0 <= target <= 1:
        raise ValueError(f"target: a p chart's target is a proportion between 0 and 1; got {target!r}")
    screen = inputs.check_flag("screen_outliers", screen_outliers)
    rule = inputs.check_two_sigma_rule(two_sigma_rule)
    d = inputs.as_dates("dates", dates)
    num = inputs.as_numbers("numerators", numerators, len(d))
    den = inputs.as_numbers("denominators", denominators, len(d))
    for name, arr in (("numerators", num), ("denominators", den)):
        if (arr < 0).any():
            i = (arr < 0).nonzero()[0][0]
            raise ValueError(f"{name}: negative value {arr[i]} at position {i}")
    if (num > den).any():
        i = (num > den).nonzero()[0][0]
        raise ValueError(f"numerators: {num[i]} is more than its denominator {den[i]} at position {i}")
    d, num, den = inputs.sort_by_date(d, num, den)
    group = inputs.rebase_groups(d, rebase)

    with np.errstate(divide="ignore", invalid="ignore"):
        y = num / den  # 0/0 -> NaN: a period without cases
        centre, sigma = np.full(len(y), np.nan), np.full(len(y), np.nan)
        for s, e in _group_bounds(group):
            ok = ~np.isnan(y[s:e])
            cl = _sum(num[s:e][ok]) / _sum(den[s:e][ok]) if ok.any() else math.nan
            sd = np.sqrt(cl * (1 - cl) / den[s:e])
            if laney:
                z = (y[s:e] - cl) / sd
                sd = sd * (_mean_moving_range(np.abs(z[1:] - z[:-1]), screen) / D2)
            centre[s:e], sigma[s:e] = cl, sd
    sigma[np.isnan(y)] = np.nan  # qicharts2 draws no limits at missing points
    lines = {"centre": centre,
             "lower": np.maximum(centre - 3 * sigma, 0.0), "upper": np.minimum(centre + 3 * sigma, 1.0),
             "lower_2s": np.maximum(centre - 2 * sigma, 0.0), "upper_2s": np.minimum(centre + 2 * sigma, 1.0)}
    return _mdc_result("p_prime" if laney else "p", improvement, target, d, y, group, lines,
                       {"numerator": num, "denominator": den}, rule)


def c_chart(dates, counts, improvement="increase", target=None, rebase=(), two_sigma_rule="mdc") -> SpcResult:
    """c chart of counts of events, as qicharts2's qic(chart = 'c') computes it (R/helper.functions.R: qic.c).

    Per rebase group: centre c̄ = mean count; limits c̄ ± 3√c̄ and 2-sigma lines c̄ ± 2√c̄ (the Poisson standard
    deviation, Montgomery 7.17), the lower ones clamped at 0. Limits stand at missing points too, as in qic.c.
    Points are typed with the Making Data Count rules, as in xmr. Counts are whole numbers, 0 or more; the target
    is a count. Use it where XmR limits fail for small counts (metrics.spc.choose.count_chart).
    """
    improvement = inputs.check_improvement(improvement)
    target = inputs.check_target(target)
    if target is not None and target < 0:
        raise ValueError(f"target: a c chart's target is a count, 0 or more; got {target!r}")
    rule = inputs.check_two_sigma_rule(two_sigma_rule)
    d, y, group = _series(dates, "counts", counts, rebase, inputs.as_counts)

    bounds = _group_bounds(group)
    per_group = []
    for s, e in bounds:
        cl = _mean(y[s:e])  # NaN for a group without counts, and so every line
        sd = math.sqrt(cl)
        lower, lower_2s = cl - 3 * sd, cl - 2 * sd
        per_group.append((cl, 0.0 if lower < 0 else lower, cl + 3 * sd, 0.0 if lower_2s < 0 else lower_2s,
                          cl + 2 * sd))
    lines = _group_lines(bounds, per_group)
    return _mdc_result("c", improvement, target, d, y, group, lines, {}, rule)


def run_chart(dates, values, improvement="increase", rebase=()) -> SpcResult:
    """Run chart with the median as centre line and the Anhøj rules per rebase group (qicharts2 qic(chart='run')).

    The group-level results sit on every row of their group: longest_run, longest_run_max, crossings,
    crossings_min, runs_signal. Points in a run longer than longest_run_max are special cause (rule 'shift', on
    the run's side); too few crossings is a signal about the whole group, so it sets runs_signal but types no
    point. There are no limits (NaN) and so no assurance.
    """
    improvement = inputs.check_improvement(improvement)
    d, y, group = _series(dates, "values", values, rebase)

    n = len(y)
    centre = np.full(n, np.nan)
    stats = {name: np.full(n, np.nan) for name in ("longest_run", "longest_run_max", "crossings", "crossings_min")}
    signal, in_long_run = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for s, e in _group_bounds(group):
        centre[s:e] = _median(y[s:e])
        runs = runs_analysis(np.sign(y[s:e] - centre[s:e]))
        for name, arr in stats.items():
            value = getattr(runs, name)
            arr[s:e] = np.nan if value is None else value
        signal[s:e], in_long_run[s:e] = runs.signal, runs.in_long_run
    direction = np.where(in_long_run, np.where(y > centre, 1, -1), 0)
    missing = np.full(n, np.nan)
    arrays = {"date": d, "value": y, "group": group, "centre": centre, "lower": missing, "upper": missing.copy(),
              "lower_2s": missing.copy(), "upper_2s": missing.copy(),
              "point_type": point_types(direction, improvement),
              "rule": RULE_NAMES[np.where(in_long_run, SHIFT, NONE)],
              **stats, "runs_signal": signal}
    return build("run", improvement, None, arrays)


def _mdc_result(chart, improvement, target, d, y, group, lines, extra, two_sigma_rule) -> SpcResult:
    rule, direction = mdc_rules(y, lines["centre"], lines["lower"], lines["upper"], lines["lower_2s"],
                                lines["upper_2s"], group, two_sigma_rule=two_sigma_rule)
    short_group, trial = _small_groups(y, group)
    arrays = {"date": d, "value": y, "group": group, **lines, "point_type": point_types(direction, improvement),
              "rule": RULE_NAMES[rule], "short_group": short_group, "trial": trial, **extra}
    return build(chart, improvement, target, arrays)


def _small_groups(y: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per point: its group has fewer than SHORT_GROUP rows (short_group); fewer than TRIAL_POINTS values (trial)."""
    n = len(y)
    if not n or group[-1] == group[0]:  # one group, the usual case: no counting per group
        short, trial = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        if n < SHORT_GROUP:
            short[:] = True
        if n - np.count_nonzero(np.isnan(y)) < TRIAL_POINTS:
            trial[:] = True
        return short, trial
    with_value = np.bincount(group[~np.isnan(y)], minlength=group[-1] + 1)
    return np.bincount(group)[group] < SHORT_GROUP, with_value[group] < TRIAL_POINTS


def _series(dates, name, values, rebase, read=inputs.as_numbers):
    """Checked dates and values (read by `read`, named `name` in errors), sorted by date, with rebase groups."""
    d = inputs.as_dates("dates", dates)
    y = read(name, values, len(d))
    d, y = inputs.sort_by_date(d, y)
    return d, y, inputs.rebase_groups(d, rebase)


def _group_lines(bounds: list[tuple[int, int]], per_group: list[tuple[float, ...]]) -> dict[str, np.ndarray]:
    """The five lines from one (centre, lower, upper, lower_2s, upper_2s) per group."""
    return {name: _expand(bounds, column) for name, column in zip(LINES, zip(*per_group))}


def _group_bounds(group: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each rebase group."""
    if not len(group) or group[-1] == group[0]:
        return [(0, len(group))]
    starts = np.flatnonzero(np.concatenate(([True], group[1:] != group[:-1])))
    return list(zip(starts.tolist(), np.append(starts[1:], len(group)).tolist()))


def _expand(bounds: list[tuple[int, int]], per_group: tuple[float, ...]) -> np.ndarray:
    """One value per group spread over the group's points."""
    if len(bounds) == 1:
        out = np.empty(bounds[0][1])
        out.fill(per_group[0])
        return out
    return np.repeat(np.array(per_group), [e - s for s, e in bounds])


def _mean(a: np.ndarray) -> float:
    """R's mean(a, na.rm = TRUE), bit for bit: a long-double sum divided by n, then corrected by the mean of the
    residuals, rounded to double once (R's src/main/summary.c, real_mean). A plain float mean can miss by one unit
    in the last place, which decides whether a point such as 0.2 in (0.1, 0.2, 0.3) sits exactly on the mean."""
    x = a.astype(np.longdouble)
    total = np.cumsum(x)[-1] if len(x) else math.nan
    if math.isnan(total):  # missing values (or none at all): drop them and sum again
        x = x[~np.isnan(x)]
        if not len(x):
            return math.nan
        total = np.cumsum(x)[-1]
    s = total / len(x)
    return float(s + np.cumsum(x - s)[-1] / len(x))


def _median(a: np.ndarray) -> float:
    """np.median of the values that are not NaN, bit for bit (the middle value, or the two middle values' sum
    halved, as numpy takes their mean), NaN if there are none. Sorted in Python: numpy's median costs ten times the
    sort of a group's few dozen points."""
    v = sorted(x for x in a.tolist() if x == x)
    h = len(v) // 2
    if not v:
        return math.nan
    return v[h] if len(v) % 2 else (v[h - 1] + v[h]) / 2


def _sum(a: np.ndarray) -> float:
    """R's sum(): a long-double running sum, rounded to double at the end."""
    return float(np.cumsum(a.astype(np.longdouble))[-1])


def _mean_moving_range(mr: np.ndarray, screen: bool) -> float:
    """Mean of the moving ranges, after dropping any >= 3.267 x that mean when screening. If every moving range
    is 0 (a flat series) screening drops them all and the mean is NaN, so there are no limits, as in the package.

    A plain float mean is enough here: it moves a limit by at most a unit in the last place, and a point landing
    exactly on a limit of mean ± 2.66 x mean moving range does not happen with real data."""
    amr = np.add.reduce(mr) / len(mr) if len(mr) else math.nan
    if math.isnan(amr):  # moving ranges next to a missing value are missing: leave them out
        mr = mr[~np.isnan(mr)]
        amr = np.add.reduce(mr) / len(mr) if len(mr) else math.nan
    if not screen:
        return amr
    kept = mr[mr < MR_SCREEN * amr]
    return np.add.reduce(kept) / len(kept) if len(kept) else math.nan
