"""The four outcome pages (`/outcome-1` … `/outcome-4`): every catalogue measure of the outcome as a chart card.

One builder registers all four from the catalogue's `[pages]`, so a measure added to the catalogue appears on its
page with nothing else to change. `?metric=<id>` highlights that measure's card and scrolls to it.
"""
from __future__ import annotations

from functools import partial

import dash
from dash import html

from components.chart_card import card_for, card_slot
from components.page import page
from metrics.edition import get_store

OUTCOME_PAGES = ("outcome-1", "outcome-2", "outcome-3", "outcome-4")


def outcome_layout(page_id: str, /, **kwargs):
    p = get_store().catalogue.page(page_id)
    return page(page_id, kwargs, partial(build, page_id), title=p.title, intro=p.intro)


def build(page_id, state, store, vocab):
    metrics = store.catalogue.by_page(page_id)
    contents = html.Nav([
        html.H2("Measures on this page", className="h6"),
        html.Ul([html.Li(html.A(m.title, href=f"#metric-{m.id}")) for m in metrics], className="small columns"),
    ], className="mb-4 page-contents", **{"aria-label": "Measures on this page"})
    cards = [card_slot(card_for(m.id, state, heading_level=2), m.id, highlight=state.metric == m.id)
             for m in metrics]
    return [contents, *cards]


for n, page_id in enumerate(OUTCOME_PAGES, start=1):
    _p = get_store().catalogue.page(page_id)
    dash.register_page(f"pages.{page_id.replace('-', '_')}", path=f"/{page_id}", name=_p.nav, title=_p.title,
                       order=n, layout=partial(outcome_layout, page_id))
