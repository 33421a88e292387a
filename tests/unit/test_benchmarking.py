"""Benchmarking against England, the region and statistical neighbours, on a hand-made frame.

Seaside (a made-up area with three neighbours A, B, C), metric values by calendar year:

            2022  2023  2024
  Seaside     50    55    60
  A           70    65    60
  B           40    45     c   (suppressed in 2024)
  C           80    85    90
plus England / North West / neighbour-average rows and a synthetic monthly Seaside series (never compared).
"""
from datetime import date

import numpy as np
import pandas as pd
import pytest

from metrics.area import Area, Neighbour
from metrics.benchmarking import benchmark_table, comparator_series, neighbour_rank, travel

AREA = Area(name="Seaside", la_code_old="999", la_code_new="E06000999", region="North West",
            localities=("North", "South"), sn_model="May 2025",
            neighbours=(Neighbour("1", "A"), Neighbour("2", "B"), Neighbour("3", "C")))
YEARS = (2022, 2023, 2024)
PUBLISHED = {"Seaside": (50, 55, 60), "A": (70, 65, 60), "B": (40, 45, None), "C": (80, 85, 90),
             "England": (52, 53, 54), "North West": (51, None, 56), "Statistical neighbours": (63.3, 65, 75)}


def frame(published=PUBLISHED, breaks=()) -> pd.DataFrame:
    rows = []
    for area, values in published.items():
        for year, v in zip(YEARS, values):
            rows.append({"metric_id": "m", "period_start": date(year, 1, 1), "period_type": "calendar_year",
                         "area": area, "breakdown": "All", "value": np.nan if v is None else float(v),
                         "numerator": np.nan, "denominator": np.nan,
                         "status": "suppressed" if v is None else "ok", "source": "Test release",
                         "synthetic": False, "series_break": (area, year) in breaks or year in breaks})
    for month in range(1, 13):  # a synthetic local monthly series: must never be benchmarked
        rows.append({"metric_id": "m", "period_start": date(2024, month, 1), "period_type": "month",
                     "area": "Seaside", "breakdown": "All", "value": 99.0, "numerator": np.nan,
                     "denominator": np.nan, "status": "ok", "source": "Synthetic demonstration data",
                     "synthetic": True, "series_break": False})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("improvement, period, rank, n, at, best_is", [
    # 2024: Seaside 60, A 60, C 90 (B suppressed, left out): one area higher -> 2nd of 3; A ties with Seaside
    ("increase", None, 2, 3, 2024, "highest"),
    # lower is better: nobody is below 60 -> 1st of 3 (A shares first place)
    ("decrease", None, 1, 3, 2024, "lowest"),
    # 2023: Seaside 55 vs A 65, B 45, C 85 -> 3rd of 4 when higher is better, 2nd of 4 when lower is better
    ("increase", date(2023, 1, 1), 3, 4, 2023, "highest"),
    ("decrease", date(2023, 1, 1), 2, 4, 2023, "lowest"),
    ("neutral", None, 2, 3, 2024, None),  # neutral: ordered highest first, no "best"
])
def test_neighbour_rank(improvement, period, rank, n, at, best_is):
    r = neighbour_rank(frame(), "m", AREA, period, improvement=improvement)
    assert (r.rank, r.n, r.period_start, r.period_type, r.best_is) == (rank, n, pd.Timestamp(at, 1, 1),
                                                                       "calendar_year", best_is)
    assert r.value == {2023: 55, 2024: 60}[at]


def test_rank_uses_the_latest_period_the_area_has_a_value():
    published = {**PUBLISHED, "Seaside": (50, 55, None)}  # Seaside suppressed in 2024 -> rank on 2023
    r = neighbour_rank(frame(published), "m", AREA, improvement="increase")
    assert (r.rank, r.n, r.period_start) == (3, 4, pd.Timestamp(2023, 1, 1))


def test_no_rank_without_a_neighbour_to_compare_with():
    published = {"Seaside": (50, 55, 60), "England": (52, 53, 54)}
    assert neighbour_rank(frame(published), "m", AREA, improvement="increase") is None
    assert neighbour_rank(frame(), "other_metric", AREA, improvement="increase") is None


def test_comparator_series_in_order_with_suppressed_periods_kept():
    s = comparator_series(frame(), "m", area=AREA)
    assert list(s["area"].unique()) == ["England", "North West", "Statistical neighbours"]
    assert len(s) == 9
    nw_2023 = s[(s.area == "North West") & (s.period_start == pd.Timestamp(2023, 1, 1))].iloc[0]
    assert nw_2023.status == "suppressed" and np.isnan(nw_2023.value)
    assert s[s.area == "England"]["value"].tolist() == [52, 53, 54]
    assert (s["period_type"] == "calendar_year").all()  # the synthetic monthly series is not a comparator


@pytest.mark.parametrize("previous, latest, improvement, word", [
    (55, 60, "increase", "improving"),
    (55, 60, "decrease", "worsening"),
    (65, 60, "increase", "worsening"),
    (65, 60, "decrease", "improving"),
    (60, 60, "increase", "no change"),
    (55, 60, "neutral", "higher"),
    (65, 60, "neutral", "lower"),
    (None, 60, "increase", None),
])
def test_travel(previous, latest, improvement, word):
    assert travel(previous, latest, improvement) == word


def test_benchmark_table():
    t = benchmark_table(frame(), "m", AREA, improvement="increase").set_index("area")
    assert list(t.index) == ["Seaside", "A", "B", "C"]  # the area, then neighbours in closeness order
    assert list(t["role"]) == ["local", "neighbour", "neighbour", "neighbour"]
    assert (t.loc["Seaside", "value"], t.loc["Seaside", "previous_value"]) == (60, 55)
    assert t["direction"].to_dict() == {"Seaside": "improving", "A": "worsening", "B": "improving",
                                        "C": "improving"}
    # B's latest published value is 2023 (2024 suppressed), compared with 2022, and the note says why
    assert t.loc["B", "period_start"] == pd.Timestamp(2023, 1, 1) and t.loc["B", "value"] == 45
    assert "suppressed in the latest period (2024-01-01)" in t.loc["B", "note"]
    assert t.loc["Seaside", "note"] == ""


def test_benchmark_table_respects_direction_and_comparators():
    t = benchmark_table(frame(), "m", AREA, improvement="decrease", comparators=True).set_index("area")
    assert t.loc["Seaside", "direction"] == "worsening"  # 55 -> 60 when lower is better
    assert list(t.index[-3:]) == ["England", "North West", "Statistical neighbours"]
    assert t.loc["England", "role"] == "comparator"
    assert t.loc["North West", "previous_value"] == 51  # 2023 suppressed: compared with 2022


def test_no_direction_across_a_series_break():
    t = benchmark_table(frame(breaks=(2024,)), "m", AREA, improvement="increase").set_index("area")
    assert pd.isna(t.loc["Seaside", "direction"])
    assert "series break" in t.loc["Seaside", "note"]


def test_direction_comes_from_the_catalogue():
    # the real catalogue: tribunal_appeal_rate improves downwards (fewer appeals), so a rise is "worsening"
    values = frame().assign(metric_id="tribunal_appeal_rate")
    t = benchmark_table(values, "tribunal_appeal_rate", AREA).set_index("area")
    assert t.loc["Seaside", "direction"] == "worsening"
    assert neighbour_rank(values, "tribunal_appeal_rate", AREA).best_is == "lowest"
