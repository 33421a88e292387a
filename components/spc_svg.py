"""SPC charts as SVG drawn on the server: a chart is on the screen as soon as its page body is, with no plotly.js to
load and run and no second request for the charts of the first screen (their SVG comes inside the body).

The same spec as the plotly figure (components/chart.py) and the report's SVG (metrics/report/svg.py), nothing
computed here but positions. It fits any width without scaling its text: the y axis is an SVG of fixed width beside
the plot, and in the plot every horizontal position is a percentage of its width (markers, words, event lines) or,
for the lines, a coordinate in a nested SVG stretched to that width (strokes that do not scale keep their
thickness); vertical positions are pixels. Each point's words are its <title> (the browser's tooltip); the table
beside the chart holds them all. The legend is HTML under the plot, so it wraps like text.
"""
from __future__ import annotations

import math
from datetime import date
from html import escape

from components.chart import point_lines
from metrics import format as fmt
from metrics import palette
from metrics.report.svg import nice_ticks, tick_digits
from metrics.view.model import SpcChart

HEIGHT = 272  # the plot's SVG: event numbers above, the plot, the x axis's words below
TOP, BOTTOM = 26, 26
PLOT_H = HEIGHT - TOP - BOTTOM
Y_AXIS_W = 60
PAD = 0.015  # of the plot's width each side, so the first and last markers are whole
LINE_W = 1000  # the stretched lines' own x coordinates
DASH = {"dash": "6 4", "dot": "2 3", "dashdot": "8 3 2 3", "longdash": "10 4"}
# Marker outlines centred on 0,0 (the sizes plotly draws at palette.POINT_SIZE), and the comparators' markers.
SHAPE = {
    "circle": "M-3.6,0a3.6,3.6 0 1,0 7.2,0a3.6,3.6 0 1,0 -7.2,0Z",
    "square": "M-4.6,-4.6h9.2v9.2h-9.2Z",
    "diamond": "M0,-6.2L6.2,0L0,6.2L-6.2,0Z",
    "triangle-up": "M0,-5.8L5.8,4.2L-5.8,4.2Z",
    "triangle-down": "M0,5.8L5.8,-4.2L-5.8,-4.2Z",
}
COMPARATOR_SHAPE = {"x-thin": "M-4,-4L4,4M-4,4L4,-4", "cross-thin": "M-4.5,0H4.5M0,-4.5V4.5",
                    "star-triangle-up-open": "M0,-5L4.6,3.5H-4.6Z"}


def _day(x: str) -> int:
    return date.fromisoformat(x[:10]).toordinal()


def date_ticks(first: date, last: date, most: int = 7) -> list[tuple[date, str]]:
    """Where the x axis is labelled, and its words, as plotly labels a date axis (the same for every audience and
    period type): years on a long chart, months (every 1, 2, 3, 6 or 12) on a short one."""
    if (last - first).days > 3 * 365:
        years = list(range(first.year + (first != date(first.year, 1, 1)), last.year + 1))
        step = next(s for s in (1, 2, 5, 10, 20, 50) if math.ceil(len(years) / s) <= most)
        return [(date(y, 1, 1), str(y)) for y in years if y % step == 0 or step == 1]
    months, (y, m) = [], (first.year, first.month)
    while (y, m) <= (last.year, last.month):
        if date(y, m, 1) >= first:
            months.append(date(y, m, 1))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    if not months:
        return [(first, first.strftime("%b %Y"))]
    step = next(s for s in (1, 2, 3, 6, 12) if math.ceil(len(months) / s) <= most)
    return [(d, d.strftime("%b %Y")) for d in months if (d.month - 1) % step == 0]


def _pct(f: float) -> str:
    return f"{f * 100:.2f}%"


def spc_svg(spec: SpcChart, key: str) -> str:
    """The chart's HTML: y axis and plot side by side, then the legend. `key` makes its marker ids unique."""
    pts = spec.points
    hidden = [p for p in pts if p.value is None and p.status == "suppressed"]
    if not any(p.value is not None for p in pts) and not hidden:
        return '<p class="empty-state chart-empty mb-0">No data for this selection.</p>'
    comparators = list(zip(spec.comparators, list(zip(palette.COMPARATOR, palette.COMPARATOR_MARKER)) * 2))
    days = [_day(p.x) for p in pts] + [_day(q.x) for c, _ in comparators for q in c.points]
    d0, span = min(days), (max(days) - min(days)) or 0

    def fx(x: str | int) -> float:
        day = x if isinstance(x, int) else _day(x)
        return 0.5 if not span else PAD + (day - d0) / span * (1 - 2 * PAD)

    values = [v for p in pts for v in (p.value, p.centre, p.lower, p.upper) if v is not None]
    values += [q.value for c, _ in comparators for q in c.points if q.value is not None]
    if spec.target is not None:
        values.append(spec.target)
    if hidden or spec.unit in ("count", "percent"):
        values.append(0.0)
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    ticks = nice_ticks(min(finite), max(finite))
    lo, hi = ticks[0], ticks[-1]

    def fy(v: float) -> float:
        return TOP + PLOT_H - (v - lo) / (hi - lo) * PLOT_H

    base = TOP + PLOT_H
    digits = tick_digits(ticks)
    ids = escape(key)
    # Font and colours as attributes, not only CSS: a chart saved as PNG is drawn from its SVG alone.
    text = f'font-family="{escape(palette.FONT)}" font-size="12" fill="{palette.TEXT}"'
    y_axis = [f'<svg class="y-axis" width="{Y_AXIS_W}" height="{HEIGHT}" {text} aria-hidden="true">']
    plot = [f'<svg class="plot" width="100%" height="{HEIGHT}" {text} aria-hidden="true"><defs>']
    plot += [f'<path id="{ids}-{name}" d="{d}"/>' for name, d in SHAPE.items()]
    plot += [f'<path id="{ids}-{name}" d="{d}" fill="none" stroke-width="1.5"/>'
             for name, d in COMPARATOR_SHAPE.items()]
    plot.append("</defs>")
    for t in ticks:
        y = f"{fy(t):.1f}"
        y_axis.append(f'<text x="{Y_AXIS_W - 6}" y="{fy(t) + 4:.1f}" text-anchor="end">'
                      f'{escape(fmt.value(t, spec.unit, digits=digits))}</text>')
        plot.append(f'<line x1="0" x2="100%" y1="{y}" y2="{y}" stroke="{palette.GRID}"/>')
    y_axis.append("</svg>")
    plot.append(f'<line x1="0" x2="100%" y1="{base}" y2="{base}" stroke="{palette.AXIS}"/>')
    for d, text in date_ticks(date.fromordinal(d0), date.fromordinal(d0 + span)):
        f = fx(d.toordinal())
        if 0 <= f <= 1:
            anchor = "end" if f > 0.94 else "start" if f < 0.06 else "middle"
            plot.append(f'<line x1="{_pct(f)}" x2="{_pct(f)}" y1="{base}" y2="{base + 5}" stroke="{palette.AXIS}"/>'
                        f'<text x="{_pct(f)}" y="{base + 19}" text-anchor="{anchor}">{escape(text)}</text>')

    # The lines, in a nested SVG stretched to the plot's width.
    lines = [f'<svg width="100%" height="{HEIGHT}" viewBox="0 0 {LINE_W} {HEIGHT}" preserveAspectRatio="none">']

    def polyline(points: list[tuple[str, float]], colour: str, width: float, dash: str = "", cls: str = "") -> None:
        coords = " ".join(f"{fx(x) * LINE_W:.1f},{fy(v):.1f}" for x, v in points)
        dash_attr = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
        lines.append(f'<polyline class="{cls}" points="{coords}" fill="none" stroke="{colour}" stroke-width="{width}"'
                     f'{dash_attr} vector-effect="non-scaling-stroke"/>')

    def runs(attr: str) -> list[list[tuple[str, float]]]:
        """One line per rebase group, broken where the value is missing (as plotly draws them: a lone point
        makes no line)."""
        out, cur, group = [], [], None
        for p in pts:
            v = getattr(p, attr)
            if v is None or p.group != group:
                out.append(cur)
                cur, group = [], p.group
            if v is not None:
                cur.append((p.x, v))
        return [run for run in out + [cur] if len(run) > 1]

    has_centre = bool(spec.centre_name) and any(p.centre is not None for p in pts)
    has_limits = bool(spec.limits_name) and any(p.upper is not None for p in pts)
    if has_centre:
        for run in runs("centre"):
            polyline(run, palette.CENTRE, 1.5, cls="centre")
    if has_limits:
        for attr in ("upper", "lower"):
            for run in runs(attr):
                polyline(run, palette.LIMIT, 1.2, "dot" if spec.trial else "dash", cls=f"limit {attr}")
    if spec.target is not None and pts:
        polyline([(pts[0].x, spec.target), (pts[-1].x, spec.target)], palette.TARGET, 2, "dashdot", cls="target")
    for line, (colour, _) in comparators:
        known = [(q.x, q.value) for q in line.points if q.value is not None]
        if len(known) > 1:
            polyline(known, colour, 1.2, "dot", cls="comparator")
    for run in runs("value"):
        polyline(run, palette.SERIES, 2, cls="values")
    lines.append("</svg>")
    plot += lines

    notes = []
    for e in spec.events:
        if e.recalculated_x and spec.limits_name and 0 <= fx(e.recalculated_x) <= 1:
            f = _pct(fx(e.recalculated_x))
            anchor = "end" if fx(e.recalculated_x) > 0.6 else "start"
            shift = -4 if anchor == "end" else 4
            plot.append(f'<line x1="{f}" x2="{f}" y1="{TOP}" y2="{base}" stroke="{palette.CENTRE}" '
                        f'stroke-dasharray="{DASH["dot"]}"/>')
            notes.append(f'<text class="note" x="{f}" y="{base - 5}" dx="{shift}" text-anchor="{anchor}" '
                         f'font-size="11">Limits recalculated from {escape(e.recalculated_from)}</text>')
        if not 0 <= fx(e.date) <= 1:
            continue
        f = _pct(fx(e.date))
        said = escape(f"{e.when}: {e.title}" + (f"\n{e.description}" if e.description else ""))
        plot.append(f'<line x1="{f}" x2="{f}" y1="{TOP}" y2="{base}" stroke="{palette.EVENT}" stroke-width="1.5" '
                    f'stroke-dasharray="{DASH["longdash"]}"/>'
                    f'<g class="event"><title>{said}</title><rect x="{f}" y="3" width="20" height="19" '
                    f'transform="translate(-10 0)" fill="{palette.WHITE}" stroke="{palette.EVENT}"/>'
                    f'<text x="{f}" y="17" text-anchor="middle" font-weight="bold" fill="{palette.EVENT}">'
                    f'{e.number}</text></g>')
    plot += notes

    def marker(shape_id: str, x: str, value: float | None, title: str) -> str:
        """A point: where it is drawn, its words, and its period and value as data (for tools that read the chart)."""
        y = fy(value if value is not None else 0.0)
        v = "" if value is None else f"{value:.10g}"
        return (f'<use href="#{ids}-{shape_id}" x="{_pct(fx(x))}" y="{y:.1f}" data-x="{x[:10]}" data-v="{v}">'
                f'<title>{escape(title)}</title></use>')

    for line, (colour, symbol) in comparators:
        plot.append(f'<g class="comparator" data-name="{escape(line.name)}" stroke="{colour}">')
        plot += [marker(symbol, q.x, q.value, "\n".join([line.name, q.label, q.text]))
                 for q in line.points if q.value is not None]
        plot.append("</g>")
    for point_type, (colour, shape) in palette.POINT.items():
        mine = [p for p in pts if p.point_type == point_type and p.value is not None]
        if mine:
            plot.append(f'<g class="points" data-name="{escape(spec.point_names.get(point_type, point_type))}" '
                        f'fill="{colour}" stroke="{palette.WHITE}">')
            plot += [marker(shape, p.x, p.value, "\n".join(point_lines(spec, p))) for p in mine]
            plot.append("</g>")
    if hidden:
        plot.append(f'<g class="hidden-points" data-name="Not shown" fill="{palette.WHITE}" '
                    f'stroke="{palette.COMMON}" stroke-width="1.5">')
        plot += [marker("circle", p.x, None, f"{p.label}\n{p.text}") for p in hidden]
        plot.append("</g>")
        if pts[-1] in hidden:
            f = fx(pts[-1].x)
            plot.append(f'<text x="{_pct(f)}" y="{fy(0) - 9:.1f}" text-anchor="end">{escape(pts[-1].text)}</text>')
    plot.append("</svg>")

    legend = []
    for point_type, (colour, shape) in palette.POINT.items():
        if any(p.point_type == point_type and p.value is not None for p in pts):
            legend.append((f'<path d="{SHAPE[shape]}" transform="translate(11 7)" fill="{colour}"/>',
                           spec.point_names.get(point_type, point_type)))
    if hidden:
        legend.append((f'<path d="{SHAPE["circle"]}" transform="translate(11 7)" fill="{palette.WHITE}" '
                       f'stroke="{palette.COMMON}" stroke-width="1.5"/>', "Not shown"))
    if has_centre:
        legend.append((_swatch(palette.CENTRE, 1.5, ""), spec.centre_name))
    if has_limits:
        legend.append((_swatch(palette.LIMIT, 1.2, "dot" if spec.trial else "dash"),
                       spec.limits_name + (" (trial)" if spec.trial else "")))
    if spec.target is not None:
        legend.append((_swatch(palette.TARGET, 2, "dashdot"), spec.target_label))
    for line, (colour, symbol) in comparators:
        legend.append((_swatch(colour, 1.2, "dot") + f'<path d="{COMPARATOR_SHAPE[symbol]}" transform="translate(11 7)" '
                       f'fill="none" stroke="{colour}" stroke-width="1.5"/>', line.name))
    items = "".join(f'<li><svg width="22" height="14" aria-hidden="true">{mark}</svg>{escape(name)}</li>'
                    for mark, name in legend)
    title = f'<div class="chart-ytitle">{escape(spec.y_title)}</div>' if spec.y_title else ""
    return (f'{title}<div class="svg-chart">{"".join(y_axis)}{"".join(plot)}</div>'
            f'<ul class="chart-legend">{items}</ul>')


def _swatch(colour: str, width: float, dash: str) -> str:
    dash_attr = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
    return f'<line x1="0" x2="22" y1="7" y2="7" stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
