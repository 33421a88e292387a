"""Every board page, for every locality (one visit each: editions.board_sweep), draws without console errors or
serious accessibility failures (axe-core, tests/browser/axe.py: the board edition's WCAG check), shows every
catalogue measure that belongs to it (all of them on the overview), serves every chart it shows, and draws at least
one chart with values on every chart page for every locality (issue 12); the overview lists the same exceptions as
the quarterly report, first; a row links to its chart without a reload; a card's table opens and its CSV holds the
same rows."""
import urllib.request

import pytest

import axe
from editions import BOARD_PAGES, CHART_PAGES, LOCALITY_FREE, has_values, sweep_params
from metrics.report import Quarter

VISITS = sweep_params(BOARD_PAGES)


@pytest.mark.parametrize("path, locality", VISITS)
def test_every_page_draws_every_measure(board_sweep, store, path, locality):
    page = board_sweep[(path, locality)]
    where = f"{path}?locality={locality}"
    assert page["error"] is None, page["error"]
    catalogue = store.catalogue
    if path == "/":
        assert sorted(page["measures"]) == sorted(catalogue.ids), where
    elif path in CHART_PAGES:
        # A drill-down card stands for the measure it draws (ehcp-review-outcomes for ehcp_review_outcomes).
        missing = {m.id for m in catalogue.by_page(path[1:])} - {k.replace("-", "_") for k in page["metrics"]}
        assert not missing, f"{where} is missing {sorted(missing)}"
        # Every card has its chart or says why there is nothing to draw (published figures are often for the
        # whole area only), and every chart's figure is served with values, as dashboard.js will fetch it.
        shows = [c["shows"] if c["shows"] != "nothing" else c["metric"] for c in page["cards"]]
        assert shows and set(shows) <= {"chart", "empty"}, f"{where}: cards that show nothing: {shows}"
        bad = [(c["src"], c["status"]) for c in page["charts"] if c["status"] != 200 or not has_values(
            c["figure"]["data"])]
        assert not bad, f"{where}: charts not served or without values: {bad}"
        # At least one chart drawn, with values, for every locality (issue 12: locality views were mostly empty).
        assert page["first_chart"] is not None and has_values(page["first_chart"]), f"{where}: no chart drawn"
    if path not in LOCALITY_FREE:
        assert page["locality"] == locality, where
    assert not page["notice"], f"{where}: unexpected notice"
    assert page["logs"] == [], f"{where}: console errors"


@pytest.mark.parametrize("path, locality", VISITS)
def test_board_pages_have_no_serious_violations(board_sweep, path, locality):
    page = board_sweep[(path, locality)]
    assert page["error"] is None, page["error"]
    found = page["axe"]
    assert not found, f"{path}?locality={locality}:\n{axe.report(found)}"


def test_every_registered_page_is_visited(board):
    # A page added later is drawn, and checked by axe, above without anyone remembering to list it.
    import dash
    paths = {p["path"] for p in dash.page_registry.values()} - {"/404"}
    assert "/therapy" in paths and paths <= set(BOARD_PAGES)  # `board` started the app: its pages are registered


# The exceptions a page lists, in order: the report's inside its frame, or the overview's rows.
EXCEPTIONS = """
var root = arguments[0] ? document.getElementById('report-frame').contentDocument : document;
return Array.from(root.querySelectorAll(arguments[0] ? 'li.exception' : '#page-content tr[data-kind]'))
  .map(e => [e.dataset.metric, e.dataset.part, e.dataset.kind]);
"""


def test_overview_lists_the_reports_exceptions(board):
    # The report page as drawn (its document in a frame) and the overview for the same place and the window ending
    # with the report's quarter list the same exceptions, in the same order (tests/unit/test_view_overview.py
    # checks every locality and quarter on the rendered HTML; this is what the browser shows).
    board.visit("/report?locality=central")
    quarter = Quarter.parse(board.filter_value("quarter"))
    board.wait_for("var d = document.getElementById('report-frame').contentDocument;"
                   "return d.readyState === 'complete' && !!d.getElementById('exceptions');",
                   what="the report's document")
    from_report = board.driver.execute_script(EXCEPTIONS, True)
    board.visit(f"/?locality=central&to={quarter.end:%Y-%m}")
    from_overview = board.driver.execute_script(EXCEPTIONS, False)
    assert from_report, "the report lists no exceptions: nothing compared"
    assert {k for _, _, k in from_overview} >= {"concern", "improvement"}
    assert from_overview == from_report
    # Exceptions come first: before the overview's first table of measures.
    assert board.driver.execute_script(
        "var e = document.querySelector('#exceptions'), t = document.querySelector('.overview-table');"
        "return !!(e.compareDocumentPosition(t) & Node.DOCUMENT_POSITION_FOLLOWING);")


def test_overview_rows_link_to_their_chart(board, store):
    board.visit("/?locality=central")
    metric = store.catalogue.by_page("ehcp")[0]
    link = board.driver.find_element("css selector", f".overview-table tr[data-metric='{metric.id}'] th a")
    assert link.get_attribute("href").endswith(f"/ehcp?locality=central&metric={metric.id}")
    board.driver.execute_script("window.__no_reload = true;")
    board.click(link)
    board.wait_drawn()
    assert board.path == "/ehcp"
    assert board.driver.execute_script("return window.__no_reload === true;")  # no page reload
    assert board.filter_value("locality") == "central"
    card = board.driver.find_element("css selector", f"#metric-{metric.id}")
    assert "highlight" in card.get_attribute("class")
    assert board.driver.switch_to.active_element == card  # the page scrolled to it and focus moved there
    assert board.severe_logs() == []


def test_chart_card_table_toggle_and_download(board, store):
    board.visit("/ehcp?from=2022-04")
    card = board.driver.find_element("css selector", "section.chart-card:has(.chart[data-src])")
    metric = store.catalogue.get(card.get_attribute("data-metric"))
    toggle = card.find_element("css selector", "details.table-toggle")
    assert toggle.get_attribute("open") is None
    board.click(toggle.find_element("css selector", "summary"))
    board.wait_for("return !!arguments[0].querySelector('.lazy-table table caption');", toggle,
                   what="the card's table")
    assert toggle.get_attribute("open") is not None
    headers = [th.get_attribute("scope") for th in toggle.find_elements("css selector", "thead th")]
    assert headers and set(headers) == {"col"}
    rows = toggle.find_elements("css selector", "tbody tr")
    link = card.find_element("css selector", "a[download]").get_attribute("href")
    assert link.endswith(f"/download/{metric.id}.csv?from=2022-04")
    # The CSV holds exactly the rows the table shows (plus its header line).
    with urllib.request.urlopen(link) as response:
        lines = response.read().decode().strip().splitlines()
    assert len(lines) == len(rows) + 1
    assert board.severe_logs() == []


@pytest.mark.parametrize("name, path", [("overview", "/?locality=central&sort=concern"),
                                        ("outcome-1", "/outcome-1")])
def test_screenshots_for_the_readme(board, name, path):
    # therapy.png and ehcp.png are taken by test_therapy_ehcp.py, on the views the README describes.
    board.visit(path)
    assert board.screenshot(name).stat().st_size > 10_000
