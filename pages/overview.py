"""Overview (`/`): every measure for a place and window, exceptions first (metrics/view/overview.py)."""
import dash

from components import page
from components.overview import overview_layout
from metrics.view.pages import registration

dash.register_page(__name__, layout=lambda **kwargs: page.layout("overview", kwargs), **registration("overview"))
page.register("overview", overview_layout)
