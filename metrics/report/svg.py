"""The report's SPC charts as inline SVG, drawn from the same chart spec as the web figure (metrics/view).

Vector, so the PDF prints crisply at any size, and readable in greyscale: each point type has its own marker
shape, limits are dashed, the target is dash-dotted, and every line is named in a legend. Colours come from the
one palette (metrics/palette.py).
"""
from __future__ import annotations

import math
from html import escape

import numpy as np
import pandas as pd

from metrics import format as fmt
from metrics import palette
from metrics.view.model import SpcChart

LIMIT_DASH, TARGET_DASH, EVENT_DASH = "6 4", "10 3 2 3", "2 3"
INK = palette.INK
_num = "{:.1f}".format  # SVG coordinates to a tenth of a unit: finer than any printer resolves at this size


def marker_path(shape: str, x: float, y: float, size: float = 4.0) -> str:
    """Path data for one marker; each shape is distinguishable without colour. The markers of one kind share a
    single <path>, which keeps charts light for the PDF engine."""
    s = size
    if shape == "circle":
        r = s * 0.9
        return f"M{_num(x - r)},{_num(y)}a{_num(r)},{_num(r)} 0 1,0 {_num(2 * r)},0a{_num(r)},{_num(r)} 0 1,0 " \
               f"{_num(-2 * r)},0Z"
    if shape == "square":
        return f"M{_num(x - s)},{_num(y - s)}h{_num(2 * s)}v{_num(2 * s)}h{_num(-2 * s)}Z"
    if shape == "diamond":
        d = s * 1.35
        pts = [(x, y - d), (x + d, y), (x, y + d), (x - d, y)]
    elif shape == "triangle-up":
        d = s * 1.3
        pts = [(x, y - d), (x + d, y + d * 0.8), (x - d, y + d * 0.8)]
    elif shape == "triangle-down":
        d = s * 1.3
        pts = [(x, y + d), (x + d, y - d * 0.8), (x - d, y - d * 0.8)]
    else:
        raise ValueError(f"shape: unknown marker shape {shape!r}")
    return "M" + "L".join(f"{_num(a)},{_num(b)}" for a, b in pts) + "Z"


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]: steps of 1, 2, 2.5 or 5 times a power of ten."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise ValueError(f"nice_ticks: bounds must be finite, got {lo}, {hi}")
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    raw = (hi - lo) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(lo / step + 1e-9) * step
    ticks = []
    t = first
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 10))
        t += step
    if ticks[-1] < hi:
        ticks.append(round(t, 10))
    return ticks


def tick_digits(ticks: list[float]) -> int:
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    return 0 if step >= 1 and all(float(t).is_integer() for t in ticks) else (1 if step >= 0.1 else 2)


def _x_ticks(dates: list[pd.Timestamp], period_type: str, max_labels: int = 8) -> list[tuple[pd.Timestamp, str]]:
    """Dates to label on the x axis and their words: years for long monthly series, else periods."""
    first, last = dates[0], dates[-1]
    if period_type == "month" and (last - first).days > 730:
        years = list(range(first.year + (first.month > 1), last.year + 1))
        every = math.ceil(len(years) / max_labels) if years else 1
        return [(pd.Timestamp(y, 1, 1), str(y)) for y in years[::every]]
    every = max(1, math.ceil(len(dates) / max_labels))
    if period_type == "month":
        return [(d, d.strftime("%b %Y")) for d in dates[::every]]
    return [(d, fmt.period(d, period_type)) for d in dates[::every]]


def spc_svg(spec: SpcChart, *, label: str, description: str = "", id_prefix: str = "chart", width: int = 680,
            height: int = 215) -> str:
    """An SPC (or run) chart of `spec` as an SVG string: its points with values, centre and limits per rebase group,
    the target, and its events by their log numbers. `label` names it for screen readers; `description` reads it."""
    pts = [p for p in spec.points if p.value is not None]
    if not pts:
        raise ValueError("spec: every value is missing, so there is nothing to chart")
    ns = np.array([pd.Timestamp(p.x).value for p in pts], dtype=np.int64)
    cols = {c: np.array([np.nan if getattr(p, c) is None else getattr(p, c) for p in pts], dtype=float)
            for c in ("value", "centre", "lower", "upper")}
    kinds = np.array([p.point_type for p in pts], dtype=object)
    groups = np.array([p.group for p in pts])
    dates = [pd.Timestamp(p.x) for p in pts]
    left, right, top, bottom, legend_h = 58, 12, 22, 24, 34
    plot_w, plot_h = width - left - right, height - top - bottom - legend_h
    finite = np.concatenate([c[~np.isnan(c)] for c in cols.values()])
    target = spec.target
    ticks = nice_ticks(float(finite.min()) if target is None else min(float(finite.min()), target),
                       float(finite.max()) if target is None else max(float(finite.max()), target))
    y_lo, y_hi = ticks[0], ticks[-1]
    t0, span = int(ns[0]), int(ns[-1] - ns[0]) or 1

    def sx(t):
        return left + (plot_w / 2 if len(ns) == 1 else (np.asarray(t, dtype=np.int64) - t0) / span * plot_w)

    def sy(v):
        return top + plot_h - (np.asarray(v, dtype=float) - y_lo) / (y_hi - y_lo) * plot_h

    xs, ys = np.broadcast_to(sx(ns), ns.shape).astype(float), sy(cols["value"])
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
           f'class="spc-chart" aria-labelledby="{id_prefix}-t{" " + id_prefix + "-d" if description else ""}" '
           f'font-family="Arial, Helvetica, sans-serif" font-size="11">',
           f'<title id="{id_prefix}-t">{escape(label)}</title>']
    if description:
        out.append(f'<desc id="{id_prefix}-d">{escape(description)}</desc>')
    digits = tick_digits(ticks)
    for t in ticks:
        y = float(sy(t))
        out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" stroke="#d8d8d8" '
                   'stroke-width="0.6"/>')
        out.append(f'<text x="{left - 6}" y="{_num(y + 4)}" text-anchor="end" fill="{INK}">'
                   f'{escape(fmt.value(t, spec.unit, digits=digits))}</text>')
    base = top + plot_h
    out.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{base}" y2="{base}" stroke="{INK}" stroke-width="0.8"/>')
    for d, text in _x_ticks(dates, spec.period_type):
        x = float(sx(d.value))
        if left - 1 <= x <= left + plot_w + 1:
            out.append(f'<line x1="{_num(x)}" x2="{_num(x)}" y1="{base}" y2="{base + 4}" stroke="{INK}"/>')
            anchor = "end" if x > left + plot_w - 24 else "start" if x < left + 24 else "middle"
            out.append(f'<text x="{_num(x)}" y="{base + 16}" text-anchor="{anchor}" fill="{INK}">{escape(text)}</text>')
    for ev in spec.events:  # interventions, by their log number; a rebase is drawn where the new limits start
        at = ev.recalculated_x or ev.date
        x = float(sx(pd.Timestamp(at).value))
        if not left <= x <= left + plot_w:
            continue
        dash = "" if ev.recalculated_x else f' stroke-dasharray="{EVENT_DASH}"'
        out.append(f'<line class="event" x1="{_num(x)}" x2="{_num(x)}" y1="{top}" y2="{base}" stroke="{INK}" '
                   f'stroke-width="0.9"{dash}/>')
        out.append(f'<rect x="{_num(x - 7)}" y="{top - 16}" width="14" height="13" fill="#ffffff" stroke="{INK}" '
                   'stroke-width="0.8"/>')
        out.append(f'<text x="{_num(x)}" y="{top - 6}" text-anchor="middle" font-size="10" fill="{INK}">'
                   f'{ev.number}</text>')
    has_limits = False
    bounds = np.flatnonzero(np.concatenate(([True], groups[1:] != groups[:-1], [True])))
    for s, e in zip(bounds[:-1], bounds[1:]):
        gx = xs[s:e] if e - s > 1 else np.array([xs[s] - 3, xs[s] + 3])
        for col, dash, width_ in (("centre", "", 1.1), ("lower", LIMIT_DASH, 1.0), ("upper", LIMIT_DASH, 1.0)):
            vals = cols[col][s:e] if e - s > 1 else np.repeat(cols[col][s], 2)
            if np.isnan(vals).any():
                continue
            has_limits |= col != "centre"
            path = " ".join(f"{_num(x)},{_num(y)}" for x, y in zip(gx, sy(vals)))
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<polyline class="{col}" points="{path}" fill="none" stroke="{INK}" '
                       f'stroke-width="{width_}"{dash_attr}/>')
    if target is not None:
        y = float(sy(target))
        out.append(f'<line class="target" x1="{left}" x2="{left + plot_w}" y1="{_num(y)}" y2="{_num(y)}" '
                   f'stroke="{INK}" stroke-width="1.2" stroke-dasharray="{TARGET_DASH}"/>')
    line = " ".join(f"{_num(x)},{_num(y)}" for x, y in zip(xs, ys))
    out.append(f'<polyline class="data" points="{line}" fill="none" stroke="{palette.COMMON}" stroke-width="1.2"/>')
    for kind, (colour, shape) in palette.POINT.items():
        mine = np.flatnonzero(kinds == kind)
        if mine.size:
            path = "".join(marker_path(shape, xs[i], ys[i]) for i in mine)
            out.append(f'<path class="points {kind}" d="{path}" fill="{colour}"/>')
    items = [("line", "", spec.centre_name or "Centre")]
    if has_limits:
        items.append(("line", LIMIT_DASH, spec.limits_name + (" (trial)" if spec.trial else "")))
    if target is not None:
        items.append(("line", TARGET_DASH, spec.target_label))
    for kind in palette.POINT:
        if (kinds == kind).any():
            items.append(("marker", kind, spec.point_names.get(kind, kind)))
    x, y = left, height - legend_h + 10
    for what, how, text in items:
        width_needed = 26 + 6.2 * len(text)
        if x + width_needed > width - right:
            x, y = left, y + 16
        if what == "line":
            dash_attr = f' stroke-dasharray="{how}"' if how else ""
            out.append(f'<line x1="{_num(x)}" x2="{_num(x + 20)}" y1="{_num(y - 4)}" y2="{_num(y - 4)}" '
                       f'stroke="{INK}" stroke-width="1.2"{dash_attr}/>')
        else:
            colour, shape = palette.POINT[how]
            out.append(f'<path d="{marker_path(shape, x + 10, y - 4)}" fill="{colour}"/>')
        out.append(f'<text x="{_num(x + 25)}" y="{_num(y)}" fill="{INK}">{escape(text)}</text>')
        x += width_needed
    out.append("</svg>")
    return "".join(out)
