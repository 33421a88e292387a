"""Every page's frame: its State from the URL, the filter bar, the sentence saying what is shown, and the callbacks
that keep URL, filters and page in step.

A page module registers its path and says how to lay out its PageView (metrics/view/pages.py):

    register("therapy", sections_layout)

`layout(page_id, kwargs)` draws the page from its URL (so a pasted link shows exactly that view); a filter change
writes the URL without a reload and redraws the page's body from the new State, in one callback (`sync_url`: one
round trip); back and forward redraw from the URL again. A link whose settings were not recognised is answered
with the page in its canonical form, and the address bar is rewritten to it (dashboard.js).
"""
from __future__ import annotations

import json
import re
from collections.abc import Callable

from dash import (ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html,
                  no_update)
from dash.exceptions import PreventUpdate

from components.html import block, render
from components.select import Select
from metrics import urlstate
from metrics.edition import APP_EDITION, get_store
from metrics.memo import Memo
from metrics.view.model import SpcChart
from metrics.view.pages import ANY, PageView, build_page, filters as filter_views

FILTER = "filter"  # id type of every filter control: {"type": "filter", "name": <URL parameter>}
LAYOUTS: dict[str, Callable[[PageView], list]] = {}


def register(page_id: str, lay_out: Callable[[PageView], list]) -> None:
    """How page `page_id` lays out its PageView (called by the page's module at import)."""
    LAYOUTS[page_id] = lay_out


def dom_id(component_id: dict) -> str:
    """The DOM id Dash gives a dict id (keys sorted, compact JSON), for <label for> and aria references."""
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id)) + "}"


def select(name: str, label: str, options, value: str):
    cid = {"type": FILTER, "name": name}
    return html.Div([
        html.Label(label, htmlFor=dom_id(cid), className="form-label small fw-semibold mb-1"),
        Select(id=cid, options=[{"value": v, "label": t} for v, t in options], value=value),
    ], className="filter")


FIRST_SCREEN_CHARTS = 2  # drawn inside the body: what a 1400 x 860 window shows of a page's first cards


def first_charts(sections, n: int = FIRST_SCREEN_CHARTS) -> frozenset[str]:
    """The keys of the first `n` SVG charts of the page, in reading order: the body carries them drawn, so the first
    screen needs no request after the page's own; the rest are fetched as they scroll into view."""
    keys = [c.key for s in sections for v in s.cards for c in v.charts if isinstance(c.spec, SpcChart)]
    return frozenset(keys[:n])


def sections_html(pv: PageView, highlight: str | None = None) -> str:
    """The usual body as HTML: each section's heading and note, then its cards (two to a row where it says)."""
    return render("sections.html", sections=pv.sections, highlight=highlight, inline=first_charts(pv.sections))


def sections_layout(pv: PageView) -> list:
    return [block(sections_html(pv, pv.extra.get("highlight")))]


def page_state_data(state: urlstate.State, notices: list[str], vocab: urlstate.Vocabulary, title: str) -> dict:
    """What the browser keeps about the view: the State, its notices, and what the shell needs to show it."""
    return {**state.to_dict(), "notices": notices, "common": urlstate.encode(state, urlstate.COMMON_PARAMS),
            "search": urlstate.encode(state), "describe": urlstate.describe(state, vocab), "title": title}


# The bodies last drawn: the same view of the same data is the same HTML, and Jinja takes ~10 ms to write the
# overview's 3,000 elements. The views a page opens on are kept (pages x places x filters; at most ~300 kB each),
# only the latest few windows an analyst picks.
_bodies = Memo(windowed=8, whole=32)


def body(store, state: urlstate.State, notices=(), pv: PageView | None = None) -> list:
    """The page's body for its view, as its page module lays it out; its PageView is built only if the body is not
    kept (`pv`: one the caller already built)."""
    key = (id(store), store.version, state, tuple(notices), APP_EDITION)
    return _bodies.get(key, state.start is None and state.end is None, lambda: LAYOUTS.get(state.page, sections_layout)(
        pv or build_page(store, state.page, state, notices, APP_EDITION)))


def layout(page_id: str, kwargs: dict) -> html.Div:
    """A page drawn from its URL: heading, filters, what is shown, and the page's body."""
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state, notices = urlstate.decode(page_id, kwargs, vocab)
    pv = build_page(store, page_id, state, notices, APP_EDITION)
    data = page_state_data(state, notices, vocab, pv.title)
    header = [html.H1(pv.title, className="h2 mb-2")]
    if pv.intro:
        header.append(html.P(pv.intro, className="lead fs-6 mb-3"))
    controls = []
    if pv.filters:
        bar = [select(f.name, f.label, f.options, f.value) for f in pv.filters]
        controls = [html.Details([
            html.Summary("Filters", className="filter-toggle btn btn-outline-primary btn-sm"),
            html.Div([*bar, html.Div(copy_link(), className="filter d-flex align-items-end")],
                     className="filter-grid"),
        ], className="filter-bar mb-2", open=pv.id != "meeting", role="search", **{"aria-label": "Filters"})]
    return html.Div([
        dcc.Store(id="page-state", data=data),
        *header,
        *controls,
        # What is shown, in words; hidden where the page has no window (the report's window is its quarter).
        html.P(["Showing: ", html.Span(data["describe"], id="view-description")], className="small mb-3",
               hidden=not pv.describe),
        html.Div(body(store, state, notices, pv), id="page-body"),
    ], className="page", **{"data-page": page_id})


def copy_link() -> dcc.Clipboard:
    """Copies the full URL of the view (kept current by sync_url), for pasting into board papers."""
    button = html.Button("Copy link to this view", type="button", className="btn btn-outline-primary btn-sm")
    copied = html.Button("Link copied", type="button", className="btn btn-outline-primary btn-sm")
    return dcc.Clipboard(id="copy-link", children=button, copied_children=copied, content="", className="copy-link")


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="copyLink"),
    Output("copy-link", "content"),
    Input("copy-link", "n_clicks"),
    prevent_initial_call=True,
)

PAGE_ID = re.compile(r"[a-z0-9-]{1,32}")


def state_from(data) -> urlstate.State | None:
    """The State held in a page-state dict, decoded again through the URL whitelist, or None if it is not one.

    A callback body can be forged, so what comes back from the browser is input like a URL."""
    if not isinstance(data, dict) or not isinstance(data.get("page"), str) or not PAGE_ID.fullmatch(data["page"]):
        return None
    query = {p: data[a] for p, a in urlstate.PARAM_ATTR.items() if isinstance(data.get(a), str)}
    state, _ = urlstate.decode(data["page"], query)
    return state


@callback(
    Output("page-state", "data"),
    Output({"type": FILTER, "name": ALL}, "value"),
    Output("view-description", "children"),
    Output("page-body", "children"),
    Input({"type": FILTER, "name": ALL}, "value"),
    Input("url-popped", "data"),
    State("page-state", "data"),
    prevent_initial_call=True,
)
def sync_url(values, popped, data):
    """Keep the page's State, its filter controls, the URL and the page's body in step, whichever one moved.

    A filter changed: decode the filters' values through the same whitelist as a URL (a hostile callback body falls
    back like a hostile link), and mark the new State to be pushed to the address bar (`pushUrl`, client side). The
    URL changed under the page (back/forward: `url-popped`, set by dashboard.js on popstate): redraw the filters and
    State from it, pushing nothing. A URL for another page is the router's business. Either way the body is drawn
    for the new State here, not by a second callback on the State: a filter change is one round trip.
    """
    previous = state_from(data)
    names = _filter_names(ctx.inputs_list[0])
    if previous is None or previous.page not in LAYOUTS or names is None or not isinstance(values, list) \
            or len(values) != len(names) or len(ctx.outputs_list[1]) != len(names):
        raise PreventUpdate  # not a page of this edition, or not the filters the page has
    store = get_store()
    vocab = urlstate.vocabulary(store)
    page_id = previous.page
    push = ctx.triggered_id != "url-popped"
    if not push:
        if not isinstance(popped, dict) or urlstate.page_path(page_id) != popped.get("path") \
                or not isinstance(popped.get("search", ""), str):
            raise PreventUpdate
        state, notices = urlstate.decode(page_id, popped.get("search", ""), vocab)
        if state == previous:  # e.g. the skip link changed only the #fragment
            raise PreventUpdate
    else:
        query = {p: getattr(previous, a) for p, a in urlstate.PARAM_ATTR.items()
                 if getattr(previous, a) is not None and p in urlstate.params_for(page_id)}
        query.update({n: v for n, v in zip(names, values) if isinstance(v, str)})
        query = {n: v for n, v in query.items() if v != ANY}
        state, notices = urlstate.decode(page_id, query, vocab)
    new = {**page_state_data(state, notices, vocab, data.get("title", "") if isinstance(data, dict) else ""),
           "push": push}
    shown = {f.name: f.value for f in filter_views(store, page_id, state, vocab, _policy())}
    drawn = body(store, state)
    controls = [shown.get(n, ANY) for n in names]
    # Controls already showing what they should are left alone: redrawing a select of 200 months costs the browser
    # more than the rest of the response.
    return new, [no_update] * len(controls) if controls == values else controls, new["describe"], drawn


def _policy():
    from metrics.edition import policy
    return policy(APP_EDITION)


# The address bar follows a filter change (a history entry, no reload); a fallen-back link is replaced by its
# canonical form; back/forward push nothing.
clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="pushUrl"),
    Output("url", "search"),
    Input("page-state", "data"),
)


def _filter_names(inputs) -> list[str] | None:
    """The URL parameters of the filter controls in a callback's inputs, or None if they are not well formed."""
    if not isinstance(inputs, list):
        return None
    names = []
    for item in inputs:
        cid = item.get("id") if isinstance(item, dict) else None
        name = cid.get("name") if isinstance(cid, dict) else None
        if not isinstance(name, str) or name not in urlstate.PARAM_ATTR:
            return None
        names.append(name)
    return names
