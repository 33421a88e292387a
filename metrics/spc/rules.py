"""The Making Data Count special-cause rules, exactly as NHSRplotthedots 0.2.2 applies them, with today's two-sigma
rule beside the package's (beyond_two_sigma).

Source: R/ptd_calculate_point_type.R (ptd_seven_point_one_side_mean, ptd_seven_point_trend, ptd_two_in_three,
ptd_part_of_*, ptd_special_cause_type, ptd_point_type) and R/ptd_spc_standard.R (outside/close to the limits).

Each rule takes whole-series arrays sorted by date plus `group` (the rebase group of each point, non-decreasing)
and says, per point, whether the point belongs to a pattern the rule flags. No pattern spans two groups, as the
package computes everything grouped by rebase group. A missing value (NaN) never belongs to a flagged pattern and
so breaks a run; the package does the same through R's NA logic, except for the trend rule, where a missing value
inside a 7-point window makes it stop with "missing value where TRUE/FALSE needed". Here it simply breaks the trend.
"""
from __future__ import annotations

import numpy as np

# Rule codes; a point takes the lowest-numbered rule it meets (ptd_special_cause_type's case_when order).
NONE, ASTRONOMICAL, TREND, TWO_IN_THREE, SHIFT = range(5)
RULE_NAMES = np.array(["none", "astronomical", "trend", "two_in_three", "shift"], dtype=object)

RUN_LENGTH = 7  # shift and trend: 7 points
_ONES = {k: np.ones(k) for k in (RUN_LENGTH - 1, RUN_LENGTH)}


def _all_same_sign(signs: np.ndarray, k: int) -> np.ndarray:
    """For each window of k consecutive signs (-1, 0, 1 or NaN; by start): all 1 or all -1. Their sum is then
    +-k; a 0 or a NaN in the window keeps it off (a sliding sum: NaN stays in its own windows)."""
    return np.abs(np.correlate(signs, _ONES[k], "valid")) == k


def _members(windows: np.ndarray, k: int, n: int) -> np.ndarray:
    """Which of n points lie in at least one flagged window of k points (ptd_part_of_seven_trend)."""
    if not np.count_nonzero(windows):
        return np.zeros(n, dtype=bool)
    return np.correlate(windows, _ONES[k], "full")[:n] > 0


def astronomical(y: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    """A point strictly outside the process limits (NaN limits flag nothing)."""
    return (y > upper) | (y < lower)


def shift(side: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Part of 7 or more consecutive points on the same side of the centre line.

    `side` is sign(value - centre): a point exactly on the centre line (0) belongs to neither side and breaks
    the run, as in ptd_seven_point_one_side_mean (`vp[[i]] != 0`).
    """
    n = len(side)
    if n < RUN_LENGTH:
        return np.zeros(n, dtype=bool)
    windows = _all_same_sign(side, RUN_LENGTH)
    if group[-1] != group[0]:  # no window may run from one rebase group into the next
        windows &= group[RUN_LENGTH - 1:] == group[: n - RUN_LENGTH + 1]
    return _members(windows, RUN_LENGTH, n)


def trend(y: np.ndarray, group: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Part of 7 or more consecutive points each strictly above (or each below) the one before; and its direction.

    Equal neighbours break a trend (ptd_seven_point_trend compares signs of differences). The direction of each
    point follows ptd_special_cause_type: a point whose next point is also in a trend takes the sign of the step
    to that next point, otherwise the sign of the step from the point before; a sign of 1 is increasing and
    anything else decreasing. So where a rising trend meets a falling one through two equal points, the last
    point of the rising trend reads as decreasing, as in the package.
    """
    n = len(y)
    members, direction = np.zeros(n, dtype=bool), np.zeros(n, dtype=np.int8)
    if n < RUN_LENGTH:
        return members, direction
    step_sign = np.sign(y[1:] - y[:-1])
    new_group = group[1:] != group[:-1]
    if group[-1] != group[0]:
        step_sign[new_group] = 0  # a step between groups is in no trend
    windows = _all_same_sign(step_sign, RUN_LENGTH - 1)  # 6 steps up (or down) join 7 points
    if not np.count_nonzero(windows):
        return members, direction
    members = _members(windows, RUN_LENGTH, n)
    left = np.concatenate(([0.0], step_sign))  # R: c(0, sign(diff(y))) within the group
    use_right = members[:-1] & members[1:] & ~new_group
    chosen = np.concatenate((np.where(use_right, step_sign, left[:-1]), left[-1:]))
    direction[members] = np.where(chosen[members] == 1, 1, -1)
    return members, direction


def beyond_two_sigma(y: np.ndarray, lower_2s: np.ndarray, upper_2s: np.ndarray, outside: np.ndarray,
                     two_sigma_rule: str) -> np.ndarray:
    """The points that count towards two-in-three, under either version of the rule.

    "mdc": Making Data Count since November 2023 (NHSRplotthedots issue #194; PowerBI-SPC's twoInThree): every
    point strictly beyond a 2-sigma line counts, including one beyond the limits, so a point between 2 and 3
    sigma next to an astronomical point on the same side is a signal.
    "plotthedots": NHSRplotthedots 0.2.2 (R/ptd_spc_standard.R: close_to_limits): only points beyond the 2-sigma
    line but not outside the limits.
    """
    beyond = (y < lower_2s) | (y > upper_2s)
    return beyond if two_sigma_rule == "mdc" else beyond & ~outside


def two_in_three(close: np.ndarray, side: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Two (or three) of three consecutive points beyond the 2-sigma line, all three on the same side of the centre.

    `close` says which points count (beyond_two_sigma). Only those points of a flagged triple are flagged, not
    the third point unless it counts itself (ptd_part_of_two_in_three); a point on the centre line or on the
    other side spoils the triple (NHSRplotthedots issue #143, fixed in 0.2.2; kept by Making Data Count in 2023,
    though PowerBI-SPC does not check the third point's side).
    """
    n = len(close)
    members = np.zeros(n, dtype=bool)
    if n < 3 or np.count_nonzero(close) < 2:
        return members
    c = close.view(np.int8)
    flagged = (c[:-2] + c[1:-1] + c[2:] >= 2) & (np.abs(side[:-2] + side[1:-1] + side[2:]) == 3)
    if group[-1] != group[0]:
        flagged &= group[2:] == group[:-2]
    for s in flagged.nonzero()[0].tolist():
        members[s:s + 3] = True
    return members & close


def special_cause(outside: np.ndarray, side: np.ndarray, in_trend: np.ndarray, trend_direction: np.ndarray,
                  in_two_in_three: np.ndarray, in_shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each point's rule code and direction (+1 high, -1 low, 0 none), taking the first rule it meets in the order
    astronomical, trend, two in three, shift (ptd_special_cause_type). A trend's direction is its own; the other
    rules take the point's side of the centre line."""
    rule = np.zeros(len(side), dtype=np.int8)
    for code, met in ((SHIFT, in_shift), (TWO_IN_THREE, in_two_in_three), (TREND, in_trend), (ASTRONOMICAL, outside)):
        if np.count_nonzero(met):  # lower codes are written last and so win
            rule[met] = code
    direction = np.zeros(len(side), dtype=np.int8)
    flagged = rule != NONE
    if np.count_nonzero(flagged):
        direction[flagged] = np.where(side[flagged] > 0, 1, -1)
        is_trend = rule == TREND  # a trend point that is also astronomical keeps its side, as in the package
        direction[is_trend] = trend_direction[is_trend]
    return rule, direction


def mdc_rules(y, centre, lower, upper, lower_2s, upper_2s, group, *, two_sigma_rule: str
              ) -> tuple[np.ndarray, np.ndarray]:
    """All four rules on a chart's values and lines (each an array, one per point): rule codes and directions."""
    side = np.sign(y - centre)
    outside = astronomical(y, lower, upper)
    close = beyond_two_sigma(y, lower_2s, upper_2s, outside, two_sigma_rule)
    in_trend, trend_direction = trend(y, group)
    return special_cause(outside, side, in_trend, trend_direction, two_in_three(close, side, group),
                         shift(side, group))
