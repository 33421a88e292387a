"""The improvement plan tracker (/plan): laid out from its PageView (metrics/view/pages.py build_page); HTML from components/templates/plan.html."""
import dash

from components import page
from components.html import block, render
from metrics.view.pages import registration

REG = registration("plan")
if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("plan", kwargs), **REG)
    page.register("plan", lambda pv: [block(render("plan.html", pv=pv))])
