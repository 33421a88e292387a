"""Plotly figures (plain dicts) drawn from the view model's chart specs, and the box a page puts a chart in.

Nothing is computed here but positions, colours and the words the spec already holds: a point's value, its label,
its type, the limits and the events all come from metrics/view. Plain dicts, not plotly.graph_objects (building a
Figure validates every property: about 9.5 ms for a 72-point chart against 0.2 ms for a dict).

A chart box carries only the address of its figure (`data-src`); assets/dashboard.js fetches and draws it when it
scrolls into view, so a long page sends and draws only what a reader looks at.
"""
from __future__ import annotations

import math
from functools import lru_cache

from markupsafe import escape

from metrics import format as fmt
from metrics import palette
from metrics.view.model import BarChart, Chart, PanelsChart, SpcChart, StackedChart

TEMPLATE = {"layout": {}}  # plotly.js's plain defaults: the JSON carries no theme
HEIGHT = 340
PLOTLY_SYMBOL = {"circle": "circle", "square": "square", "diamond": "diamond", "triangle-up": "triangle-up",
                 "triangle-down": "triangle-down"}
FONT = {"family": palette.FONT, "size": 13, "color": palette.TEXT}


def config(filename: str) -> dict:
    """The mode bar: visible, its camera saving a PNG named for the chart."""
    return {"displaylogo": False, "displayModeBar": True, "responsive": True,
            "modeBarButtonsToRemove": ["select2d", "lasso2d", "autoScale2d", "toggleSpikelines",
                                       "hoverClosestCartesian", "hoverCompareCartesian"],
            "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2, "height": 500,
                                     "width": 1000}}


def figure(spec) -> dict:
    kind = getattr(spec, "kind", "")
    if kind == "fan":
        return fan_figure(spec)
    if kind == "funnel":
        return funnel_figure(spec)
    if isinstance(spec, SpcChart):
        return spc_figure(spec)
    if isinstance(spec, BarChart):
        return bar_figure(spec)
    if isinstance(spec, PanelsChart):
        return panels_figure(spec)
    if isinstance(spec, StackedChart):
        return stacked_figure(spec)
    return empty_figure("No data for this selection.")


def _base(height: int, **extra) -> dict:
    return {"template": TEMPLATE, "height": height, "font": FONT, "paper_bgcolor": palette.WHITE,
            "plot_bgcolor": palette.WHITE, "hoverlabel": {"bgcolor": palette.WHITE, "font": {"color": palette.TEXT}},
            **extra}


def empty_figure(message: str) -> dict:
    return {"data": [], "layout": _base(160, margin={"l": 16, "r": 16, "t": 16, "b": 16},
                                        xaxis={"visible": False}, yaxis={"visible": False},
                                        annotations=[{"text": message, "showarrow": False, "xref": "paper",
                                                      "yref": "paper", "x": 0.5, "y": 0.5}])}


def _segments(points, attr: str) -> tuple[list, list]:
    """One line per rebase group, broken by a gap (None) between groups and where the line is missing."""
    xs, ys = [], []
    for i, p in enumerate(points):
        if i and p.group != points[i - 1].group:
            xs.append(None)
            ys.append(None)
        xs.append(p.x)
        ys.append(getattr(p, attr))
    return xs, ys


def spc_figure(spec: SpcChart) -> dict:
    pts = spec.points
    x = [p.x for p in pts]
    data = [{"type": "scatter", "mode": "lines", "name": "Values", "x": x, "y": [p.value for p in pts],
             "line": {"color": palette.SERIES, "width": 2}, "hoverinfo": "skip", "showlegend": False,
             "connectgaps": False}]

    def hover(p) -> str:
        first, *rest = point_lines(spec, p)
        return "<br>".join([f"<b>{first}</b>", *rest])

    for point_type, (colour, shape) in palette.POINT.items():
        mine = [p for p in pts if p.point_type == point_type and p.value is not None]
        if not mine:
            continue
        data.append({"type": "scatter", "mode": "markers", "name": spec.point_names.get(point_type, point_type),
                     "legendgroup": point_type, "x": [p.x for p in mine], "y": [p.value for p in mine],
                     "marker": {"color": colour, "symbol": PLOTLY_SYMBOL[shape], "size": palette.POINT_SIZE[shape],
                                "line": {"color": palette.WHITE, "width": 1}},
                     "text": [hover(p) for p in mine], "hoverinfo": "text"})
    hidden = [p for p in pts if p.value is None and p.status == "suppressed"]
    if hidden:  # a hidden figure is a point that says why, not a line that stops early
        last = pts[-1] if pts[-1].value is None and pts[-1].status == "suppressed" else None
        data.append({"type": "scatter", "mode": "markers+text" if last else "markers", "name": "Not shown",
                     "x": [p.x for p in hidden], "y": [0] * len(hidden),
                     "text": [p.text if p is last else "" for p in hidden], "textposition": "top left",
                     "textfont": {"size": 12, "color": palette.TEXT}, "hoverinfo": "text",
                     "hovertext": [f"<b>{p.label}</b><br>{p.text}" for p in hidden],
                     "marker": {"symbol": "circle-open", "size": 9, "color": palette.COMMON}})
    if spec.centre_name and any(p.centre is not None for p in pts):
        cx, cy = _segments(pts, "centre")
        data.append({"type": "scatter", "mode": "lines", "name": spec.centre_name, "x": cx, "y": cy,
                     "line": {"color": palette.CENTRE, "width": 1.5}, "hoverinfo": "skip"})
    if spec.limits_name and any(p.upper is not None for p in pts):
        ux, uy = _segments(pts, "upper")
        lx, ly = _segments(pts, "lower")
        name = spec.limits_name + (" (trial)" if spec.trial else "")
        data.append({"type": "scatter", "mode": "lines", "name": name, "x": ux + [None] + lx, "y": uy + [None] + ly,
                     "line": {"color": palette.LIMIT, "width": 1.2, "dash": "dot" if spec.trial else "dash"},
                     "hoverinfo": "skip"})
    if spec.target is not None and x:
        data.append({"type": "scatter", "mode": "lines", "name": spec.target_label, "x": [x[0], x[-1]],
                     "y": [spec.target, spec.target], "line": {"color": palette.TARGET, "width": 2, "dash": "dashdot"},
                     "hoverinfo": "name"})
    styles = list(zip(palette.COMPARATOR, palette.COMPARATOR_MARKER)) * 2
    for line, (colour, symbol) in zip(spec.comparators, styles):
        data.append({"type": "scatter", "mode": "lines+markers", "name": line.name, "x": [p.x for p in line.points],
                     "y": [p.value for p in line.points], "line": {"color": colour, "width": 1.2, "dash": "dot"},
                     "marker": {"symbol": symbol, "size": 7, "color": colour, "line": {"width": 1.5, "color": colour}},
                     "text": [f"<b>{line.name}</b><br>{p.label}<br>{p.text}" for p in line.points],
                     "hoverinfo": "text"})
    shapes, notes = [], []
    for e in spec.events:
        if e.recalculated_x and spec.limits_name:
            shapes.append(_vline(e.recalculated_x, palette.CENTRE, "dot", 1))
            notes.append({"x": e.recalculated_x, "xref": "x", "y": 0, "yref": "paper", "yanchor": "bottom",
                          "xanchor": "left", "text": f"Limits recalculated from {e.recalculated_from}" if
                          spec.limits_name else f"From {e.recalculated_from}", "showarrow": False,
                          "font": {"size": 11, "color": palette.TEXT}})
        shapes.append(_vline(e.date, palette.EVENT, "longdash", 1.5))
        notes.append(_event_note(e, 0))
    yaxis = {"title": {"text": spec.y_title}, "gridcolor": palette.GRID, "zeroline": False, "automargin": True,
             "rangemode": "tozero" if spec.unit in ("count", "percent") else "normal"}
    if spec.unit == "percent":
        yaxis["ticksuffix"] = "%"
    layout = _base(HEIGHT, margin={"l": 56, "r": 40, "t": 30, "b": 24}, modebar={"orientation": "v"},
                   hovermode="closest", xaxis={"type": "date", "showgrid": False, "linecolor": palette.AXIS,
                                               "ticks": "outside", "automargin": True},
                   yaxis=yaxis, legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "font": {"size": 12}},
                   shapes=shapes, annotations=notes)
    return {"data": data, "layout": layout}


def point_lines(spec: SpcChart, p) -> list[str]:
    """What a point says when pointed at, line by line: its period, value, centre and limits, and its type (the
    plotly hover and the SVG's tooltip alike)."""
    digits = 1 if spec.unit == "count" else spec.decimals
    lines = [p.label, p.text]
    if p.upper is not None and p.lower is not None:
        lines += [f"{spec.centre_name}: {_num_text(p.centre, spec, digits)}",
                  f"{spec.limits_name}: {_num_text(p.lower, spec, digits)} to {_num_text(p.upper, spec, digits)}"]
    elif p.centre is not None and spec.centre_name:
        lines.append(f"{spec.centre_name}: {_num_text(p.centre, spec, digits)}")
    if p.point_type:
        lines.append(spec.point_names.get(p.point_type, ""))
    return lines


def _num_text(v, spec: SpcChart, digits) -> str:
    return _number(v, spec.unit, digits, spec.unit_label)


@lru_cache(maxsize=8192)  # a group's centre and limits are one number on every point: written once
def _number(v, unit: str, digits, label) -> str:
    return fmt.value(v, unit, digits=digits, label=label)


def _vline(x: str, colour: str, dash: str, width: float) -> dict:
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "width": width, "dash": dash}}


def _event_note(e, yshift: int) -> dict:
    """The event's number from the log, at the top of its line; its words in the hover and in the card's list."""
    return {"x": e.date, "xref": "x", "y": 1, "yref": "paper", "yanchor": "bottom", "yshift": yshift,
            "text": f"<b>{e.number}</b>", "showarrow": False, "bgcolor": palette.WHITE,
            "bordercolor": palette.EVENT, "borderpad": 2, "font": {"size": 12, "color": palette.EVENT},
            "hovertext": f"{e.when}: {e.title}" + (f"<br>{e.description}" if e.description else "")}


def bar_figure(spec: BarChart) -> dict:
    bars = spec.bars
    if not bars or all(b.value in (None, 0) for b in bars):
        return empty_figure("No one in this selection.")
    groups = [(False, spec.base_name)]
    if any(b.highlight for b in bars):
        groups.append((True, spec.highlight_name))
    data = []
    for on, name in groups:
        mine = [b for b in bars if b.highlight == on]
        colour, pattern = (palette.CATEGORY[2], "/") if on else (palette.CATEGORY[0], "")
        data.append({"type": "bar", "orientation": "h", "name": name or "Value", "y": [b.label for b in mine],
                     "x": [b.value or 0 for b in mine], "text": [b.text for b in mine], "textposition": "outside",
                     "cliponaxis": False, "hovertext": [b.hover for b in mine], "hoverinfo": "text",
                     "marker": {"color": colour, "pattern": {"shape": pattern, "fgcolor": palette.WHITE,
                                                             "fillmode": "overlay"}},
                     "showlegend": len(groups) > 1})
    layout = _base(110 + 44 * len(bars), margin={"l": 16, "r": 90, "t": 16, "b": 40}, barmode="overlay", bargap=0.3,
                   hovermode="closest",
                   xaxis={"title": {"text": spec.axis_title}, "gridcolor": palette.GRID, "zeroline": True,
                          "zerolinecolor": palette.AXIS, "rangemode": "tozero", "automargin": True},
                   yaxis={"type": "category", "categoryorder": "array", "categoryarray": [b.label for b in bars],
                          "autorange": "reversed", "automargin": True},
                   legend={"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom", "traceorder": "normal"})
    return {"data": data, "layout": layout}


PANEL_GAP = 0.08


def panels_figure(spec: PanelsChart) -> dict:
    """Panels stacked on one shared time axis, one y axis each (never two scales on one axis)."""
    shown = [p for p in spec.panels if p.points]
    if not shown:
        return empty_figure("No data for this selection.")
    n = len(shown)
    height = (1 - PANEL_GAP * (n - 1)) / n
    data, notes, axes, xs = [], [], {}, []
    for i, panel in enumerate(shown):
        axis = "" if i == 0 else str(i + 1)
        top = 1 - i * (height + PANEL_GAP)
        x = [p.x for p in panel.points]
        xs += x
        data.append({"type": "scatter", "mode": "lines+markers", "name": panel.title, "x": x,
                     "y": [p.value for p in panel.points], "xaxis": "x", "yaxis": f"y{axis}",
                     "line": {"color": palette.CENTRE, "width": 1.5}, "marker": {"color": palette.CENTRE, "size": 5},
                     "text": [p.text for p in panel.points], "showlegend": False,
                     "hovertemplate": "%{text}<extra>" + panel.title + "</extra>", "connectgaps": False})
        axes[f"yaxis{axis}"] = {"domain": [max(top - height, 0), top], "anchor": "x", "gridcolor": palette.GRID,
                                "zeroline": False, "automargin": True,
                                "rangemode": "tozero" if panel.unit in ("count", "percent", "weeks") else "normal",
                                "ticksuffix": "%" if panel.unit == "percent" else ""}
        notes.append({"text": f"<b>{panel.title}</b>", "xref": "paper", "yref": "paper", "x": 0, "y": top,
                      "xanchor": "left", "yanchor": "bottom", "showarrow": False,
                      "font": {"size": 13, "color": palette.TEXT}})
    shapes = []
    for e in spec.events:
        shapes.append(_vline(e.date, palette.EVENT, "longdash", 1.5))
        notes.append(_event_note(e, 22))
    layout = _base(170 + 150 * n, margin={"l": 56, "r": 16, "t": 56, "b": 28}, hovermode="x unified",
                   hoversubplots="axis", shapes=shapes, annotations=notes,
                   xaxis={"type": "date", "anchor": f"y{n if n > 1 else ''}", "showgrid": False,
                          "linecolor": palette.AXIS, "ticks": "outside", "automargin": True, "showspikes": True,
                          "spikemode": "across", "spikethickness": 1, "spikecolor": palette.AXIS}, **axes)
    return {"data": data, "layout": layout}


def stacked_figure(spec: StackedChart) -> dict:
    shown = [p for p in spec.parts if p.points]
    if not shown:
        return empty_figure("No data for this selection.")
    data = []
    for i, part in enumerate(shown):
        data.append({"type": "bar", "name": part.title, "x": [p.x for p in part.points],
                     "y": [p.value for p in part.points],
                     "marker": {"color": palette.CATEGORY[i % len(palette.CATEGORY)],
                                "pattern": {"shape": palette.PATTERN[i % len(palette.PATTERN)],
                                            "fgcolor": palette.WHITE, "fillmode": "overlay"}},
                     "customdata": [p.text for p in part.points],
                     "hovertemplate": "%{customdata}<extra>" + part.title + "</extra>"})
    layout = _base(340, margin={"l": 56, "r": 16, "t": 16, "b": 24}, barmode="stack", bargap=0.1,
                   hovermode="x unified",
                   xaxis={"type": "date", "showgrid": False, "linecolor": palette.AXIS, "ticks": "outside",
                          "automargin": True},
                   yaxis={"title": {"text": "Per cent"}, "range": [0, 100], "ticksuffix": "%",
                          "gridcolor": palette.GRID, "automargin": True},
                   legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top", "traceorder": "normal"})
    return {"data": data, "layout": layout}


def sparkline_svg(values, *, colour: str, label: str = "", width: int = 96, height: int = 24) -> str:
    """A tiny SVG line, last point marked, gaps where a value is missing: markup to put in the page itself (as a
    data: URL image each sparkline was an SVG document of its own for the browser to build: ~1 ms apiece, 100 ms
    for the overview's rows). `label` is what it says to a screen reader."""
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
    last = max(i for i, x in enumerate(v) if x is not None)
    lx, ly = xy(last, v[last])
    lines = "".join(f'<polyline points="{" ".join(p)}" fill="none" stroke="{colour}" stroke-width="1.5"/>'
                    for p in paths if len(p) > 1)
    return (f'<svg class="sparkline" role="img" aria-label="{escape(label)}" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}">{lines}<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{colour}"/>'
            '</svg>')


def fan_figure(spec) -> dict:
    """The list as it was (a line) and as simulated from now (a band from the low to the high percentile around the
    middle run), with the target queue size: the planner's fan chart."""
    data = []
    if spec.actual.points:
        data.append({"type": "scatter", "mode": "lines+markers", "name": spec.actual.name,
                     "x": [p.x for p in spec.actual.points], "y": [p.value for p in spec.actual.points],
                     "line": {"color": palette.SERIES, "width": 2}, "marker": {"size": 5, "color": palette.SERIES},
                     "text": [f"<b>{p.label}</b><br>{p.text} waiting" for p in spec.actual.points],
                     "hoverinfo": "text"})
    if spec.bands:
        low, mid, high = spec.bands[0], spec.bands[len(spec.bands) // 2], spec.bands[-1]
        x = list(spec.weeks)
        data += [
            {"type": "scatter", "mode": "lines", "name": f"Simulated: {spec.levels[0]:g}th percentile", "x": x,
             "y": list(low), "line": {"color": palette.IMPROVEMENT, "width": 0.8, "dash": "dot"},
             "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines", "name": f"Simulated: {spec.levels[0]:g}th to {spec.levels[-1]:g}th "
                                                         "percentile", "x": x, "y": list(high), "fill": "tonexty",
             "fillcolor": "rgba(0,114,198,0.15)", "line": {"color": palette.IMPROVEMENT, "width": 0.8, "dash": "dot"},
             "hoverinfo": "skip"},
            {"type": "scatter", "mode": "lines", "name": "Simulated: middle run", "x": x, "y": list(mid),
             "line": {"color": palette.IMPROVEMENT, "width": 2, "dash": "dash"},
             "text": [f"Week ending {w}: {m:,.0f} (between {lo:,.0f} and {hi:,.0f})"
                      for w, m, lo, hi in zip(x, mid, low, high)], "hoverinfo": "text"},
        ]
    xs = [p.x for p in spec.actual.points] + list(spec.weeks)
    if xs:
        data.append({"type": "scatter", "mode": "lines", "name": f"Target queue size ({spec.target_queue:,.0f})",
                     "x": [min(xs), max(xs)], "y": [spec.target_queue] * 2,
                     "line": {"color": palette.TARGET, "width": 2, "dash": "dashdot"}, "hoverinfo": "name"})
    layout = _base(380, margin={"l": 56, "r": 24, "t": 24, "b": 24}, hovermode="closest",
                   xaxis={"type": "date", "showgrid": False, "linecolor": palette.AXIS, "ticks": "outside",
                          "automargin": True},
                   yaxis={"title": {"text": spec.y_title}, "gridcolor": palette.GRID, "rangemode": "tozero",
                          "automargin": True},
                   legend={"orientation": "h", "x": 0, "y": -0.12, "yanchor": "top"})
    return {"data": data, "layout": layout}


def funnel_figure(spec) -> dict:
    """Every local authority by its denominator and percentage, inside the 95% and 99.8% funnels around England;
    the area itself and its statistical neighbours named (markers differ, not only colours)."""
    f = spec.funnel
    c = f.curve
    data = []
    for level, lo, hi, dash in (("99.8%", c.lower_998, c.upper_998, "dash"), ("95%", c.lower_95, c.upper_95, "dot")):
        data.append({"type": "scatter", "mode": "lines", "name": f"{level} limits", "x": list(c.n) + [None] + list(c.n),
                     "y": list(lo) + [None] + list(hi), "line": {"color": palette.LIMIT, "width": 1.2, "dash": dash},
                     "hoverinfo": "skip"})
    data.append({"type": "scatter", "mode": "lines", "name": f"England {f.target:.1f}%", "x": [c.n[0], c.n[-1]],
                 "y": [f.target, f.target], "line": {"color": palette.CENTRE, "width": 1.5}, "hoverinfo": "name"})
    groups = (("Other local authorities", [p for p in f.points if not p.local and not p.neighbour], palette.COMMON,
               "circle", False),
              ("Statistical neighbours", [p for p in f.points if p.neighbour], palette.COMPARATOR[0], "square", True),
              (spec.local_name, [p for p in f.points if p.local], palette.CONCERN, "diamond", True))
    for name, pts, colour, symbol, labelled in groups:
        if not pts:
            continue
        data.append({"type": "scatter", "mode": "markers+text" if labelled else "markers", "name": name,
                     "x": [p.denominator for p in pts], "y": [round(p.percent, 1) for p in pts],
                     "text": [p.area for p in pts] if labelled else None, "textposition": "top center",
                     "textfont": {"size": 11}, "marker": {"color": colour, "symbol": symbol, "size": 10,
                                                          "line": {"color": palette.WHITE, "width": 1}},
                     "hovertext": [f"<b>{p.area}</b><br>{p.percent:.1f}% of {p.denominator:,.0f}" for p in pts],
                     "hoverinfo": "text"})
    layout = _base(440, margin={"l": 56, "r": 24, "t": 24, "b": 40}, hovermode="closest",
                   xaxis={"title": {"text": spec.x_title}, "gridcolor": palette.GRID, "automargin": True},
                   yaxis={"title": {"text": "Per cent"}, "ticksuffix": "%", "gridcolor": palette.GRID,
                          "automargin": True},
                   legend={"orientation": "h", "x": 0, "y": -0.2, "yanchor": "top"})
    return {"data": data, "layout": layout}
