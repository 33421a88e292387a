"""Shareable views: a filter change writes the URL without a reload, the URL opened fresh shows the same view,
back and forward work, and a malformed link shows a polite notice instead of an error and is rewritten in the
address bar to its canonical form.

The views are the therapy and EHC plans pages'; the
charts compared are monthly local series, which change with the locality and the window."""
import pytest

from metrics import urlstate

OVER_18 = "therapy_over_18wk_pct"  # on /therapy
PLANS = "ehcp_plans_issued"  # on /ehcp


def test_filter_change_updates_url_without_reload_and_a_fresh_load_matches(board):
    key = OVER_18
    board.visit("/therapy")
    before = board.figure_data(key)
    board.driver.execute_script("window.__no_reload = true;")  # survives only if the page is not reloaded

    board.choose("locality", "central")
    assert board.search == "?locality=central"
    assert board.driver.execute_script("return window.__no_reload === true;")
    board.choose("from", "2022-04")
    assert board.search == "?locality=central&from=2022-04"
    changed = board.figure_data(key)
    assert changed != before

    board.visit("/therapy?locality=central&from=2022-04")
    assert board.filter_value("locality") == "central"
    assert board.filter_value("from") == "2022-04"
    assert board.figure_data(key) == changed
    assert board.severe_logs() == []


def test_back_and_forward_restore_the_view(board):
    key = PLANS
    board.visit("/ehcp")
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
    board.visit("/therapy?locality=north&to=2024-03&service=ot")
    link = board.driver.find_element("css selector", ".site-nav a[href^='/ehcp']")
    assert link.get_attribute("href").endswith("/ehcp?locality=north&to=2024-03")  # not the therapy service
    assert board.driver.find_element("css selector", ".site-nav a[aria-current='page']").get_attribute(
        "href").split("?")[0].endswith("/therapy")
    board.click(link)
    board.wait_drawn()
    assert board.path == "/ehcp"
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
    board.visit("/ehcp?" + urlstate.urlencode({param: value}))
    notice = board.dc.wait_for_element(".url-notice.alert")
    assert notice.text == urlstate.FALLBACK[notice_for]
    assert notice.get_attribute("role") == "status"
    assert board.filter_value("locality") == "area"
    assert board.draw_first_chart() is not None
    # Nothing from the link reaches the app's HTML (Dash's own <meta og:url> carries the address, escaped).
    app_html = board.driver.execute_script("return document.getElementById('react-entry-point').innerHTML;")
    assert value not in app_html
    assert not board.driver.execute_script("return window.__pwned === 1;")
    assert board.severe_logs() == []


def test_repeated_keys_and_unknown_paths(board):
    board.visit("/ehcp?locality=north&locality=south")
    assert board.dc.wait_for_element(".url-notice.alert").text == urlstate.REPEATED.format(what="locality")
    assert board.severe_logs() == []
    board.driver.get(board.url("/no-such-page"))  # answered 404 with a plain page (the browser logs the 404)
    assert board.driver.find_element("css selector", "h1").text == "Page not found"


# Each overview row: its measure, its headline's variation words, and the parts it names with an exception.
ROWS = """
return Array.from(document.querySelectorAll('.overview-table tr[data-metric]')).map(r => [r.dataset.metric,
  (r.querySelector("td[data-label='Variation'] .mdc-label") || {innerText: ''}).innerText,
  (r.querySelector('.part-signals') || {innerText: ''}).innerText]);
"""


def test_overview_filters_are_in_the_url(board):
    board.visit("/?locality=central")
    every = board.driver.execute_script(ROWS)
    board.choose("variation", "concern")
    assert board.search == "?locality=central&variation=concern"
    rows = board.driver.execute_script(ROWS)
    shown = [metric for metric, _, _ in rows]
    assert 0 < len(shown) < len(every)
    # A row shows a concern: in its headline, or in one of its parts (a service, an agency...), named in the row.
    assert [r for r in rows if not (r[1].startswith("Concern") or "(concern)" in r[2])] == []
    board.visit("/?locality=central&variation=concern")
    assert board.attrs(".overview-table tr[data-metric]", "data-metric") == shown


def test_copy_link_copies_the_current_url(board):
    board.driver.execute_cdp_cmd("Browser.grantPermissions", {
        "origin": board.url(""), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
    board.visit("/ehcp?locality=south")
    board.click(board.driver.find_element("css selector", ".copy-link button"))
    copied = board.driver.execute_async_script(
        "var done = arguments[0]; setTimeout(() => navigator.clipboard.readText().then(done, e => done('ERR ' + e)),"
        " 400);")
    assert copied == board.url("/ehcp?locality=south")


def test_a_bad_link_is_rewritten_to_its_canonical_address(board):
    # Hand-checked: an unknown locality falls back to the whole area (the default, so not written), the service is
    # kept, and the unknown parameter is dropped.
    board.visit("/glossary")
    board.visit("/therapy?locality=nowhere&service=slt&junk=1")
    notice = board.dc.wait_for_element(".url-notice.alert").text
    assert urlstate.FALLBACK["locality"] in notice and urlstate.UNKNOWN in notice
    assert board.filter_value("service") == "slt" and board.filter_value("locality") == "area"
    board.wait_for("return location.pathname + location.search === '/therapy?service=slt';", timeout=5,
                   what="the canonical address")
    board.wait_drawn()
    assert board.path + board.search == "/therapy?service=slt"
    board.driver.back()  # the address was replaced, not added: Back leaves the page
    board.wait_for("return location.pathname === '/glossary';", timeout=10, what="the page before")
