"""Annual review derivations against a small table worked out by hand."""
from datetime import date as D

import polars as pl
import pyarrow as pa
import pytest

from metrics import schemas
from metrics.derive import DERIVATIONS

AREA = "Blackpool"
WINDOW = dict(since=D(2024, 1, 1), through=D(2024, 4, 30))
COLUMNS = ["plan_id", "locality", "review_due_date", "meeting_date", "paperwork_received_date", "outcome",
           "amended_plan_issued_date"]


def reviews(rows) -> pl.DataFrame:
    return pl.from_arrow(pa.Table.from_pylist([dict(zip(COLUMNS, r)) for r in rows], schema=schemas.ANNUAL_REVIEWS))


# V1 due 15 Jan, met 15 Jan: on time (the due date itself). V2 due 20 Jan, met 22 Jan: late; amended plan issued
# 15 Apr = 9 + 29 + 31 + 15 = 84 days after the meeting (exactly 12 weeks: on time). V3 due 31 Jan, no meeting by
# the end of data: late. V4 due 10 Feb, met early on 1 Feb; amended plan 26 Apr = 28 + 31 + 26 = 85 days: late.
# V6 due 5 Mar, met 4 Mar, ceased. V7 due 10 Mar, met 12 Mar (late), outcome not yet recorded.
TABLE = reviews([
    ("V1", "North", D(2024, 1, 15), D(2024, 1, 15), None, "maintained", None),
    ("V2", "North", D(2024, 1, 20), D(2024, 1, 22), None, "amended", D(2024, 4, 15)),
    ("V3", "Central", D(2024, 1, 31), None, None, None, None),
    ("V4", "Central", D(2024, 2, 10), D(2024, 2, 1), None, "amended", D(2024, 4, 26)),
    ("V6", "South", D(2024, 3, 5), D(2024, 3, 4), None, "ceased", None),
    ("V7", "South", D(2024, 3, 10), D(2024, 3, 12), None, None, None),
])


def cell(frame, area, breakdown, period):
    row = frame.filter((pl.col("area") == area) & (pl.col("breakdown") == breakdown)
                       & (pl.col("period_start") == period))
    assert row.height == 1, (area, breakdown, period, row)
    return row.select("value", "numerator", "denominator").row(0)


EXPECTED = [
    ("pct_reviews_on_time", AREA, "All", D(2024, 1, 1), (100 / 3, 1, 3)),  # V1 of V1, V2, V3
    ("pct_reviews_on_time", "North", "All", D(2024, 1, 1), (50.0, 1, 2)),
    ("pct_reviews_on_time", "Central", "All", D(2024, 1, 1), (0.0, 0, 1)),  # V3: no meeting, January is over
    ("pct_reviews_on_time", AREA, "All", D(2024, 2, 1), (100.0, 1, 1)),  # V4, met before it was due
    ("pct_reviews_on_time", AREA, "All", D(2024, 3, 1), (50.0, 1, 2)),  # V6 on time, V7 late
    ("pct_reviews_on_time", AREA, "All", D(2024, 4, 1), (None, 0, 0)),
    # Outcomes by meeting month: January V1 maintained, V2 amended; February V4 amended; March V6 ceased (V7 has none).
    ("review_outcome_share", AREA, "All", D(2024, 1, 1), (100.0, 2, 2)),
    ("review_outcome_share", AREA, "Maintained", D(2024, 1, 1), (50.0, 1, 2)),
    ("review_outcome_share", AREA, "Amended", D(2024, 1, 1), (50.0, 1, 2)),
    ("review_outcome_share", AREA, "Ceased", D(2024, 1, 1), (0.0, 0, 2)),
    ("review_outcome_share", "Central", "Amended", D(2024, 2, 1), (100.0, 1, 1)),
    ("review_outcome_share", AREA, "Ceased", D(2024, 3, 1), (100.0, 1, 1)),
    ("review_outcome_share", AREA, "Maintained", D(2024, 4, 1), (None, 0, 0)),
    # Amended plans issued in April: V2 (84 days, on time) and V4 (85, late).
    ("pct_amended_plans_on_time", AREA, "All", D(2024, 4, 1), (50.0, 1, 2)),
    ("pct_amended_plans_on_time", "North", "All", D(2024, 4, 1), (100.0, 1, 1)),
    ("pct_amended_plans_on_time", AREA, "All", D(2024, 1, 1), (None, 0, 0)),
]


@pytest.mark.parametrize("name,area,breakdown,period,expected", EXPECTED)
def test_worked_example(name, area, breakdown, period, expected):
    got = cell(DERIVATIONS[name].fn(TABLE, AREA, **WINDOW), area, breakdown, period)
    assert all((g is None and e is None) or g == pytest.approx(e) for g, e in zip(got, expected)), (got, expected)


def test_a_review_without_a_meeting_is_only_late_once_its_month_is_over():
    v8 = TABLE.vstack(reviews([("V8", "North", D(2024, 4, 5), None, None, None, None)]))
    during = DERIVATIONS["pct_reviews_on_time"].fn(v8, AREA, since=D(2024, 1, 1), through=D(2024, 4, 20))
    after = DERIVATIONS["pct_reviews_on_time"].fn(v8, AREA, since=D(2024, 1, 1), through=D(2024, 4, 30))
    assert cell(during, AREA, "All", D(2024, 4, 1)) == (None, 0, 0)  # April not over on 20 April: not counted
    assert cell(after, AREA, "All", D(2024, 4, 1)) == (0.0, 0, 1)


def test_future_due_dates_do_not_stretch_the_window():
    # Reviews are scheduled ahead: a due date in 2025 with nothing recorded must not add months.
    ahead = TABLE.vstack(reviews([("V9", "North", D(2025, 1, 10), None, None, None, None)]))
    out = DERIVATIONS["pct_reviews_on_time"].fn(ahead, AREA)
    assert sorted(set(out["period_start"]))[-1] == D(2024, 4, 1)  # the last recorded date is 26 April 2024


def test_breakdowns_and_areas():
    out = DERIVATIONS["review_outcome_share"].fn(TABLE, AREA, **WINDOW)
    assert set(out["breakdown"]) == {"All", "Maintained", "Amended", "Ceased"}
    assert set(out["area"]) == {AREA, "North", "Central", "South"}
    assert out.height == 4 * 4 * 4


@pytest.mark.parametrize("name", ["pct_reviews_on_time", "review_outcome_share", "pct_amended_plans_on_time"])
def test_empty_input_gives_no_rows(name):
    assert DERIVATIONS[name].fn(TABLE.clear(), AREA).is_empty()
