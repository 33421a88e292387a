"""Data and definitions (`/data`, board only): the catalogue as a searchable table, each input's provenance,
coverage and freshness, the published files loaded, the loader's validation report, and the measures that are
unavailable and why (metrics/view/datapage.py)."""
import dash
from dash import Input, Output, callback, dcc, html

from components import page
from components.table import table
from metrics.edition import get_store
from metrics.view.datapage import catalogue_table
from metrics.view.pages import registration

REG = registration("data")


def data_layout(pv) -> list:
    x = pv.extra
    problems = html.P("The loader found no problems: every input matched the data contract.")
    if x["problems"]:
        problems = html.Div([html.P(f"{x['errors']} error(s) and {len(x['problems']) - x['errors']} warning(s). An "
                                    "input with errors is not used; measures that need it are listed below."),
                             html.Ul([html.Li(p) for p in x["problems"]], className="small")])
    unavailable = html.P("Every measure in the catalogue has data.") if not x["unavailable"] else \
        html.Ul([html.Li([html.Strong(title), f": {why}"]) for title, why in x["unavailable"]])
    return [
        html.H2("Measures", className="h4"),
        html.Label("Search the measures", htmlFor="catalogue-search", className="form-label fw-semibold"),
        dcc.Input(id="catalogue-search", type="search", debounce=True, maxLength=100,
                  placeholder="e.g. speech, 20 weeks, 3.1, Head of SEND", className="form-control mb-2"),
        html.P(f"{x['total']} of {x['total']} measures shown.", id="catalogue-count", role="status",
               className="small"),
        html.Div(table(x["catalogue"], class_name="table table-sm bg-white catalogue-table"), id="catalogue-table"),
        html.H2("Inputs", className="h4 mt-4"), table(x["inputs"]),
        html.H2("Published files loaded", className="h4 mt-4"), table(x["ingested"]),
        html.H2("Validation report", className="h4 mt-4"), problems,
        html.H2("Measures not available", className="h4 mt-4"), unavailable,
    ]


def search(query):
    store = get_store()
    query = query[:100] if isinstance(query, str) else ""
    found = catalogue_table(store, query)
    return (table(found, class_name="table table-sm bg-white catalogue-table"),
            f"{len(found.rows)} of {len(store.catalogue.metrics)} measures shown.")


if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("data", kwargs), **REG)
    page.register("data", data_layout)
    callback(Output("catalogue-table", "children"), Output("catalogue-count", "children"),
             Input("catalogue-search", "value"), prevent_initial_call=True)(search)
