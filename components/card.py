"""The one card: a MeasureView (metrics/view) drawn as a section of a page (components/templates/macros.html).

Title and what good looks like, the icons with words, the latest value, flags, the description; then each chart
with its sentences as the caption, its events by their log numbers, a table on demand (fetched when opened), a
CSV download and a PNG export; the neighbour table; and where the figures come from. Everything shown is a field
of the view: this module adds no facts.
"""
from __future__ import annotations

from components.html import ENV
from metrics.view.model import MeasureView


def card_html(view: MeasureView, *, heading_level: int = 3, highlight: bool = False) -> str:
    return ENV.get_template("macros.html").module.card(view, heading_level, highlight)
