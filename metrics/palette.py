"""The one palette: Making Data Count colours and marker shapes for the web charts, the CSS and the report's SVG.

Darker shades of the Making Data Count colours, so each has at least 3:1 contrast on white (4.5:1 where white
letters sit on it): the usual light blue (#00B0F0) and grey (#A6A6A6) fail 3:1. Every meaning also has a shape,
a letter or words, so nothing depends on colour alone, and the categorical colours below were chosen to stay apart
under the common colour-vision deficiencies (checked with the Okabe-Ito / Paul Tol families they derive from).
"""
from __future__ import annotations

WHITE = "#FFFFFF"
TEXT = "#212529"
INK = "#0B0C0C"
GRID = "#E9ECEF"
AXIS = "#6C757D"

IMPROVEMENT = "#0072C6"  # blue
CONCERN = "#B85200"  # orange
COMMON = "#595959"  # dark grey
NEUTRAL = "#7030A0"  # purple: special cause where neither direction is better
TARGET = "#C00000"  # red dash-dot, as Making Data Count draws targets
LIMIT = "#6B6B6B"
SERIES = "#3B3B3B"  # the line joining the area's own points: the darkest line, so it leads
CENTRE = "#212529"
EVENT = NEUTRAL
HEADER = "#1D3557"  # the site header
LINK_ON_GREY = "#0A3D7A"
FOCUS = "#FFDD00"

# England, region, statistical neighbours: thin dotted lines, each with its own colour and marker.
COMPARATOR = ("#1B7837", "#8E0152", "#01665E")
COMPARATOR_MARKER = ("x-thin", "cross-thin", "star-triangle-up-open")
# Bars and parts that carry no Making Data Count meaning (never blue or orange), each told apart by a pattern too.
CATEGORY = ("#37474F", "#00695C", "#6A1B9A", "#4E342E")
PATTERN = ("", "/", ".", "x")

# point_type -> (colour, shape). Shapes are named once here; plotly and the SVG each spell them their own way.
POINT = {
    "common_cause": (COMMON, "circle"),
    "special_cause_improvement": (IMPROVEMENT, "square"),
    "special_cause_concern": (CONCERN, "diamond"),
    "special_cause_neutral_high": (NEUTRAL, "triangle-up"),
    "special_cause_neutral_low": (NEUTRAL, "triangle-down"),
}
POINT_SIZE = {"circle": 7, "square": 10, "diamond": 11, "triangle-up": 10, "triangle-down": 10}

# Icon families (variation, assurance and the public icons) -> colour.
FAMILY = {"common_cause": COMMON, "improvement": IMPROVEMENT, "concern": CONCERN, "neutral": NEUTRAL,
          "pass": IMPROVEMENT, "fail": CONCERN, "inconsistent": COMMON, "unknown": COMMON, "none": COMMON,
          "better": IMPROVEMENT, "worse": CONCERN, "same": COMMON, "higher": NEUTRAL, "lower": NEUTRAL,
          "unclear": COMMON}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


def css_variables() -> str:
    """The palette as CSS custom properties, so assets/style.css and the report's CSS use these values."""
    names = {"improvement": IMPROVEMENT, "concern": CONCERN, "common": COMMON, "neutral": NEUTRAL,
             "target": TARGET, "text": TEXT, "ink": INK, "grid": GRID, "axis": AXIS, "header": HEADER,
             "link-on-grey": LINK_ON_GREY, "focus": FOCUS, "white": WHITE}
    body = "".join(f"--mdc-{k}:{v};" for k, v in names.items())
    return f":root{{{body}}}"
