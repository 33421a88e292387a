"""Therapy waiting-list derivations against a 10-referral table worked out by hand, and against a brute-force
month-by-month count on random extracts; plus the drill-downs and derive_series."""
import statistics
from datetime import date, timedelta
from types import SimpleNamespace

import numpy as np
import polars as pl
import pyarrow as pa
import pytest

from metrics import catalogue as catalogue_module
from metrics import schemas
from metrics.derive import DERIVATIONS, WEEKS_BANDS, derive_series, therapy_current_waiters, therapy_dna_by
from metrics.derive import therapy

SLT, OT = "Speech and language therapy", "Occupational therapy"
AREA = "Blackpool"
JAN, FEB, MAR = date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)
WINDOW = dict(since=JAN, through=date(2024, 3, 31))


def referrals(rows) -> pl.DataFrame:
    cols = ["referral_id", "service", "locality", "referral_date", "first_contact_date", "discharge_date",
            "first_language_english", "did_not_attend_count"]
    data = [dict(zip(cols, r), age_band="5-10", sen_status="none") for r in rows]
    return pl.from_arrow(pa.Table.from_pylist(data, schema=schemas.THERAPY_REFERRALS))


# The worked example. Days waited at each month end (Jan 31, Feb 29 (2024 is a leap year), Mar 31), counted by hand
# from the referral date; "-" = not on the list at that month end.
#   id   service locality referred    first contact  discharged  | Jan 31  Feb 29  Mar 31
#   R1   SLT     North    2023-01-31  -              -           |  365     394     425   (2023 has 365 days)
#   R2   SLT     North    2023-02-01  2024-02-15     -           |  364      -       -    (exactly 52 weeks)
#   R3   SLT     Central  2023-09-27  -              -           |  126     155     186   (exactly 18 weeks)
#   R4   SLT     Central  2023-09-26  2024-03-10     -           |  127     156      -
#   R5   OT      North    2024-01-10  2024-01-20     -           |   -       -       -    (seen in the month)
#   R6   OT      Central  2024-01-15  -              2024-02-10  |   16      -       -    (closed unseen)
#   R7   OT      Central  2024-02-01  2024-04-05     -           |   -      28      59
#   R8   SLT     North    2024-03-31  -              -           |   -       -       0    (referred on month end)
#   R9   SLT     Central  2023-06-01  2024-01-31     -           |   -       -       -    (seen on the month end)
#   R10  OT      North    2023-10-04  2024-02-07     -           |  119      -       -
TEN = referrals([
    ("R1", SLT, "North", date(2023, 1, 31), None, None, True, 1),
    ("R2", SLT, "North", date(2023, 2, 1), date(2024, 2, 15), None, False, 3),
    ("R3", SLT, "Central", date(2023, 9, 27), None, None, True, 0),
    ("R4", SLT, "Central", date(2023, 9, 26), date(2024, 3, 10), None, True, 0),
    ("R5", OT, "North", date(2024, 1, 10), date(2024, 1, 20), None, True, 2),
    ("R6", OT, "Central", date(2024, 1, 15), None, date(2024, 2, 10), True, 0),
    ("R7", OT, "Central", date(2024, 2, 1), date(2024, 4, 5), None, True, 0),
    ("R8", SLT, "North", date(2024, 3, 31), None, None, True, 0),
    ("R9", SLT, "Central", date(2023, 6, 1), date(2024, 1, 31), None, True, 1),
    ("R10", OT, "North", date(2023, 10, 4), date(2024, 2, 7), None, False, 0),
])


def cell(frame: pl.DataFrame, area: str, breakdown: str, month: date) -> tuple:
    row = frame.filter((pl.col("area") == area) & (pl.col("breakdown") == breakdown)
                       & (pl.col("period_start") == month))
    assert row.height == 1, (area, breakdown, month, row)
    return row.select("value", "numerator", "denominator").row(0)


def close(got, expected) -> bool:
    return all((g is None and e is None) or (g is not None and e is not None and g == pytest.approx(e))
               for g, e in zip(got, expected))


# (derivation, area, breakdown, month) -> (value, numerator, denominator), each worked out from the table above.
EXPECTED = [
    # Jan: R1 365, R2 364, R3 126, R4 127, R6 16, R10 119 -> 6 waiting; > 126 days: R1, R2, R4; >= 364: R1, R2.
    ("waiting_list_size", AREA, "All", JAN, (6, None, None)),
    ("waiting_list_size", AREA, "All", FEB, (4, None, None)),  # R1, R3, R4, R7
    ("waiting_list_size", AREA, "All", MAR, (4, None, None)),  # R1, R3, R7, R8
    ("waiting_list_size", "North", "All", JAN, (3, None, None)),  # R1, R2, R10
    ("waiting_list_size", "North", "All", FEB, (1, None, None)),  # R1
    ("waiting_list_size", "Central", "All", MAR, (2, None, None)),  # R3, R7
    ("waiting_list_size", AREA, SLT, JAN, (4, None, None)),  # R1-R4
    ("waiting_list_size", AREA, OT, JAN, (2, None, None)),  # R6, R10
    ("waiting_list_size", "Central", SLT, JAN, (2, None, None)),  # R3, R4
    ("waiting_list_size", "North", OT, MAR, (0, None, None)),  # R10 seen in Feb
    ("pct_waiting_over_18_weeks", AREA, "All", JAN, (50.0, 3, 6)),  # R3 at exactly 126 days is not over
    ("pct_waiting_over_18_weeks", AREA, "All", FEB, (75.0, 3, 4)),  # R1, R3, R4 of 4
    ("pct_waiting_over_18_weeks", AREA, "All", MAR, (50.0, 2, 4)),  # R1, R3 of 4
    ("pct_waiting_over_18_weeks", "Central", "All", JAN, (100 / 3, 1, 3)),  # R4 of R3, R4, R6
    ("pct_waiting_over_18_weeks", AREA, SLT, JAN, (75.0, 3, 4)),
    ("pct_waiting_over_18_weeks", "North", OT, FEB, (None, 0, 0)),  # nobody waiting: no percentage
    ("waiters_52_weeks_plus", AREA, "All", JAN, (2, None, None)),  # R2 at exactly 364 days counts
    ("waiters_52_weeks_plus", AREA, "All", FEB, (1, None, None)),
    ("waiters_52_weeks_plus", "Central", "All", MAR, (0, None, None)),
    # Medians of the day counts / 7: Jan 16 119 126 | 127 364 365 -> (126 + 127) / 2 = 126.5 days.
    ("median_weeks_waited", AREA, "All", JAN, (126.5 / 7, None, 6)),
    ("median_weeks_waited", AREA, "All", FEB, (155.5 / 7, None, 4)),  # 28 155 | 156 394
    ("median_weeks_waited", AREA, "All", MAR, (122.5 / 7, None, 4)),  # 0 59 | 186 425
    ("median_weeks_waited", "North", "All", JAN, (364 / 7, None, 3)),  # 119 364 365
    ("median_weeks_waited", AREA, SLT, JAN, (245.5 / 7, None, 4)),  # 126 127 | 364 365
    ("median_weeks_waited", "North", OT, FEB, (None, None, 0)),
    ("mean_weeks_waited", AREA, "All", JAN, (1117 / 6 / 7, None, 6)),  # 16+119+126+127+364+365 = 1117
    ("mean_weeks_waited", AREA, "All", MAR, (670 / 4 / 7, None, 4)),  # 0+59+186+425 = 670
    ("referrals_received", AREA, "All", JAN, (2, None, None)),  # R5, R6 (earlier referrals are before `since`)
    ("referrals_received", AREA, "All", FEB, (1, None, None)),  # R7
    ("referrals_received", "Central", "All", MAR, (0, None, None)),  # R8 is North
    ("referrals_received", AREA, SLT, MAR, (1, None, None)),
    # First contacts: Jan R5 (10 days) and R9 (244); Feb R2 (379) and R10 (126, exactly 18 weeks: within); Mar R4 (166).
    ("pct_seen_within_18_weeks", AREA, "All", JAN, (50.0, 1, 2)),
    ("pct_seen_within_18_weeks", AREA, "All", FEB, (50.0, 1, 2)),
    ("pct_seen_within_18_weeks", AREA, "All", MAR, (0.0, 0, 1)),
    ("pct_seen_within_18_weeks", "North", OT, FEB, (100.0, 1, 1)),  # R10
    # Missed appointments of those first seen: Jan R5 2 + R9 1 over 2 seen; Feb R2 3 + R10 0 (both not English).
    # R1 has a DNA recorded but no first contact, so it is not counted.
    ("dna_rate", AREA, "All", JAN, (150.0, 3, 2)),
    ("dna_rate", AREA, "English", JAN, (150.0, 3, 2)),
    ("dna_rate", AREA, "Other than English", JAN, (None, 0, 0)),
    ("dna_rate", AREA, "Other than English", FEB, (150.0, 3, 2)),
    ("dna_rate", "North", "All", JAN, (200.0, 2, 1)),  # R5
    ("dna_rate", AREA, "All", MAR, (0.0, 0, 1)),  # R4
]


@pytest.mark.parametrize("name,area,breakdown,month,expected", EXPECTED)
def test_worked_example(name, area, breakdown, month, expected):
    got = cell(DERIVATIONS[name].fn(TEN, AREA, **WINDOW), area, breakdown, month)
    assert close(got, expected), (got, expected)


@pytest.mark.parametrize("name", [n for n in DERIVATIONS if n in catalogue_module.DERIVATIONS["therapy_referrals"]])
def test_full_grid_of_areas_breakdowns_and_months(name):
    out = DERIVATIONS[name].fn(TEN, AREA, **WINDOW)
    assert out.columns == ["period_start", "period_type", "area", "breakdown", "value", "numerator", "denominator"]
    # The whole area and the localities present (no South: it has no rows), each breakdown and All, 3 months.
    assert set(out["area"]) == {AREA, "North", "Central"}
    breakdowns = {"All", "English", "Other than English"} if name == "dna_rate" else {"All", SLT, OT}
    assert set(out["breakdown"]) == breakdowns
    assert out.height == 3 * len(breakdowns) * 3
    assert set(out["period_type"]) == {"month"}
    assert sorted(set(out["period_start"])) == [JAN, FEB, MAR]


@pytest.mark.parametrize("name", [n for n in DERIVATIONS if n in catalogue_module.DERIVATIONS["therapy_referrals"]])
def test_empty_input_gives_no_rows(name):
    out = DERIVATIONS[name].fn(TEN.clear(), AREA)
    assert out.is_empty()
    assert out.columns == ["period_start", "period_type", "area", "breakdown", "value", "numerator", "denominator"]


def test_default_window_runs_from_first_referral_to_last_activity():
    out = therapy.waiting_list_size(TEN, AREA)
    months = sorted(set(out["period_start"]))
    # R1 referred January 2023; the last recorded date is R7's first contact on 5 April 2024.
    assert months[0] == date(2023, 1, 1) and months[-1] == date(2024, 4, 1) and len(months) == 16
    # The window does not change a month's count: Jan 2024 is 6 whatever the window.
    assert cell(out, AREA, "All", JAN) == (6, None, None)
    assert cell(out, AREA, "All", date(2023, 1, 1)) == (1, None, None)  # R1, referred on 31 January 2023


def test_snapshot_cache_does_not_leak_between_windows_or_frames():
    a = therapy.waiting_list_size(TEN, AREA, since=FEB, through=date(2024, 2, 29))
    b = therapy.waiting_list_size(TEN, AREA, **WINDOW)
    assert sorted(set(a["period_start"])) == [FEB]
    assert cell(b, AREA, "All", JAN)[0] == 6
    fewer = TEN.filter(pl.col("referral_id") != "R1")
    assert cell(therapy.waiting_list_size(fewer, AREA, **WINDOW), AREA, "All", JAN)[0] == 5


def brute_force(frame: pl.DataFrame, month_ends: list[date]) -> dict:
    """Month-end statistics by looking at every referral at every month end (the definitions, literally)."""
    out = {}
    rows = frame.to_dicts()
    for end in month_ends:
        groups: dict[tuple, list[int]] = {}
        for r in rows:
            left = min([d for d in (r["first_contact_date"], r["discharge_date"]) if d is not None], default=None)
            if r["referral_date"] <= end and (left is None or left > end):
                days = (end - r["referral_date"]).days
                for area in (AREA, r["locality"]):
                    for breakdown in ("All", r["service"]):
                        groups.setdefault((area, breakdown), []).append(days)
        for key, days in groups.items():
            out[(*key, end.replace(day=1))] = (len(days), sum(d > 126 for d in days), sum(d >= 364 for d in days),
                                               statistics.median(days) / 7, statistics.mean(days) / 7)
    return out


def random_referrals(seed: int, n: int = 400) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    start = date(2021, 1, 1)
    rows = []
    for i in range(n):
        referred = start + timedelta(days=int(rng.integers(0, 900)))
        seen = referred + timedelta(days=int(rng.exponential(150)))
        seen = seen if seen <= date(2023, 9, 30) and rng.random() < 0.9 else None
        closed = referred + timedelta(days=int(rng.integers(0, 400))) if seen is None and rng.random() < 0.2 else None
        closed = closed if closed is not None and closed <= date(2023, 9, 30) else None
        rows.append((f"R{i}", [SLT, OT, "Physiotherapy"][int(rng.integers(0, 3))],
                     ["North", "Central", "South"][int(rng.integers(0, 3))], referred, seen, closed, True, 0))
    return referrals(rows)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_snapshot_matches_brute_force_on_random_extracts(seed):
    frame = random_referrals(seed)
    since, through = date(2021, 6, 1), date(2023, 9, 30)
    outs = {name: DERIVATIONS[name].fn(frame, AREA, since=since, through=through)
            for name in ("waiting_list_size", "pct_waiting_over_18_weeks", "waiters_52_weeks_plus",
                         "median_weeks_waited", "mean_weeks_waited")}
    month_starts = sorted(set(outs["waiting_list_size"]["period_start"]))
    assert month_starts[0] == since and len(month_starts) == 28
    expected = brute_force(frame, [(m.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
                                   for m in month_starts])
    size = {(r["area"], r["breakdown"], r["period_start"]): r for r in outs["waiting_list_size"].to_dicts()}
    assert {k for k, r in size.items() if r["value"] > 0} == set(expected)
    for key, (n, over_18, over_52, median, mean) in expected.items():
        assert cell(outs["waiting_list_size"], *key)[0] == n
        assert cell(outs["pct_waiting_over_18_weeks"], *key)[1:] == (over_18, n)
        assert cell(outs["waiters_52_weeks_plus"], *key)[0] == over_52
        assert cell(outs["median_weeks_waited"], *key)[0] == pytest.approx(median)
        assert cell(outs["mean_weeks_waited"], *key)[0] == pytest.approx(mean)


# -- drill-downs ---------------------------------------------------------------------------------------------

def test_current_waiters_by_weeks_band():
    # On 31 January 2024: R6 16 days, R10 119, R3 126, R4 127, R2 364, R1 365 (see the table above).
    out = therapy_current_waiters(TEN, as_of=date(2024, 1, 31), by="weeks_band")
    assert list(out["category"]) == [label for label, _ in WEEKS_BANDS]
    assert list(out["waiting"]) == [1, 0, 2, 1, 0, 2]  # R3 at 126 days is "up to 18"; R2 at 364 is 52+
    assert list(out["pct"]) == pytest.approx([100 / 6, 0, 200 / 6, 100 / 6, 0, 200 / 6])
    assert out["median_weeks"][2] == pytest.approx((119 + 126) / 2 / 7)
    assert out["median_weeks"].isna()[1]


@pytest.mark.parametrize("service,locality,by,expected", [
    (SLT, None, "first_language", {"English": 3, "Other than English": 1}),  # R1, R3, R4 / R2
    (None, "North", "first_language", {"English": 1, "Other than English": 2}),  # R1 / R2, R10
    (OT, "Central", "sen_status", {"none": 1, "SEN support": 0, "EHC plan": 0}),  # R6
    (None, None, "age_band", {"0-4": 0, "5-10": 6, "11-15": 0, "16-18": 0, "19-25": 0}),
])
def test_current_waiters_filters_and_breakdowns(service, locality, by, expected):
    out = therapy_current_waiters(TEN, as_of=date(2024, 1, 31), service=service, locality=locality, by=by)
    assert dict(zip(out["category"], out["waiting"])) == expected


def test_current_waiters_with_nobody_waiting_and_a_lazy_input():
    out = therapy_current_waiters(TEN.lazy(), as_of=date(2022, 1, 1), by="weeks_band")
    assert out["waiting"].sum() == 0 and out["pct"].isna().all()


def test_dna_by_first_language():
    # First contacts in Q1 2024: English R5 (2), R9 (1), R4 (0); other R2 (3), R10 (0).
    out = therapy_dna_by(TEN, start=JAN, end=date(2024, 3, 31), by="first_language")
    assert out.to_dict("list") == {"category": ["English", "Other than English"], "seen": [3, 2], "missed": [3, 3],
                                   "dna_rate": [100.0, 150.0]}


@pytest.mark.parametrize("call", [
    lambda: therapy_current_waiters(TEN, as_of=JAN, by="postcode"),
    lambda: therapy_dna_by(TEN, start=JAN, end=MAR, by="weeks_band"),
])
def test_drilldowns_reject_unknown_breakdowns(call):
    with pytest.raises(ValueError, match="by"):
        call()


# -- the registry and derive_series --------------------------------------------------------------------------

def test_registry_matches_the_catalogue_contract():
    names = {n for by_input in catalogue_module.DERIVATIONS.values() for n in by_input}
    assert set(DERIVATIONS) == names


def metric(id, derivation, input="therapy_referrals", frequency="month", source="Community health extract"):
    return SimpleNamespace(id=id, input=input, derivation=derivation, frequency=frequency, source=source,
                           breakdown="service")


def test_derive_series_layout_status_and_flags():
    cat = SimpleNamespace(metrics=[metric("wl", "waiting_list_size"), metric("pct", "pct_waiting_over_18_weeks"),
                                   metric("published", None, input="metric_values"),
                                   metric("ehcp", "requests_received", input="ehc_requests")])
    out = derive_series({"therapy_referrals": TEN}, cat, AREA, date(2024, 3, 31), since=JAN,
                        synthetic={"therapy_referrals": True})
    assert out.columns == [f.name for f in schemas.METRIC_VALUES]
    assert set(out["metric_id"]) == {"wl", "pct"}  # no input for ehcp; metric_values metrics are not derived
    assert out["synthetic"].all() and not out["series_break"].any()
    assert set(out["source"]) == {"Community health extract"}
    row = out.filter((pl.col("metric_id") == "pct") & (pl.col("area") == "North") & (pl.col("breakdown") == OT)
                     & (pl.col("period_start") == FEB))
    assert row.select("value", "status").row(0) == (None, "not_applicable")  # nobody waiting
    assert set(out.filter(pl.col("value").is_not_null())["status"]) == {"ok"}


def test_derive_series_refuses_a_frequency_the_derivation_does_not_produce():
    cat = SimpleNamespace(metrics=[metric("wl", "waiting_list_size", frequency="quarter")])
    with pytest.raises(ValueError, match="wl.*'month'.*'quarter'"):
        derive_series({"therapy_referrals": TEN}, cat, AREA)


def test_derive_series_on_no_inputs_is_empty_with_the_schema():
    out = derive_series({}, SimpleNamespace(metrics=[metric("wl", "waiting_list_size")]), AREA)
    assert out.is_empty() and out.columns == [f.name for f in schemas.METRIC_VALUES]


def test_derive_series_takes_a_start_per_input():
    cat = SimpleNamespace(metrics=[metric("wl", "waiting_list_size")])
    out = derive_series({"therapy_referrals": TEN}, cat, AREA, date(2024, 3, 31),
                        since={"therapy_referrals": FEB, "ehc_requests": JAN})
    assert sorted(set(out["period_start"])) == [FEB, MAR]
