"""Figures and cards for what is not one metric's SPC chart: waits beside demand, drill-downs of record-level
extracts (children waiting by weeks waited or by group, missed appointments by group), the EHC assessment funnel
and the mix of annual review outcomes.

Figures are plain dicts (issue 5: no `plotly.graph_objects`), drawn from frames the metrics layer returned;
nothing is computed here but labels. Every figure comes with the same rows as an accessible table (caption,
header scopes) and as a CSV, so the chart, its table and its download always agree. `drill_card` lays these out
with the affordances of a metric's chart card: a title saying what good looks like, the table behind a toggle,
a CSV download, a PNG export, and an empty state that says why there is nothing to show.
"""
from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from urllib.parse import quote

import pandas as pd

from dash import dcc, html

from components import theme
from components.chart_card import PNG
from components.figures import TEMPLATE, empty_figure, graph_config
from components.icons import synthetic_badge
from metrics import format as fmt

# Categorical colours for bars that are not SPC points, so none borrows a Making Data Count meaning (blue
# improvement, orange concern). Each has at least 3:1 contrast on white; patterns tell them apart without colour.
CATEGORY_COLOURS = ("#37474F", "#00695C", "#6A1B9A", "#4E342E")
PATTERNS = ("", "/", ".", "x")
BAR = "#37474F"
PANEL_GAP = 0.08  # share of the figure's height between stacked panels
FONT = {"family": theme.FONT, "size": 13, "color": theme.TEXT}


def _num(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else float(f"{x:.6g}")


def _blank(x) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x)) or x is pd.NA or x is pd.NaT


def _base_layout(height: int, **extra) -> dict:
    return {"template": TEMPLATE, "height": height, "font": FONT, "paper_bgcolor": theme.WHITE,
            "plot_bgcolor": theme.WHITE, "hoverlabel": {"bgcolor": theme.WHITE, "font": {"color": theme.TEXT}},
            **extra}


# -- waits beside demand: stacked small multiples sharing one time axis ----------------------------------------

@dataclass(frozen=True)
class Panel:
    """One row of a small-multiples figure: a monthly series (period_start, value, status) and how to read it."""
    title: str  # e.g. "Children waiting at the end of the month"
    unit: str  # catalogue unit: count | weeks | percent | ...
    series: pd.DataFrame


def small_multiples(panels: list[Panel], events=(), *, period_type: str = "month") -> dict:
    """Panels stacked one above another on a shared time axis, one y axis each (never two scales on one axis:
    dual axes invite readers to compare heights that mean nothing). Hovering a month shows every panel's value.

    events: objects with `date`, `label` and optional `detail`, drawn as numbered lines through every panel.
    """
    shown = [p for p in panels if len(p.series)]
    if not shown:
        return empty_figure("No data for this selection.")
    n = len(shown)
    height = (1 - PANEL_GAP * (n - 1)) / n
    data, annotations, layout_axes = [], [], {}
    all_x: list[str] = []
    for i, p in enumerate(shown):
        axis = "" if i == 0 else str(i + 1)
        top = 1 - i * (height + PANEL_GAP)
        s = p.series
        x = [str(pd.Timestamp(d).date()) for d in s["period_start"]]
        all_x += x
        y = [_num(v) if st == "ok" else None for v, st in zip(s["value"], s["status"])]
        text = [fmt.value(v, p.unit, st) for v, st in zip(s["value"], s["status"])]
        data.append({"type": "scatter", "mode": "lines+markers", "name": p.title, "x": x, "y": y,
                     "xaxis": "x", "yaxis": f"y{axis}", "line": {"color": theme.CENTRE, "width": 1.5},
                     "marker": {"color": theme.CENTRE, "size": 5}, "text": text, "showlegend": False,
                     "hovertemplate": "%{text}<extra>" + p.title + "</extra>", "connectgaps": False})
        layout_axes[f"yaxis{axis}"] = {
            "domain": [max(top - height, 0), top], "anchor": "x", "gridcolor": theme.GRID, "zeroline": False,
            "automargin": True, "rangemode": "tozero" if p.unit in ("count", "percent", "weeks") else "normal",
            "ticksuffix": "%" if p.unit == "percent" else ""}
        annotations.append({"text": f"<b>{p.title}</b>", "xref": "paper", "yref": "paper", "x": 0, "y": top,
                            "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                            "font": {"size": 13, "color": theme.TEXT}})
    shapes = []
    first, last = min(all_x), max(all_x)
    for k, event in enumerate(events, start=1):
        ds = str(pd.Timestamp(event.date).date())
        if not first[:7] <= ds[:7] <= last[:7]:  # an event in the data's first or last month is drawn too
            continue
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": ds, "x1": ds, "y0": 0, "y1": 1,
                       "line": {"color": theme.NEUTRAL, "width": 1.5, "dash": "longdash"}})
        detail = getattr(event, "detail", "") or ""
        # Above the top panel's title, so the two never overlap.
        annotations.append({"x": ds, "xref": "x", "y": 1.0, "yref": "paper", "yanchor": "bottom", "yshift": 22,
                            "xanchor": "center", "text": f"<b>{k}</b>", "showarrow": False, "bgcolor": theme.WHITE,
                            "bordercolor": theme.NEUTRAL, "borderpad": 2,
                            "font": {"size": 12, "color": theme.NEUTRAL},
                            "hovertext": f"{fmt.period(event.date, period_type)}: {event.label}"
                                         + (f"<br>{detail}" if detail else "")})
    layout = _base_layout(170 + 150 * n, margin={"l": 56, "r": 16, "t": 56, "b": 28}, hovermode="x unified",
                          hoversubplots="axis", shapes=shapes, annotations=annotations,
                          xaxis={"type": "date", "anchor": f"y{n if n > 1 else ''}", "showgrid": False,
                                 "linecolor": theme.AXIS, "ticks": "outside", "automargin": True,
                                 "showspikes": True, "spikemode": "across", "spikethickness": 1,
                                 "spikecolor": theme.AXIS},
                          **layout_axes)
    return {"data": data, "layout": layout}


MISSING = (None, "not_available")  # a month a panel has no row for


def small_multiples_rows(panels: list[Panel], *, period_type: str = "month"):
    """The figure's data, one row per month: (table headers, table rows in words, CSV header, CSV rows with GSS
    symbols for suppressed (c) and missing (x) values)."""
    months = sorted({pd.Timestamp(d) for p in panels for d in p.series["period_start"]})
    lookup = [{pd.Timestamp(d): (v, st) for d, v, st in zip(p.series["period_start"], p.series["value"],
                                                              p.series["status"])} for p in panels]
    table, csv_rows = [], []
    for m in months:
        cells = [values.get(m, MISSING) for values in lookup]
        table.append([fmt.period(m, period_type), *(fmt.value(v, p.unit, st) for p, (v, st) in zip(panels, cells))])
        csv_rows.append([m.strftime("%Y-%m-%d"), *(fmt.symbol(v, st, digits=0 if p.unit == "count" else 1)
                                                    for p, (v, st) in zip(panels, cells))])
    names = [p.title for p in panels]
    return ["Period", *names], table, ["period_start", *names], csv_rows


# -- bars: a distribution or a breakdown ------------------------------------------------------------------------

def bar_figure(categories: list[str], values: list, *, text: list[str], hover: list[str], axis_title: str,
               highlight: list[bool] | None = None, highlight_name: str = "", base_name: str = "") -> dict:
    """Horizontal bars, first category at the top, each labelled with its value so no colour is needed.

    `highlight` marks bars drawn hatched in a second colour (with a legend entry, e.g. "Over 18 weeks").
    """
    if not categories or all(_blank(v) or v == 0 for v in values):
        return empty_figure("No one in this selection.")
    groups = [(False, base_name)]
    if highlight and any(highlight):
        groups.append((True, highlight_name))
    data = []
    for on, name in groups:
        idx = [i for i in range(len(categories)) if bool(highlight[i] if highlight else False) == on]
        colour, pattern = (CATEGORY_COLOURS[2], "/") if on else (BAR, "")
        data.append({"type": "bar", "orientation": "h", "name": name or "Value",
                     "y": [categories[i] for i in idx], "x": [_num(values[i]) or 0 for i in idx],
                     "text": [text[i] for i in idx], "textposition": "outside", "cliponaxis": False,
                     "hovertext": [hover[i] for i in idx], "hoverinfo": "text",
                     "marker": {"color": colour,
                                "pattern": {"shape": pattern, "fgcolor": theme.WHITE, "fillmode": "overlay"}},
                     "showlegend": len(groups) > 1})
    layout = _base_layout(
        110 + 44 * len(categories), margin={"l": 16, "r": 90, "t": 16, "b": 40}, barmode="overlay",
        bargap=0.3, hovermode="closest",
        xaxis={"title": {"text": axis_title}, "gridcolor": theme.GRID, "zeroline": True,
               "zerolinecolor": theme.AXIS, "rangemode": "tozero", "automargin": True},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": list(categories),
               "autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"})
    return {"data": data, "layout": layout}


def funnel_figure(funnel: pd.DataFrame) -> dict:
    """The EHC assessment funnel (metrics.derive.ehcp_funnel): requests reaching each stage, labelled with the
    share of requests and the median days the stage took."""
    if funnel.empty or not funnel["reached"].iloc[0]:
        return empty_figure("No requests in this period.")
    text, hover = [], []
    for r in funnel.itertuples(index=False):
        share = "" if _blank(r.pct_of_requests) else f" ({r.pct_of_requests:.0f}%)"
        step = "" if _blank(r.median_days) else f" · median {r.median_days:,.0f} days"
        text.append(f"{r.reached:,}{share}{step}")
        hover.append(f"<b>{r.stage}</b><br>{r.reached:,} requests{share}"
                     + ("" if _blank(r.median_days) else
                        f"<br>Median {r.median_days:,.0f} days from the previous stage")
                     + ("" if _blank(r.median_days_from_request) else
                        f"<br>Median {r.median_days_from_request:,.0f} days from the request"))
    return bar_figure(list(funnel["stage"]), list(funnel["reached"]), text=text, hover=hover,
                      axis_title="Requests")


def stacked_share_figure(parts: dict[str, pd.DataFrame]) -> dict:
    """Shares of a whole by period as stacked bars (e.g. review outcomes), one colour and pattern per part.

    parts: part name -> series (period_start, value (0-100), numerator, status).
    """
    shown = {k: s for k, s in parts.items() if len(s)}
    if not shown:
        return empty_figure("No data for this selection.")
    data = []
    for i, (name, s) in enumerate(shown.items()):
        ok = s["status"] == "ok"
        data.append({"type": "bar", "name": name, "x": [str(pd.Timestamp(d).date()) for d in s["period_start"]],
                     "y": [_num(v) if good else None for v, good in zip(s["value"], ok)],
                     "marker": {"color": CATEGORY_COLOURS[i % len(CATEGORY_COLOURS)],
                                "pattern": {"shape": PATTERNS[i % len(PATTERNS)], "fgcolor": theme.WHITE,
                                            "fillmode": "overlay"}},
                     "customdata": [fmt.value(v, "percent", st) for v, st in zip(s["value"], s["status"])],
                     "hovertemplate": "%{customdata}<extra>" + name + "</extra>"})
    layout = _base_layout(
        340, margin={"l": 56, "r": 16, "t": 16, "b": 24}, barmode="stack", bargap=0.1, hovermode="x unified",
        xaxis={"type": "date", "showgrid": False, "linecolor": theme.AXIS, "ticks": "outside", "automargin": True},
        yaxis={"title": {"text": "Per cent"}, "range": [0, 100], "ticksuffix": "%", "gridcolor": theme.GRID,
               "automargin": True},
        legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "traceorder": "normal"})
    return {"data": data, "layout": layout}


def stacked_share_rows(parts: dict[str, pd.DataFrame], *, period_type: str = "month"):
    """The same four lists as `small_multiples_rows`, for a stacked share figure."""
    panels = [Panel(name, "percent", frame) for name, frame in parts.items()]
    return small_multiples_rows(panels, period_type=period_type)


# -- tables and downloads ---------------------------------------------------------------------------------------

def data_table(caption: str, headers: list[str], rows: list[list]) -> html.Div:
    """An accessible table: a caption saying what and where, column headers and row headers with scope."""
    return html.Div(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Th(r[0], scope="row"), *[html.Td(c) for c in r[1:]]]) for r in rows]),
    ], className="table table-sm table-striped data-table"), className="table-responsive", tabIndex="0",
        role="region", **{"aria-label": f"Data table: {caption}"})


def csv_text(headers: list[str], rows: list[list]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return buf.getvalue()


def csv_href(text: str) -> str:
    """A data: link to the CSV, so the download is exactly what the page drew, with no request to the server
    (these tables are a few dozen rows at most)."""
    return "data:text/csv;charset=utf-8," + quote(text)


# -- the card -------------------------------------------------------------------------------------------------

def drill_card(key: str, title: str, good: str, description: str, *, figure: dict | None, summary: str = "",
               table: html.Div | None = None, csv: str | None = None, empty: str | None = None,
               note: str = "", meta: str = "", metric: str | None = None, highlight: bool = False,
               synthetic: bool = False, heading_level: int = 2) -> html.Section:
    """A card for one drill-down figure, with a metric card's affordances (see the module docstring).

    `empty` replaces the figure with a sentence saying why there is nothing to show. `metric` (a catalogue id)
    makes the card that measure's place on the page, with the anchor a metric card has (`#metric-<id>`, where
    `?metric=<id>` scrolls), outlined when `highlight`. `synthetic` labels demonstration data as a card does.
    """
    heading = getattr(html, f"H{heading_level}")
    body = [heading(title, id=f"title-{key}", className="h5 card-title mb-1"),
            html.P([html.Span(good, className="good-direction"), " ", synthetic_badge(synthetic)],
                   className="small mb-2"),
            html.P(description, className="description")]
    if empty or figure is None:
        body.append(html.Div(html.P(empty or "No data for this selection.", className="empty-state mb-0"),
                             className="empty-box"))
    else:
        body.append(html.Figure([
            html.Div(dcc.Graph(figure=figure, config=graph_config(key)), id=f"chart-{key}", className="chart"),
            html.Figcaption(summary, className="chart-summary"),
        ], className="mb-2", **{"aria-label": f"Chart: {title}"}))
        if note:
            body.append(html.P(note, className="small"))
        actions = []
        if csv is not None:
            actions.append(html.A("Download CSV", href=csv_href(csv), download=f"{key}.csv",
                                  className="btn btn-outline-secondary btn-sm"))
        actions.append(html.Button("Save chart as PNG", id={"type": PNG, "metric": key, "breakdown": "All"},
                                   n_clicks=0, className="btn btn-outline-secondary btn-sm",
                                   **{"data-target": f"chart-{key}", "data-filename": key}))
        body.append(html.Div(actions, className="card-actions d-flex flex-wrap gap-2 mb-2"))
        if table is not None:
            body.append(html.Details([html.Summary("Show the data as a table", className="btn btn-link btn-sm px-0"),
                                      table], id=f"table-{key}", className="mb-2"))
    if meta:
        body.append(html.P(meta, className="small text-body-secondary meta mb-0"))
    attrs = {"aria-labelledby": f"title-{key}", "data-drilldown": key}
    if metric:
        attrs.update({"data-metric": metric, "tabIndex": "-1"})
    return html.Section(html.Div(body, className="card-body"), id=f"metric-{metric}" if metric else f"drill-{key}",
                        className="card chart-card mb-4" + (" highlight" if highlight else ""), **attrs)
