"""The partial plotly.js bundle in a real browser: pages draw their charts (SPC lines, drill-down bars) with it, the
full bundle is never requested, and every trace type the app draws is one the bundle holds."""
from plotly.offline import get_plotlyjs_version

PLOTLY = """
var names = performance.getEntriesByType('resource').map(e => e.name);
var graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
return {version: window.Plotly && window.Plotly.version,
        bundles: names.filter(n => n.includes('plotly')).map(n => new URL(n).pathname),
        traces: Array.from(new Set([].concat.apply([], graphs.map(g => g.data.map(t => t.type || 'scatter'))))),
        known: Object.keys(window.Plotly.PlotSchema.get().traces),
        graphs: graphs.length,
        drawn: graphs.filter(g => g.querySelector('.main-svg')).length};
"""


def test_charts_draw_with_the_partial_bundle_only(board):
    seen = set()
    for path in ("/outcome-1", "/therapy?service=slt"):
        board.visit(path)
        for box in board.find_all(".chart[data-src]"):  # charts are drawn as they scroll into view
            board.draw(box)
        got = board.driver.execute_script(PLOTLY)
        assert got["version"] == get_plotlyjs_version()
        assert got["bundles"] == [f"/assets/vendor/plotly-basic-{get_plotlyjs_version()}.min.js"], path
        assert got["graphs"] > 0 and got["drawn"] == got["graphs"], path
        assert set(got["traces"]) <= set(got["known"]), path
        seen |= set(got["traces"])
    assert {"scatter", "bar"} <= seen  # SPC charts and the therapy drill-down's bars
    assert not board.severe_logs()
