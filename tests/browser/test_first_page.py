"""The first page comes inside Dash's layout (components/shell.py): a page opens with no callback request at all,
later changes of path are drawn by the router (including back to the first page), and a first page whose layout
request carried no Referer is drawn by the router as before. The filters are native selects with their labels."""
NO_REFERER = """
var f = window.fetch;
window.fetch = function (url, options) {
  if (String(url).indexOf('_dash-layout') >= 0) {
    options = Object.assign({}, options, {referrerPolicy: 'no-referrer'});
  }
  return f.call(this, url, options);
};
"""

CALLBACKS = ("return performance.getEntriesByType('resource')"
             ".filter(e => e.name.indexOf('_dash-update-component') >= 0).length;")
PAGE = "var p = document.querySelector('#page-content .page'); return p && p.dataset.page;"


def test_a_page_opens_with_no_callback(board):
    board.visit("/therapy?locality=north&service=slt")
    assert board.driver.execute_script(PAGE) == "therapy"
    assert board.driver.execute_script(CALLBACKS) == 0
    assert board.filter_value("locality") == "north" and board.filter_value("service") == "slt"
    current = board.driver.find_element("css selector", ".site-nav a[aria-current='page']")
    assert current.get_attribute("href").split("?")[0].endswith("/therapy") and "active" in current.get_attribute(
        "class").split()
    assert board.driver.title.endswith(" – SEND outcomes dashboard") and "therap" in board.driver.title.lower()
    # Each filter is a native <select> named by its <label>.
    for select in board.find_all(".filter select"):
        labels = board.find_all(f"label[for='{select.get_attribute('id')}']")
        assert select.tag_name == "select" and len(labels) == 1 and labels[0].text.strip()
    assert not board.severe_logs()


def test_later_paths_are_drawn_by_the_router_back_to_the_first(board):
    board.visit("/therapy?locality=north")
    board.click(board.driver.find_element("css selector", ".site-nav a[href^='/ehcp']"))
    board.wait_drawn()
    assert (board.path, board.driver.execute_script(PAGE)) == ("/ehcp", "ehcp")
    board.click(board.driver.find_element("css selector", ".site-nav a[href^='/therapy']"))
    board.wait_drawn()
    assert (board.path, board.driver.execute_script(PAGE)) == ("/therapy", "therapy")
    board.driver.back()
    board.wait_drawn()
    assert (board.path, board.driver.execute_script(PAGE)) == ("/ehcp", "ehcp")
    board.driver.back()
    board.wait_drawn()
    assert (board.path, board.driver.execute_script(PAGE)) == ("/therapy", "therapy")
    assert board.filter_value("locality") == "north"
    assert board.driver.execute_script(CALLBACKS) >= 3  # each later path was the router's
    assert not board.severe_logs()


def test_a_first_page_without_a_referer_is_drawn_by_the_router(board):
    added = board.driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_REFERER})
    try:
        board.visit("/ehcp?locality=south")
        assert board.driver.execute_script(PAGE) == "ehcp"
        assert board.driver.execute_script(CALLBACKS) == 1  # the router's one
        assert board.filter_value("locality") == "south"
        assert board.driver.find_element("css selector", ".site-nav a[aria-current='page']").get_attribute(
            "href").split("?")[0].endswith("/ehcp")
    finally:
        board.driver.execute_cdp_cmd("Page.removeScriptToEvaluateOnNewDocument", {"identifier": added["identifier"]})
    assert not board.severe_logs()
