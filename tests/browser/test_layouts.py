"""Readable where it is read (issue 16): on a projector at 1920×1080 the board overview leads with its exceptions,
shows at least 15 rows in the first screen in body text of at least 16 px, and every chart page shows a chart above
the fold; on a phone 390 px wide (both editions: the overview and two chart pages) nothing scrolls sideways, the
filters fold behind one button that opens them, and the first measure's name and latest value are in the first
screen.

Each screen's pages are visited once (a module fixture, in a window of exactly that size, put back afterwards) and
the tests read what was measured."""
import pytest
from editions import base_url

PROJECTOR = (1920, 1080)
PHONE = (390, 844)  # a common phone's CSS viewport (iPhone 12 to 14)
BODY_TEXT_PX = 16
MIN_ROWS = 15

# Measured in the page as loaded (scrolled to the top). "In the first screen": wholly within the window.
# Body text: every text in the page's body (not the header, filters or footer) in the first screen, except text set
# as secondary (small print, badges, captions, hidden labels) and the charts' own (axis ticks, legends).
MEASURE = """
var H = innerHeight;
function box(e) {
  if (!e) { return null; }
  var r = e.getBoundingClientRect();
  return {top: r.top, bottom: r.bottom, height: r.height};
}
function first(e) { var r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.bottom <= H; }
var rows = Array.from(document.querySelectorAll('#page-content tr[data-metric]'));
var small = [];
var body = document.getElementById('page-body');
if (body) {
  var walk = document.createTreeWalker(body, NodeFilter.SHOW_TEXT);
  while (walk.nextNode()) {
    var el = walk.currentNode.parentElement, text = walk.currentNode.textContent.trim();
    if (!text || !first(el) || el.closest('.chart, svg, .small, small, .badge, caption, .visually-hidden, ' +
                                          '.text-body-secondary')) {
      continue;
    }
    var px = parseFloat(getComputedStyle(el).fontSize);
    if (px < arguments[0]) { small.push(px + 'px: ' + text.slice(0, 50)); }
  }
}
var exceptions = document.getElementById('exceptions'), table = document.querySelector('.overview-table');
var chart = document.querySelector('.chart[data-src]');
return {
  window: [innerWidth, H], bodyPx: parseFloat(getComputedStyle(document.body).fontSize), small: small,
  rowsInFirst: rows.filter(first).length,
  exceptionRowsInFirst: rows.filter(r => r.dataset.kind && first(r)).length,
  firstRowIsException: rows.length > 0 && !!rows[0].dataset.kind,
  exceptions: box(exceptions), table: box(table),
  chart: chart ? {top: box(chart).top,
                  drawn: chart.getAttribute('data-drawn') === chart.getAttribute('data-src')} : null,
};
"""

# The first measure: the overview's first row (an exception's on the board), or the first card with a latest value.
FIRST_MEASURE = """
var row = document.querySelector('#page-content tr[data-metric]');
var card = Array.from(document.querySelectorAll('section.chart-card')).find(c => c.querySelector('.latest'));
var title = null, latest = null;
if (row) {
  title = row.querySelector('th a');
  latest = row.querySelector('td[data-label="Latest"]') || row.cells[row.cells.length - 1];
} else if (card) {
  title = card.querySelector('.card-title');
  latest = card.querySelector('.latest strong');
}
function at(e) { if (!e) { return null; } var r = e.getBoundingClientRect();
                 return {text: e.innerText.trim().slice(0, 80), top: r.top, bottom: r.bottom}; }
return {title: at(title), latest: at(latest), height: innerHeight};
"""

# The filter bar: its toggle and how many of its filters show.
FILTERS = """
var bar = document.querySelector('.filter-bar');
if (!bar) { return null; }
var toggles = Array.from(bar.querySelectorAll('summary, button.filter-toggle')).filter(e => e.offsetParent !== null);
var selects = bar.querySelectorAll('select');
return {toggles: toggles.length, label: toggles.length ? toggles[0].innerText.trim() : '',
        // checkVisibility: a closed <details> keeps its content laid out (content-visibility) in Chromium 13x+
        shown: Array.from(selects).filter(s => s.checkVisibility()).length,
        total: selects.length};
"""

WIDTH = "return [document.documentElement.scrollWidth, innerWidth];"


@pytest.fixture(scope="module")
def projector(dashboard):
    """{path: what the board page showed at 1920×1080}."""
    seen = {}
    with dashboard.viewport(*PROJECTOR):
        for path in ("/", "/therapy", "/ehcp", "/outcome-1"):
            error = dashboard.open(dashboard.url(path))
            seen[path] = {"error": error, **({} if error else dashboard.driver.execute_script(MEASURE, BODY_TEXT_PX))}
    return seen


def test_projector_overview_leads_with_its_exceptions(projector):
    page = projector["/"]
    assert page["error"] is None, page["error"]
    assert page["window"] == list(PROJECTOR)
    assert page["firstRowIsException"]
    assert page["exceptions"]["bottom"] <= page["table"]["top"]  # before the tables of measures
    assert page["exceptionRowsInFirst"] > 0  # and on the first screen


def test_projector_overview_shows_15_rows_in_the_first_screen(projector):
    page = projector["/"]
    assert page["error"] is None, page["error"]
    assert page["rowsInFirst"] >= MIN_ROWS


@pytest.mark.parametrize("path", ["/", "/therapy", "/ehcp"])
def test_projector_body_text_is_at_least_16px(projector, path):
    page = projector[path]
    assert page["error"] is None, page["error"]
    assert page["bodyPx"] >= BODY_TEXT_PX
    assert page["small"] == [], "\n".join(page["small"])


@pytest.mark.parametrize("path", ["/therapy", "/ehcp", "/outcome-1"])
def test_projector_chart_pages_show_a_chart_above_the_fold(projector, path):
    page = projector[path]
    assert page["error"] is None, page["error"]
    assert page["chart"] is not None, path
    assert page["chart"]["top"] < PROJECTOR[1] and page["chart"]["drawn"], (path, page["chart"])


PHONE_PAGES = [(edition, path) for edition in ("board", "public") for path in ("/", "/therapy", "/ehcp")]


@pytest.fixture(scope="module")
def phone(request, dashboard):
    """{(edition, path): what the page showed at 390 px wide: its width, its first measure, its filters before and
    after the filters' button is pressed}."""
    from selenium.common.exceptions import WebDriverException
    seen = {}
    with dashboard.viewport(*PHONE):
        for edition, path in PHONE_PAGES:
            error = dashboard.open(base_url(request, dashboard, edition) + path)
            if error:
                seen[(edition, path)] = {"error": error}
                continue
            page = {"error": None, "width": dashboard.driver.execute_script(WIDTH),
                    "first": dashboard.driver.execute_script(FIRST_MEASURE),
                    "filters": dashboard.driver.execute_script(FILTERS)}
            toggle = dashboard.find_all(".filter-bar > summary")
            try:
                toggle[0].click()
                page["opened"] = dashboard.driver.execute_script(FILTERS)
            except (IndexError, WebDriverException) as e:  # no toggle, or one that cannot be pressed
                page["opened"] = {"error": str(e).splitlines()[0] if str(e) else type(e).__name__}
            seen[(edition, path)] = page
    return seen


@pytest.mark.parametrize("edition, path", PHONE_PAGES)
def test_phone_has_no_sideways_scroll(phone, edition, path):
    page = phone[(edition, path)]
    assert page["error"] is None, page["error"]
    scroll_width, inner_width = page["width"]
    assert inner_width == PHONE[0] and scroll_width <= inner_width


@pytest.mark.parametrize("edition, path", PHONE_PAGES)
def test_phone_filters_fold_behind_one_button(phone, edition, path):
    page = phone[(edition, path)]
    assert page["error"] is None, page["error"]
    before, after = page["filters"], page["opened"]
    assert before["toggles"] == 1 and before["label"] == "Filters"
    assert before["shown"] == 0, f"{before['shown']} of {before['total']} filters show before the button is pressed"
    assert after.get("shown") == after.get("total") == before["total"] > 0, after


@pytest.mark.parametrize("edition, path", PHONE_PAGES)
def test_phone_first_measure_in_the_first_screen(phone, edition, path):
    page = phone[(edition, path)]
    assert page["error"] is None, page["error"]
    first = page["first"]
    assert first["title"] and first["latest"], first
    for part in ("title", "latest"):
        assert 0 <= first[part]["top"] and first[part]["bottom"] <= first["height"], (part, first[part])
