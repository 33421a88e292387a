"""The funnel plot page in the view model: every local authority's published percentage at a period against
England's, with 95% and 99.8% limits (metrics/funnel.py), the area and its statistical neighbours named.

Only published figures for local authorities are used: no synthetic series, no locality, no suppressed cell.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from metrics import format as fmt
from metrics import funnel as fun
from metrics import urlstate
from metrics.edition import policy as policy_for
from metrics.view.tables import cell, make_table

DEFAULT = "ehcp_20wk_excl"


@dataclass(frozen=True)
class FunnelChart:
    title: str
    funnel: fun.Funnel
    local_name: str
    x_title: str
    kind: str = "funnel"


_found: dict = {}


def measures(store) -> dict[str, fun.FunnelMeasure]:
    """The measures a funnel can be drawn for, found in the data (kept per data version: it scans every row)."""
    key = (id(store), store.version)
    if key not in _found:
        _found.clear()
        _found[key] = {m.metric_id: m for m in fun.funnel_measures(store.values, store.area, store.catalogue)}
    return _found[key]


def funnel_page(store, state, notices=(), audience: str | None = None):
    from metrics.view.pages import FilterView, PageView, page_specs

    pol = policy_for(audience)
    spec = page_specs(store.catalogue)["funnel"]
    found = measures(store)
    title = spec.title if pol.internal else spec.public_title
    if not found:
        return PageView("funnel", title, "", (), "", (), tuple(notices), extra={"funnel": None})
    metric_id = state.metric if state.metric in found else (DEFAULT if DEFAULT in found else next(iter(found)))
    m = found[metric_id]
    wanted = pd.Timestamp(state.period).date() if state.period else None
    period = wanted if wanted in m.periods else m.periods[-1]
    more = list(notices)
    if state.period and wanted not in m.periods:
        more.append(urlstate.FALLBACK["period"])
    adjust = None if state.adjust in (None, "none") else state.adjust
    metric = store.catalogue.get(metric_id)
    name = pol.words.make_plain(metric.title)
    f = fun.funnel(store.values, metric_id, period, store.area, adjustment=adjust, title=name)
    when = fmt.period(period, m.period_type, pol.words.period_style)
    rows = [[cell(p.area), cell(int(p.denominator), f"{p.denominator:,.0f}"), cell(round(p.percent, 1),
                                                                                    f"{p.percent:.1f}%"),
             cell(p.outside_95 or "", "inside" if not p.outside_95 else f"{p.outside_95}er"),
             cell(p.outside_998 or "", "inside" if not p.outside_998 else f"{p.outside_998}er")] for p in f.points]
    table = make_table(f"{name}, {when}: every local authority against England ({f.target:.1f}%)",
                       [("area", "Local authority"), ("denominator", "Number counted"), ("percent", "Per cent"),
                        ("outside_95", "Against the 95% limits"), ("outside_998", "Against the 99.8% limits")], rows,
                       f"funnel_{metric_id}_{period:%Y}")
    filters = (
        FilterView("metric", "Measure", tuple((i, pol.words.make_plain(store.catalogue.get(i).title))
                                              for i in found), metric_id),
        FilterView("period", "Period", tuple((f"{p:%Y-%m-%d}", fmt.period(p, m.period_type, pol.words.period_style))
                                             for p in reversed(m.periods)), f"{period:%Y-%m-%d}"),
        FilterView("adjust", "Limits", (("none", "Exact (binomial)"), ("multiplicative", "Allowing for more spread "
                                                                                         "between areas")),
                   state.adjust or "none"),
    )
    intro = ("Every local authority's figure against England's, by how many it is counted over: areas outside the "
             "funnel differ from England by more than chance would explain. Published figures only.")
    return PageView("funnel", title, intro, filters, "", (), tuple(more), extra={
        "funnel": FunnelChart(f"{name}, {when}", f, store.area.name, "Number counted (denominator)"),
        "table": table, "sentences": f.sentences, "metric": metric_id,
        "figure_href": urlstate.data_href("figure", "funnel", None, "json", metric=metric_id,
                                          period=f"{period:%Y-%m-%d}", adjust=state.adjust),
        "download_href": urlstate.data_href("download", "funnel", None, "csv", metric=metric_id,
                                            period=f"{period:%Y-%m-%d}", adjust=state.adjust)})
