"""An icon of the view model (metrics.vocabulary.Icon): a coloured shape holding a symbol, with its words.

The words are always there (visible by default), so neither colour nor shape carries meaning alone, and screen
readers read the words, not the symbol.
"""
from __future__ import annotations

from dash import html

from metrics import palette
from metrics.vocabulary import Icon


def icon(i: Icon, *, label: bool = True) -> html.Span:
    words = html.Span(i.label, className="mdc-label" if label else "visually-hidden")
    return html.Span([
        html.Span(i.symbol, className=f"mdc-icon mdc-{i.shape}",
                  style={"backgroundColor": palette.FAMILY.get(i.family, palette.COMMON)},
                  **{"aria-hidden": "true"}),
        words,
    ], className=f"mdc mdc-{i.kind} mdc-{i.family}", title=i.long, **{"data-icon": i.key})


def flag_badge(kind: str, text: str) -> html.Span:
    """A flag a reader must see (synthetic data, whole-area figures, data quality): words, never colour alone."""
    return html.Span(text, className=f"badge flag flag-{kind}")
