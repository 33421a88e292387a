"""XmR charts against NHSRplotthedots 0.2.2 (GitHub nhs-r-community/NHSRplotthedots), the Making Data Count rules,
and the edge cases the package meets. R is not available here, so expected values come either from the package's
own published test expectations (file cited) or are worked by hand in the comments.

Expectations taken from the package run with two_sigma_rule="plotthedots" (PTD), its version of the two-in-three
rule. Today's rule (test_spc_two_sigma.py) types a point differently only where a point between 2 and 3 sigma has a
point beyond the limits on the same side within three; no hand-worked series has one, so each runs under both
rules (BOTH)."""
import math

import numpy as np
import pandas as pd
import pytest

from metrics.spc import TWO_SIGMA_RULES, xmr
from metrics.spc.result import assurance, build, variation
from metrics.spc.rules import shift, special_cause, trend, two_in_three

NAN = math.nan
PTD = {"two_sigma_rule": "plotthedots"}
BOTH = pytest.mark.parametrize("rule", TWO_SIGMA_RULES)


def months(n, start="2024-01-01"):
    return pd.date_range(start, periods=n, freq="MS")


def types(r):
    return r.points["point_type"].tolist()


def rules(r):
    return r.points["rule"].tolist()


C, I, K = "common_cause", "special_cause_improvement", "special_cause_concern"  # K: concern

# set.seed(123); rnorm(20): the data of tests/testthat/test-ptd_spc_standard.R and test-ptd_spc.R.
RNORM_123 = [-0.56047565, -0.23017749, 1.55870831, 0.07050839, 0.12928774, 1.71506499, 0.46091621, -1.26506123,
             -0.68685285, -0.44566197, 1.22408180, 0.35981383, 0.40077145, 0.11068272, -0.55584113, 1.78691314,
             0.49785048, -1.96661716, 0.70135590, -0.47279141]
RNORM_DATES = pd.date_range("2020-01-02", periods=20)  # as.Date("2020-01-01") + 1:20


# --- The package's published expectations -------------------------------------------------------------------------

@pytest.mark.parametrize("y15, screen, centre, lower, upper", [
    # tests/testthat/_snaps/ptd_spc_standard.md, "it returns expected values": r1, r2 (y[15] <- 10), r3 (unscreened)
    (None, True, 0.1416238, -3.01138, 3.294627),
    (10, True, 0.6694159, -2.383666, 3.722497),
    (10, False, 0.6694159, -4.596625, 5.935457),
])
def test_limits_match_package_snapshot(y15, screen, centre, lower, upper):
    y = list(RNORM_123)
    if y15 is not None:
        y[14] = y15
    p = xmr(RNORM_DATES, y, screen_outliers=screen, **PTD).points
    assert p["centre"].iloc[0] == pytest.approx(centre, abs=5e-7)
    assert p["lower"].iloc[0] == pytest.approx(lower, abs=5e-6)
    assert p["upper"].iloc[0] == pytest.approx(upper, abs=5e-6)


def test_relative_to_mean_and_common_cause_match_package_snapshot():
    # _snaps/ptd_spc_standard.md r1: relative_to_mean -1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1, ...
    # _snaps/ptd_spc.md summary: n 20, common_cause 20.
    r = xmr(RNORM_DATES, RNORM_123, **PTD)
    p = r.points
    side = np.sign(p["value"] - p["centre"]).astype(int).tolist()
    assert side[:15] == [-1, -1, 1, -1, -1, 1, 1, -1, -1, -1, 1, 1, 1, -1, -1]
    assert types(r) == [C] * 20 and r.variation == "common_cause" and r.assurance is None


def test_screened_outlier_is_astronomical():
    # y[15] = 10 is above both upper limits of the snapshot (3.72 screened, 5.94 unscreened).
    y = list(RNORM_123)
    y[14] = 10
    for screen in (True, False):
        r = xmr(RNORM_DATES, y, screen_outliers=screen, **PTD)
        assert r.points["rule"].iloc[14] == "astronomical" and types(r).count(I) == 1


def test_rebase_groups_match_package_facets():
    # _snaps/ptd_spc.md: the same 20 points as two facets of 10 have mean/lpl/upl 0.0746/-2.60/2.75 and
    # 0.209/-3.28/3.70; a rebase at the 11th date makes the same two groups.
    p = xmr(RNORM_DATES, RNORM_123, rebase=[RNORM_DATES[10]], **PTD).points
    assert p["group"].tolist() == [0] * 10 + [1] * 10
    first = p.groupby("group")[["centre", "lower", "upper"]].first()
    assert first.loc[0].tolist() == pytest.approx([0.0746, -2.60, 2.75], abs=5e-3)
    assert first.loc[1].tolist() == pytest.approx([0.209, -3.28, 3.70], abs=5e-3)


@pytest.mark.parametrize("rebase", [["2020-01-01"], ["2031-01-01"], []])
def test_rebase_outside_the_data_changes_nothing(rebase):
    # _snaps/ptd_spc.md: rebase = as.Date("2020-01-01"), a day before the data, gives one group, mean 0.142.
    p = xmr(RNORM_DATES, RNORM_123, rebase=rebase, **PTD).points
    assert p["group"].eq(0).all() and p["centre"].iloc[0] == pytest.approx(0.1416238, abs=5e-7)


def test_rebase_between_points_starts_group_at_next_point():
    # Chosen behaviour (the package ignores dates not in the data): a break on a dropped period still splits.
    p = xmr(months(12), range(12), rebase=["2024-06-15"]).points
    assert p["group"].tolist() == [0] * 6 + [1] * 6
    assert p["centre"].tolist() == [2.5] * 6 + [8.5] * 6  # means of 0..5 and 6..11


def test_two_points_close_to_limits_on_opposite_sides_are_common_cause():
    # tests/testthat/test-ptd_spc_standard.R, last test (NHSRplotthedots issue #143): 1, -1 alternating, then 5.5, -5.5.
    # By hand: mean 0; moving ranges 2 x 13, 6.5, 11; mean 2.9, screen at 9.47 drops 11 -> 32.5 / 14 = 2.3214;
    # 2-sigma lines +-4.117 (both points beyond them), limits +-6.175 (both inside), but on opposite sides.
    y = [1, -1] * 7 + [5.5, -5.5]
    for rule in TWO_SIGMA_RULES:  # today's rule keeps the same-side condition
        r = xmr(pd.date_range("2020-01-02", periods=16), y, two_sigma_rule=rule)
        assert types(r)[-2:] == [C, C]
    assert r.points["upper"].iloc[0] == pytest.approx(2.66 * 32.5 / 14)


# --- Hand-worked series, one per rule and edge case --------------------------------------------------------------

@BOTH
def test_point_exactly_on_the_mean_breaks_a_shift(rule):
    # Sum 150 over 15 points: mean exactly 10, and point 7 is 10. Moving ranges 2 x 5, 3, 1, 2 x 5, 15, 0: mean
    # 39/14 = 2.786, screen at 9.10 drops 15, so mean MR 24/13 = 1.846154; limits 10 -+ 4.910769 = 5.089231 and
    # 14.910769; 2-sigma 10 -+ 3.273846 (13 is inside). Six above, one on the mean, six above: no run of 7.
    r = xmr(months(15), [11, 13, 11, 13, 11, 13, 10, 11, 13, 11, 13, 11, 13, -2, -2], two_sigma_rule=rule)
    p = r.points
    assert p[["centre", "lower", "upper", "lower_2s", "upper_2s"]].iloc[0].tolist() == pytest.approx(
        [10, 5.089231, 14.910769, 6.726154, 13.273846], abs=1e-6)
    assert types(r) == [C] * 13 + [K, K] and rules(r)[-2:] == ["astronomical"] * 2
    assert r.variation == "concern_low"


def test_mean_is_computed_as_r_computes_it():
    # R's mean() sums in long double and corrects by the mean residual (src/main/summary.c), so mean(c(.1, .2, .3))
    # is exactly the double 0.2 and the middle point sits on the mean. A plain double sum gives 0.20000000000000004
    # and math.fsum / n gives 0.19999999999999998, both of which would put it off the mean.
    p = xmr(months(3), [0.1, 0.2, 0.3]).points
    assert p["centre"].iloc[0] == 0.2 and p["value"].iloc[1] - p["centre"].iloc[1] == 0


@BOTH
def test_seven_or_more_points_on_one_side_is_a_shift(rule):
    # The same series with 11 for the middle point: mean 151/15 = 10.066667; moving ranges 2 x 6, 0, 2 x 5, 15, 0:
    # screen drops 15, mean MR 22/13 = 1.692308; upper 2-sigma 13.067692 > 13; thirteen points above the mean.
    r = xmr(months(15), [11, 13, 11, 13, 11, 13, 11, 11, 13, 11, 13, 11, 13, -2, -2], two_sigma_rule=rule)
    assert r.points["upper"].iloc[0] == pytest.approx(151 / 15 + 2.66 * 22 / 13)
    assert types(r) == [I] * 13 + [K, K]
    assert rules(r) == ["shift"] * 13 + ["astronomical"] * 2


@BOTH
def test_trend_takes_its_own_direction_even_below_the_mean(rule):
    # NHSRplotthedots issue #171 (fixed in 0.2.2). Mean 176/16 = 11; mean MR 56/15 = 3.7333; limits 11 -+ 9.930667,
    # 2-sigma 11 -+ 6.620444. 4, 6, ..., 16 rise for 7 points across the mean: with improvement "decrease" all
    # seven are concern, including 4, 6, 8 and 10 below the mean (4 is also beyond the 2-sigma line, but a trend
    # outranks two-in-three, and its neighbours are not close to the limits anyway).
    y = [10, 14, 10, 14, 10, 14, 4, 6, 8, 10, 12, 14, 16, 10, 14, 10]
    r = xmr(months(16), y, improvement="decrease", two_sigma_rule=rule)
    assert r.points["lower_2s"].iloc[0] == pytest.approx(11 - 2 * (2.66 / 3) * 56 / 15)
    assert types(r) == [C] * 6 + [K] * 7 + [C] * 3 and rules(r)[6:13] == ["trend"] * 7
    neutral = xmr(months(16), y, improvement="neutral", two_sigma_rule=rule)
    assert types(neutral)[6:13] == ["special_cause_neutral_high"] * 7


@BOTH
def test_two_in_three_flags_only_the_close_points(rule):
    # Mean 178/15 = 11.866667; moving ranges 2 x 11, 4, 2, 2: mean 30/14 = 2.142857; upper 2-sigma
    # 11.866667 + 3.8 = 15.666667, upper limit 17.566667. 16, 14, 16: two beyond 2 sigma, all above the mean,
    # so both 16s are special cause and the 14 between them is not (ptd_part_of_two_in_three).
    r = xmr(months(15), [10, 12] * 6 + [16, 14, 16], two_sigma_rule=rule)
    assert r.points[["upper_2s", "upper"]].iloc[0].tolist() == pytest.approx([15.666667, 17.566667], abs=1e-6)
    assert types(r) == [C] * 12 + [I, C, I] and rules(r)[12:] == ["two_in_three", "none", "two_in_three"]
    assert r.variation == "improvement_high"


@BOTH
def test_precedence_within_one_series(rule):
    # Mean 140/20 = 7; mean MR 39/19 = 2.052632; 2-sigma 7 -+ 3.64, limits 7 -+ 5.46. The twelve 4/6 points are
    # a shift below; the eight 9/11 points a shift above, in which each 11 is also beyond 2 sigma with another
    # 11 two points on, so two-in-three (higher precedence) names the 11s.
    r = xmr(months(20), [4, 6] * 6 + [9, 11] * 4, two_sigma_rule=rule)
    assert types(r) == [K] * 12 + [I] * 8
    assert rules(r) == ["shift"] * 12 + ["shift", "two_in_three"] * 4


@BOTH
def test_missing_values_are_skipped_for_limits_and_not_bridged(rule):
    # Mean of the six values 12; moving ranges 4, -, -, 4, 4, 4 (none across the gap; bridging would add
    # |14 - 14| = 0 and give 3.2): mean MR 4, limits 12 -+ 10.64. The missing point stays, common cause.
    r = xmr(months(7), [10, 14, NAN, 14, 10, 14, 10], two_sigma_rule=rule)
    p = r.points
    assert p[["centre", "lower", "upper"]].iloc[2].tolist() == pytest.approx([12, 1.36, 22.64])
    assert math.isnan(p["value"].iloc[2]) and types(r) == [C] * 7


@BOTH
def test_missing_value_breaks_a_shift(rule):
    # The on-the-mean series with the middle point missing: mean 140/14 = 10, mean MR (screened) 20/11.
    # Six above, a gap, six above: no shift, as R's NA logic gives in ptd_seven_point_one_side_mean.
    r = xmr(months(15), [11, 13, 11, 13, 11, 13, NAN, 11, 13, 11, 13, 11, 13, -2, -2], two_sigma_rule=rule)
    assert r.points["upper"].iloc[0] == pytest.approx(10 + 2.66 * 20 / 11)
    assert types(r) == [C] * 13 + [K, K]


@BOTH
def test_missing_value_breaks_a_trend_instead_of_failing(rule):
    # The package stops with "missing value where TRUE/FALSE needed" here; we treat the gap as breaking the trend.
    # Filled, 1..8 rises for 8 points (mean 116/16 = 7.25, limits 7.25 -+ 27.3: nothing outside; 1..7 are also
    # a shift below the mean, which the trend outranks). With 4 missing, 1-3 and 5-8 are too short for either.
    y = [0, 20, 0, 20, 0, 20, 1, 2, 3, NAN, 5, 6, 7, 8, 0, 20]
    assert set(rules(xmr(months(16), y, two_sigma_rule=rule))) == {"none"}
    y[9] = 4
    assert rules(xmr(months(16), y, two_sigma_rule=rule)) == ["none"] * 6 + ["trend"] * 8 + ["none"] * 2


@BOTH
def test_missing_latest_point_leaves_icons_on_latest_value(rule):
    r = xmr(months(16), [11, 13, 11, 13, 11, 13, 11, 11, 13, 11, 13, 11, 13, -2, -2, NAN], two_sigma_rule=rule)
    assert r.variation == "concern_low" and r.last_signal().n_points == 2


@BOTH
def test_fix_after_n_points_fixes_limits_on_first_rows(rule):
    # Fixed on the first 12 (10, 12, ...): mean 11, mean MR 2, limits 5.68 / 16.32: only the 30s are special.
    # Not fixed: mean 222/15 = 14.8, moving ranges 2 x 11, 18, 0, 0 -> screen drops 18 -> 22/13; lower limit
    # 14.8 - 2.66 x 22/13 = 10.298462, so every 10 is below it and every 12 in a run of 12 below the mean.
    y = [10, 12] * 6 + [30, 30, 30]
    fixed = xmr(months(15), y, fix_after_n_points=12, two_sigma_rule=rule)
    assert fixed.points[["centre", "lower", "upper"]].iloc[14].tolist() == pytest.approx([11, 5.68, 16.32])
    assert types(fixed) == [C] * 12 + [I] * 3
    free = xmr(months(15), y, two_sigma_rule=rule)
    assert free.points["lower"].iloc[0] == pytest.approx(14.8 - 2.66 * 22 / 13)
    assert rules(free) == ["astronomical", "shift"] * 6 + ["astronomical"] * 3 and types(free) == [K] * 12 + [I] * 3


@BOTH
def test_fix_after_n_points_applies_per_group(rule):
    y = [10, 12] * 6 + [30, 30] + [20, 24] * 6 + [50, 50]
    # 12.5 rows -> 12, as in R
    p = xmr(months(28), y, fix_after_n_points=12.5, rebase=[months(28)[14]], two_sigma_rule=rule).points
    first = p.groupby("group")[["centre", "lower", "upper"]].first()
    assert first.loc[0].tolist() == pytest.approx([11, 5.68, 16.32])  # first 12 of group 0: mean 11, MR 2
    assert first.loc[1].tolist() == pytest.approx([22, 11.36, 32.64])  # first 12 of group 1: mean 22, MR 4
    assert types(xmr(months(28), y, fix_after_n_points=12, rebase=[months(28)[14]], two_sigma_rule=rule)) == (
        [C] * 12 + [I] * 2 + [C] * 12 + [I] * 2)


def test_flat_series_has_no_limits_when_screened():
    # Every moving range is 0; screening keeps only those < 3.267 x 0, none, so the mean MR is NaN in R too.
    r = xmr(months(15), [5] * 15, target=4)
    assert r.points[["lower", "upper"]].isna().all().all() and types(r) == [C] * 15
    assert r.variation == "common_cause" and r.assurance is None
    unscreened = xmr(months(15), [5] * 15, target=4, screen_outliers=False)
    assert unscreened.points[["lower", "upper"]].iloc[0].tolist() == [5, 5] and unscreened.assurance == "pass"


@pytest.mark.parametrize("n", [0, 1, 2])
def test_empty_and_very_short_series(n):
    r = xmr(months(n), [3.0] * n)
    assert len(r.points) == n and r.variation == "common_cause" and r.assurance is None
    assert list(r.points.columns)[:9] == ["date", "value", "group", "centre", "lower", "upper", "lower_2s",
                                          "upper_2s", "point_type"]
    assert r.last_signal() is None
    if n == 1:
        assert r.points["lower"].isna().all()  # no moving range, no limits
    assert r.points["short_group"].all()


def test_unsorted_input_is_sorted_by_date():
    d = months(15)
    y = [11, 13, 11, 13, 11, 13, 10, 11, 13, 11, 13, 11, 13, -2, -2]
    order = [14, 3, 0, 7, 1, 12, 5, 9, 2, 11, 4, 13, 6, 10, 8]
    r = xmr([d[i] for i in order], [y[i] for i in order])
    assert r.points["date"].tolist() == list(d) and r.points["value"].tolist() == y
    assert types(r) == [C] * 13 + [K, K]


@pytest.mark.parametrize("kwargs, argument", [
    (dict(dates=months(3), values=[1, 2]), "values"),
    (dict(dates=months(2), values=["1", "2"]), "values"),
    (dict(dates=months(2), values=[1, "x"]), "values"),
    (dict(dates=months(2), values=[1, math.inf]), "values"),
    (dict(dates=["2024-01-01", "not a date"], values=[1, 2]), "dates"),
    (dict(dates=["2024-01-01", None], values=[1, 2]), "dates"),
    (dict(dates=["2024-01-01", "2024-01-01"], values=[1, 2]), "dates"),
    (dict(dates=months(2), values=[1, 2], improvement="up"), "improvement"),
    (dict(dates=months(2), values=[1, 2], fix_after_n_points=11), "fix_after_n_points"),
    (dict(dates=months(2), values=[1, 2], fix_after_n_points=True), "fix_after_n_points"),
    (dict(dates=months(2), values=[1, 2], target="90"), "target"),
    (dict(dates=months(2), values=[1, 2], screen_outliers="yes"), "screen_outliers"),
    (dict(dates=months(2), values=[1, 2], rebase=["soon"]), "rebase"),
])
def test_invalid_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        xmr(**kwargs)


def test_timestamps_read_as_dates_as_pandas_reads_them():
    # Naive Timestamps take a quicker path (rebase dates are these); aware ones are made UTC and naive, as before.
    from metrics.spc.inputs import as_dates
    naive = [pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01 06:30")]
    aware = [pd.Timestamp("2024-01-01 01:00", tz="Europe/Paris"), pd.Timestamp("2024-07-01", tz="Europe/Paris")]
    for given in (naive, tuple(naive), aware):
        np.testing.assert_array_equal(as_dates("rebase", given),
                                      pd.DatetimeIndex(pd.to_datetime(given, utc=any(d.tzinfo for d in given)))
                                      .tz_localize(None).to_numpy("datetime64[ns]")
                                      if any(d.tzinfo for d in given) else
                                      pd.DatetimeIndex(given).to_numpy("datetime64[ns]"))
    assert as_dates("rebase", naive).dtype == np.dtype("datetime64[ns]")
    with pytest.raises(ValueError, match="rebase: missing date at position 1"):
        as_dates("rebase", [pd.Timestamp("2024-01-01"), pd.NaT])


def test_accepts_what_pandas_reads_as_dates_and_numbers():
    a = xmr(["2024-01-01", "2024-02-01", "2024-03-01"], pd.Series([1, 2, None], dtype="Int64"))
    b = xmr(np.array(["2024-01-01", "2024-02-01", "2024-03-01"], dtype="datetime64[D]"), [1.0, 2.0, None])
    pd.testing.assert_frame_equal(a.points, b.points)


# --- The rules, function by function: tests/testthat/test-ptd_calculate_point_type.R ----------------------------

def _g(n):
    return np.zeros(n, dtype=np.int64)


@pytest.mark.parametrize("side, expected", [
    # ptd_seven_point_one_side_mean then ptd_part_of_seven_trend, as in the package's tests
    ([], []),
    ([1] * 6, [0] * 6),
    ([1] * 6 + [-1], [0] * 7),
    ([1] * 8 + [-1], [1] * 8 + [0]),
    ([-1] * 8 + [1], [1] * 8 + [0]),
    ([-1] + [1] * 8 + [-1], [0] + [1] * 8 + [0]),
    ([1] * 6 + [0] + [1] * 6, [0] * 13),  # a point on the mean breaks the run (`vp[[i]] != 0`)
    ([1] * 3 + [NAN] + [1] * 4, [0] * 8),  # so does a missing point
])
def test_shift_rule(side, expected):
    assert shift(np.array(side, dtype=float), _g(len(side))).astype(int).tolist() == expected


@pytest.mark.parametrize("y, members, direction", [
    # ptd_seven_point_trend cases from the package's tests, as membership of a 7-point trend
    ([], [], []),
    ([1, 2, 3, 4, 5, 6], [0] * 6, [0] * 6),
    ([1, 2, 3, 3, 4, 5, 6], [0] * 7, [0] * 7),  # a tie breaks a trend
    ([1, 2, 3, 4, 5, 6, 7], [1] * 7, [1] * 7),
    ([2, 1, 2, 3, 4, 5, 6, 7, 3], [0] + [1] * 7 + [0], [0] + [1] * 7 + [0]),
    ([7, 6, 5, 4, 3, 2, 1], [1] * 7, [-1] * 7),
    ([2, 7, 6, 5, 4, 3, 2, 1, 3], [0] + [1] * 7 + [0], [0] + [-1] * 7 + [0]),
    # ptd_special_cause_type's direction: a peak shared by two trends takes the step to its right...
    ([1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1], [1] * 13, [1] * 6 + [-1] * 7),
    # ...and where two trends meet through equal points, the sign 0 of that step reads as decreasing.
    ([1, 2, 3, 4, 5, 6, 7, 7, 6, 5, 4, 3, 2, 1], [1] * 14, [1] * 6 + [-1] * 8),
    ([1, 2, 3, NAN, 5, 6, 7, 8, 9], [0] * 9, [0] * 9),  # a missing value breaks a trend (R would fail)
])
def test_trend_rule(y, members, direction):
    m, d = trend(np.array(y, dtype=float), _g(len(y)))
    assert m.astype(int).tolist() == members and d.tolist() == direction


def test_rules_never_span_two_groups():
    group = np.array([0] * 4 + [1] * 4)
    assert not shift(np.ones(8), group).any()
    assert not trend(np.arange(8.0), group)[0].any()
    assert not two_in_three(np.array([0, 0, 0, 1, 1, 0, 0, 0], bool), np.ones(8), group).any()


@pytest.mark.parametrize("close, side, expected", [
    # ptd_two_in_three then ptd_part_of_two_in_three, from the package's tests
    ([0, 0, 0], [0, 0, 0], [0, 0, 0]),
    ([1, 0, 1], [1, 1, 1], [1, 0, 1]),
    ([0, 1, 1], [1, 1, 1], [0, 1, 1]),
    ([1, 1, 0], [1, 1, 1], [1, 1, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1] * 7, [0, 0, 1, 0, 1, 0, 0]),
    ([0, 0, 1, 1, 0, 0, 0], [1] * 7, [0, 0, 1, 1, 0, 0, 0]),
    ([1, 0, 0, 1], [1] * 4, [0, 0, 0, 0]),
    ([1, 0, 0, 1, 1], [1] * 5, [0, 0, 0, 1, 1]),
    # "when points are on opposite sides of the mean"
    ([1, 0, 1], [1, -1, 1], [0, 0, 0]),
    ([0, 1, 1], [1, -1, 1], [0, 0, 0]),
    ([1, 1, 0], [1, -1, 1], [0, 0, 0]),
    ([0, 0, 1, 0, 1, 0, 0], [1, -1, 1, -1, 1, -1, 1], [0] * 7),
    ([0, 0, 1, 1, 0, 0, 0], [-1, 1, -1, 1, -1, 1, -1], [0] * 7),
])
def test_two_in_three_rule(close, side, expected):
    got = two_in_three(np.array(close, dtype=bool), np.array(side, dtype=float), _g(len(close)))
    assert got.astype(int).tolist() == expected


def test_special_cause_precedence_matches_package():
    # test-ptd_calculate_point_type.R, "ptd_special_cause_type works as expected": y = 1:8, relative_to_mean
    # 1,1,1,1,-1,-1,-1,-1, trend part 1,-1,0..., shift part 0,0,1,-1,0..., two-in-three part at 5, outside at 6, 7.
    # Expected: trend (increasing) x2, 7 points above x2, 2 in 3 below, below LCL x2, common cause.
    side = np.array([1, 1, 1, 1, -1, -1, -1, -1], dtype=float)
    in_trend = np.array([1, 1, 0, 0, 0, 0, 0, 0], bool)
    rule, direction = special_cause(
        outside=np.array([0, 0, 0, 0, 0, 1, 1, 0], bool), side=side, in_trend=in_trend,
        trend_direction=np.array([1, 1, 0, 0, 0, 0, 0, 0], np.int8),
        in_two_in_three=np.array([0, 0, 0, 0, 1, 0, 0, 0], bool), in_shift=np.array([0, 0, 1, 1, 0, 0, 0, 0], bool))
    assert rule.tolist() == [2, 2, 4, 4, 3, 1, 1, 0]  # trend, trend, shift, shift, two_in_three, astro, astro, none
    assert direction.tolist() == [1, 1, 1, 1, -1, -1, -1, 0]


def test_astronomical_point_in_a_trend_takes_its_side_not_the_trend_direction():
    rule, direction = special_cause(
        outside=np.array([True]), side=np.array([-1.0]), in_trend=np.array([True]),
        trend_direction=np.array([1], np.int8), in_two_in_three=np.array([False]), in_shift=np.array([False]))
    assert rule.tolist() == [1] and direction.tolist() == [-1]


# --- Icons: R/geom_ptd_icon.R and tests/testthat/test-ptd_calculate_assurance_type.R ----------------------------

@pytest.mark.parametrize("point_type, improvement, expected", [
    ("common_cause", "increase", "common_cause"),
    ("special_cause_improvement", "increase", "improvement_high"),
    ("special_cause_improvement", "decrease", "improvement_low"),
    ("special_cause_concern", "increase", "concern_low"),
    ("special_cause_concern", "decrease", "concern_high"),
    ("special_cause_neutral_high", "neutral", "neutral_high"),
    ("special_cause_neutral_low", "neutral", "neutral_low"),
])
def test_variation_icon(point_type, improvement, expected):
    assert variation(point_type, improvement) == expected


@pytest.mark.parametrize("lower, upper, increase, decrease", [
    # target 4 against three facets' limits, from the package's tests
    (1, 3, "fail", "pass"),
    (5, 7, "pass", "fail"),
    (1, 5, "inconsistent", "inconsistent"),
    (4, 6, "inconsistent", "inconsistent"),  # target on a limit is not beyond it (strict > and <)
    (NAN, NAN, None, None),  # no limits to judge by
])
def test_assurance_icon(lower, upper, increase, decrease):
    assert assurance(4, lower, upper, "increase") == increase
    assert assurance(4, lower, upper, "decrease") == decrease
    assert assurance(4, lower, upper, "neutral") is None
    assert assurance(None, lower, upper, "increase") is None


def test_assurance_uses_the_last_group():
    # Group 1 (the last) is 20/24 alternating: mean 22, limits 11.36 / 32.64; target 35 lies above them.
    y = [10, 12] * 6 + [20, 24] * 6
    r = xmr(months(24), y, target=35, rebase=[months(24)[12]])
    assert r.assurance == "fail"
    assert xmr(months(24), y, target=35, rebase=[months(24)[12]], improvement="decrease").assurance == "pass"


# --- The result object --------------------------------------------------------------------------------------------

def test_last_signal_traces_the_run_back():
    # The precedence series: its last 8 points (January to August 2025) are improvement, by shift and
    # two-in-three; the run starts with a shift point. "Since January 2025: 8 months above the mean".
    s = xmr(months(20), [4, 6] * 6 + [9, 11] * 4).last_signal()
    assert s.rule == "shift" and s.rules == ("two_in_three", "shift") and s.n_points == 8 and s.side == "high"
    assert s.first_date == pd.Timestamp("2025-01-01") and s.last_date == pd.Timestamp("2025-08-01")


def test_last_signal_skips_missing_points_and_stops_at_a_rebase():
    # Hand-made points: group 0 ends with improvement, group 1 is improvement throughout with a gap.
    arrays = {"date": np.array(months(6)), "value": np.array([1, 2, 3, 4, NAN, 6.0]),
              "group": np.array([0, 0, 1, 1, 1, 1]), "lower": np.full(6, 0.0), "upper": np.full(6, 9.0),
              "point_type": np.array([C, I, I, I, C, I], dtype=object),
              "rule": np.array(["none", "shift", "astronomical", "shift", "none", "shift"], dtype=object)}
    s = build("xmr", "increase", None, arrays).last_signal()
    assert (s.rule, s.rules, s.n_points, s.first_date) == ("astronomical", ("astronomical", "shift"), 3,
                                                           pd.Timestamp("2024-03-01"))


def test_points_cannot_be_changed_through_the_result():
    r = xmr(months(3), [1, 2, 3])
    p = r.points
    p.loc[0, "value"] = 99
    p["extra"] = 1
    assert r.points["value"].iloc[0] == 1 and "extra" not in r.points
    with pytest.raises(ValueError):
        r.arrays["value"][0] = 99


def test_to_dict_is_json_ready():
    import json
    r = xmr(months(3), [1, NAN, 3], target=2)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["chart"] == "xmr" and d["target"] == 2 and d["variation"] == "common_cause"
    assert d["points"][0]["date"] == "2024-01-01" and d["points"][1]["value"] is None
    assert d["points"][0]["point_type"] == "common_cause" and d["points"][0]["short_group"] is True
