"""The words each audience reads: one vocabulary for the board, one for families and the public.

The view model (metrics/view) looks every label up here by the audience's `Words`, so a page, a download, the
report and the public edition never phrase one thing two ways, and no SPC term reaches a family: the public
vocabulary has no "special cause", "mean", "median", "limits", "statistical neighbours" or publisher acronyms
(tests/unit/test_vocabulary.py checks its words against `JARGON`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from types import MappingProxyType

# Words a family should never have to read on a public page (issue 16's list, and the SPC vocabulary).
JARGON = ("special cause", "common cause", "statistical neighbour", "median", "mean", "percentage point", "LAIT",
          "EES", "NCCIS", "SENCO", "Attainment 8", "Progress 8", "control limit", "process limit", "SPC",
          "XmR", "p chart", "run chart", "variation", "assurance", "Q1 ", "Q2 ", "Q3 ", "Q4 ", "EHCP timeliness",
          "Synthetic demonstration data", "trial limits", "rebase", "sigma", "MHSDS", "D2I", "CHS", "RXL",
          "check against")


@dataclass(frozen=True)
class Icon:
    """An icon as every renderer draws it: a shape holding a symbol, in a palette family's colour, always with
    words beside it (`label`) and a longer reading for a tooltip or screen reader (`long`)."""
    kind: str  # variation | assurance | public
    key: str  # e.g. concern_high, pass, better: the fact it shows
    family: str  # metrics.palette.FAMILY key
    shape: str  # circle | square
    symbol: str
    label: str
    long: str


@dataclass(frozen=True)
class Words:
    audience: str
    period_style: str
    centre: dict  # chart kind -> the centre line's name
    limits: str  # the limits' name ("" when the audience sees no limits)
    point: dict  # point_type -> legend words
    trial: str
    target: str  # "Target"
    comparators_heading: str
    neighbours: str  # the statistical-neighbour average's name
    synthetic: str  # the short label on a synthetic series
    synthetic_long: str
    whole_area: str  # "{area} as a whole"
    change_unit_percent: str  # how a change in a percentage is worded
    site_title: str = ""
    edition_badge: str = ""
    footer: tuple = ()  # sentences; the first takes {area}
    synthetic_banner: str = ""  # said once, at the top of every page, where the data has made-up figures
    icons: dict = field(default_factory=dict)
    plain: tuple = ()  # (pattern, replacement) applied to catalogue and source text for this audience

    def centre_name(self, chart: str) -> str:
        return self.centre.get(chart, self.centre["xmr"])

    def make_plain(self, text: str) -> str:
        """Catalogue or source text in this audience's words (the board's words are the catalogue's own)."""
        return _plain(self.plain, text)


@lru_cache(maxsize=4096)  # catalogue titles, descriptions and sources: a few hundred texts, asked for by every chart
def _plain(plain: tuple, text: str) -> str:
    for pattern, replacement in plain:
        text = pattern.sub(replacement, text)
    return re.sub(r"\s{2,}", " ", text).strip()


def _icon(kind, key, family, shape, symbol, label, long) -> Icon:
    return Icon(kind, key, family, shape, symbol, label, long)


VARIATION_ICONS = MappingProxyType({
    "common_cause": _icon("variation", "common_cause", "common_cause", "circle", "~", "Common cause",
                          "Common cause variation: no significant change"),
    "improvement_high": _icon("variation", "improvement_high", "improvement", "circle", "H", "Improvement (high)",
                              "Special cause improvement: higher than expected"),
    "improvement_low": _icon("variation", "improvement_low", "improvement", "circle", "L", "Improvement (low)",
                             "Special cause improvement: lower than expected"),
    "concern_high": _icon("variation", "concern_high", "concern", "circle", "H", "Concern (high)",
                          "Special cause concern: higher than expected"),
    "concern_low": _icon("variation", "concern_low", "concern", "circle", "L", "Concern (low)",
                         "Special cause concern: lower than expected"),
    "neutral_high": _icon("variation", "neutral_high", "neutral", "circle", "H", "Special cause (high)",
                          "Special cause variation: higher than expected (neither good nor bad)"),
    "neutral_low": _icon("variation", "neutral_low", "neutral", "circle", "L", "Special cause (low)",
                         "Special cause variation: lower than expected (neither good nor bad)"),
    None: _icon("variation", "none", "none", "circle", "–", "No chart", "Not enough data to judge variation"),
})
ASSURANCE_ICONS = MappingProxyType({
    "pass": _icon("assurance", "pass", "pass", "square", "P", "Passing target", "Consistently meeting the target"),
    "fail": _icon("assurance", "fail", "fail", "square", "F", "Failing target", "Consistently missing the target"),
    "inconsistent": _icon("assurance", "inconsistent", "inconsistent", "square", "?", "Hit and miss",
                          "Will meet the target only some of the time"),
    # A target exists but the chart has no limits to judge it by (a run chart: too few points).
    "unknown": _icon("assurance", "unknown", "unknown", "square", "–", "Target: too few points to judge",
                     "There is a target, but too few points to say whether it will be met consistently"),
    None: _icon("assurance", "none", "none", "square", "–", "No target", "No target set"),
})
PUBLIC_ICONS = MappingProxyType({
    "better": _icon("public", "better", "better", "circle", "✓", "Getting better", "Getting better"),
    "worse": _icon("public", "worse", "worse", "square", "!", "Getting worse", "Getting worse"),
    "same": _icon("public", "same", "same", "square", "=", "No clear change", "No clear change"),
    "higher": _icon("public", "higher", "higher", "square", "▲", "Higher than usual", "Higher than usual"),
    "lower": _icon("public", "lower", "lower", "square", "▼", "Lower than usual", "Lower than usual"),
    # No sign of real change, but the figures have moved too much to call them "about the same".
    "unclear": _icon("public", "unclear", "unclear", "square", "~", "No clear pattern yet",
                     "The figures have moved, but not in a clear pattern yet"),
    "unknown": _icon("public", "unknown", "unknown", "square", "?", "Not enough information yet",
                     "There is not enough information yet to say whether this is changing"),
})

_PLAIN_PUBLIC = tuple((re.compile(p, re.IGNORECASE), r) for p, r in (
    (r"\bDfE\b", "Department for Education"),
    (r"\s*\((?:LAIT|EES|NCCIS|MHSDS|D2I|CHS)\)", ""),
    (r"Local Authority Interactive Tool", "local authority figures"),
    (r"Explore Education Statistics", "official statistics"),
    (r"\bNCCIS\b", "young people's participation records"),
    (r"\bLAIT\b", "local authority figures"),
    (r"\bEES\b", "official statistics"),
    (r"Mental Health Services Data Set", "NHS mental health records"),
    (r"\bD2I\b|Data to Insight", "a council data network"),
    (r"\bCHS\b", "community health services"),
    (r"\bprovider RXL\b|\(RXL\)|\bRXL\b", "Blackpool Teaching Hospitals"),
    (r"statistical[- ]neighbour(s?)", r"similar area\1"),
    (r"\bSENCOs\b", "school special needs coordinators"),
    (r"\bSENCO\b", "school special needs coordinator"),
    (r"Attainment 8( score)?", "GCSE results score"),
    (r"Progress 8( score)?", "GCSE progress score"),
    (r"Synthetic demonstration (data|extract)", "Example figures"),
    (r"percentage points", "points"),
    (r"\bmedian\b", "middle value"),
    (r"\bmean\b", "average"),
    (r"EHCP timeliness", "How quickly EHC plans are made"),
    (r"[;,.]?\s*check against [^.;)]*", ""),
    # The plans' own words, where they borrow the board's: "quality assurance", "assurance of improvements".
    (r"\bquality assurance\b", "quality checking"),
    (r"\bassurance of\b", "evidence of"),
    (r"\bQA\b", "quality checking"),
))

BOARD = Words(
    audience="board", period_style="board",
    centre={"xmr": "Mean", "p": "Mean", "p_prime": "Mean", "c": "Mean", "run": "Median"},
    limits="Process limits",
    point={"common_cause": "Common cause", "special_cause_improvement": "Special cause improvement",
           "special_cause_concern": "Special cause concern",
           "special_cause_neutral_high": "Special cause: high (neither good nor bad)",
           "special_cause_neutral_low": "Special cause: low (neither good nor bad)"},
    trial="Trial limits: fewer than 13 points, so the limits may move as data arrive",
    target="Target", comparators_heading="Statistical neighbours", neighbours="Statistical neighbours",
    synthetic="Synthetic demonstration data",
    synthetic_long="Made-up data shaped like the real extract, for demonstration only",
    whole_area="figures for {area} as a whole: not available for each locality",
    change_unit_percent="percentage points",
    site_title="Outcomes dashboard", edition_badge="Board edition",
    footer=("{area} SEND Partnership outcomes dashboard.",
            "Charts follow NHS England's Making Data Count approach: blue shows special cause improvement, orange "
            "special cause concern and grey common cause variation, always with a letter, a shape and words as well "
            "as the colour."),
    icons={"variation": VARIATION_ICONS, "assurance": ASSURANCE_ICONS},
)
PUBLIC = Words(
    audience="public", period_style="public",
    centre={"xmr": "Average", "p": "Average", "p_prime": "Average", "c": "Average", "run": "Typical level"},
    limits="",
    point={"common_cause": "Within the usual ups and downs", "special_cause_improvement": "Unusually good",
           "special_cause_concern": "Unusually poor", "special_cause_neutral_high": "Unusually high",
           "special_cause_neutral_low": "Unusually low"},
    trial="", target="Target", comparators_heading="Similar areas", neighbours="Similar areas (average)",
    synthetic="Example figures",
    synthetic_long="These are made-up example figures that show how this page will work, not real figures",
    whole_area="figures for {area} as a whole", change_unit_percent="points",
    site_title="How we are doing for children and young people with SEND", edition_badge="For families and the public",
    footer=("{area} SEND Partnership. Every measure says where its figures come from and when they were last "
            "updated. Small numbers are not shown, so that no child can be identified.",
            "Each measure has an icon with words: a tick for getting better, an exclamation mark for getting worse, an "
            "equals sign for no clear change."),
    synthetic_banner="Some figures here are made-up examples, marked “Example figures”: they show how this site will "
                     "work until real local figures are added, and say nothing about real children. Figures from "
                     "official statistics are real.",
    icons={"public": PUBLIC_ICONS},
    plain=_PLAIN_PUBLIC,
)
WORDS = MappingProxyType({"board": BOARD, "public": PUBLIC})


def words(audience: str) -> Words:
    return WORDS[audience]


# What a publisher's data-quality flag (metrics.schemas.QUALITY_FLAGS) means, in words for families.
PUBLIC_QUALITY = MappingProxyType({
    "provisional": "These figures may still change.",
    "revised": "These figures were corrected after they were first published.",
    "doubtful": "This figure may not be right and is being checked.",
    "repeated_month": "This month's figures may repeat last month's.",
    "sources_disagree": "Two official sources give slightly different figures for this.",
})

# The glossary page: every term the dashboard uses, in plain words (the public edition shows the plain half).
GLOSSARY = (
    ("EHC plan", "An education, health and care plan: a legal document that describes a child's special "
                 "educational needs and the help they will get."),
    ("SEN support", "Extra help at school for a child with special educational needs, without an EHC plan."),
    ("Similar areas", "Local areas that the Department for Education judges to be most like ours, for example in "
                      "their population. Comparing with them is fairer than comparing with all of England."),
    ("Typical level", "The middle of the figures shown: half are above it and half below."),
    ("Average", "All the figures added up and divided by how many there are."),
    ("Getting better / getting worse", "The figures have changed by more than the usual ups and downs, in a "
                                       "direction that is better (or worse) for children."),
    ("No clear change", "The figures go up and down, but no more than usual: nothing suggests a real change."),
    ("No clear pattern yet", "The figures have moved, but not in a way that is clearly more than the usual ups "
                             "and downs, often because there are only a few years of figures."),
    ("Fewer than 6", "Small numbers are not shown, so that no child can be identified."),
    ("Example figures", "Made-up figures that show how the dashboard will look until real local figures are "
                        "loaded. They are not real and say nothing about real children."),
    ("Waiting list", "Children referred to a service who have not yet had their first appointment."),
)
