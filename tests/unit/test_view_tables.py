"""metrics.view.tables: a chart's table and its CSV are one Table (the table shows each cell's words, the CSV its
value, with GSS symbols for hidden figures), with the columns the audience may see; the XLSX holds the same cells.
Worked on the small data folder (tests/unit/builders.py)."""
import csv
import io

import pytest

from metrics.edition import public_store
from metrics.view.measure import Scope, measure_view
from metrics.view.tables import cell, make_table, safe_filename, to_csv, to_xlsx

from builders import MONTHS_PCT, sheet_cells

BOARD_HEADER = ["period", "period_start", "value", "numerator", "denominator", "unit", "status", "centre",
                "lower_limit", "upper_limit", "point_type", "trial_limits", "comparator_england",
                "comparator_statistical_neighbours", "source", "synthetic"]
# Public: plain columns only: no counts behind a percentage (they would give a small count away), no SPC lines.
PUBLIC_HEADER = ["period", "period_start", "value", "unit", "status", "comparator_england",
                 "comparator_similar_areas_average", "source", "example_figures"]


def rows(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture(scope="module")
def pct(small_store):
    return measure_view(small_store, "pct_on_time", Scope(), "All", "board").charts[0]


def test_chart_table_and_csv_agree(pct):
    table = pct.table
    # One row per month of the area's series (the suppressed month too) and one for England's January 2022, which
    # is drawn before the area's first month.
    assert len(table.rows) == len(MONTHS_PCT) + 1
    march = [c.text for c in table.rows[5]]
    assert march[:3] == ["March 2023", "2023-03-01", "Suppressed to protect confidentiality"]
    last = {col.key: c for col, c in zip(table.columns, table.rows[-1])}
    assert (last["period"].text, last["value"].text, last["numerator"].text) == ("January 2024", "84.0%", "42")
    # p chart centre over the 14 unsuppressed months: (13 × 40 + 42) / (14 × 50) = 562/700 = 80.2857%; limits
    # ± 3√(0.802857 × 0.197143 / 50) = ± 16.879 points.
    assert last["centre"].value == pytest.approx(80.2857) and last["centre"].text == "80.3%"
    assert (last["lower_limit"].value, last["upper_limit"].value) == (pytest.approx(63.4067),
                                                                      pytest.approx(97.1647))
    lines = rows(to_csv(table))
    assert lines[0] == BOARD_HEADER and len(lines) == len(table.rows) + 1
    by = dict(zip(lines[0], lines[6]))
    assert (by["period"], by["value"], by["status"], by["point_type"]) == ("March 2023", "c", "c", "")
    assert lines[-1][:7] == ["January 2024", "2024-01-01", "84", "42", "50", "percent", ""]
    assert lines[-1][-2:] == ["Test source", "false"]
    england = dict(zip(lines[0], lines[4]))  # January 2023: the area's 80% beside England's 50.2%
    assert (england["value"], england["comparator_england"], england["comparator_statistical_neighbours"]) == \
        ("80", "50.2", "47.5")


def test_public_csv_has_no_counts_behind_and_no_spc_lines(small_store):
    view = measure_view(public_store(small_store), "pct_on_time", Scope(), "All", "public")
    lines = rows(to_csv(view.charts[0].table))
    assert lines[0] == PUBLIC_HEADER
    assert lines[6][2:5] == ["c", "percent", "c"]  # March 2023 hidden: GSS symbol c
    assert lines[-1][:4] == ["January 2024", "2024-01-01", "84", "percent"]
    assert all(len(line) == len(PUBLIC_HEADER) for line in lines)


@pytest.mark.parametrize("value, written", [
    ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),  # a formula is written as text
    ("+1+cmd", "'+1+cmd"), ("@SUM(A1)", "'@SUM(A1)"), ("-cmd", "'-cmd"),
    ("-2.5", "-2.5"),  # a negative number stays a number
    (True, "true"), (None, ""), (0.1234567, "0.123457"), (12345678.9, "12345679"), ("Say \"hi\", then", None),
])
def test_csv_cells(value, written):
    text = to_csv(make_table("c", [("a", "A")], [[cell(value)]], "f"))
    assert rows(text) == [["a"], [written if written is not None else value]]


def test_a_row_of_the_wrong_width_is_refused_naming_the_table():
    with pytest.raises(ValueError, match=r"table 'Waits': a row has 1 cells for 2 columns"):
        make_table("Waits", [("a", "A"), ("b", "B")], [["x"]], "waits")


@pytest.mark.parametrize("name, safe", [("pct_on_time_central_2023-04", "pct_on_time_central_2023-04"),
                                        ("../../etc/passwd", "..-..-etc-passwd"), ("<script>", "script"),
                                        ("", "data"), ("A" * 200, "a" * 120)])
def test_filenames_are_safe(name, safe):
    assert safe_filename(name) == safe


def test_xlsx_has_a_sheet_per_table_with_the_same_cells(pct):
    t = make_table("All", [("measure", "Measure"), ("latest", "Latest")],
                   [[cell("=1+1"), cell(84.0, "84.0%")]], "all")
    book = to_xlsx([("All measures", t), ("pct_on_time", pct.table), ("a/b:c*d?[e]" + "x" * 40, t),
                    ("pct_on_time", t)])
    sheets = sheet_cells(book)
    assert list(sheets) == ["All measures", "pct_on_time", "a b c d  e xxxxxxxxxxxxxxxxxxxx", "pct_on_time~3"]
    assert sheets["All measures"] == ["Measure", "Latest", "=1+1", "84"]  # a formula stays text, a number a number
    chart = sheets["pct_on_time"]
    assert chart[:len(BOARD_HEADER)] == [c.header for c in pct.table.columns]
    assert "March 2023" in chart and "c" in chart
