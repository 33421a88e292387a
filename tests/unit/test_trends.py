"""Change against last year and the baseline (the direction word is read from the SPC result in
metrics/view/reading.py: tests/unit/test_view_reading.py)."""
import math

import pandas as pd
import pytest

from metrics.trends import Comparison, change

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


def test_two_points_are_never_a_trend():
    # A big rise between two points is change, not improvement: the SPC (and so the reading) has nothing to say.
    assert change(months(2), [10, 50]).baseline.difference == 40
