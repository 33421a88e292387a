"""Keyboard only: the skip link is the first stop and moves focus to the main content, every filter is reached with
Tab and operated with the arrow keys, focus is always visible, every card's "Show the data as a table" is reached
with Tab, and a chart's table opens with Enter and closes with Space."""
import pytest
from editions import base_url
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

FILTER_PAGES = [("board", p)
                for p in ("/", "/outcome-1", "/therapy", "/ehcp")] + [("public", "/therapy")]
MAX_TABS = 40  # the filters come before the charts; a page needing more Tabs than this to reach them is a bug


RECORD = """
window.__stops = [];
window.__n = (window.__n || 0);
document.addEventListener('focusin', function (e) {
    var el = e.target, s = getComputedStyle(el);
    if (!el.dataset.kbd) { el.dataset.kbd = String(++window.__n); }
    window.__stops.push({key: el.dataset.kbd, html: el.outerHTML.slice(0, 100),
        ring: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || s.boxShadow !== 'none'});
}, true);
"""


def active(board):
    return board.driver.switch_to.active_element


def press(board, key, times: int = 1) -> None:
    ActionChains(board.driver).send_keys(*[key] * times).perform()


def key_of(board, element) -> str:
    """A stable tag for a DOM element, shared with the focus recorder."""
    return board.driver.execute_script(
        "var el = arguments[0]; window.__n = window.__n || 0;"
        "if (!el.dataset.kbd) { el.dataset.kbd = String(++window.__n); }"
        "return el.dataset.kbd;", element)


def tab_from_top(board, tabs: int) -> list[dict]:
    """Press Tab `tabs` times from the top of the page; every element focused on the way, as focus found it
    (its tag and whether a focus indicator showed at that moment)."""
    board.driver.execute_script(RECORD + "document.activeElement && document.activeElement.blur();"
                                "window.scrollTo(0, 0);")
    press(board, Keys.TAB, tabs)
    return board.driver.execute_script("return window.__stops;")


@pytest.mark.parametrize("edition", ["board", "public"])
def test_skip_link_first_and_moves_focus_to_main(request, board, edition):
    base = base_url(request, board, edition)
    board.driver.get(base + "/ehcp")
    board.wait_drawn()
    stop = tab_from_top(board, 1)[0]
    first = active(board)
    assert first.text == "Skip to main content" and stop["ring"]
    assert first.is_displayed() and first.size["height"] > 10  # visible once focused
    press(board, Keys.ENTER)
    assert board.driver.execute_script("return document.activeElement.id;") == "main-content"


@pytest.mark.parametrize("edition, path", FILTER_PAGES)
def test_every_filter_reached_by_tab_with_visible_focus(request, board, edition, path):
    board.driver.get(base_url(request, board, edition) + path)
    board.wait_drawn()
    filters = board.find_all(".filter-bar select") + board.find_all(".copy-link button")
    assert len(filters) > 1, f"{path} has no filters"
    wanted = {key_of(board, f) for f in filters}
    assert len(wanted) == len(filters)  # one tag each
    stops = tab_from_top(board, MAX_TABS)
    reached = {s["key"] for s in stops}
    assert wanted <= reached, f"{path}: {len(wanted - reached)} filter controls not reached in {MAX_TABS} Tabs"
    assert [s["html"] for s in stops if not s["ring"]] == []  # focus always visible


def test_filter_operated_with_arrow_keys_updates_the_view(board):
    board.visit("/ehcp")
    locality = board.filter("locality")
    options = [o.get_attribute("value") for o in locality.find_elements("css selector", "option")]
    start = options.index(board.filter_value("locality"))
    target = key_of(board, locality)
    stops = tab_from_top(board, 1)
    for _ in range(MAX_TABS):
        if stops and stops[-1]["key"] == target:
            break
        press(board, Keys.TAB)
        stops = board.driver.execute_script("return window.__stops;")
    assert stops[-1]["key"] == target
    press(board, Keys.ARROW_DOWN)
    board.wait_drawn()
    assert board.filter_value("locality") == options[start + 1]
    assert board.search == f"?locality={options[start + 1]}"
    press(board, Keys.ARROW_UP)
    board.wait_drawn()
    assert board.filter_value("locality") == options[start] and board.search == ""


def test_chart_table_opens_and_closes_with_the_keyboard(board):
    board.visit("/ehcp")
    toggle = board.find_all("section.chart-card details.table-toggle")[0]
    summary = toggle.find_element("css selector", "summary")
    assert summary.text == "Show the data as a table" and toggle.get_attribute("open") is None
    board.driver.execute_script("arguments[0].focus();", summary)
    press(board, Keys.ENTER)
    board.wait_for("return !!arguments[0].querySelector('.lazy-table table caption');", toggle, what="the table")
    assert toggle.get_attribute("open") is not None
    assert toggle.find_elements("css selector", ".lazy-table table th[scope='col']")
    press(board, Keys.SPACE)
    board.wait_for("return !arguments[0].open;", toggle, what="the table closed")
    assert not toggle.find_element("css selector", ".lazy-table").is_displayed()


def test_every_cards_table_is_reached_by_tab_and_opens_with_enter(board):
    # The therapy page: measures, waits beside demand and the record-level drill-downs, each with its table.
    board.visit("/therapy")
    filters = {key_of(board, f) for f in board.find_all(".filter-bar select")}
    summaries = board.find_all("section.chart-card details.table-toggle > summary")
    wanted = {key_of(board, s) for s in summaries}
    charted = board.driver.execute_script(
        "return Array.from(document.querySelectorAll('section.chart-card')).filter(c => c.querySelector('.chart'))"
        ".map(c => [c.dataset.metric, c.querySelectorAll('details.table-toggle > summary').length]);")
    assert charted and [m for m, n in charted if n == 0] == []  # every card with a chart has its table
    assert filters and len(wanted) >= len(charted)
    stops = tab_from_top(board, 50)
    for _ in range(10):  # Tab on, 50 at a time, until every table's summary has had focus
        if wanted <= {s["key"] for s in stops}:
            break
        press(board, Keys.TAB, 50)
        stops = board.driver.execute_script("return window.__stops;")
    reached = {s["key"] for s in stops}
    assert filters <= reached
    assert wanted <= reached, f"{len(wanted - reached)} of {len(wanted)} tables not reached in {len(stops)} Tabs"
    assert [s["html"] for s in stops if s["key"] in wanted and not s["ring"]] == []  # focus visible on each
    # Enter on a summary reached by Tab opens its table, fetched from the server the first time.
    last = next(s for s in summaries if key_of(board, s) == [x for x in stops if x["key"] in wanted][-1]["key"])
    board.driver.execute_script("arguments[0].focus();", last)
    press(board, Keys.ENTER)
    toggle = last.find_element("xpath", "..")
    board.wait_for("return !!arguments[0].querySelector('.lazy-table table tbody tr');", toggle, what="the table")
    assert toggle.get_attribute("open") is not None
    assert board.severe_logs() == []
