"""plotly.js in a real browser: a page of SPC charts (drawn by the server as SVG) never loads it; a page with a chart
drawn by plotly.js (the therapy drill-down's bars) loads the partial bundle once, when that chart is drawn, never
the full one, and every trace type the app draws is one the bundle holds."""
from plotly.offline import get_plotlyjs_version

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
