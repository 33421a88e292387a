"""Glossary (`/glossary`): the words the dashboard uses, in plain English (both editions)."""
import dash
from dash import html

from components import page
from components.table import table
from metrics.view.pages import registration


def glossary_layout(pv) -> list:
    return [html.P("The words this dashboard uses, explained. Every chart also says in words what it shows."),
            table(pv.extra["glossary"])]


dash.register_page(__name__, layout=lambda **kwargs: page.layout("glossary", kwargs), **registration("glossary"))
page.register("glossary", glossary_layout)
