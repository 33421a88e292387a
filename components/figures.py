"""SPC charts and sparklines as plain dicts for `dcc.Graph(figure=...)`.

Plotly's Figure objects validate every property (about 9.5 ms for a 72-point chart; a dict costs about 0.2 ms,
issue 5), so nothing here goes through `plotly.graph_objects`. Every trace is drawn from the SPC result the
metrics layer computed; nothing is calculated here except unit scaling and labels.
"""
from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pandas as pd

from components import theme
from metrics import format as fmt
from metrics.analysis import Analysis, scale

# An empty template: plotly.js draws with its plain defaults and the JSON carries no theme (issue 5: small JSON).
TEMPLATE = {"layout": {}}
CENTRE_NAME = {"run": "Median", "xmr": "Mean", "p": "Mean", "p_prime": "Mean"}
HEIGHT = 340


def graph_config(filename: str) -> dict:
    """dcc.Graph config: a visible mode bar whose camera button saves a PNG named for the metric."""
    return {
        "displaylogo": False,
        "displayModeBar": True,
        "responsive": True,
        "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                                   "hoverClosestCartesian", "hoverCompareCartesian"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2, "height": 500, "width": 1000},
    }


def _dates(values) -> list[str]:
    return [str(d)[:10] for d in np.asarray(values, dtype="datetime64[D]")]


def _num(x) -> float | None:
    """JSON-ready number: None for missing, 4 significant figures are plenty for a chart."""
    if x is None:
        return None
    x = float(x)
    return None if math.isnan(x) else float(f"{x:.6g}")


def _segments(x: list, y, group) -> tuple[list, list]:
    """One line per rebase group, separated by gaps (None), so no line is drawn across a rebase."""
    xs, ys = [], []
    for i, (d, v) in enumerate(zip(x, y)):
        if i and group[i] != group[i - 1]:
            xs.append(None)
            ys.append(None)
        xs.append(d)
        ys.append(_num(v))
    return xs, ys


def _axis_title(metric) -> str:
    return {"percent": "Per cent", "count": "Number", "days": "Days", "weeks": "Weeks",
            "rate": "Rate", "score": "Score", "ratio": "Ratio"}.get(metric.unit, "")


def empty_figure(message: str) -> dict:
    """A figure with no data and the reason written on it (the card also says it in text)."""
    return {"data": [], "layout": {
        "template": TEMPLATE, "height": 160, "margin": {"l": 16, "r": 16, "t": 16, "b": 16},
        "xaxis": {"visible": False}, "yaxis": {"visible": False},
        "annotations": [{"text": message, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                         "font": {"size": 14, "color": theme.TEXT}}],
        "paper_bgcolor": theme.WHITE, "plot_bgcolor": theme.WHITE}}


def spc_figure(analysis: Analysis, metric, annotations=(), comparators: dict | None = None) -> dict:
    """A Making Data Count chart of one analysis, as a plain dict.

    analysis: from `Store.analysis`; metric: its catalogue entry; annotations: dated events to mark (objects with
    `date`, `label` and optional `detail`); comparators: {name: DataFrame with period_start, value, status} drawn as
    dotted lines (England, the region, statistical neighbours).
    """
    if analysis.spc is None:
        return empty_figure(analysis.note or "No data for this selection.")
    a = analysis.spc.arrays
    k = scale(analysis)
    x = _dates(a["date"])
    value = np.asarray(a["value"], dtype=float) * k
    centre = np.asarray(a["centre"], dtype=float) * k
    lower = np.asarray(a["lower"], dtype=float) * k
    upper = np.asarray(a["upper"], dtype=float) * k
    group = np.asarray(a["group"])
    types = np.asarray(a["point_type"])
    unit, freq = metric.unit, metric.frequency
    has_limits = not np.all(np.isnan(upper))

    data = [{"type": "scatter", "mode": "lines", "name": "Values", "x": x, "y": [_num(v) for v in value],
             "line": {"color": theme.SERIES, "width": 2}, "hoverinfo": "skip", "showlegend": False,
             "connectgaps": False}]

    line_digits = 1 if unit == "count" else None  # a mean of counts is not a count: show its decimal
    hover = []
    for i in range(len(x)):
        text = f"<b>{fmt.period(a['date'][i], freq)}</b><br>{fmt.value(value[i], unit)}"
        if has_limits and not math.isnan(upper[i]):
            text += (f"<br>{CENTRE_NAME.get(analysis.chart, 'Mean')}: {fmt.value(centre[i], unit, digits=line_digits)}"
                     f"<br>Limits: {fmt.value(lower[i], unit, digits=line_digits)} to "
                     f"{fmt.value(upper[i], unit, digits=line_digits)}")
        elif not math.isnan(centre[i]):
            text += f"<br>Median: {fmt.value(centre[i], unit, digits=line_digits)}"
        hover.append(text + f"<br>{theme.POINT_STYLE.get(types[i], ('',))[0]}")

    for point_type, (name, colour, symbol, size) in theme.POINT_STYLE.items():
        idx = [i for i in range(len(x)) if types[i] == point_type and not math.isnan(value[i])]
        if not idx:
            continue
        data.append({"type": "scatter", "mode": "markers", "name": name, "legendgroup": point_type,
                     "x": [x[i] for i in idx], "y": [_num(value[i]) for i in idx],
                     "marker": {"color": colour, "symbol": symbol, "size": size,
                                "line": {"color": theme.WHITE, "width": 1}},
                     "text": [hover[i] for i in idx], "hoverinfo": "text"})

    cx, cy = _segments(x, centre, group)
    data.append({"type": "scatter", "mode": "lines", "name": CENTRE_NAME.get(analysis.chart, "Mean"),
                 "x": cx, "y": cy, "line": {"color": theme.CENTRE, "width": 1.5}, "hoverinfo": "skip"})
    if has_limits:
        ux, uy = _segments(x, upper, group)
        lx, ly = _segments(x, lower, group)
        data.append({"type": "scatter", "mode": "lines", "name": "Process limits", "x": ux + [None] + lx,
                     "y": uy + [None] + ly, "line": {"color": theme.LINE, "width": 1.2, "dash": "dash"},
                     "hoverinfo": "skip"})

    if metric.target is not None:
        data.append({"type": "scatter", "mode": "lines", "name": f"Target {fmt.value(metric.target, unit)}",
                     "x": [x[0], x[-1]], "y": [metric.target, metric.target],
                     "line": {"color": theme.TARGET, "width": 2, "dash": "dashdot"}, "hoverinfo": "name"})

    styles = list(zip(theme.COMPARATOR, theme.COMPARATOR_MARKER)) * 2
    for (name, series), (colour, symbol) in zip((comparators or {}).items(), styles):
        s = series[series["status"] == "ok"].dropna(subset=["value"]) if len(series) else series
        if not len(s):
            continue
        cxs = _dates(pd.to_datetime(s["period_start"]))
        data.append({"type": "scatter", "mode": "lines+markers", "name": name, "x": cxs,
                     "y": [_num(v) for v in s["value"]],
                     "line": {"color": colour, "width": 1.2, "dash": "dot"},
                     "marker": {"symbol": symbol, "size": 7, "color": colour, "line": {"width": 1.5, "color": colour}},
                     "text": [f"<b>{name}</b><br>{fmt.period(d, freq)}<br>{fmt.value(v, unit)}"
                              for d, v in zip(s["period_start"], s["value"])],
                     "hoverinfo": "text"})

    shapes, notes = [], []
    for d in analysis.rebase_dates:
        ds = str(pd.Timestamp(d).date())
        if x[0] < ds <= x[-1]:
            shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": ds, "x1": ds, "y0": 0, "y1": 1,
                           "line": {"color": theme.CENTRE, "width": 1, "dash": "dot"}})
            notes.append({"x": ds, "xref": "x", "y": 0, "yref": "paper", "yanchor": "bottom", "xanchor": "left",
                          "text": "Limits recalculated", "showarrow": False,
                          "font": {"size": 11, "color": theme.TEXT}})
    in_range = [e for e in annotations if x[0] <= str(pd.Timestamp(e.date).date()) <= x[-1]]
    for n, event in enumerate(in_range, start=1):  # numbered as the card's list of events numbers them
        ds = str(pd.Timestamp(event.date).date())
        shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": ds, "x1": ds, "y0": 0, "y1": 1,
                       "line": {"color": theme.NEUTRAL, "width": 1.5, "dash": "longdash"}})
        detail = getattr(event, "detail", "") or ""
        notes.append({"x": ds, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom", "text": f"<b>{n}</b>",
                      "showarrow": False, "bgcolor": theme.WHITE, "bordercolor": theme.NEUTRAL, "borderpad": 2,
                      "font": {"size": 12, "color": theme.NEUTRAL},
                      "hovertext": f"{fmt.period(event.date, 'month')}: {event.label}" + (
                          f"<br>{detail}" if detail else "")})

    yaxis = {"title": {"text": _axis_title(metric)}, "gridcolor": theme.GRID, "zeroline": False,
             "automargin": True, "rangemode": "tozero" if metric.unit in ("count", "percent") else "normal"}
    if unit == "percent":
        yaxis["ticksuffix"] = "%"
    layout = {
        "template": TEMPLATE, "height": HEIGHT, "margin": {"l": 56, "r": 40, "t": 30, "b": 24},
        "modebar": {"orientation": "v"},  # down the right edge, clear of the event numbers along the top
        "font": {"family": theme.FONT, "size": 13, "color": theme.TEXT},
        "paper_bgcolor": theme.WHITE, "plot_bgcolor": theme.WHITE, "hovermode": "closest",
        "hoverlabel": {"bgcolor": theme.WHITE, "font": {"color": theme.TEXT}},
        "xaxis": {"type": "date", "showgrid": False, "linecolor": theme.AXIS, "ticks": "outside",
                  "automargin": True},
        "yaxis": yaxis,
        "legend": {"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "font": {"size": 12}},
        "shapes": shapes, "annotations": notes,
    }
    return {"data": data, "layout": layout}


def sparkline_svg(values, *, width: int = 96, height: int = 24, colour: str = theme.COMMON,
                  last_colour: str | None = None) -> str:
    """A tiny inline SVG line (as a data: URI for an <img>), last point marked. Missing values are gaps."""
    v = [None if (x is None or (isinstance(x, float) and math.isnan(x))) else float(x) for x in values]
    known = [x for x in v if x is not None]
    if len(known) < 2:
        return ""
    lo, hi = min(known), max(known)
    span = (hi - lo) or 1.0
    pad = 3
    step = (width - 2 * pad) / max(len(v) - 1, 1)

    def xy(i, val):
        return pad + i * step, height - pad - (val - lo) / span * (height - 2 * pad)

    paths, cur = [], []
    for i, val in enumerate(v):
        if val is None:
            if cur:
                paths.append(cur)
            cur = []
            continue
        cur.append("%.1f,%.1f" % xy(i, val))
    if cur:
        paths.append(cur)
    last_i = max(i for i, x in enumerate(v) if x is not None)
    lx, ly = xy(last_i, v[last_i])
    lines = "".join(f'<polyline points="{" ".join(p)}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
                    for p in paths if len(p) > 1)
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}">{lines}'
           f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{last_colour or colour}"/></svg>')
    return "data:image/svg+xml;utf8," + quote(svg)
