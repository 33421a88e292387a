"""A view-model Table as Dash components, for tables that are the page's content (the data page, the glossary).

Tables behind a chart are fetched on demand as HTML (metrics.report.html.table_html, the report's renderer); both
draw the same rows from the same Table with the same markup: caption, column headers and row headers with scope.
"""
from __future__ import annotations

from dash import html

from metrics.view.model import Table


def table(t: Table, *, class_name: str = "table table-sm bg-white data-table") -> html.Div:
    return html.Div(html.Table([
        html.Caption(t.caption),
        html.Thead(html.Tr([html.Th(c.header, scope="col") for c in t.columns])),
        html.Tbody([html.Tr([html.Th(r[0].text, scope="row"), *[html.Td(c.text) for c in r[1:]]]) for r in t.rows]),
    ], className=class_name), className="table-responsive", tabIndex="0", role="region",
        **{"aria-label": f"Data table: {t.caption}"})
