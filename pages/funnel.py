"""The /funnel page: laid out from its PageView (metrics/view/pages.py build_page); HTML from components/templates/funnel.html."""
import dash

from components import page
from components.html import block, render
from metrics.view.pages import registration

REG = registration("funnel")
if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("funnel", kwargs), **REG)
    page.register("funnel", lambda pv: [block(render("funnel.html", pv=pv))])
