"""p and Laney p' charts against qicharts2 0.8.1 (GitHub anhoej/qicharts2, R/helper.functions.R: qic.p, qic.pp),
with the Making Data Count point types on each point's own limits. Expected values are worked by hand below."""
import math

import pandas as pd
import pytest

from metrics.spc import p_chart

NAN = math.nan
C, I, K = "common_cause", "special_cause_improvement", "special_cause_concern"
LINES = ["centre", "lower", "upper", "lower_2s", "upper_2s"]


def months(n):
    return pd.date_range("2024-01-01", periods=n, freq="MS")


def test_constant_denominators():
    # CL = 60 / 300 = 0.2; sigma = sqrt(0.2 x 0.8 / 100) = 0.04: limits 0.2 -+ 0.12, 2-sigma 0.2 -+ 0.08.
    # 0.1 and 0.3 are beyond 2 sigma but on opposite sides: common cause.
    r = p_chart(months(3), [10, 20, 30], [100] * 3)
    p = r.points
    assert r.chart == "p" and p["value"].tolist() == pytest.approx([0.1, 0.2, 0.3])
    assert p[LINES].iloc[0].tolist() == pytest.approx([0.2, 0.08, 0.32, 0.12, 0.28])
    assert p["point_type"].tolist() == [C] * 3
    assert p[["numerator", "denominator"]].values.tolist() == [[10, 100], [20, 100], [30, 100]]


def test_each_point_is_judged_against_its_own_limits():
    # CL = 255 / 1550 = 0.16451613; CL(1 - CL) = 0.13745057. sigma = sqrt(0.13745057 / n), 3 sigma:
    #   n = 50: 0.0524310, 0.1572930 -> limits 0.0072231 .. 0.3218092: p = 0.1 inside
    #   n = 500: 0.0165801, 0.0497404 -> limits 0.1147757 .. 0.2142566: p = 0.1 below: concern
    #   n = 1000: 0.0117239, 0.0351718 -> limits 0.1293443 .. 0.1996879: p = 0.2 above: improvement
    r = p_chart(months(3), [5, 50, 200], [50, 500, 1000])
    p = r.points
    assert p["centre"].iloc[0] == pytest.approx(0.16451613)
    assert p["lower"].tolist() == pytest.approx([0.0072231, 0.1147757, 0.1293443], abs=1e-7)
    assert p["upper"].tolist() == pytest.approx([0.3218092, 0.2142566, 0.1996879], abs=1e-7)
    assert p["point_type"].tolist() == [C, K, I] and p["rule"].tolist() == ["none", "astronomical", "astronomical"]
    assert r.variation == "improvement_high"


@pytest.mark.parametrize("target, improvement, expected", [
    # The last point's own limits are 0.1293 .. 0.1997.
    (0.25, "increase", "fail"),
    (0.25, "decrease", "pass"),
    (0.15, "increase", "inconsistent"),
    (0.10, "increase", "pass"),
    (0.25, "neutral", None),
])
def test_assurance_against_the_latest_points_limits(target, improvement, expected):
    assert p_chart(months(3), [5, 50, 200], [50, 500, 1000], target=target, improvement=improvement).assurance \
        == expected


@pytest.mark.parametrize("num, den, lines", [
    # CL 28/30: sigma = sqrt(0.933333 x 0.066667 / 10) = 0.0788811; upper 1.16998 and upper 2-sigma 1.0911
    # are clamped to 1 (qic.p: ucl[ucl > 1] <- 1).
    ([9, 10, 9], [10] * 3, [0.9333333, 0.6966900, 1.0, 0.7755711, 1.0]),
    # CL 1/30: sigma = sqrt(0.033333 x 0.966667 / 10) = 0.0567646; lower -0.13696 and -0.08020 clamped to 0.
    ([1, 0, 0], [10] * 3, [0.0333333, 0.0, 0.2036271, 0.0, 0.1468625]),
])
def test_limits_are_clamped_to_zero_and_one(num, den, lines):
    assert p_chart(months(3), num, den).points[LINES].iloc[0].tolist() == pytest.approx(lines, abs=1e-6)


def test_missing_and_zero_denominators_are_missing_points():
    # Rows 1 (no numerator) and 2 (0 of 0) drop out: CL = 18 / 20 = 0.9, sigma = sqrt(0.09 / 10) = 0.0948683,
    # lower 0.9 - 0.2846050 = 0.6153950. Missing points get no limits (qicharts2 draws none there).
    p = p_chart(months(4), [9, NAN, 0, 9], [10, 10, 0, 10]).points
    assert p["value"].isna().tolist() == [False, True, True, False]
    assert p["centre"].tolist() == pytest.approx([0.9] * 4)
    assert p["lower"].iloc[[0, 3]].tolist() == pytest.approx([0.6153950] * 2)
    assert p[["lower", "upper"]].iloc[1:3].isna().all().all()
    assert p["point_type"].tolist() == [C] * 4


def test_rebase_recomputes_the_centre_per_group():
    # 10, 20, 30 of 100 then 40, 50, 60 of 100: CL 0.2 (sigma 0.04) then 0.5 (sigma 0.05).
    p = p_chart(months(6), [10, 20, 30, 40, 50, 60], [100] * 6, rebase=[months(6)[3]]).points
    assert p["centre"].tolist() == pytest.approx([0.2] * 3 + [0.5] * 3)
    assert p["upper"].tolist() == pytest.approx([0.32] * 3 + [0.65] * 3)


def test_laney_with_constant_denominators_is_an_i_chart_of_the_proportions():
    # z_i = (p_i - CL) / sigma, so sigma x sigma_z = mean|delta p| / 1.128. Moving ranges of p: .02 .04 .02 .04
    # .08 .04 0 .02 .04 .02 0, mean 0.32 / 11 = 0.0290909 (screening at 0.0950 drops none); CL 240/1200 = 0.2;
    # half-width 3 x 0.0290909 / 1.128 = 0.0773694, 2-sigma 0.0515796. (The p chart's would be 0.12: over-dispersion
    # is absent here, so p' is narrower.)
    num = [20, 22, 18, 20, 24, 16, 20, 20, 22, 18, 20, 20]
    r = p_chart(months(12), num, [100] * 12, laney=True)
    assert r.chart == "p_prime"
    assert r.points[LINES].iloc[0].tolist() == pytest.approx([0.2, 0.1226306, 0.2773694, 0.1484204, 0.2515796],
                                                             abs=1e-7)


def test_laney_with_varying_denominators():
    # CL = 100/600 = 1/6; CL(1 - CL) = 5/36. sigma_i = sqrt(5/36 / n): 0.0372678, 0.0263523, 0.0215166.
    # z = (0.1 - 1/6)/0.0372678 = -1.7888544, (0.15 - 1/6)/0.0263523 = -0.6324555, (0.2 - 1/6)/0.0215166 = 1.5491933.
    # Moving ranges 1.1563989, 2.1816488: mean 1.6690239 (kept: both < 3.267 x mean); sigma_z = 1.4796311.
    # Half-widths 3 x sigma_i x sigma_z: 0.1654277, 0.1169747, 0.0955101.
    p = p_chart(months(3), [10, 30, 60], [100, 200, 300], laney=True).points
    assert p["lower"].tolist() == pytest.approx([0.0012390, 0.0496919, 0.0711565], abs=1e-6)
    assert p["upper"].tolist() == pytest.approx([0.3320944, 0.2836414, 0.2621768], abs=1e-6)


def test_laney_screens_moving_ranges():
    # p: 0.20, 0.21 x 5 pairs, 0.20, 0.45; CL 270/1200 = 0.225. Moving ranges 0.01 x 10 and 0.25: mean 0.0318182,
    # screening at 0.1039500 drops 0.25, leaving 0.01.
    #   screened:   half-width 3 x 0.01 / 1.128 = 0.0265957 (2-sigma 0.0177305): 0.20 < 0.2072695 is beyond
    #               2 sigma, so the 0.20s form two-in-three triples; the 0.21s complete a run of 11 below.
    #   unscreened: half-width 3 x 0.0318182 / 1.128 = 0.0846228 (2-sigma 0.0564152): just the run below.
    num, den = [20, 21] * 5 + [20, 45], [100] * 12
    screened = p_chart(months(12), num, den, laney=True).points
    assert screened[["lower", "upper", "lower_2s"]].iloc[0].tolist() == pytest.approx(
        [0.1984043, 0.2515957, 0.2072695], abs=1e-7)
    assert screened["rule"].tolist() == ["two_in_three", "shift"] * 5 + ["two_in_three", "astronomical"]
    assert screened["point_type"].tolist() == [K] * 11 + [I]
    unscreened = p_chart(months(12), num, den, laney=True, screen_outliers=False).points
    assert unscreened[["lower", "upper"]].iloc[0].tolist() == pytest.approx([0.1403772, 0.3096228], abs=1e-7)
    assert unscreened["rule"].tolist() == ["shift"] * 11 + ["astronomical"]


def test_screen_outliers_does_not_change_a_plain_p_chart():
    a = p_chart(months(12), [20, 21] * 5 + [20, 45], [100] * 12).points
    b = p_chart(months(12), [20, 21] * 5 + [20, 45], [100] * 12, screen_outliers=False).points
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize("kwargs, argument", [
    (dict(numerators=[1, 2], denominators=[10, -1]), "denominators"),
    (dict(numerators=[-1, 2], denominators=[10, 10]), "numerators"),
    (dict(numerators=[11, 2], denominators=[10, 10]), "numerators"),
    (dict(numerators=[1, 2, 3], denominators=[10, 10]), "numerators"),
    (dict(numerators=[1, 2], denominators=[10]), "denominators"),
    (dict(numerators=[1, "2"], denominators=[10, 10]), "numerators"),
    (dict(numerators=[1, 2], denominators=[10, 10], laney=1), "laney"),
    (dict(numerators=[1, 2], denominators=[10, 10], target=90), "target"),
    (dict(numerators=[1, 2], denominators=[10, 10], improvement="higher"), "improvement"),
])
def test_invalid_arguments_name_the_argument(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        p_chart(months(2), **kwargs)
