"""Shareable views: a filter change writes the URL without a reload, the URL opened fresh shows the same view,
back and forward work, and a malformed link shows a polite notice instead of an error."""
import pytest

from metrics import urlstate


def first_metric(store, page_id):
    return store.catalogue.by_page(page_id)[0].id


def test_filter_change_updates_url_without_reload_and_a_fresh_load_matches(board, store):
    key = first_metric(store, "outcome-1")
    board.visit("/outcome-1")
    before = board.figure_data(key)
    board.driver.execute_script("window.__no_reload = true;")  # survives only if the page is not reloaded

    board.choose("locality", "central")
    assert board.search == "?locality=central"
    assert board.driver.execute_script("return window.__no_reload === true;")
    board.choose("from", "2022-04")
    assert board.search == "?locality=central&from=2022-04"
    changed = board.figure_data(key)
    assert changed != before

    board.visit("/outcome-1?locality=central&from=2022-04")
    assert board.filter_value("locality") == "central"
    assert board.filter_value("from") == "2022-04"
    assert board.figure_data(key) == changed
    assert board.severe_logs() == []


def test_back_and_forward_restore_the_view(board, store):
    key = first_metric(store, "outcome-2")
    board.visit("/outcome-2")
    whole_area = board.figure_data(key)
    board.choose("locality", "south")
    south = board.figure_data(key)
    assert board.search == "?locality=south"

    board.driver.back()
    board.wait_drawn()
    assert board.search == ""
    assert board.filter_value("locality") == "area"
    assert board.figure_data(key) == whole_area

    board.driver.forward()
    board.wait_drawn()
    assert board.search == "?locality=south"
    assert board.filter_value("locality") == "south"
    assert board.figure_data(key) == south
    assert board.severe_logs() == []


def test_navigation_keeps_the_shared_filters(board):
    board.visit("/outcome-3?locality=north&to=2024-03")
    link = board.driver.find_element("css selector", ".site-nav a[href^='/outcome-4']")
    assert link.get_attribute("href").endswith("/outcome-4?locality=north&to=2024-03")
    assert board.driver.find_element("css selector", ".site-nav a[aria-current='page']").get_attribute(
        "href").split("?")[0].endswith("/outcome-3")
    board.click(link)
    board.wait_drawn()
    assert board.path == "/outcome-4"
    assert board.filter_value("locality") == "north" and board.filter_value("to") == "2024-03"


HOSTILE = [
    ("locality", "<script>window.__pwned=1</script>", "locality"),
    ("locality", "central' OR '1'='1", "locality"),
    ("from", "2022-13", "from"),
    ("to", "x" * 5000, "to"),
    ("locality", "ｃｅｎｔｒａｌ", "locality"),
]


@pytest.mark.parametrize("param, value, notice_for", HOSTILE)
def test_malformed_parameters_show_the_notice_not_an_error(board, param, value, notice_for):
    board.visit("/outcome-1?" + urlstate.urlencode({param: value}))
    notice = board.dc.wait_for_element(".url-notice.alert")
    assert notice.text == urlstate.FALLBACK[notice_for]
    assert notice.get_attribute("role") == "status"
    assert board.filter_value("locality") == "area"
    assert board.find_all(".chart .main-svg")
    # Nothing from the link reaches the app's HTML (Dash's own <meta og:url> carries the address, escaped).
    app_html = board.driver.execute_script("return document.getElementById('react-entry-point').innerHTML;")
    assert value not in app_html
    assert not board.driver.execute_script("return window.__pwned === 1;")
    assert board.severe_logs() == []


def test_repeated_keys_and_unknown_paths(board):
    board.visit("/outcome-1?locality=north&locality=south")
    assert board.dc.wait_for_element(".url-notice.alert").text == urlstate.REPEATED.format(what="locality")
    assert board.severe_logs() == []
    board.driver.get(board.url("/no-such-page"))  # answered 404 with a plain page (the browser logs the 404)
    assert board.driver.find_element("css selector", "h1").text == "Page not found"


def test_overview_filters_are_in_the_url(board, store):
    board.visit("/?locality=central")
    board.choose("variation", "concern")
    assert board.search == "?locality=central&variation=concern"
    shown = board.attrs(".overview-table tr[data-metric]", "data-metric")
    labels = [e.text for e in board.find_all(".overview-table tr[data-metric] td:nth-child(4) .mdc-label")]
    assert all(label.startswith("Concern") for label in labels)
    assert len(shown) == len(labels)
    board.visit("/?locality=central&variation=concern")
    assert board.attrs(".overview-table tr[data-metric]", "data-metric") == shown


def test_copy_link_copies_the_current_url(board):
    board.driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": board.url(""), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    board.visit("/outcome-1?locality=south")
    board.click(board.driver.find_element("css selector", ".copy-link button"))
    copied = board.driver.execute_async_script(
        "var done = arguments[0]; setTimeout(() => navigator.clipboard.readText().then(done, e => done('ERR ' + e)),"
        " 400);")
    assert copied == board.url("/outcome-1?locality=south")
