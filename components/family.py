"""What the public (family) edition draws instead of the board's SPC vocabulary.

Each measure gets an icon that always comes with its words and the catalogue's plain-English sentence
(`metrics.edition.wording_for`), says where its figures come from and how recent they are, and a hidden figure
reads "fewer than 6" or "not shown" as disclosure control decided. The therapy page links families to what they
can do while they wait. The chart itself stays; `plain_figure` renames its legend and hover words.
"""
from __future__ import annotations

import copy
import re
from functools import lru_cache

import pandas as pd
from dash import Input, Output, callback, html
from dash.exceptions import PreventUpdate

from components import theme
from components.page import state_from
from metrics import disclosure
from metrics import format as fmt
from metrics import urlstate
from metrics.edition import PublicWording, get_store

WAIT_ID = "while-you-wait"  # the slot the therapy page places and the callback below redraws

# icon (metrics.edition.WORDINGS) -> (symbol drawn in the shape, shape, colour). Symbol, shape and words each
# carry the meaning, so nothing depends on colour alone.
ICONS = {
    "better": ("✓", "circle", theme.IMPROVEMENT),
    "worse": ("!", "square", theme.CONCERN),
    "same": ("=", "square", theme.COMMON),
    "higher": ("▲", "square", theme.NEUTRAL),
    "lower": ("▼", "square", theme.NEUTRAL),
    "unknown": ("?", "square", theme.COMMON),
}

# The board chart's words -> family words, for legend entries, hover text and notes on the chart.
PLAIN_WORDS = (
    ("Special cause improvement", "Unusually good"),
    ("Special cause concern", "Unusually poor"),
    ("Special cause: high (neither good nor bad)", "Unusually high"),
    ("Special cause: low (neither good nor bad)", "Unusually low"),
    ("Common cause", "Within the usual range"),
    ("Process limits", "Usual range"),
    ("Limits recalculated", "Usual range worked out again"),
    ("Limits:", "Usual range:"),
)


def wording_badge(wording: PublicWording) -> html.Span:
    """The icon with its words beside it (screen readers read the words; the symbol is decoration)."""
    symbol, shape, colour = ICONS[wording.icon]
    return html.Span([
        html.Span(symbol, className=f"family-icon family-{shape}", style={"backgroundColor": colour},
                  **{"aria-hidden": "true"}),
        html.Span(wording.label, className="family-label"),
    ], className=f"family-wording family-{wording.icon}")


def wording_block(wording: PublicWording) -> html.Div:
    """The icon and words, then the catalogue's sentence for this measure."""
    return html.Div([wording_badge(wording), html.P(wording.sentence, className="family-sentence mb-0")],
                    className="family-block")


def provenance(source: str, latest_period: str | None) -> html.P:
    """Where the figures come from and how recent they are."""
    when = (f"Last updated with figures up to {latest_period}." if latest_period and latest_period != "—"
            else "Last updated: no figures yet.")
    return html.P([html.Span(["Source: ", source, "."]), " ", html.Span(when)],
                  className="small text-body-secondary provenance mb-0")


def drill_provenance(source: str, last_month) -> list:
    """The provenance line's parts for a drill-down card, which puts them in its own meta paragraph."""
    return provenance(source, fmt.period(last_month, "month")).children


def hidden_reasons(store, metric_id: str, area: str, breakdown: str) -> dict[pd.Timestamp, str]:
    """period_start -> why disclosure control hid that figure, for one series of the public store."""
    v = store.values
    if disclosure.REASON not in v.columns:
        return {}
    rows = v[(v["metric_id"] == metric_id) & (v["area"] == area) & (v["breakdown"] == breakdown)
             & (v[disclosure.REASON] != "")]
    return {pd.Timestamp(d): r for d, r in zip(rows["period_start"], rows[disclosure.REASON])}


def value_text(value, unit: str, status: str, reason: str = "") -> str:
    """A figure in words: a hidden one says why ("fewer than 6"), anything else as the board reads it."""
    if status == disclosure.SUPPRESSED and reason:
        return disclosure.describe(reason, unit, _thresholds())
    return fmt.value(value, unit, status)


@lru_cache(maxsize=1)
def _thresholds() -> disclosure.Thresholds:
    return disclosure.load_thresholds()  # read once: a table can have dozens of hidden cells


def summary_text(wording: PublicWording, latest: str, period: str | None, target: str | None) -> str:
    """The chart's caption for families: the sentence, the latest figure, and the target if there is one."""
    out = [wording.sentence]
    if period and period != "—":
        out.append(f"The latest figure is {latest} ({period}).")
    if target:
        out.append(f"The target is {target}.")
    return " ".join(out)


def plain_figure(figure: dict) -> dict:
    """A copy of a board chart with its SPC words replaced by family words (legend, hover text, notes)."""
    out = copy.deepcopy(figure)
    for trace in out.get("data", []):
        if isinstance(trace.get("name"), str):
            trace["name"] = _plain(trace["name"])
        if isinstance(trace.get("text"), list):
            trace["text"] = [_plain(t) if isinstance(t, str) else t for t in trace["text"]]
    for note in out.get("layout", {}).get("annotations", []):
        for key in ("text", "hovertext"):
            if isinstance(note.get(key), str):
                note[key] = _plain(note[key])
    return out


_PLAIN = re.compile("|".join(re.escape(board) for board, _ in PLAIN_WORDS))
_PLAIN_MAP = dict(PLAIN_WORDS)


def _plain(text: str) -> str:
    return _PLAIN.sub(lambda m: _PLAIN_MAP[m.group(0)], text)


def services_for(catalogue, service: str) -> list:
    """The services a page filtered to `service` (a slug, or `all`) is about."""
    if service == urlstate.SERVICE_ALL:
        return list(catalogue.services)
    return [catalogue.service_by_slug(service)]


def while_you_wait_slot(state: urlstate.State) -> html.Div:
    """The therapy page's "While you wait" box for the State's service, in a slot that follows the filter."""
    return html.Div(while_you_wait(services_for(get_store().catalogue, state.service)), id=WAIT_ID)


def while_you_wait(services) -> html.Section:
    """For each service shown, a link to what families can do while they wait (the catalogue's per-service link)."""
    items = [html.Li([html.Strong(f"{s.name}: "),
                      html.A(s.while_you_wait_text, href=s.while_you_wait, className="while-you-wait",
                             rel="noopener noreferrer", **{"data-service": s.slug})])
             for s in services]
    return html.Section([
        html.H2("While you wait", className="h4", id="while-you-wait-heading"),
        html.P("Help and ideas for your child while they are waiting for a service.", className="mb-2"),
        html.Ul(items, className="mb-0"),
    ], className="while-you-wait-box mb-4", **{"aria-labelledby": "while-you-wait-heading"})


@callback(Output(WAIT_ID, "children"), Input("page-state", "data"), prevent_initial_call=True)
def redraw_while_you_wait(data):
    """The service filter changed: the links follow it (the State is decoded through the URL whitelist)."""
    state = state_from(data)
    if state is None or state.page != "therapy":
        raise PreventUpdate
    return while_you_wait(services_for(get_store().catalogue, state.service))
