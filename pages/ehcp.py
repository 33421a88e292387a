"""EHC plans (`/ehcp`): 20-week timeliness, the assessment stage by stage, advice by agency, annual reviews and
phase transfers; sections and cards come from metrics/view/pages.py."""
import dash

from components import page
from metrics.view.pages import registration

dash.register_page(__name__, layout=lambda **kwargs: page.layout("ehcp", kwargs), **registration("ehcp"))
page.register("ehcp", page.sections_layout)
