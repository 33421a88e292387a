"""Limit inversion: a p chart's limits are p̄ ± 3√(p̄(1−p̄)/n), so n = p̄(1−p̄) / ((limit − p̄)/3)².

`invert_figure` tries that on every pair of numeric series in a figure (any trace as the centre, any other as the
limit, on the percent scale and on the proportion scale) at every shared x, and keeps the points where n comes out
a whole number. Whether such an n is the real denominator is for the caller to check against the board's data:
`figures` finds each chart in a page's JSON with the card (measure, breakdown) it belongs to.
"""
from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

TOLERANCE = 2e-3  # relative: limits are drawn to 6 significant figures, so n comes back within about 1e-4


@dataclass(frozen=True)
class Inversion:
    x: str  # the point's period (the x value)
    n: int  # the whole number the limit gives
    centre: str  # names of the two series used
    limit: str


def figures(tree, card=None) -> Iterator[tuple[dict | None, dict]]:
    """(chart card id or None, figure) for every graph in a Dash component tree (a callback's JSON)."""
    if isinstance(tree, dict):
        props = tree.get("props") if isinstance(tree.get("props"), dict) else {}
        ident = props.get("id")
        if isinstance(ident, dict) and ident.get("type") == "chart-card":
            card = ident
        if isinstance(props.get("figure"), dict):
            yield card, props["figure"]
        for value in tree.values():
            yield from figures(value, card)
    elif isinstance(tree, list):
        for value in tree:
            yield from figures(value, card)


def _points(trace) -> dict[str, list[float]]:
    """x -> the numeric y values at it (a limits trace draws its upper and lower segments at the same x)."""
    out: dict[str, list[float]] = {}
    xs, ys = trace.get("x"), trace.get("y")
    if not isinstance(xs, list) or not isinstance(ys, list):
        return out
    for x, y in zip(xs, ys):
        if x is not None and isinstance(y, (int, float)) and not isinstance(y, bool) and np.isfinite(y):
            out.setdefault(str(x), []).append(float(y))
    return out


def invert_figure(figure: dict) -> tuple[int, list[Inversion]]:
    """(candidate inferences tried, the points where a whole-number n came back)."""
    traces = [(str(t.get("name", i)), _points(t)) for i, t in enumerate(figure.get("data") or [])]
    traces = [(name, pts) for name, pts in traces if pts]
    tried, found = 0, []
    for cname, centre in traces:
        for lname, limit in traces:
            if cname == lname:
                continue
            for x in centre.keys() & limit.keys():
                for c in centre[x]:
                    for lim in limit[x]:
                        for scale in (100.0, 1.0):
                            p, q = c / scale, lim / scale
                            if not 0 < p < 1 or q == p:
                                continue
                            tried += 1
                            n = p * (1 - p) / ((q - p) / 3) ** 2
                            whole = round(n)
                            if whole >= 1 and abs(n - whole) <= TOLERANCE * max(1.0, n):
                                found.append(Inversion(x, whole, cname, lname))
    return tried, found
