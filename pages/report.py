"""Quarterly board report (`/report?quarter=2025-Q2&locality=central`): the report `metrics.report` writes, shown
as the same standalone HTML document in a frame, with buttons to print it and to download it as PDF or HTML.

The page only arranges what `metrics.report` returns: the document, the quarters it covers, and its PDF. It is the
board's paper, so only the board edition registers the page and its callbacks (metrics.edition.serves_path): the
public edition has no route or endpoint that could serve it.
"""
from __future__ import annotations

import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components.page import page, select_filter, view_from
from metrics import report, urlstate
from metrics.edition import APP_EDITION, get_store, serves_path

PAGE = "report"
PATH = "/report"
TITLE = "Quarterly board report"


def layout(quarter=None, locality=None, **kwargs):
    # Named so the page's parameters are documented here; all are decoded through metrics.urlstate.
    query = {k: v for k, v in {"quarter": quarter, "locality": locality, **kwargs}.items() if v is not None}
    return page(PAGE, query, build, title=TITLE, filters=filters, common=("locality",),
                intro="A first draft of the performance group's quarterly report to the SEND Partnership Board: "
                      "exceptions first, then every measure with its chart and a written reading of it.")


def filters(state, vocab):
    store = get_store()
    latest = report.default_quarter(store)
    options = [("", f"Latest complete quarter ({latest.label})" if latest else "Latest quarter")]
    options += [(str(q), q.label) for q in reversed(report.report_quarters(store))]
    return [select_filter("quarter", "Quarter", options, state.quarter or "", width=4)]


def resolve(state) -> tuple[report.Quarter | None, list[str]]:
    """The quarter to show and any notice: a quarter the URL allows but the report does not cover falls back."""
    store = get_store()
    covered = report.report_quarters(store)
    if state.quarter:
        q = report.Quarter.parse(state.quarter)
        if q in covered:
            return q, []
        return report.default_quarter(store), [urlstate.FALLBACK["quarter"]]
    return report.default_quarter(store), []


def build(state, store, vocab):
    return html.Div(body(state), id="report-body")


def body(state) -> list:
    quarter, notices = resolve(state)
    if quarter is None:
        return [html.P("There is no monthly data to report on yet.", className="empty-state")]
    store = get_store()
    document = report.report_html(store, quarter, state.locality)
    return [
        *[html.P(n, className="alert alert-info", role="status") for n in notices],
        html.Div([
            html.Button("Print the report", id="report-print", type="button", className="btn btn-primary btn-sm"),
            html.Button("Download PDF", id="report-pdf", type="button", className="btn btn-outline-primary btn-sm"),
            html.Button("Download HTML", id="report-html", type="button",
                        className="btn btn-outline-primary btn-sm"),
            dcc.Download(id="report-download"),
            dcc.Store(id="report-key", data={"quarter": str(quarter), "locality": state.locality}),
        ], className="report-toolbar d-flex flex-wrap gap-2 mb-2"),
        html.P(f"{report.place(store, state.locality)}, {quarter.label}. The PDF is A4 with page numbers and a "
               "contents list; printing from this page gives the same layout.", className="small"),
        # The document's own styles and print rules stay inside the frame; it runs no scripts.
        html.Iframe(id="report-frame", srcDoc=document, sandbox="allow-same-origin allow-modals",
                    title=f"{TITLE}: {quarter.label}, {report.place(store, state.locality)}",
                    className="report-frame",
                    style={"width": "100%", "height": "80vh", "border": "1px solid #b1b4b6"}),
    ]


def redraw(data):
    state, _ = view_from(data, PAGE)
    return body(state)


def download(pdf_clicks, html_clicks, key):
    if not isinstance(key, dict) or not dash.ctx.triggered_id:
        raise PreventUpdate
    store = get_store()
    # Written by this page, but a callback body can be forged: anything not on the whitelist does nothing.
    locality, quarter = key.get("locality"), key.get("quarter")
    if not isinstance(locality, str) or not isinstance(quarter, str):
        raise PreventUpdate
    try:
        quarter = report.Quarter.parse(quarter)
    except ValueError:
        raise PreventUpdate from None
    if locality not in store.area.locality_slugs or quarter not in report.report_quarters(store):
        raise PreventUpdate
    document = report.report_html(store, quarter, locality)
    name = f"send-board-report-{quarter}-{locality}"
    if dash.ctx.triggered_id == "report-pdf":
        return dcc.send_bytes(report.render_pdf(document), f"{name}.pdf")
    return dcc.send_string(document, f"{name}.html")


def register() -> None:
    dash.register_page(__name__, path=PATH, name="Quarterly report", title=TITLE, order=95)
    callback(Output("report-body", "children"), Input("page-state", "data"), prevent_initial_call=True)(redraw)
    callback(Output("report-download", "data"), Input("report-pdf", "n_clicks"), Input("report-html", "n_clicks"),
             State("report-key", "data"), prevent_initial_call=True)(download)
    # Print the framed document itself, so the report's own print rules (A4, page breaks) apply.
    clientside_callback(
        ClientsideFunction(namespace="dashboard", function_name="printReport"),
        Output("report-print", "title"),
        Input("report-print", "n_clicks"),
        prevent_initial_call=True,
    )


if serves_path(APP_EDITION, PATH):
    register()
