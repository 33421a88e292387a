"""The /meeting page: laid out from its PageView (metrics/view/pages.py build_page); HTML from components/templates/meeting.html."""
import dash

from components import page
from components.html import block, render
from metrics.view.pages import registration

REG = registration("meeting")
if REG is not None:
    dash.register_page(__name__, layout=lambda **kwargs: page.layout("meeting", kwargs), **REG)
    page.register("meeting", lambda pv: [block(render("meeting.html", pv=pv))])
