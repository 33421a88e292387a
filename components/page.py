"""Every page's frame: its State from the URL, the filter bar, and the callback that keeps URL and filters in step.

A page module registers itself with Dash Pages and writes

    def layout(**kwargs):
        return page("therapy", kwargs, build, filters=[select_filter("service", "Service", options, ...)])

where `build(state, store, vocab)` returns the page's content for a decoded `metrics.urlstate.State`. The URL is the
source of truth: the layout is drawn from it on load (so a pasted link shows exactly that view), a filter change
writes the URL without a reload (`sync_url`), and back/forward redraw from the URL again.
"""
from __future__ import annotations

import json
import re

import dash
import dash_bootstrap_components as dbc
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from metrics import urlstate
from metrics.edition import get_store

FILTER = "filter"  # id type of every filter control: {"type": "filter", "name": <URL parameter>}
# The option meaning "no filter" (a <select> cannot use "" for it: dbc.Select keeps "" for its placeholder).
ANY = "any"


def dom_id(component_id: dict) -> str:
    """The DOM id Dash gives a dict id (keys sorted, compact JSON), for <label for> and aria references."""
    return "{" + ",".join(f"{json.dumps(k)}:{json.dumps(component_id[k])}" for k in sorted(component_id)) + "}"


def select_filter(name: str, label: str, options: list[tuple[str, str]], value: str, *, width: int = 3):
    """A labelled native <select> bound to URL parameter `name` (options: (value, label) pairs)."""
    cid = {"type": FILTER, "name": name}
    return dbc.Col([
        dbc.Label(label, html_for=dom_id(cid), className="form-label small fw-semibold mb-1"),
        dbc.Select(id=cid, options=[{"value": v, "label": t} for v, t in options], value=value),
    ], xs=12, sm=6, lg=width)


def filter_value(state: urlstate.State, name: str, vocab: urlstate.Vocabulary) -> str:
    """What a filter control shows for a State (defaults spelled out, e.g. the first month of the data)."""
    attr = urlstate.PARAM_ATTR[name]
    value = getattr(state, attr)
    if name == "from":
        return value or vocab.first_month
    if name == "to":
        return value or vocab.last_month
    if value is None:
        return ANY
    return value


def month_options(vocab: urlstate.Vocabulary) -> list[tuple[str, str]]:
    months = [p.strftime("%Y-%m") for p in urlstate.pd.period_range(vocab.first_month, vocab.last_month, freq="M")]
    return [(m, urlstate.month_name(m)) for m in months]


def common_filters(state: urlstate.State, vocab: urlstate.Vocabulary, names=urlstate.COMMON_PARAMS) -> list:
    locality_labels = {slug: (f"{name} (whole area)" if slug == urlstate.LOCALITY_DEFAULT else name)
                       for slug, name in vocab.localities.items()}
    out = []
    if "locality" in names:
        out.append(select_filter("locality", "Locality", list(locality_labels.items()),
                                 filter_value(state, "locality", vocab)))
    months = month_options(vocab)
    if "from" in names:
        out.append(select_filter("from", "From", months, filter_value(state, "from", vocab)))
    if "to" in names:
        out.append(select_filter("to", "To", months, filter_value(state, "to", vocab)))
    return out


PAGE_ID = re.compile(r"[a-z0-9-]{1,32}")


def state_from(data) -> urlstate.State | None:
    """The State held in a page-state dict, decoded again through the URL whitelist, or None if it is not one.

    A callback body can be forged, so what comes back from the browser is input like a URL: callbacks take their
    State from here and stop (PreventUpdate) on None.
    """
    if not isinstance(data, dict) or not isinstance(data.get("page"), str) or not PAGE_ID.fullmatch(data["page"]):
        return None
    query = {p: data[a] for p, a in urlstate.PARAM_ATTR.items() if isinstance(data.get(a), str)}
    state, _ = urlstate.decode(data["page"], query)
    return state


def view_of(state: urlstate.State, names) -> dict:
    """The settings of `state` named in `names`: what one part of a page is drawn from, kept beside it in a
    Store so that `view_from` can tell whether a new State changes it."""
    return {n: getattr(state, n) for n in names}


def view_from(data, page_id: str, drawn=None, names=()) -> tuple[urlstate.State, dict]:
    """For a callback that redraws part of page `page_id` from the page-state Store: the State and the part's
    view (`view_of(state, names)`), to draw from and to keep.

    Stops the callback (PreventUpdate) when `data` is no valid State of that page (a forged body, or the Store of
    a page being replaced) or when the view is `drawn`, what the part shows already (page-state is rewritten for
    other reasons too, e.g. a notice). The view is read from the decoded State, not from `data`, so what goes
    back to the browser has been through the URL whitelist; `drawn` is only compared, so any forged value is
    simply "different".
    """
    state = state_from(data)
    if state is None or state.page != page_id:
        raise PreventUpdate
    now = view_of(state, names)
    if now == drawn:
        raise PreventUpdate
    return state, now


def page_state_data(state: urlstate.State, notices: list[str], vocab: urlstate.Vocabulary, title: str) -> dict:
    """What the browser keeps about the view: the State, its notices, and what the shell needs to show it."""
    return {**state.to_dict(), "notices": notices, "common": urlstate.encode(state, urlstate.COMMON_PARAMS),
            "search": urlstate.encode(state), "describe": urlstate.describe(state, vocab), "title": title}


def page(page_id: str, kwargs: dict, build, *, title: str, filters=(), common=urlstate.COMMON_PARAMS,
         intro: str | None = None) -> html.Div:
    """A page drawn from its URL: heading, filters, the sentence saying what is shown, and `build`'s content.

    `filters` is a function (state, vocab) -> list of `select_filter` columns for the page's own parameters.
    """
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state, notices = urlstate.decode(page_id, kwargs, vocab)
    bar = common_filters(state, vocab, common) + (list(filters(state, vocab)) if filters else [])
    data = page_state_data(state, notices, vocab, title)
    header = [html.H1(title, className="h2 mb-2")]
    if intro:
        header.append(html.P(intro, className="lead fs-6 mb-3"))
    controls = []
    if bar:
        controls = [html.Div(dbc.Row(bar + [dbc.Col(copy_link(), xs=12, lg="auto",
                                                     className="d-flex align-items-end")],
                                      className="g-2 align-items-end"),
                              className="filter-bar mb-2", role="search", **{"aria-label": "Filters"})]
    return html.Div([
        dcc.Store(id="page-state", data=data),
        *header,
        *controls,
        # Hidden where a page has no filters (the sentence would describe settings it does not use).
        html.P(["Showing: ", html.Span(data["describe"], id="view-description")], className="small mb-3",
               hidden=not bar),
        html.Div(build(state, store, vocab), id="page-body"),
    ], className="page", **{"data-page": page_id})


def copy_link() -> dcc.Clipboard:
    """Copies the full URL of the view (kept current by sync_url), for pasting into board papers."""
    button = html.Button("Copy link to this view", type="button", className="btn btn-outline-primary btn-sm")
    copied = html.Button("Link copied", type="button", className="btn btn-outline-primary btn-sm")
    return dcc.Clipboard(id="copy-link", children=button, copied_children=copied, content="",
                         className="copy-link")


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="copyLink"),
    Output("copy-link", "content"),
    Input("copy-link", "n_clicks"),
    prevent_initial_call=True,
)


@callback(
    Output("page-state", "data"),
    Output({"type": FILTER, "name": ALL}, "value"),
    Output("view-description", "children"),
    Input({"type": FILTER, "name": ALL}, "value"),
    Input("url-popped", "data"),
    State("page-state", "data"),
    prevent_initial_call=True,
)
def sync_url(values, popped, data):
    """Keep the page's State, its filter controls and the URL in step, whichever one moved.

    A filter changed: decode the filters' values through the same whitelist as a URL (a hostile callback body
    falls back like a hostile link), and mark the new State to be pushed to the address bar (`push_url`, client
    side). The URL changed under the page (back/forward: `url-popped`, set by assets/dashboard.js on popstate):
    redraw the filters and State from it, pushing nothing. A URL for another page is the router's business.
    Every output lives inside the page, so drawing a page never fires this callback (Dash fires a callback on
    insertion of its inputs when one of its outputs is outside the inserted chunk).
    """
    previous = state_from(data)
    names = _filter_names(ctx.inputs_list[0])
    if previous is None or names is None or not isinstance(values, list) or len(values) != len(names) \
            or len(ctx.outputs_list[1]) != len(names):
        raise PreventUpdate
    store = get_store()
    vocab = urlstate.vocabulary(store)
    page_id = previous.page
    push = ctx.triggered_id != "url-popped"
    if not push:
        if not isinstance(popped, dict) or _page_path(page_id) != popped.get("path") \
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
    new = {**page_state_data(state, notices, vocab, _page_title(page_id)), "push": push}
    return new, [filter_value(state, n, vocab) for n in names], new["describe"]


# The address bar follows a filter change (a history entry, no reload); back/forward and page loads push nothing.
clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="pushUrl"),
    Output("url", "search"),
    Input("page-state", "data"),
    prevent_initial_call=True,
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


def _page_title(page_id: str) -> str:
    page = next((p for p in dash.page_registry.values() if p["path"] == _page_path(page_id)), None)
    return str(page["title"]) if page and not callable(page["title"]) else ""


def _page_path(page_id: str) -> str:
    return "/" if page_id == "overview" else f"/{page_id}"
