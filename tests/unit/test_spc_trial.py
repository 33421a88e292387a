"""Trial limits: limits from a rebase group with fewer than 13 points with a value are trial limits, for the view to
label. `short_group` (fewer than 12 rows, NHSRplotthedots' warning) stays as it was."""
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.spc import c_chart, p_chart, run_chart, xmr

NAN = math.nan


def months(n):
    return pd.date_range("2024-01-01", periods=n, freq="MS")


@pytest.mark.parametrize("y, trial, short_group", [
    ([10, 12] * 6, True, False),  # 12 points: limits drawn (analysis needs 12) but trial
    ([10, 12] * 6 + [11], False, False),  # 13 points: firm
    ([10, 12] * 6 + [NAN], True, False),  # 13 rows, 12 with a value: trial; the package counts rows
    ([10, 12] * 5 + [11], True, True),  # 11 points: trial and short
])
def test_trial_depends_on_points_with_a_value(y, trial, short_group):
    r = xmr(months(len(y)), y)
    p = r.points
    assert p["trial"].eq(trial).all() and p["short_group"].eq(short_group).all()
    assert r.trial_limits is trial


@pytest.mark.parametrize("cut, group_sizes, trial_limits", [
    (14, (14, 6), True),  # the latest group is short: the icons rest on trial limits
    (7, (7, 13), False),  # an early short group is trial, the latest is not
])
def test_trial_is_per_rebase_group(cut, group_sizes, trial_limits):
    d = months(20)
    r = xmr(d, [10, 12] * 10, rebase=[d[cut]])
    first, second = group_sizes
    assert r.points["trial"].tolist() == [first < 13] * first + [second < 13] * second
    assert r.trial_limits is trial_limits


def test_trial_limits_follow_the_latest_point_with_a_value():
    # 14 rows, the last missing: 13 values, so firm limits, read at the 13th row (the latest with a value).
    r = xmr(months(14), [10, 12] * 6 + [11, NAN])
    assert r.points["trial"].eq(False).all() and r.trial_limits is False
    assert xmr(months(0), []).trial_limits is False
    assert xmr(months(3), [NAN] * 3).trial_limits is False  # no point to read: nothing is labelled


def test_p_chart_counts_periods_with_cases():
    # 13 periods, one with no cases (0 of 0): 12 points with a value, so trial.
    r = p_chart(months(13), [5] * 12 + [0], [50] * 12 + [0])
    assert r.points["trial"].all() and r.trial_limits


def test_c_chart_has_trial_limits_too():
    assert c_chart(months(12), [3] * 12).trial_limits and not c_chart(months(13), [3] * 13).trial_limits


def test_run_chart_has_no_limits_to_label():
    r = run_chart(months(5), [1, 2, 3, 4, 5])
    assert "trial" not in r.points and r.trial_limits is False


def test_trial_is_in_the_json():
    d = json.loads(json.dumps(xmr(months(3), [1, 2, 3]).to_dict()))
    assert [p["trial"] for p in d["points"]] == [True] * 3


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-50, 50).map(float) | st.just(NAN), max_size=40), st.data())
def test_trial_means_fewer_than_13_values_in_the_group(y, data):
    d = months(len(y))
    rebase = data.draw(st.lists(st.sampled_from(list(d)), max_size=2)) if y else []
    p = xmr(d, y, rebase=rebase).points
    with_value = p.groupby("group")["value"].transform("count")
    assert (p["trial"] == (with_value < 13)).all()
    assert (p["short_group"] == (p.groupby("group")["value"].transform("size") < 12)).all()
    r = xmr(d, y, rebase=rebase)
    last = r.latest_index()
    assert r.trial_limits is (last is not None and bool(np.asarray(p["trial"])[last]))
