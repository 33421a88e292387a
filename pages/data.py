"""Data and definitions (`/data`): the catalogue as a searchable table, each input's provenance, coverage and
freshness, the loader's validation report, and which measures are unavailable and why."""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import Input, Output, callback, html

from components.page import page
from metrics import summary
from metrics.edition import APP_EDITION, get_store, serves_path

PAGE = "data"
TITLE = "Data and definitions"
# Board only: the validation report names files and rows of record-level extracts (metrics.edition.PUBLIC_PATHS).
SERVED = serves_path(APP_EDITION, "/data")
if SERVED:
    dash.register_page(__name__, path="/data", name=TITLE, title=TITLE, order=90)

CATALOGUE_HEAD = ("Measure", "Page", "Good direction", "Target", "Chart", "Comes from", "Plan references",
                  "Owner", "Comparators", "Data")


def layout(**kwargs):
    return page(PAGE, kwargs, build, title=TITLE, common=(),
                intro="What every measure means, where its numbers come from, how fresh they are, and anything "
                      "the loader found wrong with the data.")


def build(state, store, vocab):
    return [
        html.H2("Measures", className="h4"),
        dbc.Label("Search the measures", html_for="catalogue-search", className="fw-semibold"),
        dbc.Input(id="catalogue-search", type="search", debounce=True, maxLength=100,
                  placeholder="e.g. speech, 20 weeks, 3.1, Head of SEND", className="mb-2"),
        html.P(id="catalogue-count", role="status", className="small", children=_count(len(store.catalogue.metrics),
                                                                                      len(store.catalogue.metrics))),
        html.Div(_catalogue_table(store, ""), id="catalogue-table"),
        html.H2("Inputs", className="h4 mt-4"),
        _inputs_table(store),
        html.H2("Published files loaded", className="h4 mt-4"),
        _ingested_table(store),
        html.H2("Validation report", className="h4 mt-4"),
        _problems(store),
        html.H2("Measures not available", className="h4 mt-4"),
        _unavailable(store),
    ]


def _count(shown: int, total: int) -> str:
    return f"{shown} of {total} measures shown."


def _matches(metric, query: str) -> bool:
    text = " ".join([metric.id, metric.title, metric.description, metric.source, metric.page, metric.owner or "",
                     *metric.plan_refs]).lower()
    return all(word in text for word in query.lower().split())


def _catalogue_table(store, query: str):
    synthetic = summary.synthetic_metrics(store)
    pages = {p.id: p.nav for p in store.catalogue.pages}
    rows = []
    for m in store.catalogue.metrics:
        if query and not _matches(m, query):
            continue
        data = store.unavailable.get(m.id) or ("Synthetic demonstration data" if synthetic[m.id] else "Published "
                                               "or extracted data")
        comes_from = m.input.replace("_", " ") + (f" ({m.derivation.replace('_', ' ')})" if m.derivation else "")
        rows.append(html.Tr([
            html.Th([html.Span(m.title, className="fw-semibold"), html.Br(),
                     html.Span(m.description, className="small fw-normal"), html.Br(),
                     html.Code(m.id, className="small")], scope="row"),
            html.Td(pages.get(m.page, m.page)),
            html.Td(m.good_direction_text.capitalize()),
            html.Td([str(m.target), html.Br(), html.Span(m.target_source or "", className="small")]
                    if m.target is not None else "None set"),
            html.Td({"xmr": "XmR", "p": "p chart", "run": "Run chart"}.get(m.chart, m.chart)),
            html.Td([comes_from, html.Br(), html.Span(m.source, className="small")]),
            html.Td(", ".join(m.plan_refs)),
            html.Td(m.owner or "Not named"),
            html.Td("England and statistical neighbours" if m.comparators else "None published"),
            html.Td(data, className="small"),
        ], **{"data-metric": m.id}))
    return html.Div(html.Table([
        html.Caption("The metric catalogue: every measure on the dashboard"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in CATALOGUE_HEAD])),
        html.Tbody(rows),
    ], className="table table-sm bg-white catalogue-table"), className="table-responsive", tabIndex="0",
        role="region", **{"aria-label": "Metric catalogue"})


def _inputs_table(store):
    head = ("Input", "Status", "Rows", "Covers", "Last updated", "Provenance", "Files")
    body = []
    for r in summary.inputs_rows(store):
        status = "Loaded" if r.available else f"Not usable: {r.reason}"
        provenance = [html.Span("Synthetic demonstration data", className="badge text-bg-warning me-1")
                      if r.synthetic else "", r.source]
        body.append(html.Tr([
            html.Th(r.name.replace("_", " ").capitalize(), scope="row"), html.Td(status), html.Td(f"{r.rows:,}"),
            html.Td(f"{r.first} to {r.last}" if r.first else ""), html.Td(r.modified), html.Td(provenance),
            html.Td(", ".join(r.files) or "None found", className="small"),
        ]))
    return html.Div(html.Table([
        html.Caption("Each input: whether it loaded, what it covers and where it comes from"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body),
    ], className="table table-sm bg-white"), className="table-responsive", tabIndex="0", role="region",
        **{"aria-label": "Inputs"})


def _ingested_table(store):
    rows = summary.ingested_files(store)
    if not rows:
        return html.P("No published files have been loaded (python -m metrics.ingest FILE loads one).")
    head = ("File", "Source and release", "Periods covered", "Rows written", "Warnings", "Loaded (UTC)", "SHA-256")
    body = [html.Tr([html.Th(r.file, scope="row", className="small"), html.Td([r.source, html.Br(),
                     html.Span(r.release, className="small")]), html.Td(r.periods), html.Td(f"{r.rows_written:,}"),
                     html.Td(str(r.warnings)), html.Td(r.loaded_at), html.Td(html.Code(r.sha256))]) for r in rows]
    return html.Div(html.Table([
        html.Caption("Each published file ingested: where it came from, what it covers, and its checksum"),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])), html.Tbody(body),
    ], className="table table-sm bg-white"), className="table-responsive", tabIndex="0", role="region",
        **{"aria-label": "Published files loaded"})


def _problems(store):
    if not store.problems:
        return html.P("The loader found no problems: every input matched the data contract.")
    items = [html.Li(str(p), className="text-danger" if p.severity == "error" else "") for p in store.problems]
    errors = sum(p.severity == "error" for p in store.problems)
    return html.Div([html.P(f"{errors} error(s) and {len(store.problems) - errors} warning(s). An input with "
                            "errors is not used; measures that need it are listed below."),
                     html.Ul(items, className="small")])


def _unavailable(store):
    if not store.unavailable:
        return html.P("Every measure in the catalogue has data.")
    titles = {m.id: m.title for m in store.catalogue.metrics}
    return html.Ul([html.Li([html.Strong(titles.get(k, k)), f": {why}"]) for k, why in store.unavailable.items()])


def search(query):
    store = get_store()
    query = query[:100] if isinstance(query, str) else ""
    table = _catalogue_table(store, query)
    shown = sum(1 for m in store.catalogue.metrics if not query or _matches(m, query))
    return table, _count(shown, len(store.catalogue.metrics))


if SERVED:
    callback(Output("catalogue-table", "children"), Output("catalogue-count", "children"),
             Input("catalogue-search", "value"), prevent_initial_call=True)(search)
