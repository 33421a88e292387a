"""The data behind every card, by URL: one path for each kind, all rebuilt through metrics.view.registry.

- `/download/<id>.csv?locality=…&from=…&to=…&part=…&chart=N`: the chart's table as CSV (the one CSV path);
- `/download/overview.xlsx` and `/download/overview.csv` with the overview's settings: every measure in view;
- `/chart/<id>.html?…`: an SPC chart drawn as SVG (components/spc_svg.py), which dashboard.js puts in place when
  the chart scrolls into view (the first screen's come inside the page body);
- `/figure/<id>.json?…`: a chart's plotly figure (the drill-downs, the funnel plot, the planner's fan), which
  dashboard.js draws with plotly.js when it scrolls into view;
- `/table/<id>.html?…`: the chart's table as an HTML fragment, fetched when a reader opens it.

Plain links, so they work from the keyboard, in a new tab and when shared. Anything the registry does not
resolve is 404. Each edition serves its own store, so the public edition can only ever render public views.
"""
from __future__ import annotations

import orjson
from flask import Response, abort, g, request

from components.cache import response_bytes
from components.chart import config, figure
from components.spc_svg import spc_svg
from metrics import urlstate
from metrics.edition import APP_EDITION, get_store, serves_path
from metrics.view.pages import build_page
from metrics.report.html import table_html
from metrics.view import overview as overview_view
from metrics.view.measure import Scope
from metrics.view.model import SpcChart
from metrics.view.registry import resolve, resolve_chart
from metrics.view.tables import to_csv, to_xlsx

VIEW_ID = r"[a-z0-9_-]{1,64}"


def register(server) -> None:
    server.add_url_rule("/download/overview.<ext>", "download_overview", download_overview)
    server.add_url_rule("/download/<view_id>.csv", "download_csv", download_csv)
    server.add_url_rule("/figure/<view_id>.json", "figure_json", figure_json)
    server.add_url_rule("/chart/<view_id>.html", "chart_html", chart_html)
    server.add_url_rule("/table/<view_id>.html", "table_fragment", table_fragment)


def _args() -> dict[str, str]:
    """The query's single values (a repeated key is not a value the app wrote: its first is used); read once a
    request (the cache key and the view both ask)."""
    if "data_args" not in g:
        g.data_args = {k: v[0] for k, v in request.args.lists() if v}
    return g.data_args


# The query keys a data address can carry besides the URL state's: anything else is ignored, and not in the key.
DATA_KEYS = frozenset(urlstate.PARAM_ATTR) | {"part", "chart", "table"}


def _kept(build) -> bytes:
    """The response body `build()` makes for this address, from the response cache (components/cache.py)."""
    args = _args()
    query = "&".join(f"{k}={args[k]}" for k in sorted(args) if k in DATA_KEYS)
    return response_bytes(build, request.path, query, windowed="from" in args or "to" in args)


PAGE_CHARTS = {"funnel": "funnel", "planner": "fan"}  # pages whose one chart has a figure and a table of its own


def _page_chart(view_id: str):
    """The funnel plot's or the planner's chart spec and table, for their URL's settings."""
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state, _ = urlstate.decode(view_id, {k: v for k, v in _args().items() if k in urlstate.PARAM_ATTR}, vocab)
    pv = build_page(store, view_id, state, (), APP_EDITION)
    spec = pv.extra.get(PAGE_CHARTS[view_id])
    if spec is None:
        abort(404)
    return spec, pv.extra["table"]


def _chart(view_id: str):
    """(chart or None, a callable giving the table asked for): the table is built only when it is read. A chart's
    address builds that chart alone; only the neighbours' table needs the measure's whole view."""
    args, store = _args(), get_store()
    if args.get("table") == "neighbours":
        view = resolve(store, view_id, args, APP_EDITION)
        if view is None or view.benchmark is None or view.benchmark.table is None:
            abort(404)
        return None, lambda: view.benchmark.table
    chart = resolve_chart(store, view_id, args, APP_EDITION)
    if chart is None:
        abort(404)
    return chart, lambda: chart.table


def download_csv(view_id: str):
    if view_id in PAGE_CHARTS and serves_path(APP_EDITION, f"/{view_id}"):
        _, table = _page_chart(view_id)
    else:
        _, table = _chart(view_id)
        table = table()
    return Response(to_csv(table), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{table.filename}.csv"'})


def figure_json(view_id: str):
    def build() -> bytes:
        if view_id in PAGE_CHARTS and serves_path(APP_EDITION, f"/{view_id}"):
            spec, key = _page_chart(view_id)[0], view_id
        else:
            chart, _ = _chart(view_id)
            if chart is None or chart.spec is None:
                abort(404)
            spec, key = chart.spec, chart.key
        return orjson.dumps({"figure": figure(spec), "config": config(key)}, option=orjson.OPT_SERIALIZE_NUMPY)

    return Response(_kept(build), mimetype="application/json")


def chart_html(view_id: str):
    def build() -> bytes:
        chart, _ = _chart(view_id)
        if chart is None or not isinstance(chart.spec, SpcChart):
            abort(404)
        return spc_svg(chart.spec, chart.key).encode()

    return Response(_kept(build), mimetype="text/html")


def table_fragment(view_id: str):
    def build() -> bytes:
        _, table = _chart(view_id)
        return table_html(table()).encode()

    return Response(_kept(build), mimetype="text/html")


def download_overview(ext: str):
    """Every measure of the overview's current view: one row each (CSV), or that plus each measure's own rows
    (XLSX, a sheet each)."""
    if ext not in ("csv", "xlsx"):
        abort(404)
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state, _ = urlstate.decode("overview", {k: v for k, v in _args().items() if k in urlstate.PARAM_ATTR}, vocab)
    page = overview_view.overview_page(store, state, audience=APP_EDITION)
    table = page.extra["table"]
    if ext == "csv":
        return Response(to_csv(table), mimetype="text/csv",
                        headers={"Content-Disposition": f'attachment; filename="{table.filename}.csv"'})
    sheets = [("All measures", table)] + [(row.view.metric_id, row.view.charts[0].table)
                                          for row in page.extra["rows"] if row.view.charts]
    return Response(to_xlsx(sheets), mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{table.filename}.xlsx"'})


__all__ = ["register", "Scope"]
