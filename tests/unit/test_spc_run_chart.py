"""Run charts with the Anhøj rules, as qicharts2 0.8.1 (GitHub anhoej/qicharts2) applies them:
R/helper.functions.R (runs.analysis, crsignal, qic.run) and vignettes/qicharts2.Rmd ("The Anhøj rules", Appendix 2)."""
import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.spc import run_chart
from metrics.spc.runs import crossings_min, longest_run_max

NAN = math.nan
C, I, K = "common_cause", "special_cause_improvement", "special_cause_concern"
STATS = ["longest_run", "longest_run_max", "crossings", "crossings_min", "runs_signal"]


def months(n):
    return pd.date_range("2024-01-01", periods=n, freq="MS")


@pytest.mark.parametrize("n, longest, crossings", [
    # Appendix 2 of the vignette tabulates round(log2(n) + 3) and qbinom(0.05, n - 1, 0.5); worked by hand:
    # n = 10: log2 10 = 3.32 -> 6. Binomial(9, 1/2) cumulative counts 1, 10, 46 of 512: 46/512 = 0.090 >= 0.05 -> 2.
    (10, 6, 2),
    # n = 12: log2 12 = 3.58 -> 7. Binomial(11): 1, 12, 67 (0.033), 232 (0.113) of 2048 -> 3.
    (12, 7, 3),
    # n = 24 (the vignette's worked example: 8 and 8). Binomial(23): P(X <= 7) = 390656 / 2^23 = 0.047,
    # P(X <= 8) = 880970 / 2^23 = 0.105 -> 8.
    (24, 8, 8),
    # The rest as in Anhøj's published table (PLoS ONE 2014 / the vignette's Appendix 2).
    (11, 6, 2), (13, 7, 3), (14, 7, 4), (16, 7, 4), (17, 7, 5), (19, 7, 6), (22, 7, 7), (23, 8, 7), (27, 8, 9),
    (30, 8, 10), (100, 10, 41),
])
def test_critical_values(n, longest, crossings):
    assert longest_run_max(n) == longest and crossings_min(n) == crossings


def test_few_crossings_signal_without_typing_points():
    # 1..10: median 5.5, five below then five above: longest run 5 <= 6, but 1 crossing < 2: runs signal.
    r = run_chart(months(10), range(1, 11))
    p = r.points
    assert p["centre"].eq(5.5).all() and p[["lower", "upper"]].isna().all().all()
    assert p[STATS].iloc[0].tolist() == [5, 6, 1, 2, True]
    assert p["point_type"].eq(C).all() and r.variation == "common_cause" and r.assurance is None


def test_runs_longer_than_the_limit_are_special_cause():
    # 16 points; median (9 + 20) / 2 = 14.5: 8 below then 8 above. Limit for 16 useful points is 7, so both runs
    # are too long (and 1 crossing < 4).
    y = [1, 9, 2, 8, 3, 7, 4, 6] + list(range(20, 28))
    r = run_chart(months(16), y)
    p = r.points
    assert p["centre"].iloc[0] == 14.5 and p[STATS].iloc[0].tolist() == [8, 7, 1, 4, True]
    assert p["point_type"].tolist() == [K] * 8 + [I] * 8 and set(p["rule"]) == {"shift"}
    assert r.variation == "improvement_high"
    s = r.last_signal()
    assert (s.rule, s.n_points, s.side, s.first_date) == ("shift", 8, "high", pd.Timestamp("2024-09-01"))
    assert run_chart(months(16), y, improvement="decrease").variation == "concern_high"
    assert run_chart(months(16), y, improvement="neutral").points["point_type"].tolist() == (
        ["special_cause_neutral_low"] * 8 + ["special_cause_neutral_high"] * 8)


def test_points_on_the_median_and_missing_points_neither_break_nor_extend_a_run():
    # 17 values (one missing): 1 x 4, 2 x 4, 5, 9 x 8; the median is the 9th, 5. The low stretch 1 2 1 _ 2 5 1 2 1 2
    # holds 8 useful points: one run of 8 (> 7 for 16 useful points). Runs +4 -8 +4: 2 crossings < 4.
    y = [9, 9, 9, 9, 1, 2, 1, NAN, 2, 5, 1, 2, 1, 2, 9, 9, 9, 9]
    p = run_chart(months(18), y).points
    assert p["centre"].iloc[0] == 5 and p[STATS].iloc[0].tolist() == [8, 7, 2, 4, True]
    assert p["point_type"].tolist() == [C] * 4 + [K] * 3 + [C] + [K] + [C] + [K] * 4 + [C] * 4


def test_rebase_gives_each_group_its_own_median_and_analysis():
    y = [1, 9, 2, 8, 3, 7, 4, 6] + list(range(20, 28))
    p = run_chart(months(16), y, rebase=[months(16)[8]]).points
    # Group 0: 1 9 2 8 3 7 4 6, median 5: 8 useful, runs - + - + - + - + : longest 1 (limit 6), 7 crossings (min 1).
    # Group 1: 20..27, median 23.5: runs -4 +4: longest 4 (limit 6), 1 crossing (min 1): no signal.
    assert p["centre"].tolist() == [5.0] * 8 + [23.5] * 8
    assert p[STATS].iloc[0].tolist() == [1, 6, 7, 1, False]
    assert p[STATS].iloc[8].tolist() == [4, 6, 1, 1, False]
    assert p["point_type"].eq(C).all()


@pytest.mark.parametrize("y", [[], [4.0], [4.0, 4.0], [NAN, NAN]])
def test_series_without_useful_points(y):
    r = run_chart(months(len(y)), y)
    p = r.points
    assert len(p) == len(y) and r.variation == "common_cause" and r.last_signal() is None
    assert p["longest_run"].isna().all() and not p["runs_signal"].any()
    assert str(p["longest_run"].dtype) == "Int64"


def test_invalid_arguments_name_the_argument():
    with pytest.raises(ValueError, match="improvement"):
        run_chart(months(2), [1, 2], improvement="sideways")
    with pytest.raises(ValueError, match="values"):
        run_chart(months(2), [1, 2, 3])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.floats(-1e9, 1e9, allow_nan=False), st.integers(0, 30).map(float),
                          st.just(math.nan)), max_size=40))
def test_the_median_is_numpys_bit_for_bit(values):
    # The run chart's centre: the median of a group's values without NaN, sorted in Python (numpy's call costs ten
    # times the sort of a few dozen points); numpy's median is the reference, to the last bit and sign.
    import numpy as np
    from metrics.spc.charts import _median
    a = np.array(values, dtype=float)
    valid = a[~np.isnan(a)]
    want, got = (np.median(valid) if valid.size else math.nan), _median(a)
    assert (math.isnan(want) and math.isnan(got)) or (got == want and math.copysign(1, got) == math.copysign(1, want))
