"""The four outcome pages (`/outcome-1` … `/outcome-4`): every catalogue measure of the outcome as a card."""
from functools import partial

import dash
from components import page
from components.html import block, render
from metrics.view.pages import registration

OUTCOME_PAGES = ("outcome-1", "outcome-2", "outcome-3", "outcome-4")


def outcome_layout(pv) -> list:
    """A list of the page's measures, then their cards."""
    cards = [c for s in pv.sections for c in s.cards]
    return [block(render("contents.html", cards=cards) + page.sections_html(pv, pv.extra.get("highlight")))]


for page_id in OUTCOME_PAGES:
    dash.register_page(f"pages.{page_id.replace('-', '_')}", layout=partial(page.layout, page_id),
                       **registration(page_id))
    page.register(page_id, outcome_layout)
