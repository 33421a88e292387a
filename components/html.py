"""Page bodies as HTML, from the view model, through Jinja2 templates (components/templates/, autoescaped).

A page body is static content: cards, tables, sentences, links. Drawn as thousands of Dash components it cost the
browser seconds on every filter change (Dash's renderer walks every component of a new layout); as one HTML string
in one element (`block`), which assets/dashboard.js puts in place, it costs a single DOM update. Interactive parts
stay Dash components (the filters), or are plain HTML that dashboard.js drives (charts drawn when scrolled into
view, tables fetched when opened, links that navigate without a reload).
"""
from __future__ import annotations

from pathlib import Path

from dash import html
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from components.chart import sparkline_svg
from components.spc_svg import spc_svg
from metrics import palette
from metrics.report.html import table_html

KINDS = {"concern": "Special cause concern", "fail": "Failing the target", "improvement": "Special cause improvement"}

ENV = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")), autoescape=True,
                  undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _sparkline(view) -> Markup:
    family = view.icons[0].family if view.icons else "none"
    known = [s for s in view.spark if s is not None]
    label = f"Recent trend: {len(view.spark)} periods, from {known[0]:g} to {known[-1]:g}" if known else ""
    return Markup(sparkline_svg(view.spark, colour=palette.FAMILY.get(family, palette.COMMON), label=label))


def _chart_html(chart) -> Markup:
    """A chart drawn in the page body itself (the first screen's): the SVG its /chart/ address would send."""
    return Markup(spc_svg(chart.spec, chart.key))


ENV.globals.update(colour=lambda family: palette.FAMILY.get(family, palette.COMMON), kinds=KINDS,
                   chart_html=_chart_html, sparkline=_sparkline, table_html=lambda t: Markup(table_html(t)))


def render(template: str, **context) -> str:
    return ENV.get_template(template).render(**context)


def block(markup: str, **attrs) -> html.Div:
    """One element holding rendered HTML; dashboard.js puts the HTML in place (and draws charts in it)."""
    return html.Div(className="html-block", **{"data-html": markup}, **attrs)
