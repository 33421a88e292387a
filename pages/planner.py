"""The /planner page: laid out from its PageView (metrics/view/pages.py build_page); HTML from components/templates/planner.html."""
import dash

from components import page
from components.html import block, render
from metrics.view.pages import registration

REG = registration("planner")
if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("planner", kwargs), **REG)
    page.register("planner", lambda pv: [block(render("planner.html", pv=pv))])
