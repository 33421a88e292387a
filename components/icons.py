"""Making Data Count variation and assurance icons as text: a coloured shape holding a letter, and words.

Variation icons are circles (H / L for special cause high / low, ~ for common cause); assurance icons are squares
(P pass, F fail, ? inconsistent). The words always come with them, so neither colour nor shape carries meaning
alone, and screen readers read the words.
"""
from __future__ import annotations

from dash import html

from components import theme
from metrics import format as fmt

VARIATION_SHORT = {
    "common_cause": "Common cause", "improvement_high": "Improvement (high)",
    "improvement_low": "Improvement (low)", "concern_high": "Concern (high)", "concern_low": "Concern (low)",
    "neutral_high": "Special cause (high)", "neutral_low": "Special cause (low)", None: "No data",
}
ASSURANCE_SHORT = {"pass": "Passing target", "fail": "Failing target", "inconsistent": "Hit and miss",
                   None: "No target"}


def variation_family(variation: str | None) -> str | None:
    """improvement_high -> improvement; common_cause -> common_cause; None -> None."""
    if variation is None or variation == "common_cause":
        return variation
    return variation.rsplit("_", 1)[0]


def _icon(shape: str, letter: str, colour: str, text: str, long_text: str, label: bool) -> html.Span:
    children = [html.Span(letter, className=f"mdc-icon mdc-{shape}", style={"backgroundColor": colour},
                          **{"aria-hidden": "true"})]
    if label:
        children.append(html.Span(text, className="mdc-label"))
    else:
        children.append(html.Span(text, className="visually-hidden"))
    return html.Span(children, className="mdc", title=long_text)


def variation_icon(variation: str | None, *, label: bool = True) -> html.Span:
    family = variation_family(variation)
    letter = fmt.VARIATION_LETTER.get(variation, "") or ("~" if variation == "common_cause" else "–")
    colour = theme.VARIATION_COLOUR.get(family, theme.COMMON)
    long_text = fmt.VARIATION_TEXT.get(variation, "Not enough data to judge variation")
    return _icon("circle", letter, colour, VARIATION_SHORT.get(variation, "No data"), long_text, label)


def assurance_icon(assurance: str | None, *, label: bool = True) -> html.Span:
    letter = fmt.ASSURANCE_LETTER.get(assurance, "") or "–"
    return _icon("square", letter, theme.ASSURANCE_COLOUR.get(assurance, theme.COMMON),
                 ASSURANCE_SHORT.get(assurance, "No target"), fmt.ASSURANCE_TEXT.get(assurance, "No target set"),
                 label)


def synthetic_badge(synthetic: bool) -> html.Span | None:
    """Says plainly when a series is made-up demonstration data rather than published or extracted figures."""
    if not synthetic:
        return None
    return html.Span("Synthetic demonstration data", className="badge text-bg-warning synthetic-badge",
                     title="Made-up data shaped like the real extract, for demonstration only")
