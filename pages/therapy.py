"""Therapy waiting lists (`/therapy?service=slt&locality=central&from=2022-04`): published waiting lists, waits
beside demand, long waits, who is waiting now (board), missed appointments, and every other therapy measure;
sections and cards come from metrics/view/pages.py."""
import dash

from components import page
from components.html import block, render
from metrics.view.pages import registration

dash.register_page(__name__, layout=lambda **kwargs: page.layout("therapy", kwargs), **registration("therapy"))


def therapy_layout(pv) -> list:
    """The board reads the data first and the families' box after it; the public edition leads with the box."""
    box = render("wait.html", services=pv.extra.get("wait", ()))
    body = page.sections_html(pv, pv.extra.get("highlight"))
    return [block(box + body if pv.extra.get("wait_first") else body + box)]


page.register("therapy", therapy_layout)
