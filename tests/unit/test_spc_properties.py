"""Properties every SPC result must have, whatever the data (hypothesis)."""
import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics.spc import p_chart, run_chart, xmr

SETTINGS = settings(max_examples=100, deadline=None)
SWAP_TYPE = {"special_cause_improvement": "special_cause_concern", "special_cause_concern": "special_cause_improvement"}
SWAP_ICON = {"pass": "fail", "fail": "pass"}

# Whole numbers keep the arithmetic exact enough that shifting the data cannot move a point across a line by
# rounding alone; a few missing values exercise the gaps.
values = st.lists(st.integers(-500, 500).map(float) | st.sampled_from([math.nan]), max_size=40)


def months(n):
    return pd.date_range("2020-01-01", periods=n, freq="MS")


@st.composite
def series(draw):
    y = draw(values)
    d = months(len(y))
    rebase = draw(st.lists(st.sampled_from(list(d)), max_size=2)) if len(y) else []
    return d, y, rebase


@st.composite
def proportions(draw):
    den = draw(st.lists(st.integers(0, 400), max_size=30))
    num = [draw(st.integers(0, n)) for n in den]
    return months(len(den)), num, den


def swapped_variation(v):
    kind, _, side = v.partition("_")
    return {"improvement": "concern", "concern": "improvement"}.get(kind, kind) + (f"_{side}" if side else "")


@SETTINGS
@given(series(), st.booleans())
def test_xmr_limits_are_symmetric_about_the_centre(s, screen):
    d, y, rebase = s
    p = xmr(d, y, rebase=rebase, screen_outliers=screen).points
    np.testing.assert_allclose(p["upper"] - p["centre"], p["centre"] - p["lower"], atol=1e-9)
    np.testing.assert_allclose(p["upper_2s"] - p["centre"], p["centre"] - p["lower_2s"], atol=1e-9)
    assert (p["upper"] - p["centre"]).dropna().ge(0).all()


@SETTINGS
@given(series(), st.integers(-10_000, 10_000), st.integers(-600, 600))
def test_xmr_shifting_the_data_shifts_the_lines_and_keeps_every_point_type(s, c, target):
    d, y, rebase = s
    a = xmr(d, y, rebase=rebase, target=target)
    b = xmr(d, [v + c for v in y], rebase=rebase, target=target + c)
    pa, pb = a.points, b.points
    for line in ("centre", "lower", "upper", "lower_2s", "upper_2s"):
        np.testing.assert_allclose(pb[line], pa[line] + c, atol=1e-9)
    assert pa["point_type"].tolist() == pb["point_type"].tolist() and pa["rule"].tolist() == pb["rule"].tolist()
    assert (a.variation, a.assurance) == (b.variation, b.assurance)


@SETTINGS
@given(series(), st.integers(-600, 600))
def test_xmr_reversing_the_direction_swaps_improvement_and_concern(s, target):
    d, y, rebase = s
    up = xmr(d, y, rebase=rebase, target=target, improvement="increase")
    down = xmr(d, y, rebase=rebase, target=target, improvement="decrease")
    assert [SWAP_TYPE.get(t, t) for t in up.points["point_type"]] == down.points["point_type"].tolist()
    assert swapped_variation(up.variation) == down.variation
    assert SWAP_ICON.get(up.assurance, up.assurance) == down.assurance


@SETTINGS
@given(proportions(), st.booleans())
def test_p_chart_reversing_the_direction_swaps_improvement_and_concern(s, laney):
    d, num, den = s
    up = p_chart(d, num, den, laney=laney, improvement="increase")
    down = p_chart(d, num, den, laney=laney, improvement="decrease")
    assert [SWAP_TYPE.get(t, t) for t in up.points["point_type"]] == down.points["point_type"].tolist()
    assert swapped_variation(up.variation) == down.variation


@SETTINGS
@given(series())
def test_run_chart_reversing_the_direction_swaps_improvement_and_concern(s):
    d, y, rebase = s
    up = run_chart(d, y, rebase=rebase, improvement="increase")
    down = run_chart(d, y, rebase=rebase, improvement="decrease")
    assert [SWAP_TYPE.get(t, t) for t in up.points["point_type"]] == down.points["point_type"].tolist()


@SETTINGS
@given(series(), st.randoms(use_true_random=False))
def test_results_never_depend_on_input_order(s, rnd):
    d, y, rebase = s
    order = list(range(len(y)))
    rnd.shuffle(order)
    sd, sy = [d[i] for i in order], [y[i] for i in order]
    pd.testing.assert_frame_equal(xmr(d, y, rebase=rebase).points, xmr(sd, sy, rebase=rebase).points)
    pd.testing.assert_frame_equal(run_chart(d, y, rebase=rebase).points, run_chart(sd, sy, rebase=rebase).points)
    num = [0 if math.isnan(v) else abs(v) for v in y]
    den = [n + 10 for n in num]
    pd.testing.assert_frame_equal(p_chart(d, num, den, laney=True).points,
                                  p_chart(sd, [num[i] for i in order], [den[i] for i in order], laney=True).points)


@SETTINGS
@given(proportions(), st.booleans())
def test_p_chart_limits_stay_in_zero_one_around_the_centre(s, laney):
    d, num, den = s
    p = p_chart(d, num, den, laney=laney).points.dropna(subset=["lower"])
    assert (p["lower"] >= 0).all() and (p["upper"] <= 1).all()
    assert (p["lower"] <= p["centre"] + 1e-12).all() and (p["centre"] <= p["upper"] + 1e-12).all()


@SETTINGS
@given(series())
def test_rule_and_point_type_agree(s):
    d, y, rebase = s
    p = xmr(d, y, rebase=rebase).points
    assert ((p["rule"] == "none") == (p["point_type"] == "common_cause")).all()
    astro = p[p["rule"] == "astronomical"]
    assert ((astro["value"] > astro["upper"]) | (astro["value"] < astro["lower"])).all()
    assert p.loc[p["value"].isna(), "point_type"].eq("common_cause").all()
