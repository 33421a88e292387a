"""Change against last year and the baseline, and the direction word read from the SPC result."""
import math

import pandas as pd
import pytest

from metrics.spc import xmr
from metrics.trends import Comparison, change, direction_word

NAN = math.nan


def months(n, start="2023-01-01"):
    return pd.date_range(start, periods=n, freq="MS")


def test_change_against_last_year_and_baseline():
    # 14 months Jan 2023 - Feb 2024; latest Feb 2024 = 40; Feb 2023 = 25; Jan 2023 (baseline) = 20.
    y = [20, 25] + [30] * 11 + [40]
    c = change(months(14), y)
    assert (c.latest_date, c.latest) == (pd.Timestamp("2024-02-01"), 40)
    assert c.last_year == Comparison(pd.Timestamp("2023-02-01"), 25, 15, 0.6)  # 15 / 25
    assert c.baseline == Comparison(pd.Timestamp("2023-01-01"), 20, 20, 1.0)


def test_last_year_is_the_period_one_calendar_year_before():
    # Academic years named by 1 September: latest 2022-09 (4) against 2021-09 (3).
    c = change(pd.date_range("2019-09-01", periods=4, freq="12MS"), [1, 2, 3, 4])
    assert c.last_year.date == pd.Timestamp("2021-09-01") and c.last_year.difference == 1


def test_no_last_year_when_that_period_is_absent():
    # Quarters April 2021 to January 2022: January 2021 is not in the series; no neighbour stands in for it.
    assert change(pd.date_range("2021-04-01", periods=4, freq="QS-APR"), [1, 2, 3, 4]).last_year is None


def test_missing_latest_and_missing_last_year():
    # The latest value is January 2024 (February is missing); January 2023 is missing too: no last-year comparison.
    y = [NAN] + [30] * 11 + [36, NAN]
    c = change(months(14), y)
    assert c.latest_date == pd.Timestamp("2024-01-01") and c.last_year is None
    assert c.baseline.date == pd.Timestamp("2023-02-01") and c.baseline.relative == pytest.approx(0.2)


def test_zero_earlier_value_has_no_relative_change_and_one_point_has_no_comparisons():
    c = change(months(13), [0] + [5] * 12)
    assert c.last_year.difference == 5 and c.last_year.relative is None
    single = change(months(1), [7])
    assert (single.latest, single.last_year, single.baseline) == (7, None, None)
    empty = change([], [])
    assert empty.latest_date is None and math.isnan(empty.latest)


def test_change_rejects_bad_input():
    with pytest.raises(ValueError, match="dates"):
        change(["2024-01-01", "2024-01-01"], [1, 2])
    with pytest.raises(ValueError, match="values"):
        change(months(2), [1])


# Series with a known latest variation (worked in tests/unit/test_spc_xmr.py): ending in two astronomical low
# points (concern_low when increase is better), a two-in-three above (improvement_high), and flat noise.
LOW_END = [11, 13, 11, 13, 11, 13, 11, 11, 13, 11, 13, 11, 13, -2, -2]
HIGH_END = [10, 12] * 6 + [16, 14, 16]
NOISE = [10, 12] * 6


@pytest.mark.parametrize("y, improvement, word", [
    (LOW_END, "increase", "worsening"),
    (LOW_END, "decrease", "improving"),
    (HIGH_END, "increase", "improving"),
    (HIGH_END, "decrease", "worsening"),
    (NOISE, "increase", "no significant change"),
    (HIGH_END, "neutral", "higher than usual"),
    (LOW_END, "neutral", "lower than usual"),
    (NOISE, "neutral", "no significant change"),
])
def test_direction_word(y, improvement, word):
    assert direction_word(xmr(months(len(y)), y, improvement=improvement)) == word


def test_two_points_are_never_a_trend():
    # A big rise between two points is change, not improvement: the SPC has nothing to say.
    r = xmr(months(2), [10, 50])
    assert direction_word(r) == "no significant change"
    assert change(months(2), [10, 50]).baseline.difference == 40
