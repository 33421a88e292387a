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
from collections.abc import Callable
from functools import lru_cache


from components.chart import point_lines
from metrics import format as fmt
from metrics import palette
from metrics.report.svg import marker_path, nice_ticks, tick_digits
from metrics.view.model import SpcChart

HEIGHT = 272  # the plot's SVG: event numbers above, the plot, the x axis's words below
TOP, BOTTOM = 26, 26
PLOT_H = HEIGHT - TOP - BOTTOM
BASE = TOP + PLOT_H  # the x axis
Y_AXIS_W = 60
PAD = 0.015  # of the plot's width each side, so the first and last markers are whole
LINE_W = 1000  # the stretched lines' own x coordinates
DASH = {"dash": "6 4", "dot": "2 3", "dashdot": "8 3 2 3", "longdash": "10 4"}
# The report's marker outlines, centred on 0,0, at about the sizes plotly draws (palette.POINT_SIZE); and the
# comparators' markers, which the report does not draw.
SHAPE = {shape: marker_path(shape, 0, 0, 4.0 if shape == "circle" else 4.6) for _, shape in palette.POINT.values()}
COMPARATOR_SHAPE = {"x-thin": "M-4,-4L4,4M-4,4L4,-4", "cross-thin": "M-4.5,0H4.5M0,-4.5V4.5",
                    "star-triangle-up-open": "M0,-5L4.6,3.5H-4.6Z"}
def _esc(text: str) -> str:
    """markupsafe's `escape` of a str, as plain str (the same entities; a Markup per word cost a tenth of a chart)."""
    return (text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;").replace("'", "&#39;")
            .replace('"', "&#34;"))


# Font and colours as attributes, not only CSS: a chart saved as PNG is drawn from its SVG alone.
TEXT = f'font-family="{_esc(palette.FONT)}" font-size="12" fill="{palette.TEXT}"'


@lru_cache(maxsize=4096)  # a chart asks for each of its dates several times (lines, markers); months are few
def _day(x: str) -> int:
    return date.fromisoformat(x[:10]).toordinal()


def _pct(f: float) -> str:
    return f"{f * 100:.2f}%"


class _Texts(dict):
    """Each value's text, written by `write` the first time it is asked for (a plain dict look-up after that)."""
    __slots__ = ("write",)

    def __init__(self, write: Callable[[float], str]):
        super().__init__()
        self.write = write

    def __missing__(self, key) -> str:
        text = self[key] = self.write(key)
        return text


class _Scale:
    """Where a chart's numbers go: a date to a share of the plot's width, a value to pixels down the SVG. Each date
    drawn is placed once (`at`: share of the width; `line_x`: in the stretched lines' coordinates) and each value
    written once (`y_text`): a date has a marker and up to four lines' vertices, and a group's centre and limits are
    one value on every point."""
    __slots__ = ("first_day", "days", "ticks", "at", "line_x", "y_text")

    def __init__(self, first_day: int, days: int, ticks: tuple[float, ...], dates: dict[str, int]):
        self.first_day, self.days, self.ticks = first_day, days, ticks
        if days:  # `x`, written out
            self.at = {x: PAD + (day - first_day) / days * (1 - 2 * PAD) for x, day in dates.items()}
        else:
            self.at = dict.fromkeys(dates, 0.5)
        self.line_x = {x: f"{f * LINE_W:.1f}" for x, f in self.at.items()}
        lo, hi = ticks[0], ticks[-1]  # `y`, written out: one call a value, not two
        self.y_text = _Texts(lambda value: f"{TOP + PLOT_H - (value - lo) / (hi - lo) * PLOT_H:.1f}")

    def x(self, when: str | int) -> float:
        day = when if isinstance(when, int) else _day(when)
        return 0.5 if not self.days else PAD + (day - self.first_day) / self.days * (1 - 2 * PAD)

    def y(self, value: float) -> float:
        lo, hi = self.ticks[0], self.ticks[-1]
        return TOP + PLOT_H - (value - lo) / (hi - lo) * PLOT_H


def spc_svg(spec: SpcChart, key: str) -> str:
    """The chart's HTML: y axis and plot side by side, then the legend. `key` makes its marker ids unique."""
    hidden = [p for p in spec.points if p.value is None and p.status == "suppressed"]
    by_type = _by_type(spec)
    if not by_type and not hidden:
        return '<p class="empty-state chart-empty mb-0">No data for this selection.</p>'
    comparators = list(zip(spec.comparators, list(zip(palette.COMPARATOR, palette.COMPARATOR_MARKER)) * 2))
    scale = _scale(spec, hidden, comparators)
    ids = _esc(key)
    plot = [f'<svg class="plot" width="100%" height="{HEIGHT}" {TEXT} aria-hidden="true">', _defs(ids),
            *_axes(scale), _lines(spec, scale, comparators), *_events(spec, scale),
            *_markers(spec, scale, ids, hidden, comparators, by_type), "</svg>"]
    title = f'<div class="chart-ytitle">{_esc(spec.y_title)}</div>' if spec.y_title else ""
    return (f'{title}<div class="svg-chart">{_y_axis(spec, scale)}{"".join(plot)}</div>'
            f'{_legend(spec, hidden, comparators, by_type)}')


def _scale(spec: SpcChart, hidden, comparators) -> _Scale:
    """Dates from the first period drawn to the last; values from the nice ticks around everything drawn (from 0 for
    counts and percentages, as plotly's `rangemode: tozero`, and where hidden points sit)."""
    dates = {p.x: _day(p.x) for p in spec.points}
    for c, _ in comparators:
        dates.update((q.x, _day(q.x)) for q in c.points)
    values = [v for p in spec.points for v in (p.value, p.centre, p.lower, p.upper) if v is not None]
    values += [q.value for c, _ in comparators for q in c.points if q.value is not None]
    if spec.target is not None:
        values.append(spec.target)
    if hidden or spec.unit in ("count", "percent"):
        values.append(0.0)
    finite = [v for v in values if math.isfinite(v)] or [0.0]
    first, last = min(dates.values()), max(dates.values())
    return _Scale(first, last - first, _ticks(min(finite), max(finite)), dates)


@lru_cache(maxsize=4096)  # a pure function of the lowest and highest value drawn, which windows often share
def _ticks(lo: float, hi: float) -> tuple[float, ...]:
    return tuple(nice_ticks(lo, hi))


@lru_cache(maxsize=4096)  # a pure function of a chart's first and last day, asked for by every window drawn
def _date_ticks(first_day: int, last_day: int) -> tuple[tuple[int, str], ...]:
    return tuple((d.toordinal(), _esc(words))
                 for d, words in date_ticks(date.fromordinal(first_day), date.fromordinal(last_day)))


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


def _y_axis(spec: SpcChart, scale: _Scale) -> str:
    return _y_axis_for(scale.ticks, spec.unit)


@lru_cache(maxsize=1024)  # a pure function of the ticks and the unit: charts share a few hundred
def _y_axis_for(ticks: tuple[float, ...], unit: str) -> str:
    scale, digits = _Scale(0, 0, ticks, {}), tick_digits(list(ticks))
    labels = "".join(f'<text x="{Y_AXIS_W - 6}" y="{scale.y(t) + 4:.1f}" text-anchor="end">'
                     f'{_esc(fmt.value(t, unit, digits=digits))}</text>' for t in ticks)
    return f'<svg class="y-axis" width="{Y_AXIS_W}" height="{HEIGHT}" {TEXT} aria-hidden="true">{labels}</svg>'


@lru_cache(maxsize=1024)  # a pure function of the chart's key
def _defs(ids: str) -> str:
    """Each marker's outline once, for the points to use: ids carry the chart's key (one page, many charts)."""
    return ("<defs>" + "".join(f'<path id="{ids}-{name}" d="{d}"/>' for name, d in SHAPE.items())
            + "".join(f'<path id="{ids}-{name}" d="{d}" fill="none" stroke-width="1.5"/>'
                      for name, d in COMPARATOR_SHAPE.items()) + "</defs>")


def _axes(scale: _Scale) -> list[str]:
    """Grid lines at the y ticks, the x axis, and its dates."""
    return [_grid(scale.ticks), _x_axis(scale.first_day, scale.days)]


@lru_cache(maxsize=1024)  # a pure function of the ticks: charts share a few hundred
def _grid(ticks: tuple[float, ...]) -> str:
    y_text = _Scale(0, 0, ticks, {}).y_text
    return "".join(f'<line x1="0" x2="100%" y1="{y_text[t]}" y2="{y_text[t]}" stroke="{palette.GRID}"/>'
                   for t in ticks)


@lru_cache(maxsize=4096)  # a pure function of the first day drawn and the days spanned, asked for by every window
def _x_axis(first_day: int, days: int) -> str:
    scale = _Scale(first_day, days, (0.0, 1.0), {})
    out = [f'<line x1="0" x2="100%" y1="{BASE}" y2="{BASE}" stroke="{palette.AXIS}"/>']
    for day, words in _date_ticks(first_day, first_day + days):
        f = scale.x(day)
        if 0 <= f <= 1:
            anchor = "end" if f > 0.94 else "start" if f < 0.06 else "middle"
            at = _pct(f)
            out.append(f'<line x1="{at}" x2="{at}" y1="{BASE}" y2="{BASE + 5}" stroke="{palette.AXIS}"/>'
                       f'<text x="{at}" y="{BASE + 19}" text-anchor="{anchor}">{words}</text>')
    return "".join(out)


def _runs(spec: SpcChart, attr: str) -> list[list[tuple[str, float]]]:
    """One line per rebase group, broken where the value is missing (as plotly draws them: a lone point makes no
    line)."""
    out, cur, group = [], [], None
    for p in spec.points:
        v = getattr(p, attr)
        if v is None or p.group != group:
            out.append(cur)
            cur, group = [], p.group
        if v is not None:
            cur.append((p.x, v))
    return [run for run in out + [cur] if len(run) > 1]


def _has_centre(spec: SpcChart) -> bool:
    return bool(spec.centre_name) and any(p.centre is not None for p in spec.points)


def _has_limits(spec: SpcChart) -> bool:
    return bool(spec.limits_name) and any(p.upper is not None for p in spec.points)


def _lines(spec: SpcChart, scale: _Scale, comparators) -> str:
    """Centre, limits, target, comparators and the values, in a nested SVG stretched to the plot's width."""
    out = [f'<svg width="100%" height="{HEIGHT}" viewBox="0 0 {LINE_W} {HEIGHT}" preserveAspectRatio="none">']

    def polyline(points, colour: str, width: float, dash: str, cls: str) -> None:
        line_x, y_text = scale.line_x, scale.y_text
        coords = " ".join([f"{line_x[x]},{y_text[v]}" for x, v in points])
        dash_attr = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
        out.append(f'<polyline class="{cls}" points="{coords}" fill="none" stroke="{colour}" stroke-width="{width}"'
                   f'{dash_attr} vector-effect="non-scaling-stroke"/>')

    if _has_centre(spec):
        for run in _runs(spec, "centre"):
            polyline(run, palette.CENTRE, 1.5, "", "centre")
    if _has_limits(spec):
        for attr in ("upper", "lower"):
            for run in _runs(spec, attr):
                polyline(run, palette.LIMIT, 1.2, "dot" if spec.trial else "dash", f"limit {attr}")
    if spec.target is not None and spec.points:
        ends = [(spec.points[0].x, spec.target), (spec.points[-1].x, spec.target)]
        polyline(ends, palette.TARGET, 2, "dashdot", "target")
    for line, (colour, _) in comparators:
        known = [(q.x, q.value) for q in line.points if q.value is not None]
        if len(known) > 1:
            polyline(known, colour, 1.2, "dot", "comparator")
    for run in _runs(spec, "value"):
        polyline(run, palette.SERIES, 2, "", "values")
    return "".join(out) + "</svg>"


def _events(spec: SpcChart, scale: _Scale) -> list[str]:
    """Each event's line and number (its words in the tooltip), and where limits were recalculated, said in words."""
    marks, notes = [], []
    for e in spec.events:
        if e.recalculated_x and spec.limits_name and 0 <= scale.x(e.recalculated_x) <= 1:
            f = scale.x(e.recalculated_x)
            anchor, shift = ("end", -4) if f > 0.6 else ("start", 4)
            marks.append(f'<line x1="{_pct(f)}" x2="{_pct(f)}" y1="{TOP}" y2="{BASE}" stroke="{palette.CENTRE}" '
                         f'stroke-dasharray="{DASH["dot"]}"/>')
            notes.append(f'<text class="note" x="{_pct(f)}" y="{BASE - 5}" dx="{shift}" text-anchor="{anchor}" '
                         f'font-size="11">Limits recalculated from {_esc(e.recalculated_from)}</text>')
        if not 0 <= scale.x(e.date) <= 1:
            continue
        at = _pct(scale.x(e.date))
        said = _esc(f"{e.when}: {e.title}" + (f"\n{e.description}" if e.description else ""))
        marks.append(f'<line x1="{at}" x2="{at}" y1="{TOP}" y2="{BASE}" stroke="{palette.EVENT}" stroke-width="1.5" '
                     f'stroke-dasharray="{DASH["longdash"]}"/>'
                     f'<g class="event"><title>{said}</title><rect x="{at}" y="3" width="20" height="19" '
                     f'transform="translate(-10 0)" fill="{palette.WHITE}" stroke="{palette.EVENT}"/>'
                     f'<text x="{at}" y="17" text-anchor="middle" font-weight="bold" fill="{palette.EVENT}">'
                     f'{e.number}</text></g>')
    return marks + notes


def _markers(spec: SpcChart, scale: _Scale, ids: str, hidden, comparators, by_type: dict) -> list[str]:
    """The points, a group per series (its name as data), comparators first so the area's own lie on top."""
    at, y_text = scale.at, scale.y_text

    def marker(shape_id: str, x: str, value: float | None, title: str) -> str:
        """A point: where it is drawn, its words, and its period and value as data (for tools that read the chart)."""
        v = "" if value is None else f"{value:.10g}"
        return (f'<use href="#{ids}-{shape_id}" x="{_pct(at[x])}" y="{y_text[value if value is not None else 0.0]}" '
                f'data-x="{x[:10]}" data-v="{v}"><title>{_esc(title)}</title></use>')

    out = []
    for line, (colour, symbol) in comparators:
        out.append(f'<g class="comparator" data-name="{_esc(line.name)}" stroke="{colour}">')
        out += [marker(symbol, q.x, q.value, "\n".join([line.name, q.label, q.text]))
                for q in line.points if q.value is not None]
        out.append("</g>")
    for point_type, (colour, shape) in palette.POINT.items():
        mine = by_type.get(point_type)
        if mine:
            out.append(f'<g class="points" data-name="{_esc(spec.point_names.get(point_type, point_type))}" '
                       f'fill="{colour}" stroke="{palette.WHITE}">')
            out += [marker(shape, p.x, p.value, "\n".join(point_lines(spec, p))) for p in mine]
            out.append("</g>")
    if hidden:
        out.append(f'<g class="hidden-points" data-name="Not shown" fill="{palette.WHITE}" '
                   f'stroke="{palette.COMMON}" stroke-width="1.5">')
        out += [marker("circle", p.x, None, f"{p.label}\n{p.text}") for p in hidden]
        out.append("</g>")
        last = spec.points[-1]
        if last in hidden:  # a hidden latest point is labelled on the chart, as plotly labels it
            out.append(f'<text x="{_pct(scale.x(last.x))}" y="{scale.y(0) - 9:.1f}" text-anchor="end">'
                       f'{_esc(last.text)}</text>')
    return out


def _by_type(spec: SpcChart) -> dict[str, list]:
    """The points with a value, by point type (in the chart's order)."""
    out: dict[str, list] = {}
    for p in spec.points:
        if p.value is not None:
            out.setdefault(p.point_type, []).append(p)
    return out


def _legend(spec: SpcChart, hidden, comparators, by_type: dict) -> str:
    """What each mark means, in the plotly figure's names and order of kinds."""
    items = []
    for point_type, (colour, shape) in palette.POINT.items():
        if point_type in by_type:
            items.append((f'<path d="{SHAPE[shape]}" transform="translate(11 7)" fill="{colour}"/>',
                          spec.point_names.get(point_type, point_type)))
    if hidden:
        items.append((f'<path d="{SHAPE["circle"]}" transform="translate(11 7)" fill="{palette.WHITE}" '
                      f'stroke="{palette.COMMON}" stroke-width="1.5"/>', "Not shown"))
    if _has_centre(spec):
        items.append((_swatch(palette.CENTRE, 1.5, ""), spec.centre_name))
    if _has_limits(spec):
        items.append((_swatch(palette.LIMIT, 1.2, "dot" if spec.trial else "dash"),
                      spec.limits_name + (" (trial)" if spec.trial else "")))
    if spec.target is not None:
        items.append((_swatch(palette.TARGET, 2, "dashdot"), spec.target_label))
    for line, (colour, symbol) in comparators:
        items.append((_swatch(colour, 1.2, "dot") + f'<path d="{COMPARATOR_SHAPE[symbol]}" '
                      f'transform="translate(11 7)" fill="none" stroke="{colour}" stroke-width="1.5"/>', line.name))
    return _legend_html(tuple(items))


@lru_cache(maxsize=1024)  # a pure function of the marks and their names: charts share a few dozen legends
def _legend_html(items: tuple[tuple[str, str], ...]) -> str:
    return '<ul class="chart-legend">' + "".join(
        f'<li><svg width="22" height="14" aria-hidden="true">{mark}</svg>{_esc(name)}</li>'
        for mark, name in items) + "</ul>"


def _swatch(colour: str, width: float, dash: str) -> str:
    dash_attr = f' stroke-dasharray="{DASH[dash]}"' if dash else ""
    return f'<line x1="0" x2="22" y1="7" y2="7" stroke="{colour}" stroke-width="{width}"{dash_attr}/>'
