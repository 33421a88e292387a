"""Today's Making Data Count two-in-three rule (two_sigma_rule="mdc", the default) beside NHSRplotthedots 0.2.2's
("plotthedots").

In November 2023 the Making Data Count team changed the rule (NHSRplotthedots issue #194): every point beyond two
sigma counts, including one beyond the limits; all three points must still be on one side of the mean, and the
third point is flagged only if it is beyond two sigma itself. NHSRplotthedots 0.2.2 counts only points strictly
between two and three sigma. Limits are worked by hand in the comments."""
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.spc import TWO_SIGMA_RULES, c_chart, p_chart, xmr
from metrics.spc.rules import beyond_two_sigma, two_in_three

NAN = math.nan
C, I, K = "common_cause", "special_cause_improvement", "special_cause_concern"


def months(n):
    return pd.date_range("2024-01-01", periods=n, freq="MS")


# --- Whole charts ---------------------------------------------------------------------------------------------------

def test_point_between_two_and_three_sigma_after_an_astronomical_point():
    # y = (10, 12) nine times, then 19, 16.5. Sum 198 + 35.5 = 233.5 over 20: mean 11.675. Moving ranges: 17 of 2,
    # |19 - 12| = 7 and |16.5 - 19| = 2.5: 43.5 / 19 = 2.289474; screening at 3.267 x 2.289474 = 7.4797 keeps the 7.
    # Limits 11.675 -+ 2.66 x 2.289474 = 5.585 and 17.765; 2-sigma lines 11.675 -+ 4.06 = 7.615 and 15.735.
    # 19 is beyond the upper limit (astronomical under both rules); 16.5 lies between 15.735 and 17.765; 12, 19 and
    # 16.5 are all above the mean. Today's rule counts the 19 as beyond two sigma, so 19 and 16.5 are two of three
    # and 16.5 is special cause; NHSRplotthedots 0.2.2 counts only 16.5, one of three, so it is common cause.
    y = [10, 12] * 9 + [19, 16.5]
    mdc, ptd = xmr(months(20), y), xmr(months(20), y, two_sigma_rule="plotthedots")
    assert mdc.points[["centre", "lower", "upper", "lower_2s", "upper_2s"]].iloc[0].tolist() == pytest.approx(
        [11.675, 5.585, 17.765, 7.615, 15.735])
    assert mdc.points["rule"].tolist()[-2:] == ["astronomical", "two_in_three"]
    assert mdc.points["point_type"].tolist() == [C] * 18 + [I, I] and mdc.variation == "improvement_high"
    assert ptd.points["rule"].tolist()[-2:] == ["astronomical", "none"]
    assert ptd.points["point_type"].tolist() == [C] * 18 + [I, C] and ptd.variation == "common_cause"
    s = mdc.last_signal()
    assert (s.rule, s.rules, s.n_points, s.side) == ("astronomical", ("astronomical", "two_in_three"), 2, "high")
    # Mirrored below the mean, with lower values better: the same points, now improvement low.
    low = xmr(months(20), [-v for v in y], improvement="decrease")
    assert low.points["rule"].tolist()[-2:] == ["astronomical", "two_in_three"] and low.variation == "improvement_low"


def test_third_point_is_flagged_only_if_beyond_two_sigma_itself():
    # y = (10, 12) nine times, then 16.5, 12, 19. Mean 245.5 / 21 = 11.690476; moving ranges 17 of 2, then 4.5, 4.5
    # and 7: 50 / 20 = 2.5 (screen at 8.17 keeps all); upper 2-sigma 11.690476 + 4.433333 = 16.123810, upper limit
    # 11.690476 + 6.65 = 18.340476. 16.5 (2 to 3 sigma) and 19 (astronomical) are two of three above the mean with
    # 12 between them: 16.5 is special cause, 12 is not. Under 0.2.2 only 16.5 counts: common cause.
    y = [10, 12] * 9 + [16.5, 12, 19]
    mdc, ptd = xmr(months(21), y), xmr(months(21), y, two_sigma_rule="plotthedots")
    assert mdc.points[["centre", "upper_2s", "upper"]].iloc[0].tolist() == pytest.approx(
        [11.690476, 16.123810, 18.340476], abs=1e-6)
    assert mdc.points["rule"].tolist()[-3:] == ["two_in_three", "none", "astronomical"]
    assert mdc.points["point_type"].tolist()[-3:] == [I, C, I]
    assert ptd.points["point_type"].tolist()[-3:] == [C, C, I]


def test_all_three_points_must_still_be_on_one_side_of_the_mean():
    # y = (10, 12) nine times, then 16.5, 11, 19. Mean 244.5 / 21 = 11.642857; moving ranges 17 of 2, then 4.5, 5.5
    # and 8: 52 / 20 = 2.6; upper 2-sigma 11.642857 + 4.610667 = 16.253524, upper limit 18.558857. 16.5 and 19 are
    # beyond two sigma, but 11 between them is below the mean, so there is no two-in-three under either rule.
    y = [10, 12] * 9 + [16.5, 11, 19]
    for rule in TWO_SIGMA_RULES:
        r = xmr(months(21), y, two_sigma_rule=rule)
        assert r.points["upper_2s"].iloc[0] == pytest.approx(16.253524, abs=1e-6)
        assert r.points["rule"].tolist()[-3:] == ["none", "none", "astronomical"]


def test_p_chart_applies_the_chosen_rule():
    # numerators (20, 28) nine times then 44, 38, each of 100: CL 514 / 2000 = 0.257; sigma sqrt(0.257 x 0.743 / 100)
    # = 0.0436980; upper limit 0.3880939, upper 2-sigma 0.3443959. 0.44 is astronomical, 0.38 lies between the
    # lines, and 0.28, 0.44, 0.38 are all above the centre.
    num, den = [20, 28] * 9 + [44, 38], [100] * 20
    mdc, ptd = p_chart(months(20), num, den), p_chart(months(20), num, den, two_sigma_rule="plotthedots")
    assert mdc.points[["centre", "upper_2s", "upper"]].iloc[0].tolist() == pytest.approx(
        [0.257, 0.3443959, 0.3880939], abs=1e-7)
    assert mdc.points["rule"].tolist()[-2:] == ["astronomical", "two_in_three"] and mdc.variation == "improvement_high"
    assert ptd.points["rule"].tolist()[-2:] == ["astronomical", "none"] and ptd.variation == "common_cause"
    laney = p_chart(months(20), num, den, laney=True, two_sigma_rule="plotthedots")
    assert laney.chart == "p_prime"  # the keyword reaches p' too (its limits differ, so no rule is asserted here)


@pytest.mark.parametrize("chart, kwargs", [
    (xmr, dict(values=[1, 2])),
    (p_chart, dict(numerators=[1, 2], denominators=[10, 10])),
    (p_chart, dict(numerators=[1, 2], denominators=[10, 10], laney=True)),
    (c_chart, dict(counts=[1, 2])),
])
@pytest.mark.parametrize("bad", ["MDC", "nhs", None, 1, ""])
def test_two_sigma_rule_is_checked(chart, kwargs, bad):
    with pytest.raises(ValueError, match="two_sigma_rule"):
        chart(months(2), **kwargs, two_sigma_rule=bad)


# --- The rule, function by function ---------------------------------------------------------------------------------

@pytest.mark.parametrize("y, outside, mdc, ptd", [
    # 2-sigma lines at 4 and 16, limits at 1 and 19 (outside = beyond the limits, worked out by the caller)
    ([10, 16, 17, 19, 20], [0, 0, 0, 0, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0]),  # on a line is not beyond it
    ([10, 4, 3, 1, 0], [0, 0, 0, 0, 1], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0]),
    ([NAN, 30, -30], [0, 1, 1], [0, 1, 1], [0, 0, 0]),  # a missing value is never beyond anything
])
def test_beyond_two_sigma(y, outside, mdc, ptd):
    y = np.array(y, dtype=float)
    lower_2s, upper_2s = np.full(len(y), 4.0), np.full(len(y), 16.0)
    outside = np.array(outside, dtype=bool)
    assert beyond_two_sigma(y, lower_2s, upper_2s, outside, "mdc").astype(int).tolist() == mdc
    assert beyond_two_sigma(y, lower_2s, upper_2s, outside, "plotthedots").astype(int).tolist() == ptd


def test_beyond_two_sigma_without_lines_is_nothing():
    nan = np.full(3, NAN)
    assert not beyond_two_sigma(np.array([1.0, 2, 3]), nan, nan, np.zeros(3, bool), "mdc").any()


@pytest.mark.parametrize("y, side, mdc, ptd", [
    # Lines: 2 sigma at 16, limit at 19; values 17-18 are between them, 20 is beyond the limit (astronomical).
    ([12, 20, 17], [1, 1, 1], [0, 1, 1], [0, 0, 0]),  # the example of issue #194
    ([17, 12, 20], [1, 1, 1], [1, 0, 1], [0, 0, 0]),  # the third point, inside 2 sigma, is not flagged
    ([20, 20, 12], [1, 1, 1], [1, 1, 0], [0, 0, 0]),  # two astronomical points also make a pair (outranked later)
    ([17, 12, 17], [1, 1, 1], [1, 0, 1], [1, 0, 1]),  # the rule both versions share
    ([17, 12, 20], [1, -1, 1], [0, 0, 0], [0, 0, 0]),  # the third point below the mean spoils the triple
    ([17, 12, 20], [1, 0, 1], [0, 0, 0], [0, 0, 0]),  # and so does a point on the mean
])
def test_two_in_three_with_each_rule(y, side, mdc, ptd):
    y = np.array(y, dtype=float)
    lower_2s, upper_2s = np.full(3, -16.0), np.full(3, 16.0)
    outside = y > 19
    group, side = np.zeros(3, dtype=np.int64), np.array(side, dtype=float)
    for rule, expected in (("mdc", mdc), ("plotthedots", ptd)):
        close = beyond_two_sigma(y, lower_2s, upper_2s, outside, rule)
        assert two_in_three(close, side, group).astype(int).tolist() == expected


# --- Properties (hypothesis) ----------------------------------------------------------------------------------------

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def series(draw, counts=False):
    values = st.integers(0, 30) if counts else st.integers(-500, 500)
    y = draw(st.lists(values.map(float) | st.sampled_from([NAN]), max_size=40))
    d = months(len(y))
    rebase = draw(st.lists(st.sampled_from(list(d)), max_size=2)) if len(y) else []
    return d, y, rebase


def _compare(mdc, ptd):
    a, b = mdc.arrays, ptd.arrays
    ptd_two = b["rule"] == "two_in_three"
    # Every point the package flags by two-in-three, today's rule flags by two-in-three too...
    assert (a["rule"][ptd_two] == "two_in_three").all()
    # ...and every special-cause point of the package keeps its type: today's rule only adds signals.
    special = b["point_type"] != "common_cause"
    assert (a["point_type"][special] == b["point_type"][special]).all()
    # The limits are the same; only the typing differs.
    for line in ("centre", "lower", "upper", "lower_2s", "upper_2s"):
        np.testing.assert_array_equal(a[line], b[line])


@SETTINGS
@given(series(), st.sampled_from(["increase", "decrease", "neutral"]))
def test_mdc_flags_a_superset_of_plotthedots_on_xmr(s, improvement):
    d, y, rebase = s
    _compare(xmr(d, y, rebase=rebase, improvement=improvement),
             xmr(d, y, rebase=rebase, improvement=improvement, two_sigma_rule="plotthedots"))


@SETTINGS
@given(series(counts=True))
def test_mdc_flags_a_superset_of_plotthedots_on_c_charts(s):
    d, y, rebase = s
    _compare(c_chart(d, y, rebase=rebase), c_chart(d, y, rebase=rebase, two_sigma_rule="plotthedots"))


@SETTINGS
@given(st.lists(st.integers(0, 300), max_size=30).flatmap(
    lambda den: st.tuples(st.just(den), st.tuples(*[st.integers(0, n) for n in den]))), st.booleans())
def test_mdc_flags_a_superset_of_plotthedots_on_p_charts(s, laney):
    den, num = s
    d = months(len(den))
    _compare(p_chart(d, num, den, laney=laney), p_chart(d, num, den, laney=laney, two_sigma_rule="plotthedots"))
