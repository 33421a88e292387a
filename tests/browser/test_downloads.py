"""Complete downloads (issue 16), fetched from the links the pages show: a chart's CSV has the period, value,
numerator, denominator, unit, status symbol, source and synthetic flag, and a column for each comparator series the
chart draws, with the values drawn; the public edition's has no numerators, denominators or SPC lines; the file is
named with the measure, place and window; and the overview's "every measure shown" downloads (CSV and XLSX) hold
exactly the rows shown."""
import csv
import io
import re

import pytest
import xlsx
from editions import BOARD_CSV_COLUMNS, NOT_PUBLIC_COLUMNS, PUBLIC_CSV_COLUMNS, base_url, column_key, http

from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue()

# Each chart of a card with the link to its download: the "Save chart as PNG" button names its chart, and sits
# beside the chart's "Download CSV". Comparators are the lines drawn with markers beside the measure's own points.
CHARTS = """
return Array.from(arguments[0].querySelectorAll('.png-button[data-target]')).map(b => ({
  key: b.dataset.target.replace(/^chart-/, ''),
  href: b.parentElement.querySelector('a[download]').getAttribute('href')}));
"""
COMPARATOR_KINDS = ("comparator", "lines+markers")  # an SVG chart's comparator groups, or plotly's traces


def number(text: str):
    try:
        return float(text)
    except ValueError:
        return None


def fetch_csv(url: str) -> tuple[list[dict], list[str], str]:
    status, text, headers = http(url)
    assert status == 200, url
    assert headers["Content-Type"].startswith("text/csv")
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    return rows, list(reader.fieldnames or ()), headers["Content-Disposition"]


def card_downloads(board, base: str, card_id: str) -> list[dict]:
    """Each chart of card `card_id` as drawn (its comparators) with its CSV download (rows, columns, file name)."""
    card = board.driver.find_element("css selector", f"#metric-{card_id}")
    out = []
    for chart in board.driver.execute_script(CHARTS, card):
        box = board.draw(board.chart(chart["key"]))
        rows, columns, disposition = fetch_csv(base + chart["href"])
        comparators = [s for s in board.series(box) if s["kind"] in COMPARATOR_KINDS]
        out.append({**chart, "comparators": comparators, "rows": rows,
                    "columns": columns, "disposition": disposition})
    return out


def check_comparators(chart: dict) -> None:
    """A column for each comparator drawn, and no other, holding the values drawn (by period start)."""
    drawn = {"comparator_" + column_key(t["name"]): t for t in chart["comparators"]}
    assert {c for c in chart["columns"] if c.startswith("comparator_")} == set(drawn), chart["key"]
    for name, trace in drawn.items():
        plotted = {str(x)[:10]: y for x, y in zip(trace["x"], trace["y"]) if y is not None}
        written = {r["period_start"]: number(r[name]) for r in chart["rows"] if r[name] != ""}
        assert written.keys() == plotted.keys(), (chart["key"], name)
        assert written == pytest.approx(plotted, rel=1e-4), (chart["key"], name)


@pytest.mark.parametrize("edition", ["board", "public"])
def test_chart_csv_has_its_columns_and_every_comparator_drawn(request, board, edition):
    # New EHC plans within 20 weeks: the yearly published figures drawn against England, the North West and
    # similar areas, then the monthly local extract (synthetic demonstration data, never drawn against real
    # comparators: issue 12).
    base = base_url(request, board, edition)
    board.driver.get(base + "/ehcp?locality=central&from=2022-04")
    board.wait_drawn()
    charts = card_downloads(board, base, "ehcp_20wk_excl")
    assert [c["key"] for c in charts] == ["ehcp_20wk_excl", "ehcp_20wk_excl--1"]
    assert [len(c["comparators"]) for c in charts] == [3, 0]
    flag = "synthetic" if edition == "board" else "example_figures"
    for chart, synthetic in zip(charts, ("false", "true")):
        columns = set(chart["columns"])
        if edition == "board":
            assert BOARD_CSV_COLUMNS <= columns, (chart["key"], sorted(BOARD_CSV_COLUMNS - columns))
        else:
            assert PUBLIC_CSV_COLUMNS <= columns, (chart["key"], sorted(PUBLIC_CSV_COLUMNS - columns))
            assert not columns & NOT_PUBLIC_COLUMNS, (chart["key"], sorted(columns & NOT_PUBLIC_COLUMNS))
        assert chart["rows"] and {r[flag] for r in chart["rows"]} == {synthetic}, chart["key"]
        assert all(r["source"] for r in chart["rows"]) and {r["unit"] for r in chart["rows"]} == {"percent"}
        check_comparators(chart)


@pytest.mark.parametrize("edition", ["board", "public"])
def test_chart_csv_is_named_with_measure_place_and_window(request, board, edition):
    base = base_url(request, board, edition)
    board.driver.get(base + "/ehcp?locality=central&from=2022-04&to=2024-03")
    board.wait_drawn()
    href = board.driver.find_element("css selector", "#metric-ehcp_plans_issued a[download]").get_attribute("href")
    assert href.endswith("/download/ehcp_plans_issued.csv?locality=central&from=2022-04&to=2024-03")
    rows, _, disposition = fetch_csv(href)
    name = re.fullmatch(r'attachment; filename="([^"]+)\.csv"', disposition).group(1)
    assert "ehcp_plans_issued" in name and "central" in name, name
    assert re.search(r"2022-?04", name) and re.search(r"2024-?03", name), name
    assert [r["period_start"] for r in rows][:1] == ["2022-04-01"] and rows[-1]["period_start"] == "2024-03-01"


def test_board_rate_csv_carries_its_counts(board):
    # % of the speech and language therapy list waiting over 18 weeks: each figure with the children over 18 weeks
    # and the list size it is a share of (issue 16: there was no list size).
    board.visit("/therapy?service=slt")
    (chart, *_) = card_downloads(board, board.url(""), "therapy_over_18wk_pct--speech-and-language-therapy")
    assert "part=Speech" in chart["href"]
    shown = [r for r in chart["rows"] if number(r["value"]) is not None]
    assert len(shown) > 12
    for r in shown:
        numerator, denominator = number(r["numerator"]), number(r["denominator"])
        assert numerator is not None and denominator, r
        assert number(r["value"]) == pytest.approx(100 * numerator / denominator, abs=0.05), r


OVERVIEW_ROWS = ("return Array.from(document.querySelectorAll('.overview-table tr[data-metric]'))"
                 ".map(r => r.dataset.metric);")


@pytest.mark.parametrize("edition, query", [("board", "?locality=central&variation=concern"),
                                            ("public", "?locality=north&outcome=therapy")])
def test_overview_downloads_hold_every_measure_shown(request, board, edition, query):
    base = base_url(request, board, edition)
    board.driver.get(base + "/" + query)
    board.wait_drawn()
    shown = board.driver.execute_script(OVERVIEW_ROWS)
    assert 0 < len(shown) < len(CATALOGUE.metrics)  # the filters apply
    links = {a.text: a.get_attribute("href") for a in board.find_all(".downloads a")}
    csv_link = next(h for t, h in links.items() if "CSV" in t)
    xlsx_link = next(h for t, h in links.items() if "XLSX" in t)
    assert csv_link.endswith("/download/overview.csv" + query) and xlsx_link.endswith("/download/overview.xlsx" + query)
    rows, columns, _ = fetch_csv(csv_link)
    assert [r["metric_id"] for r in rows] == shown
    assert ("synthetic" if edition == "board" else "example_figures") in columns
    status, data, headers = http(xlsx_link, raw=True)
    assert status == 200 and headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = xlsx.sheets(data)
    summary, *per_measure = book
    assert summary == "All measures" and [r[0] for r in book[summary][1:]] == shown
    assert per_measure and set(per_measure) <= {m[:31] for m in shown}
