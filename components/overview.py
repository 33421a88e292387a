"""The overview drawn from its PageView (metrics/view/overview.py): exceptions first, then every measure's row,
as HTML (components/templates/overview.html): plain table rows with inline SVG sparklines, no charts."""
from __future__ import annotations

from components.html import block, render
from metrics.view.pages import PageView


def overview_layout(pv: PageView) -> list:
    return [block(render("overview.html", pv=pv), id="overview-body")]
