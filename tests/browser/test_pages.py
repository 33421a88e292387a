"""Every page, for every locality, draws its charts without console errors or serious accessibility failures
(axe-core, tests/browser/axe.py: the board edition's WCAG check, done on this one visit of each page), and shows
every catalogue measure that belongs to it (all of them on the overview)."""
import pytest

import axe
from conftest import LOCALITIES
from editions import LOCALITY_FREE

CHART_PAGES = ("/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4", "/therapy", "/ehcp")
# Every board page; those whose content does not depend on the locality (LOCALITY_FREE) are visited once.
PAGES = ("/", *CHART_PAGES, "/report", *LOCALITY_FREE)


def registered(path: str) -> bool:
    import dash
    return any(p["path"] == path for p in dash.page_registry.values())


@pytest.mark.parametrize("locality", LOCALITIES)
def test_every_page_draws_every_measure_for_every_locality(board, store, locality):
    query = "" if locality == "area" else f"?locality={locality}"
    catalogue = store.catalogue
    for path in PAGES:
        if not registered(path) or (path in LOCALITY_FREE and locality != "area"):
            continue
        board.visit(path + query)
        assert board.find_all(".page"), f"{path}{query}: no page drawn"
        if path == "/":
            assert set(board.attrs(".overview-table tr[data-metric]", "data-metric")) == set(catalogue.ids)
        elif path in CHART_PAGES:
            missing = {m.id for m in catalogue.by_page(path[1:])} - set(board.attrs("[data-metric]", "data-metric"))
            assert not missing, f"{path}{query} is missing {sorted(missing)}"
        if path in CHART_PAGES:
            # Every card draws its chart or says why there is nothing to draw (published figures are often for
            # the whole area only); the whole area has charts on every page.
            cards = board.driver.execute_script(
                "return Array.from(document.querySelectorAll('.chart-card[data-breakdown]')).map(c => "
                "c.querySelector('.chart .main-svg') ? 'chart' : c.querySelector('.empty-state') ? 'empty' : "
                "c.getAttribute('data-metric'));")
            assert cards and set(cards) <= {"chart", "empty"}, f"{path}{query}: cards that drew nothing: {cards}"
            if locality == "area":
                assert "chart" in cards, f"{path}{query}: no chart drawn"
        if path not in LOCALITY_FREE:
            assert board.filter_value("locality") == locality
        assert not board.find_all(".url-notice.alert"), f"{path}{query}: unexpected notice"
        assert board.severe_logs() == [], f"{path}{query}: console errors"
        found = axe.violations(board.driver)
        assert not found, f"{path}{query}:\n{axe.report(found)}"


def test_every_registered_page_is_visited(board):
    # A page added later is drawn, and checked by axe, above without anyone remembering to list it.
    import dash
    paths = {p["path"] for p in dash.page_registry.values()} - {"/404"}
    assert "/therapy" in paths and paths <= set(PAGES)  # `board` started the app: its pages are registered


def test_overview_rows_link_to_their_chart(board, store):
    board.visit("/?locality=central")
    metric = store.catalogue.by_page("outcome-1")[0]
    link = board.driver.find_element("css selector", f"tr[data-metric='{metric.id}'] th a")
    assert link.get_attribute("href").endswith(f"/outcome-1?locality=central&metric={metric.id}")
    board.click(link)
    board.wait_drawn()
    assert board.path == "/outcome-1"
    assert board.filter_value("locality") == "central"
    card = board.driver.find_element("css selector", f"#metric-{metric.id}")
    assert "highlight" in card.get_attribute("class")
    assert board.severe_logs() == []


def test_chart_card_table_toggle_and_download(board, store):
    board.visit("/outcome-1?from=2022-04")
    card = board.driver.find_element("css selector", ".chart-card:has(.chart)")
    metric = store.catalogue.get(card.get_attribute("data-metric"))
    toggle = card.find_element("css selector", "button[aria-controls]")
    assert toggle.get_attribute("aria-expanded") == "false"
    board.click(toggle)
    board.dc.wait_for_element(f"#table-{metric.id} table caption")
    assert toggle.get_attribute("aria-expanded") == "true"
    headers = board.attrs(f"#table-{metric.id} thead th", "scope")
    assert headers and set(headers) == {"col"}
    rows = board.find_all(f"#table-{metric.id} tbody tr")
    link = card.find_element("css selector", "a[download]").get_attribute("href")
    assert link.endswith(f"/download/{metric.id}.csv?from=2022-04")
    # The CSV holds exactly the rows the table shows (plus its header line).
    import urllib.request
    with urllib.request.urlopen(link) as response:
        lines = response.read().decode().strip().splitlines()
    assert len(lines) == len(rows) + 1
    assert board.severe_logs() == []


def test_screenshots_for_the_readme(board):
    # therapy.png and ehcp.png are taken by test_therapy_ehcp.py, on the views the README describes.
    shots = [("overview", "/?locality=central&sort=concern"), ("outcome-1", "/outcome-1")]
    for name, path in shots:
        board.visit(path)
        assert board.screenshot(name).stat().st_size > 10_000
