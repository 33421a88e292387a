"""Lean pages in a real browser. plotly.js: a page of SPC charts (drawn by the server as SVG) never loads it; a page
with a chart drawn by plotly.js (the therapy drill-down's bars) loads the partial bundle once, when that chart is
drawn, never the full one, and every trace type the app draws is one the bundle holds. A long body: its first
screen is put in place first and the rest a frame later, in the server's order, every card of it."""
import pytest
from plotly.offline import get_plotlyjs_version

from metrics import urlstate
from metrics.edition import BOARD
from metrics.view.pages import build_page

PLOTLY = """
var names = performance.getEntriesByType('resource').map(e => e.name);
var graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
return {version: window.Plotly && window.Plotly.version,
        bundles: names.filter(n => n.includes('plotly')).map(n => new URL(n).pathname),
        traces: Array.from(new Set([].concat.apply([], graphs.map(g => g.data.map(t => t.type || 'scatter'))))),
        known: window.Plotly ? Object.keys(window.Plotly.PlotSchema.get().traces) : [],
        graphs: graphs.length,
        drawn: graphs.filter(g => g.querySelector('.main-svg')).length,
        svg: document.querySelectorAll('.chart .svg-chart').length,
        boxes: document.querySelectorAll('.chart[data-src]').length};
"""


def test_spc_pages_load_no_plotly(board):
    board.visit("/outcome-1")
    for box in board.find_all(".chart[data-src]"):  # charts are drawn as they scroll into view
        board.draw(box)
    got = board.driver.execute_script(PLOTLY)
    assert got["boxes"] > 2 and got["svg"] == got["boxes"]  # every chart, the first screen's and those fetched
    assert got["version"] is None and got["bundles"] == [] and got["graphs"] == 0
    assert not board.severe_logs()


def test_plotly_charts_load_the_partial_bundle_once(board):
    board.visit("/therapy?service=slt")
    assert board.driver.execute_script(PLOTLY)["bundles"] == []  # nothing drawn with it on the first screen
    for box in board.find_all(".chart[data-src]"):
        board.draw(box)
    got = board.driver.execute_script(PLOTLY)
    assert got["version"] == get_plotlyjs_version()
    assert got["bundles"] == [f"/assets/vendor/plotly-basic-{get_plotlyjs_version()}.min.js"]
    assert got["graphs"] > 0 and got["drawn"] == got["graphs"]
    assert got["svg"] + got["graphs"] == got["boxes"]
    assert set(got["traces"]) <= set(got["known"]) and "bar" in got["traces"]
    assert not board.severe_logs()


CARDS = "return Array.from(document.querySelectorAll('#page-body section.chart-card')).map(c => c.id);"


@pytest.mark.parametrize("path", ["/ehcp", "/therapy", "/outcome-1"])
def test_a_long_body_arrives_whole_and_in_order(board, store, path):
    # dashboard.js puts a long body's first screen in place, then the rest (held back from the same HTML): once
    # drawn, every card the server wrote is on the page, in its order, and none twice.
    board.visit(path)
    page = path.strip("/")
    pv = build_page(store, page, urlstate.decode(page, {}, urlstate.vocabulary(store))[0], (), BOARD)
    expected = [f"metric-{v.key}" for s in pv.sections for v in s.cards]
    assert len(expected) > 6 and board.driver.execute_script(CARDS) == expected
    assert not board.find_all("[data-rest], [data-html]")


def test_a_link_to_a_card_far_down_a_long_page_moves_to_it(board, store):
    # The card is in the part of the body that comes a frame after the first screen: the page still scrolls to it
    # and gives it the focus.
    pv = build_page(store, "ehcp", urlstate.decode("ehcp", {}, urlstate.vocabulary(store))[0], (), BOARD)
    last = [v for s in pv.sections for v in s.cards][-1]
    board.visit(f"/ehcp?metric={last.metric_id}")
    board.wait_for(f"var a = document.activeElement; if (!a || a.id !== 'metric-{last.key}') {{ return false; }}"
                   "var r = a.getBoundingClientRect(); return r.top >= 0 && r.top < innerHeight;",
                   timeout=10, what="the linked card focused and scrolled to (smoothly)")
