"""Making Data Count colours and marker shapes, darkened so each has at least 3:1 contrast on white (and 4.5:1
where white letters sit on it). The usual light blue (#00B0F0) and grey (#A6A6A6) fail 3:1, so darker shades of
the same meaning are used. Shapes and letters carry the same meaning, so nothing depends on colour alone.
"""
WHITE = "#FFFFFF"
TEXT = "#212529"
GRID = "#E9ECEF"
AXIS = "#6C757D"

IMPROVEMENT = "#0072C6"  # blue
CONCERN = "#B85200"  # orange
COMMON = "#595959"  # dark grey
NEUTRAL = "#7030A0"  # purple: special cause where neither direction is better
TARGET = "#C00000"  # red dashed line, as Making Data Count draws targets
LINE = "#6B6B6B"  # the process limits
SERIES = "#3B3B3B"  # the line joining the local area's points: the darkest line, so it leads
CENTRE = "#212529"
# England, region, statistical neighbours: thin dotted lines, each with its own colour and marker.
COMPARATOR = ("#1B7837", "#8E0152", "#01665E")
COMPARATOR_MARKER = ("x-thin", "cross-thin", "star-triangle-up-open")

# point_type -> (legend name, colour, plotly marker symbol, size)
POINT_STYLE = {
    "common_cause": ("Common cause", COMMON, "circle", 7),
    "special_cause_improvement": ("Special cause improvement", IMPROVEMENT, "square", 10),
    "special_cause_concern": ("Special cause concern", CONCERN, "diamond", 11),
    "special_cause_neutral_high": ("Special cause: high (neither good nor bad)", NEUTRAL, "triangle-up", 10),
    "special_cause_neutral_low": ("Special cause: low (neither good nor bad)", NEUTRAL, "triangle-down", 10),
}

# variation icon family -> colour
VARIATION_COLOUR = {"common_cause": COMMON, "improvement": IMPROVEMENT, "concern": CONCERN, "neutral": NEUTRAL}
ASSURANCE_COLOUR = {"pass": IMPROVEMENT, "fail": CONCERN, "inconsistent": COMMON, None: COMMON}

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"
