"""EHC needs assessment derivations and the assessment funnel, against small tables worked out by hand."""
from datetime import date

import polars as pl
import pyarrow as pa
import pytest

from metrics import schemas
from metrics.derive import DERIVATIONS, ehcp_funnel
from metrics.derive.ehcp import FUNNEL_STAGES

AREA = "Blackpool"
WINDOW = dict(since=date(2024, 1, 1), through=date(2024, 7, 31))
COLUMNS = ["request_id", "locality", "request_date", "decision_to_assess_date",
           "education_advice_requested_date", "education_advice_received_date",
           "health_advice_requested_date", "health_advice_received_date",
           "social_care_advice_requested_date", "social_care_advice_received_date",
           "draft_issued_date", "final_issued_date", "exception_applies", "phase_transfer_deadline"]


def requests(rows) -> pl.DataFrame:
    return pl.from_arrow(pa.Table.from_pylist([dict(zip(COLUMNS, r)) for r in rows], schema=schemas.EHC_REQUESTS))


D = date
# Days counted by hand (2024 is a leap year: February has 29 days).
#  E1 request 2 Jan -> decision 13 Feb = 29 + 13 = 42 days (exactly 6 weeks); advice requested 13 Feb: education
#     received 26 Mar = 16 + 26 = 42, health 27 Mar = 43, social care 20 Mar = 36; final 21 May =
#     29 + 29 + 31 + 30 + 21 = 140 days (exactly 20 weeks).
#  E2 request 10 Jan -> decision 22 Feb = 21 + 22 = 43; advice requested 22 Feb: education received 10 Apr =
#     7 + 31 + 10 = 48, health 20 Mar = 27; final 30 May = 141 days.
#  E3 request 15 Jan -> decision 20 Feb = 16 + 20 = 36; education advice 20 Feb -> 25 Mar = 9 + 25 = 34;
#     final 1 Jul = 168 days, but an exception applies.
#  E4 request 5 Feb, no decision to assess.
#  E5 request 15 Sep 2023, school phase transfer: final 15 Feb 2024, on its 15 February deadline; 153 days.
#  E6 request 1 Nov 2023 -> decision 8 Dec 2023; post-16 transfer: final 2 Apr 2024, after its 31 March deadline.
#  E7 request 1 Dec 2023, school phase transfer with no final plan yet: late for 15 February 2024.
#  E8 request 3 Jun 2024, transfer deadline 15 February 2025: still to come, so not judged.
TABLE = requests([
    ("E1", "North", D(2024, 1, 2), D(2024, 2, 13), D(2024, 2, 13), D(2024, 3, 26), D(2024, 2, 13), D(2024, 3, 27),
     D(2024, 2, 13), D(2024, 3, 20), D(2024, 4, 25), D(2024, 5, 21), False, None),
    ("E2", "North", D(2024, 1, 10), D(2024, 2, 22), D(2024, 2, 22), D(2024, 4, 10), D(2024, 2, 22), D(2024, 3, 20),
     None, None, D(2024, 5, 10), D(2024, 5, 30), False, None),
    ("E3", "Central", D(2024, 1, 15), D(2024, 2, 20), D(2024, 2, 20), D(2024, 3, 25), None, None, None, None,
     D(2024, 6, 1), D(2024, 7, 1), True, None),
    ("E4", "Central", D(2024, 2, 5), None, None, None, None, None, None, None, None, None, False, None),
    ("E5", "South", D(2023, 9, 15), D(2023, 10, 20), None, None, None, None, None, None, D(2024, 1, 10),
     D(2024, 2, 15), False, D(2024, 2, 15)),
    ("E6", "South", D(2023, 11, 1), D(2023, 12, 8), None, None, None, None, None, None, D(2024, 3, 1),
     D(2024, 4, 2), False, D(2024, 3, 31)),
    ("E7", "North", D(2023, 12, 1), None, None, None, None, None, None, None, None, None, False, D(2024, 2, 15)),
    ("E8", "Central", D(2024, 6, 3), None, None, None, None, None, None, None, None, None, False, D(2025, 2, 15)),
])


def cell(frame, area, breakdown, period):
    row = frame.filter((pl.col("area") == area) & (pl.col("breakdown") == breakdown)
                       & (pl.col("period_start") == period))
    assert row.height == 1, (area, breakdown, period, row)
    return row.select("value", "numerator", "denominator").row(0)


EXPECTED = [
    ("requests_received", AREA, "All", D(2024, 1, 1), (3, None, None)),  # E1, E2, E3
    ("requests_received", AREA, "All", D(2024, 2, 1), (1, None, None)),  # E4
    ("requests_received", AREA, "All", D(2024, 6, 1), (1, None, None)),  # E8
    ("requests_received", "North", "All", D(2024, 1, 1), (2, None, None)),
    ("requests_received", "South", "All", D(2024, 1, 1), (0, None, None)),
    ("plans_issued", AREA, "All", D(2024, 5, 1), (2, None, None)),  # E1, E2
    ("plans_issued", "South", "All", D(2024, 2, 1), (1, None, None)),  # E5
    ("plans_issued", AREA, "All", D(2024, 3, 1), (0, None, None)),
    # Decisions made in February: E1 (42 days, in time), E2 (43, late), E3 (36).
    ("pct_decision_within_6_weeks", AREA, "All", D(2024, 2, 1), (200 / 3, 2, 3)),
    ("pct_decision_within_6_weeks", "North", "All", D(2024, 2, 1), (50.0, 1, 2)),
    ("pct_decision_within_6_weeks", AREA, "All", D(2024, 1, 1), (None, 0, 0)),  # E6's December decision is before
    # Final plans: Feb E5 (153 days), Apr E6 (153), May E1 (140: in time) and E2 (141), Jul E3 (exception).
    ("pct_final_within_20_weeks_excl", AREA, "All", D(2024, 2, 1), (0.0, 0, 1)),
    ("pct_final_within_20_weeks_excl", AREA, "All", D(2024, 5, 1), (50.0, 1, 2)),
    ("pct_final_within_20_weeks_excl", AREA, "All", D(2024, 7, 1), (None, 0, 0)),  # only E3, excluded
    ("pct_final_within_20_weeks_incl", AREA, "All", D(2024, 7, 1), (0.0, 0, 1)),
    ("pct_final_within_20_weeks_incl", AREA, "All", D(2024, 5, 1), (50.0, 1, 2)),
    ("pct_final_within_20_weeks_excl", "Central", "All", D(2024, 5, 1), (None, 0, 0)),
    # Advice received in March: E1 education 42 (in time), health 43, social care 36; E2 health 27; E3 education 34.
    ("pct_advice_within_6_weeks", AREA, "All", D(2024, 3, 1), (80.0, 4, 5)),
    ("pct_advice_within_6_weeks", AREA, "Education", D(2024, 3, 1), (100.0, 2, 2)),
    ("pct_advice_within_6_weeks", AREA, "Health", D(2024, 3, 1), (50.0, 1, 2)),
    ("pct_advice_within_6_weeks", AREA, "Social care", D(2024, 3, 1), (100.0, 1, 1)),
    ("pct_advice_within_6_weeks", AREA, "Education", D(2024, 4, 1), (0.0, 0, 1)),  # E2, 48 days
    ("pct_advice_within_6_weeks", "Central", "Health", D(2024, 3, 1), (None, 0, 0)),
    # Transfers with 2024 deadlines: 15 February E5 (on the day) and E7 (no plan); 31 March E6 (2 April).
    ("pct_phase_transfer_by_deadline", AREA, "All", D(2024, 1, 1), (100 / 3, 1, 3)),
    ("pct_phase_transfer_by_deadline", AREA, "15 February", D(2024, 1, 1), (50.0, 1, 2)),
    ("pct_phase_transfer_by_deadline", AREA, "31 March", D(2024, 1, 1), (0.0, 0, 1)),
    ("pct_phase_transfer_by_deadline", "South", "15 February", D(2024, 1, 1), (100.0, 1, 1)),
    ("pct_phase_transfer_by_deadline", "Central", "All", D(2024, 1, 1), (None, 0, 0)),  # E8's deadline is to come
]


@pytest.mark.parametrize("name,area,breakdown,period,expected", EXPECTED)
def test_worked_example(name, area, breakdown, period, expected):
    got = cell(DERIVATIONS[name].fn(TABLE, AREA, **WINDOW), area, breakdown, period)
    assert all((g is None and e is None) or g == pytest.approx(e) for g, e in zip(got, expected)), (got, expected)


@pytest.mark.parametrize("name,breakdowns", [
    ("requests_received", {"All"}),
    ("pct_final_within_20_weeks_excl", {"All"}),
    ("pct_advice_within_6_weeks", {"All", "Education", "Health", "Social care"}),
])
def test_monthly_grid(name, breakdowns):
    out = DERIVATIONS[name].fn(TABLE, AREA, **WINDOW)
    assert set(out["area"]) == {AREA, "North", "Central", "South"}
    assert set(out["breakdown"]) == breakdowns
    assert out.height == 4 * len(breakdowns) * 7  # January to July 2024
    assert set(out["period_type"]) == {"month"}


def test_phase_transfer_is_annual_and_leaves_out_deadlines_still_to_come():
    out = DERIVATIONS["pct_phase_transfer_by_deadline"].fn(TABLE, AREA, **WINDOW)
    assert set(out["period_type"]) == {"calendar_year"}
    assert set(out["period_start"]) == {D(2024, 1, 1)}  # not 2025: E8's deadline is after the last day of data
    later = DERIVATIONS["pct_phase_transfer_by_deadline"].fn(TABLE, AREA, since=WINDOW["since"],
                                                             through=D(2025, 3, 1))
    assert cell(later, AREA, "15 February", D(2025, 1, 1)) == (0.0, 0, 1)  # now judged: no plan, so late


@pytest.mark.parametrize("name", [n for n, d in DERIVATIONS.items() if d.fn.__module__.endswith("ehcp")])
def test_empty_input_gives_no_rows(name):
    assert DERIVATIONS[name].fn(TABLE.clear(), AREA).is_empty()


def test_no_phase_transfers_gives_no_rows():
    none = TABLE.with_columns(pl.lit(None, pl.Date).alias("phase_transfer_deadline"))
    assert DERIVATIONS["pct_phase_transfer_by_deadline"].fn(none, AREA).is_empty()


def test_default_window_starts_at_the_first_request():
    out = DERIVATIONS["requests_received"].fn(TABLE, AREA)
    months = sorted(set(out["period_start"]))
    assert months[0] == D(2023, 9, 1) and months[-1] == D(2024, 7, 1)  # E5's request .. E3's final plan


# -- the assessment funnel -------------------------------------------------------------------------------------

def test_funnel_worked_example():
    # Requests in January and February 2024: E1-E4. Days between stages (from the comments above and):
    #   advice complete = last advice received: E1 27 Mar (43 days after decision; 85 after request),
    #   E2 10 Apr (48; 91), E3 25 Mar (34; 70); draft: E1 25 Apr (29 after advice; 114), E2 10 May (30; 121),
    #   E3 1 Jun (68; 138); final: E1 21 May (26 after draft; 140), E2 30 May (20; 141), E3 1 Jul (30; 168).
    out = ehcp_funnel(TABLE, start=D(2024, 1, 1), end=D(2024, 2, 29))
    assert list(out["stage"]) == list(FUNNEL_STAGES)
    assert list(out["reached"]) == [4, 3, 3, 3, 3]
    assert list(out["pct_of_requests"]) == [100.0, 75.0, 75.0, 75.0, 75.0]
    assert list(out["median_days"][1:]) == [42, 43, 30, 26]
    assert list(out["median_days_from_request"][1:]) == [42, 85, 121, 141]
    assert out["median_days"].isna()[0]


def test_funnel_by_locality_and_outstanding_advice():
    north = ehcp_funnel(TABLE, locality="North", start=D(2024, 1, 1), end=D(2024, 2, 29))
    assert list(north["reached"]) == [2, 2, 2, 2, 2]
    # Health advice still outstanding for E1: advice is not complete, though education's has arrived.
    waiting = TABLE.with_columns(pl.when(pl.col("request_id") == "E1").then(None)
                                 .otherwise(pl.col("health_advice_received_date")).alias("health_advice_received_date"))
    out = ehcp_funnel(waiting, locality="North", start=D(2024, 1, 1), end=D(2024, 2, 29))
    assert list(out["reached"]) == [2, 2, 1, 2, 2]


def test_funnel_with_no_requests():
    out = ehcp_funnel(TABLE, start=D(2030, 1, 1), end=D(2030, 12, 31))
    assert list(out["reached"]) == [0] * 5 and out["pct_of_requests"].isna().all()
