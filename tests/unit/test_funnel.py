"""Funnel plot limits (exact binomial, normal, overdispersion-adjusted), the funnel of a measure across local
authorities from the Store's long frame, and which catalogue measures qualify."""
import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import funnel as F
from metrics.area import load_area
from metrics.store import build_store

DATA = Path(__file__).resolve().parents[2] / "data"


# -- exact binomial limits, by hand ----------------------------------------------------------------------------------

def _binomial_cdf(r: int, n: int, p: Fraction) -> Fraction:
    return sum((math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(r + 1)), Fraction(0))


def _by_hand(n: int, p: Fraction, q: float) -> float:
    """Spiegelhalter's interpolated quantile, in exact arithmetic: r = smallest r with P(R <= r) >= q."""
    r = next(r for r in range(n + 1) if _binomial_cdf(r, n, p) >= Fraction(q))
    at, below = _binomial_cdf(r, n, p), _binomial_cdf(r - 1, n, p) if r else Fraction(0)
    return min(max(float((r - (at - Fraction(q)) / (at - below)) / n), 0.0), 1.0)


def test_exact_limits_for_20_at_a_half():
    # Binomial(20, 0.5): P(R <= 5) = 21700 / 2^20 = 0.0207 and P(R <= 6) = 60460 / 2^20 = 0.0577, so the 2.5%
    # quantile is 6, and the 97.5% quantile 14 by symmetry (textbook values).
    f5, f6 = Fraction(21700, 2 ** 20), Fraction(60460, 2 ** 20)
    assert _binomial_cdf(5, 20, Fraction(1, 2)) == f5 and _binomial_cdf(6, 20, Fraction(1, 2)) == f6
    alpha = (f6 - Fraction(1, 40)) / (f6 - f5)  # 0.8835
    lower, upper = F.exact_limits(0.5, 20, 0.95)
    assert lower[0] == pytest.approx(float((6 - alpha) / 20), abs=1e-12)  # 0.25582
    assert upper[0] == pytest.approx(float((13 + alpha) / 20), abs=1e-12)  # 0.69418: 14 - (1 - alpha)
    assert round(lower[0], 5) == 0.25582 and round(upper[0], 5) == 0.69418


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), num=st.integers(1, 99), level=st.sampled_from([0.95, 0.998]))
def test_exact_limits_match_exact_arithmetic(n, num, level):
    p = Fraction(num, 100)
    lower, upper = F.exact_limits(num / 100, n, level)
    tail = (1 - level) / 2
    assert lower[0] == pytest.approx(_by_hand(n, p, tail), abs=1e-9)
    assert upper[0] == pytest.approx(_by_hand(n, p, 1 - tail), abs=1e-9)


def test_normal_limits_by_hand():
    lower, upper = F.normal_limits(0.2, [100], 0.95)
    assert (lower[0], upper[0]) == pytest.approx((0.2 - 1.959964 * 0.04, 0.2 + 1.959964 * 0.04), abs=1e-6)
    lower, upper = F.normal_limits(0.2, [100], 0.998)
    assert (lower[0], upper[0]) == pytest.approx((0.2 - 3.090232 * 0.04, 0.2 + 3.090232 * 0.04), abs=1e-6)


# -- properties of the limits ----------------------------------------------------------------------------------------

targets = st.floats(0.01, 0.99)


@settings(max_examples=60, deadline=None)
@given(target=targets, n=st.integers(1, 5000), method=st.sampled_from(F.METHODS))
def test_limits_nest_and_contain_the_target(target, n, method):
    lo95, hi95 = F.limits(target, [n], 0.95, method=method)
    lo998, hi998 = F.limits(target, [n], 0.998, method=method)
    assert lo998[0] <= lo95[0] <= hi95[0] <= hi998[0]
    if n * min(target, 1 - target) >= 1:  # below one expected event the exact upper limit can sit at 0
        assert lo95[0] <= target <= hi95[0]


@settings(max_examples=60, deadline=None)
@given(target=targets, n=st.integers(1, 5000), more=st.integers(1, 5000))
def test_normal_limits_narrow_as_n_grows(target, n, more):
    lo, hi = F.normal_limits(target, [n, n + more], 0.95)
    assert hi[1] - lo[1] <= hi[0] - lo[0]
    assert lo[1] >= lo[0] and hi[1] <= hi[0]


@settings(max_examples=60, deadline=None)
@given(target=targets, n=st.integers(1, 2000), level=st.sampled_from([0.95, 0.998]))
def test_exact_limits_narrow_as_n_grows(target, n, level):
    # Exact limits are discrete: the interpolated upper limit can tick up between neighbouring n, but the lower
    # limit never falls and the funnel is narrower at four times the denominator once an event is expected.
    lo, hi = F.exact_limits(target, [n, n + 1, 4 * n], level)
    assert lo[1] >= lo[0] - 1e-12
    if n * min(target, 1 - target) >= 5:
        assert hi[2] - lo[2] < hi[0] - lo[0]


@pytest.mark.parametrize("call, argument", [
    (lambda: F.exact_limits(0, [10], 0.95), "target"),
    (lambda: F.exact_limits(1.2, [10], 0.95), "target"),
    (lambda: F.exact_limits(0.5, [10], 95), "level"),
    (lambda: F.exact_limits(0.5, [10.5], 0.95), "n"),
    (lambda: F.exact_limits(0.5, [0], 0.95), "n"),
    (lambda: F.normal_limits(0.5, [-1], 0.95), "n"),
    (lambda: F.limits(0.5, [10], 0.95, method="poisson"), "method"),
    (lambda: F.limits(0.5, [10], 0.95, adjustment="both"), "adjustment"),
    (lambda: F.limits(0.5, [10], 0.95, adjustment="additive"), "od"),
    (lambda: F.overdispersion(0.5, [1], [10]), "numerators"),
    (lambda: F.overdispersion(0.5, [1, 2], [10, 10], winsorise=0.6), "winsorise"),
])
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(ValueError, match=rf"^{argument}:"):
        call()


# -- overdispersion ---------------------------------------------------------------------------------------------------

def test_overdispersion_by_hand():
    # Ten areas of 100 around a target of a half: z-scores -3 -2 -1 0 0 0 0 1 2 3 (s = 0.05).
    y = [35, 40, 45, 50, 50, 50, 50, 55, 60, 65]
    od = F.overdispersion(0.5, y, [100] * 10)
    # Winsorised at the 10th and 90th percentiles (linear interpolation): -3 -> -2.1 and 3 -> 2.1.
    assert od.phi == pytest.approx((2 * 2.1 ** 2 + 2 * 4 + 2 * 1) / 10)  # 1.882
    # tau^2 = (I phi - (I - 1)) / (sum w - sum w^2 / sum w), w = 1 / 0.0025 = 400 each: 9.82 / 3600.
    assert od.tau2 == pytest.approx((18.82 - 9) / (4000 - 400))
    assert od.statistic == pytest.approx(18.82) and od.p_value == pytest.approx(0.0426, abs=5e-4)
    assert od.overdispersed


def test_multiplicative_adjustment_widens_by_root_phi_and_never_narrows():
    od = F.overdispersion(0.5, [35, 40, 45, 50, 50, 50, 50, 55, 60, 65], [100] * 10)
    lo, hi = F.limits(0.5, [100], 0.95, adjustment="multiplicative", od=od)
    assert hi[0] - 0.5 == pytest.approx(1.959964 * 0.05 * math.sqrt(od.phi), abs=1e-6)
    calm = F.overdispersion(0.5, [50, 50, 50, 51, 49], [100] * 5)
    assert calm.phi < 1 and calm.tau2 == 0
    assert np.allclose(F.limits(0.5, [100], 0.95, adjustment="multiplicative", od=calm),
                       F.normal_limits(0.5, [100], 0.95))


@settings(max_examples=40, deadline=None)
@given(target=targets, counts=st.lists(st.integers(10, 2000), min_size=3, max_size=30),
       shares=st.lists(st.floats(0, 1), min_size=30, max_size=30))
def test_adjusted_limits_contain_the_unadjusted_ones(target, counts, shares):
    y = [round(s * n) for s, n in zip(shares, counts)]
    od = F.overdispersion(target, y, counts)
    grid = np.array([10, 100, 1000])
    lo, hi = F.normal_limits(target, grid, 0.95)
    for adjustment in ("multiplicative", "additive"):
        alo, ahi = F.limits(target, grid, 0.95, adjustment=adjustment, od=od)
        assert (alo <= lo + 1e-12).all() and (ahi >= hi - 1e-12).all()


# -- funnels from the Store ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store():
    return build_store(DATA, precompute=False)


def test_measures_that_qualify_are_found_in_the_data(store):
    found = {m.metric_id: m for m in F.funnel_measures(store.values, store.area, store.catalogue)}
    assert set(found) == {"ehcp_20wk_excl", "ehcp_20wk_incl", "ehcp_review_decision_4wk", "ks2_rwm_ehcp",
                          "ks2_rwm_sen_support", "tribunal_appeal_rate"}
    assert found["tribunal_appeal_rate"].period_type == "calendar_year"
    assert found["tribunal_appeal_rate"].periods[-1] == date(2024, 1, 1)
    # therapy_over_18wk_pct has a numerator and denominator, but only for the area's provider and England.
    assert "therapy_over_18wk_pct" not in found


def _frame(rows):
    base = dict(metric_id="m", period_type="calendar_year", breakdown="All", status="ok", synthetic=False,
                period_start=pd.Timestamp("2024-01-01"))
    return pd.DataFrame([{**base, "value": 100 * r["numerator"] / r["denominator"], **r} for r in rows])


@pytest.mark.parametrize("areas, extra, qualifies", [
    (["Hartlepool", "Sunderland", "Torbay", "Salford", "Blackpool"], {}, True),
    (["Hartlepool", "Sunderland", "Torbay", "Salford"], {}, False),  # four local authorities: too few
    (["Hartlepool", "Sunderland", "Torbay", "Salford", "North", "North West"], {}, False),  # not LAs
    (["Hartlepool", "Sunderland", "Torbay", "Salford", "Blackpool"], {"synthetic": True}, False),
    (["Hartlepool", "Sunderland", "Torbay", "Salford", "Blackpool"], {"numerator": 120}, False),  # a rate
])
def test_which_measures_qualify(areas, extra, qualifies):
    rows = [{"area": "England", "numerator": 500, "denominator": 1000}]
    rows += [{"area": a, "numerator": 40, "denominator": 100, **extra} for a in areas]
    found = F.funnel_measures(_frame(rows), load_area(DATA / "area.toml"))
    assert [m.metric_id for m in found] == (["m"] if qualifies else [])


def test_funnel_of_tribunal_appeals(store):
    f = F.funnel(store.values, "tribunal_appeal_rate", "2024-01-01", store.area, title="Appeals")
    v = store.values
    england = v[(v["metric_id"] == "tribunal_appeal_rate") & (v["area"] == "England")
                & (v["period_start"] == "2024-01-01")].iloc[0]
    assert f.target == pytest.approx(100 * england["numerator"] / england["denominator"])
    names = {p.area for p in f.points}
    assert "England" not in names and "North West" not in names and "Statistical neighbours" not in names
    assert f.local.area == "Blackpool" and f.local.local
    assert {p.area for p in f.neighbours} == names - {"Blackpool"}
    assert [p.denominator for p in f.points] == sorted(p.denominator for p in f.points)
    for p in f.points:
        lo95, hi95 = F.exact_limits(f.target / 100, [p.denominator], 0.95)
        expected = "high" if p.percent / 100 > hi95[0] else "low" if p.percent / 100 < lo95[0] else None
        assert p.outside_95 == expected, p.area
        assert p.outside_998 is None or p.outside_998 == p.outside_95  # beyond 99.8% is beyond 95%
    assert f.outside == tuple(sorted((p for p in f.points if p.outside_95), key=lambda p: -abs(p.z)))
    c = f.curve
    assert len(c.n) == len(c.lower_95) == len(c.upper_998) and c.n[0] >= 1
    assert all(a <= b <= f.target <= d <= e for a, b, d, e in zip(c.lower_998, c.lower_95, c.upper_95, c.upper_998))
    assert f.sentences[0].startswith("Appeals, 2024 (calendar year): 11 local authorities against England's 3.2%")
    assert any(s.startswith("Blackpool: 1.2% of 1,787") for s in f.sentences)


def test_overdispersion_adjusted_funnel_has_fewer_outliers(store):
    plain = F.funnel(store.values, "ehcp_20wk_excl", date(2024, 1, 1), store.area)
    assert plain.period_type == "calendar_year"  # the published series, not the monthly local one
    for adjustment in ("multiplicative", "additive"):
        wide = F.funnel(store.values, "ehcp_20wk_excl", date(2024, 1, 1), store.area, adjustment=adjustment)
        assert wide.od == plain.od and wide.od.overdispersed
        assert {p.area for p in wide.outside} <= {p.area for p in plain.outside}
        assert len(wide.outside) < len(plain.outside)


def test_normal_method_funnel(store):
    f = F.funnel(store.values, "ks2_rwm_ehcp", date(2022, 9, 1), store.area, method="normal")
    assert f.method == "normal" and "normal-approximation limits" in f.sentences[0]


@pytest.mark.parametrize("kwargs, message", [
    (dict(metric_id="tribunal_appeal_rate", period_start="2010-01-01"), "no England numerator and denominator"),
    (dict(metric_id="pupils_ehcp_pct", period_start="2024-09-01"), "no England numerator and denominator"),
    (dict(metric_id="tribunal_appeal_rate", period_start="2024-01-01", method="poisson"), "^method:"),
    (dict(metric_id="tribunal_appeal_rate", period_start="2024-01-01", adjustment="both"), "^adjustment:"),
])
def test_funnel_refuses_what_it_cannot_draw(store, kwargs, message):
    with pytest.raises(ValueError, match=message):
        F.funnel(store.values, area=store.area, **kwargs)
