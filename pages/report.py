"""Quarterly board report (`/report?quarter=2025-Q2&locality=central`): the report `metrics.report` writes, shown as
the same standalone HTML document in a frame, with buttons to print it and to download it as PDF or HTML. Board
only: the public edition has no route or endpoint that could serve it (metrics.edition.serves_path)."""
import dash
from dash import ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components import page
from metrics import report
from metrics.edition import get_store
from metrics.view.pages import registration

REG = registration("report")


def report_layout(pv) -> list:
    x = pv.extra
    if x.get("quarter") is None:
        return [html.P("There is no monthly data to report on yet.", className="empty-state")]
    quarter = x["quarter"]
    return [
        *[html.P(n, className="alert alert-info", role="status") for n in pv.notices],
        html.Div([
            html.Button("Print the report", id="report-print", type="button", className="btn btn-primary btn-sm"),
            html.Button("Download PDF", id="report-pdf", type="button", className="btn btn-outline-primary btn-sm"),
            html.Button("Download HTML", id="report-html", type="button", className="btn btn-outline-primary btn-sm"),
            dcc.Download(id="report-download"),
            dcc.Store(id="report-key", data={"quarter": str(quarter), "locality": x["locality"]}),
        ], className="report-toolbar d-flex flex-wrap gap-2 mb-2"),
        html.P(f"{x['place']}, {quarter.label}. The PDF is A4 with page numbers and a contents list; printing from "
               "this page gives the same layout.", className="small"),
        # The document's own styles and print rules stay inside the frame; it runs no scripts.
        html.Iframe(id="report-frame", srcDoc=x["document"], sandbox="allow-same-origin allow-modals",
                    title=f"Quarterly board report: {quarter.label}, {x['place']}", className="report-frame"),
    ]


def download(pdf_clicks, html_clicks, key):
    """The report as a file: the key is written by this page, but a callback body can be forged, so anything not
    on the whitelist does nothing."""
    if not isinstance(key, dict) or not dash.ctx.triggered_id:
        raise PreventUpdate
    store = get_store()
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


if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("report", kwargs), **REG)
    page.register("report", report_layout)
    callback(Output("report-download", "data"), Input("report-pdf", "n_clicks"), Input("report-html", "n_clicks"),
             State("report-key", "data"), prevent_initial_call=True)(download)
    # Print the framed document itself, so the report's own print rules (A4, page breaks) apply.
    clientside_callback(ClientsideFunction(namespace="dashboard", function_name="printReport"),
                        Output("report-print", "title"), Input("report-print", "n_clicks"),
                        prevent_initial_call=True)
