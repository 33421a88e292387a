"""Keyboard only: the skip link is the first stop and moves focus to the main content, every filter is reached with
Tab and operated with the arrow keys, focus is always visible, and a chart's table opens with Enter."""
import pytest
from editions import base_url
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

FILTER_PAGES = [("board", p) for p in ("/", "/outcome-1", "/therapy", "/ehcp")] + [("public", "/therapy")]
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
        "var el = arguments[0]; if (!el.dataset.kbd) { el.dataset.kbd = String(++window.__n); }"
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
    board.driver.get(base + "/outcome-1")
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
    stops = tab_from_top(board, MAX_TABS)
    reached = {s["key"] for s in stops}
    assert wanted <= reached, f"{path}: {len(wanted - reached)} filter controls not reached in {MAX_TABS} Tabs"
    assert [s["html"] for s in stops if not s["ring"]] == []  # focus always visible


def test_filter_operated_with_arrow_keys_updates_the_view(board):
    board.visit("/outcome-3")  # four cards: the cheapest page to redraw (a redraw of the overview's 86 rows
    # keeps the browser busy for seconds)
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
    board.visit("/outcome-1")
    toggle = board.find_all(".chart-card .card-actions button[aria-controls]")[0]
    board.driver.execute_script("arguments[0].focus();", toggle)
    press(board, Keys.ENTER)
    board.dc.wait_for_element(".chart-card .data-table caption")
    assert toggle.get_attribute("aria-expanded") == "true"
    assert board.find_all(".chart-card .data-table th[scope='col']")
    press(board, Keys.SPACE)
    board.wait_drawn()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert not board.find_all(".chart-card .data-table")
