"""Choosing a chart for a series of counts (metrics.spc.choose.count_chart): the rule in the module docstring,
case by case. Moving ranges are worked by hand in the comments; "URL" is the upper range limit, 3.267 x the screened
mean moving range, and the counts are chunky when it is below 3 (only 0, 1 and 2 possible below it)."""
import math

import numpy as np
import pandas as pd
import pytest

from metrics.spc import c_chart, xmr
from metrics.spc.choose import chunky, count_chart

NAN = math.nan
CDI = [17, 12, 27, 20, 20, 18, 22, 19, 19, 24, 17, 16, 24, 19, 19, 22, 25, 19, 17, 6, 25, 17, 11, 14, 9, 11, 7, 13,
       5, 5, 3, 5, 9, 4, 5, 9]  # qicharts2's cdi data (see test_spc_c_chart.py)
# Shaped like issue 16's 52+ week waiters after the rebase: counts from 0 to 12, long stretches of the same count.
WAITERS = [12, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 0]


def months(n):
    return pd.date_range("2023-02-01", periods=n, freq="MS")


@pytest.mark.parametrize("counts, chart", [
    # 11 counts: too few for limits.
    ([1, 2] * 5 + [1], "run"),
    # 12 counts with a value (13 rows, one missing): enough; moving ranges all 1, URL 3.267, 0 to 3 possible.
    ([1, 2] * 6 + [NAN], "xmr"),
    ([1, 2] * 5 + [NAN, 1], "run"),  # 11 with a value
    # Just over and just under the line: 11 moving ranges of 1 (URL 3.267) against ten 1s and a 0: 10/11 = 0.909,
    # URL 2.970, so only 0, 1 and 2 lie below it.
    ([1, 2] * 6, "xmr"),
    ([1, 2] * 5 + [1, 1], "c"),
    # No events at all: every moving range 0, so XmR has no limits (a flat group counts as chunky).
    ([0] * 12, "c"),
    # Rare events, mostly zeros: moving ranges 0 1 1 0 0 0 1 1 0 2 2 0 0, mean 8/13 = 0.615 (screening at 2.01
    # keeps the 2s), URL 2.01.
    ([0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 2, 0, 0, 0], "c"),
    # The issue's shape: moving ranges 10, 0 x 5, 1, 0 x 9, 1, 0 x 5, 2: mean 14/23 = 0.609, screening at 1.99
    # drops the 10 and the 2, leaving 2/21 = 0.095: URL 0.31, only 0 below it.
    (WAITERS, "c"),
    # Monthly infections, mean 14.8: moving ranges average 4.74; screening at 15.5 drops 19 and 19, leaving
    # 4.32: URL 14.1. Counts this size vary more than their unit: XmR.
    (CDI, "xmr"),
])
def test_count_chart(counts, chart):
    assert count_chart(counts) == chart
    assert count_chart(counts, dates=months(len(counts))) == chart


def test_a_chunky_rebase_group_decides():
    # The first 24 infection counts, then a year of 1s and 2s in threes: moving ranges 0 0 1 0 0 1 0 0 1 0 0,
    # 3/11 = 0.27, URL 0.89. As one group the infection counts' moving ranges dominate (URL 9.39): XmR.
    y = CDI[:24] + [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2]
    d = months(36)
    assert count_chart(y, dates=d) == "xmr"
    assert count_chart(y, dates=d, rebase=[d[24]]) == "c"
    assert count_chart(y, dates=d, rebase=[d[12], d[24]]) == "c"


def test_dates_put_the_counts_in_order_first():
    # In date order 1, 2, 1, 2, ... (moving ranges all 1: XmR); given shuffled as six 1s then six 2s, the moving
    # ranges would be ten 0s and one 1 (1/11, URL 0.30: chunky).
    d = months(12)
    order = [0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11]
    y = [1, 2] * 6
    assert count_chart([y[i] for i in order], dates=[d[i] for i in order]) == "xmr"
    assert count_chart([y[i] for i in order]) == "c"


def test_chunky_leaves_out_moving_ranges_next_to_a_gap():
    # 5, 5, -, 9, 9: the moving ranges are 0 and 0 (5 to 9 spans the gap and is not one): flat, chunky.
    assert chunky(np.array([5, 5, NAN, 9, 9.0]))
    assert not chunky(np.array([5, NAN, 9.0]))  # no moving range at all: nothing to judge
    assert not chunky(np.array([5.0]))


def test_the_c_chart_gives_the_issue_series_sane_limits():
    # XmR on WAITERS: mean 46/24 = 1.916667, mean moving range 0.095 (above): limits 1.66 to 2.17, so every 1, the
    # 12 and the 0 are beyond them: 12 astronomical points. The c chart: sqrt 1.916667 = 1.384437, limits 0 and
    # 6.07: only the 12 is beyond them (the run of ten 1s below the centre stays a shift in both).
    d = months(24)
    x, c = xmr(d, WAITERS), c_chart(d, WAITERS)
    assert x.points[["lower", "upper"]].iloc[0].tolist() == pytest.approx([1.663333, 2.17], abs=1e-6)
    assert c.points[["lower", "upper"]].iloc[0].tolist() == pytest.approx([0, 6.069979], abs=1e-6)
    assert (x.points["rule"] == "astronomical").sum() == 12 and (c.points["rule"] == "astronomical").sum() == 1


@pytest.mark.parametrize("kwargs, message", [
    (dict(counts=[1, 2, -1] + [1] * 10), "counts: -1.0 at position 2"),
    (dict(counts=[1, 2, 0.5] + [1] * 10), "counts: 0.5 at position 2"),
    (dict(counts=[1, 2, "x", None]), "counts: non-numeric value 'x' at position 2"),
    (dict(counts=[1] * 12, rebase=["2023-06-01"]), "rebase: needs dates"),
    (dict(counts=[1] * 12, dates=months(11)), "counts: has 12 items but dates has 11"),
    (dict(counts=[1] * 12, dates=months(12), rebase=["soon"]), "rebase"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        count_chart(**kwargs)
