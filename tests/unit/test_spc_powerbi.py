"""PowerBI-SPC's published numeric tests for the i (XmR) and p' (Laney) charts, ported (GitHub
AUS-DOH-Safety-and-Quality/PowerBI-SPC, which implements today's Making Data Count rules):

- test/Chart Types/i.test.ts and pprime.test.ts (commit 6e1ddd4c0345279691302ee2e569007962266067): limits to 4
  decimals, checked with vitest's toBeCloseTo(x, 4), that is within 5e-5; p' in percent (the visual's default
  multiplier of 100 for proportions).
- test/fixtures/qicharts2.ts (commit d4bb4f6da41e163e8fb1fb0975ab4d9328120463), the qic() output of qicharts2 0.8.1
  that test/Chart Types/qicharts2.test.ts checks the visual against, to a relative 1e-12 (REL here too).
- test/Outlier Flagging/twoInThree.test.ts (commit 9f8a4f30996452606dca7c0de095b365f4cdbc58): the two-in-three flags.

Where PowerBI-SPC's definition differs from ours the test says so and asserts the difference:
- i chart: PowerBI-SPC and qicharts2 put the limits at mean -+ 3 x AMR / 1.128 and the 2-sigma lines at
  mean -+ 2 x AMR / 1.128; NHSRplotthedots (and so xmr) at mean -+ 2.66 x AMR and mean -+ (2/3) x 2.66 x AMR. Same
  mean, same (screened) average moving range AMR; every half-width of ours is theirs x 2.66 x 1.128 / 3 = 1.00016.
- two-in-three: PowerBI-SPC does not check that the third point is on the same side of the mean; Making Data Count
  (NHSRplotthedots issue #194) and two_sigma_rule="mdc" do.
"""
import math

import numpy as np
import pandas as pd
import pytest

from metrics.spc import p_chart, xmr
from metrics.spc.rules import beyond_two_sigma, two_in_three

REL = 1e-12
PUBLISHED_4DP = 5e-5  # toBeCloseTo(x, 4)
NHSR_OVER_QIC = 2.66 * 1.128 / 3  # our half-widths over PowerBI-SPC's and qicharts2's, for the i chart

# i.test.ts: a ratio per month from January 2010.
I_NUM = [5, 7, 5, 7, 7, 5, 4, 9, 8, 13, 8, 7, 8, 7, 12, 11, 8]
I_DEN = [113, 132, 121, 134, 116, 131, 93, 138, 182, 157, 100, 103, 146, 108, 153, 141, 134]

# qicharts2's nhs_accidents (weekly attendances seen within 4 hours): pprime.test.ts and the "nhs" fixture cases.
NHS_NUM = [266501, 264225, 276532, 281461, 269071, 261215, 270409, 279778, 270483, 270320, 267923, 271478, 255353,
           256820, 261835, 259144, 255910, 260863, 264465, 260989]
NHS_DEN = [280443, 276823, 291681, 296155, 282343, 275888, 283867, 295251, 284468, 282529, 279618, 283932, 266629,
           268091, 276803, 271578, 266005, 273520, 278574, 273772]
NHS_DATES = pd.date_range("2024-01-01", periods=20, freq="W-MON")

# qicharts2's cabg: the ages of the last 100 patients ("cabg age i" fixture cases), one of them 7.871.
CABG_AGE = [70.685, 77.896, 69.715, 66.211, 69.586, 77.074, 67.063, 62.055, 72.49, 61.381, 75.137, 57.888, 48.953,
            65.285, 67.518, 78.099, 67.066, 57.795, 68.921, 69.797, 65.041, 66.326, 69.614, 74.397, 66.208, 73.458,
            79.964, 61.433, 58.847, 70.337, 71.942, 57.751, 67.321, 73.405, 76.214, 77.701, 48.896, 62.893, 54.704,
            65.452, 64.427, 67.984, 79.91, 66.132, 36.679, 82.956, 67.526, 60.074, 69.953, 65.668, 72.666, 76.145,
            74.466, 85.786, 69.6, 64.592, 75.811, 57.37, 61.2, 72.266, 64.896, 69.23, 50.8, 71.726, 80.688, 63.827,
            72.742, 77.962, 67.449, 7.871, 73.37, 74.877, 77.54, 61.411, 63.74, 47.31, 71.956, 67.351, 49.301,
            53.841, 68.515, 71.838, 59.153, 64.288, 56.277, 70.101, 73.493, 66.729, 72.556, 58.775, 61.507, 67.795,
            59.515, 66.074, 70.745, 61.277, 46.397, 64.323, 66.649, 75.83]
CABG_DATES = pd.date_range("2020-01-01", periods=100)

LINES = ("centre", "lower", "lower_2s", "upper_2s", "upper")  # PowerBI-SPC: targets, ll99, ll95, ul95, ul99


def months(n, start="2010-01-01"):
    return pd.date_range(start, periods=n, freq="MS")


def ratios(num, den):
    return [n / d for n, d in zip(num, den)]


# --- i chart ----------------------------------------------------------------------------------------------------

def test_i_chart_test():
    # i.test.ts. Published to 4 decimals, both constants meet it: here the two half-widths differ by 7e-6.
    p = xmr(months(17), ratios(I_NUM, I_DEN)).points
    expected = {"lower": 0.0229, "lower_2s": 0.035, "upper_2s": 0.0836, "upper": 0.0957}
    for line, value in expected.items():
        assert p[line].tolist() == pytest.approx([value] * 17, abs=PUBLISHED_4DP)
    amr = (p["upper"].iloc[0] - p["centre"].iloc[0]) / 2.66  # recovered from our limits
    for line, k in (("lower", -3), ("lower_2s", -2), ("upper_2s", 2), ("upper", 3)):
        assert p["centre"].iloc[0] + k * amr / 1.128 == pytest.approx(expected[line], abs=PUBLISHED_4DP)


def qic_i(centre, lower, lower_2s, upper_2s, upper):
    """The lines qicharts2 drew, turned into ours: the same centre, every half-width times NHSR_OVER_QIC."""
    return [centre, centre - (centre - lower) * NHSR_OVER_QIC, centre - (centre - lower_2s) * NHSR_OVER_QIC,
            centre + (upper_2s - centre) * NHSR_OVER_QIC, centre + (upper - centre) * NHSR_OVER_QIC]


def assert_lines(p, rows, expected):
    for line, value in zip(LINES, expected):
        assert p[line].iloc[rows].tolist() == pytest.approx([value] * len(range(*rows.indices(len(p)))), rel=REL)


NHS_I = (0.95296991067360326, 0.94012535390705687, 0.94440687282923896, 0.96153294851796756, 0.96581446744014965)


@pytest.mark.parametrize("screen", [True, False])
def test_i_chart_of_ratios_matches_qicharts2(screen):
    # Fixture cases "nhs i ratio" (unscreened) and "nhs i ratio screened": no moving range reaches 3.267 x AMR,
    # so both give the same lines. The centre is the mean of the ratios.
    p = xmr(NHS_DATES, ratios(NHS_NUM, NHS_DEN), screen_outliers=screen).points
    assert_lines(p, slice(None), qic_i(*NHS_I))
    # The difference is real and only the constant: with qicharts2's own lines ours would miss by ~1.6e-4 x width.
    assert p["upper"].iloc[0] != pytest.approx(NHS_I[4], rel=REL)


def test_i_chart_in_two_parts_matches_qicharts2():
    # Fixture case "nhs i ratio part 10": a new part from the 11th week.
    p = xmr(NHS_DATES, ratios(NHS_NUM, NHS_DEN), rebase=[NHS_DATES[10]], screen_outliers=False).points
    assert_lines(p, slice(0, 10), qic_i(0.95108415145342973, 0.93875978765469181, 0.94286790892093786,
                                        0.9593003939859216, 0.96340851525216764))
    assert_lines(p, slice(10, 20), qic_i(0.95485566989377668, 0.9404740145558963, 0.94526789966852309,
                                         0.96444344011903027, 0.96923732523165707))


@pytest.mark.parametrize("screen, expected", [
    # "cabg age i": the 7.871 makes two moving ranges of about 60, which screening (3.267 x AMR) drops.
    (False, (66.334549999999993, 38.036006049860298, 47.468854033240191, 85.200245966759795, 94.633093950139681)),
    # "cabg age i screened"
    (True, (66.334549999999993, 41.898850753546085, 50.044083835697393, 82.625016164302593, 90.770249246453901)),
])
def test_i_chart_screening_matches_qicharts2(screen, expected):
    # The unscreened lower limit is the x1000 case's 38036.006049860298 / 1000 (the plain case's is not quoted).
    r = xmr(CABG_DATES, CABG_AGE, screen_outliers=screen)
    assert_lines(r.points, slice(None), qic_i(*expected))
    assert r.points["rule"].iloc[69] == "astronomical"  # the 7.871


# --- p' and p charts --------------------------------------------------------------------------------------------

NHS_PP = {  # fixture cases "nhs pp" and "nhs pp screened" (identical: no moving range of the z-scores is screened)
    "centre": [0.95289971134419116] * 20,
    "lower": [0.9401296441775141, 0.94004641862513627, 0.9403780655785402, 0.94047300747792362, 0.94017268417608979,
              0.94002465678041103, 0.94020689402152513, 0.94045399796641838, 0.94022030926792188, 0.94017687421815865,
              0.94011081930595297, 0.94020834697566502, 0.93980301398912502, 0.9398387733905802, 0.94004595428549564,
              0.93992289402775664, 0.93978766173624928, 0.93996904398143111, 0.9400868775214295, 0.93997499652290417],
    "lower_2s": [0.94438633323307308, 0.94433084953148783, 0.94455194750042382, 0.9446152421000128,
                 0.94441502656545695, 0.94431634163500444, 0.94443783312908047, 0.94460256909234264,
                 0.94444677662667831, 0.94441781992683616, 0.94437378331869903, 0.9444388017651737,
                 0.94416857977414703, 0.94419241937511722, 0.94433053997172745, 0.94424849979990144,
                 0.94415834493889661, 0.94427926643568449, 0.94435782212901676, 0.94428323479666654],
    "upper_2s": [0.96141308945530923, 0.96146857315689449, 0.9612474751879585, 0.96118418058836952,
                 0.96138439612292537, 0.96148308105337787, 0.96136158955930184, 0.96119685359603968,
                 0.96135264606170401, 0.96138160276154616, 0.96142563936968328, 0.96136062092320862,
                 0.96163084291423528, 0.9616070033132651, 0.96146888271665487, 0.96155092288848087,
                 0.96164107774948571, 0.96152015625269782, 0.96144160055936556, 0.96151618789171578],
    "upper": [0.96566977851086822, 0.96575300406324605, 0.96542135710984212, 0.9653264152104587, 0.96562673851229253,
              0.96577476590797129, 0.96559252866685719, 0.96534542472196394, 0.96557911342046043, 0.96562254847022366,
              0.96568860338242934, 0.96559107571271729, 0.96599640869925729, 0.96596064929780212, 0.96575346840288667,
              0.96587652866062568, 0.96601176095213304, 0.96583037870695121, 0.96571254516695282, 0.96582442616547814],
}


def test_pprime_chart_test():
    # pprime.test.ts, in percent to 4 decimals. PowerBI-SPC's p' is Laney's, as qicharts2's and ours: the centre
    # is sum(numerators) / sum(denominators) and sigma_i = sqrt(p(1 - p) / n_i) x AMR(z) / 1.128.
    published = {
        "upper": [96.567, 96.5753, 96.5421, 96.5326, 96.5627, 96.5775, 96.5593, 96.5345, 96.5579, 96.5623, 96.5689,
                  96.5591, 96.5996, 96.5961, 96.5753, 96.5877, 96.6012, 96.583, 96.5713, 96.5824],
        "upper_2s": [96.1413, 96.1469, 96.1247, 96.1184, 96.1384, 96.1483, 96.1362, 96.1197, 96.1353, 96.1382,
                     96.1426, 96.1361, 96.1631, 96.1607, 96.1469, 96.1551, 96.1641, 96.152, 96.1442, 96.1516],
        "lower_2s": [94.4386, 94.4331, 94.4552, 94.4615, 94.4415, 94.4316, 94.4438, 94.4603, 94.4447, 94.4418,
                     94.4374, 94.4439, 94.4169, 94.4192, 94.4331, 94.4248, 94.4158, 94.4279, 94.4358, 94.4283],
        "lower": [94.013, 94.0046, 94.0378, 94.0473, 94.0173, 94.0025, 94.0207, 94.0454, 94.022, 94.0177, 94.0111,
                  94.0208, 93.9803, 93.9839, 94.0046, 93.9923, 93.9788, 93.9969, 94.0087, 93.9975],
    }
    p = p_chart(NHS_DATES, NHS_NUM, NHS_DEN, laney=True).points
    for line, values in published.items():
        assert (p[line] * 100).tolist() == pytest.approx(values, abs=PUBLISHED_4DP)


@pytest.mark.parametrize("screen", [True, False])
def test_pprime_matches_qicharts2(screen):
    p = p_chart(NHS_DATES, NHS_NUM, NHS_DEN, laney=True, screen_outliers=screen).points
    for line, values in NHS_PP.items():
        assert p[line].tolist() == pytest.approx(values, rel=REL)


def test_pprime_in_two_parts_matches_qicharts2():
    # Fixture case "nhs pp part 10" (unscreened): a new part from the 11th week.
    expected = {
        "centre": [0.95105964383277042] * 10 + [0.95481431224580271] * 10,
        "lower": [0.93866469138900677, 0.93858391054812595, 0.93890581552810026, 0.93899796855379847,
                  0.938706467107847, 0.93856278794736447, 0.93873967205514641, 0.93897951743776198,
                  0.93875269323498345, 0.93871053406939875, 0.940610623423212, 0.94071894028663061,
                  0.94026876652700142, 0.94030848188383087, 0.94053858258001044, 0.94040190853489958,
                  0.94025171590041701, 0.94045316391958889, 0.94058403303084548, 0.94045977497287903],
        "lower_2s": [0.94279634220359465, 0.94274248830967411, 0.94295709162965702, 0.94301852698012245,
                     0.94282419268282147, 0.94272840657583312, 0.94284632931435441, 0.94300622623609809,
                     0.94285501010091244, 0.9428269039905226, 0.9453451863640755, 0.94541739760635468,
                     0.94511728176660181, 0.94514375867115474, 0.94529715913527457, 0.94520604310520062,
                     0.94510591468221217, 0.94524021336166009, 0.94532745943583119, 0.94524462073052018],
        "upper_2s": [0.95932294546194619, 0.95937679935586673, 0.95916219603588382, 0.95910076068541839,
                     0.95929509498271937, 0.95939088108970771, 0.95927295835118642, 0.95911306142944275,
                     0.9592642775646284, 0.95929238367501823, 0.96428343812752992, 0.96421122688525074,
                     0.96451134272500361, 0.96448486582045068, 0.96433146535633085, 0.9644225813864048,
                     0.96452270980939325, 0.96438841112994533, 0.96430116505577423, 0.96438400376108524],
        "upper": [0.96345459627653407, 0.96353537711741488, 0.96321347213744057, 0.96312131911174237,
                  0.96341282055769384, 0.96355649971817636, 0.96337961561039442, 0.96313977022777886,
                  0.96336659443055739, 0.96340875359614209, 0.96901800106839342, 0.96890968420497481,
                  0.969359857964604, 0.96932014260777455, 0.96909004191159498, 0.96922671595670584,
                  0.96937690859118841, 0.96917546057201653, 0.96904459146075994, 0.96916884951872639],
    }
    p = p_chart(NHS_DATES, NHS_NUM, NHS_DEN, laney=True, rebase=[NHS_DATES[10]], screen_outliers=False).points
    for line, values in expected.items():
        assert p[line].tolist() == pytest.approx(values, rel=REL)


def test_p_chart_matches_qicharts2():
    # Fixture cases "nhs p" and "nhs p screened" (screening does not touch a p chart). With denominators near
    # 280,000 the p chart's limits are a fraction of the weekly variation: p' exists for this.
    expected = {
        "centre": [0.95289971134419116] * 20,
        "lower": [0.95169956464601502, 0.95169174300572235, 0.95172291159637212, 0.95173183435343955,
                  0.95170360959828548, 0.95168969780065393, 0.95170682468184831, 0.95173004781604953,
                  0.95170808546328811, 0.9517040033836186, 0.95169779546131505, 0.9517069612322745,
                  0.95166886753714286, 0.95167222824989595, 0.95169169936650899, 0.95168013401136442,
                  0.95166742471343968, 0.95168447124105948, 0.95169554538280965, 0.95168503066826537],
        "lower_2s": [0.95209961354540706, 0.95209439911854532, 0.95211517817897851, 0.95212112668369009,
                     0.95210231018025404, 0.95209303564849967, 0.95210445356929596, 0.95211993565876341,
                     0.95210529409025579, 0.95210257270380949, 0.95209843408894046, 0.95210454460291338,
                     0.95207914880615896, 0.95208138928132768, 0.95209437002573638, 0.95208665978897333,
                     0.95207818692369017, 0.95208955127543671, 0.95209693403660356, 0.9520899242269073],
        "upper_2s": [0.95369980914297525, 0.953705023569837, 0.95368424450940381, 0.95367829600469223,
                     0.95369711250812828, 0.95370638703988264, 0.95369496911908636, 0.95367948702961891,
                     0.95369412859812652, 0.95369684998457283, 0.95370098859944186, 0.95369487808546893,
                     0.95372027388222336, 0.95371803340705463, 0.95370505266264594, 0.95371276289940898,
                     0.95372123576469214, 0.95370987141294561, 0.95370248865177876, 0.95370949846147501],
        "upper": [0.9540998580423673, 0.95410767968265997, 0.95407651109201019, 0.95406758833494276,
                  0.95409581309009683, 0.95410972488772838, 0.95409259800653401, 0.95406937487233279,
                  0.9540913372250942, 0.95409541930476371, 0.95410162722706726, 0.95409246145610782,
                  0.95413055515123946, 0.95412719443848637, 0.95410772332187332, 0.9541192886770179,
                  0.95413199797494264, 0.95411495144732283, 0.95410387730557267, 0.95411439202011694],
    }
    p = p_chart(NHS_DATES, NHS_NUM, NHS_DEN).points
    for line, values in expected.items():
        assert p[line].tolist() == pytest.approx(values, rel=REL)


# --- two in three -------------------------------------------------------------------------------------------------
# twoInThree(val, ll95, ul95, highlight_series = false). Its 2-sigma lines are 0 and 10 unless given; the test
# gives no centre, so the centre is taken as the middle of the lines (5), and `side` is each point's side of it.

def _ours(val, ll95, ul95, side):
    val = np.array(val, dtype=float)
    close = beyond_two_sigma(val, np.array(ll95, float), np.array(ul95, float), np.zeros(len(val), bool), "mdc")
    flags = two_in_three(close, np.array(side, dtype=float), np.zeros(len(val), dtype=np.int64))
    return ["none" if not f else ("upper" if v > u else "lower") for f, v, u in zip(flags, val, ul95)]


ABOVE, BELOW = 1, -1
POWERBI_CASES = [
    # (test name, val, ll95, ul95, PowerBI-SPC's expected flags). Points inside the lines sit at 5, the centre.
    ("no points outside", [5, 6, 7, 8, 9], None, None, ["none"] * 5),
    ("two in three upper", [5, 11, 11, 5, 5, 5], None, None, ["none", "upper", "upper", "none", "none", "none"]),
    ("two in three lower", [5, -1, -1, 5, 5, 5], None, None, ["none", "lower", "lower", "none", "none", "none"]),
    ("outside, inside, outside", [11, 5, 11, 5, 5], None, None, ["upper", "none", "upper", "none", "none"]),
    ("inside, outside, outside", [5, 11, 11, 5, 5], None, None, ["none", "upper", "upper", "none", "none"]),
    ("only 1 of 3 outside", [11, 5, 5, 5, 5], None, None, ["none"] * 5),
    ("3 of 3 outside", [5, 11, 11, 11, 5, 5], None, None, ["none", "upper", "upper", "upper", "none", "none"]),
    ("mixed upper and lower", [5, 11, 11, -1, 5, 5], None, None, ["none", "upper", "upper", "none", "none", "none"]),
    ("consecutive patterns", [5, 11, 11, 5, 11, 11, 5], None, None,
     ["none", "upper", "upper", "none", "upper", "upper", "none"]),
    ("empty arrays", [], None, None, []),
    ("single point", [11], None, None, ["none"]),
    ("three points with exactly 2 outside", [5, 11, 11, 5], None, None, ["none", "upper", "upper", "none"]),
    ("varying control limits", [5, 25, 25, 35, 45], [0, 10, 20, 30, 40], [10, 20, 30, 40, 50], ["none"] * 5),
    ("on the 95% limits", [10, 10, 5, 5, 5], None, None, ["none"] * 5),
    ("lower pattern", [5, -1, -1, 5, 5], None, None, ["none", "lower", "lower", "none", "none"]),
    ("rolling window", [5, 11, 11, 5, 11, 5, 5], None, None,
     ["none", "upper", "upper", "none", "upper", "none", "none"]),
    # Left out: "highlight all points when highlight_series is true" (an option that flags the third point too;
    # Making Data Count never flags it, so we have no such option).
]


def _case(val, ll95, ul95):
    n = len(val)
    return (ll95 or [0] * n), (ul95 or [10] * n)


@pytest.mark.parametrize("name, val, ll95, ul95, powerbi", POWERBI_CASES, ids=[c[0] for c in POWERBI_CASES])
def test_two_in_three_matches_powerbi_spc_when_the_inside_points_are_on_the_same_side(name, val, ll95, ul95,
                                                                                      powerbi):
    # Place every point inside the lines on the side of the breach beside it (PowerBI-SPC does not look), which
    # is where Making Data Count asks for them: then the flags agree exactly, including points beyond the lines
    # counting whatever their distance (the visual has no 3-sigma cap) and the third point staying unflagged.
    ll95, ul95 = _case(val, ll95, ul95)
    mid = [(lo + hi) / 2 for lo, hi in zip(ll95, ul95)]
    breach = [ABOVE if v > hi else BELOW if v < lo else 0 for v, lo, hi in zip(val, ll95, ul95)]
    side = []
    for i, (v, m) in enumerate(zip(val, mid)):
        near = [b for b in breach[max(0, i - 2):i + 3] if b]
        side.append(breach[i] or (near[0] if near and len(set(near)) == 1 else (ABOVE if v >= m else BELOW)))
    assert _ours(val, ll95, ul95, side) == powerbi


@pytest.mark.parametrize("name, val, side, powerbi, ours", [
    # The middle 5 is on the centre line: on neither side, so no triple under Making Data Count.
    ("outside, inside, outside", [11, 5, 11, 5, 5], [1, 0, 1, 0, 0],
     ["upper", "none", "upper", "none", "none"], ["none"] * 5),
    # Now below the centre: still no triple.
    ("outside, inside, outside", [11, 5, 11, 5, 5], [1, -1, 1, -1, -1],
     ["upper", "none", "upper", "none", "none"], ["none"] * 5),
    ("inside, outside, outside", [5, 11, 11, 5, 5], [-1, 1, 1, -1, -1],
     ["none", "upper", "upper", "none", "none"], ["none"] * 5),
])
def test_two_in_three_differs_from_powerbi_spc_on_the_third_points_side(name, val, side, powerbi, ours):
    ll95, ul95 = _case(val, None, None)
    assert _ours(val, ll95, ul95, side) == ours != powerbi


def test_nothing_is_flagged_at_missing_points():
    assert _ours([11, math.nan, 11], [0] * 3, [10] * 3, [1, 1, 1]) == ["upper", "none", "upper"]
