"""The frame around every page: skip link, header with the area and edition, navigation, the polite notice region
for links that fell back, `<main id="main-content">`, footer; and the router that draws a page from its URL.

Routing is Dash Pages' contract (a registered page's `layout(**query_parameters)` draws it) with one difference:
the router redraws on a change of *path* only. A change of query string on the same page comes from a filter (the
page already shows it) or from back/forward, which `components.page.sync_url` handles by updating the filters
and the page's State, so a filter change redraws only what depends on it, not the whole page.

The first page comes inside the layout: Dash asks for the layout from the page's own address, which the request's
Referer names (`Referrer-Policy: same-origin`, components/security.py), so the layout is the shell with that page
drawn in it, its navigation and notices already as the page's State says. A page then opens with no callback at
all (one round trip and Dash's handling of it fewer). The router is asked only for a path the layout did not draw
(dashboard.js `route`): every later change of path, and a first page whose request carried no Referer.
"""
from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from flask import request

from components import security
from metrics.edition import APP_EDITION, policy, serves_path

NAV = "nav"


def nav_pages() -> list[dict]:
    """The edition's registered pages in navigation order (their `order`), those marked `nav=False` left out."""
    return [p for p in dash.page_registry.values()
            if p.get("nav", True) and p["path"] != "/404" and serves_path(APP_EDITION, p["path"])]


def layout(area_name: str, synthetic: bool = False, referrer: str | None = None):
    """The app layout: everything outside the page, built per request so the navigation lists every page.
    `synthetic`: the data has made-up demonstration figures, which the public edition explains once, up top.
    `referrer`: the address the layout is asked for from; that page is drawn in it (see the module docstring)."""
    path, content = first_page(referrer) or (None, None)
    data = page_state_of(content) or {}
    notices = " ".join(data.get("notices") or ())
    # As dashboard.js `shell` writes them for a page's State: it then finds nothing to change.
    common = data.get("common") or ""
    links = [html.Li(dcc.Link(p["name"], href=p["path"] + common, id={"type": NAV, "page": p["path"]},
                              className="nav-link active" if p["path"] == path else "nav-link"), className="nav-item")
             for p in nav_pages()]
    words = policy().words
    return html.Div([
        dcc.Location(id="url", refresh=False),
        dcc.Store(id="drawn-path", data=path),  # the page drawn below, if any: the router is not asked for it
        dcc.Store(id="route-path"),  # a path for the router to draw (dashboard.js `route`)
        dcc.Store(id="url-popped"),  # {path, search} after back/forward: see components.page.sync_url
        html.A("Skip to main content", href="#main-content", className="visually-hidden-focusable skip-link"),
        html.Header(html.Div([
            html.Div([
                html.P(f"{area_name} SEND Partnership", className="mb-0 small text-uppercase fw-semibold"),
                html.P([words.site_title + " ", html.Span(words.edition_badge, className="badge text-bg-light ms-1")],
                       className="h4 mb-0 site-title"),
            ], className="py-2"),
            html.Nav(html.Ul(links, className="nav nav-pills flex-wrap"), className="site-nav pb-2",
                     **{"aria-label": "Dashboard pages"}),
        ], className="container-xl"), className="site-header"),
        html.Div(html.Div(notices, id="url-notice", role="status", **{"aria-live": "polite"},
                          className="url-notice alert alert-warning my-2" if notices else "url-notice"),
                 className="container-xl"),
        *([html.Div(html.P(words.synthetic_banner, className="mb-0"), className="container-xl synthetic-banner")]
          if words.synthetic_banner and synthetic else []),
        html.Main(html.Div(content, id="page-content", className="py-3"), id="main-content", tabIndex="-1",
                  className="container-xl"),
        html.Footer(html.Div(footer(area_name), className="container-xl py-3 small"),
                    className="site-footer mt-4"),
    ])


def footer(area_name: str) -> list:
    """The edition's footer: its sentences (metrics.vocabulary), and links to the pages it serves."""
    words = policy().words
    links = [dcc.Link(name, href=path) for path, name in (("/data", "Data and definitions"), ("/glossary", "Glossary"),
                                                          ("/accessibility", "Accessibility statement"))
             if serves_path(APP_EDITION, path)]
    joined = []
    for link in links:
        joined += [link, " · "]
    return [html.P([words.footer[0].format(area=area_name) + " ", *joined[:-1]], className="mb-1"),
            *[html.P(line, className="mb-0") for line in words.footer[1:]]]


def served_paths() -> set[str]:
    """The page paths this edition serves: app.py gives them to `components.security.harden` as its page
    allowlist, so any other address (a board-only page in the public edition) is answered 404 by the server."""
    return {p["path"] for p in dash.page_registry.values() if serves_path(APP_EDITION, p["path"])}


def _query(search: str | None) -> dict:
    """Query parameters as Dash Pages passes them to layouts: a string, or a list when a key repeats."""
    parsed = parse_qs((search or "").lstrip("?"), keep_blank_values=True)
    return {k: v[0] if len(v) == 1 else v for k, v in parsed.items()}


def not_found(**_kwargs):
    """The router's not-found page, in the same words as the server's 404 page (either edition's)."""
    title, text = security.MESSAGES[404]
    return html.Div([html.H1(title, className="h2"),
                     html.P([text, " ", dcc.Link(security.HOME_LINK, href="/"), "."])])


def _page(pathname) -> dict | None:
    """The registered page this edition serves at `pathname`, or None (fail closed: a board page is not found)."""
    if not isinstance(pathname, str):
        return None
    page = next((p for p in dash.page_registry.values() if p["path"] == pathname), None)
    return page if page is not None and serves_path(APP_EDITION, pathname) else None


def _draw(page: dict, search) -> object:
    layout = page["layout"]
    return layout(**_query(search if isinstance(search, str) else "")) if callable(layout) else layout


def first_page(referrer: str | None) -> tuple[str, object] | None:
    """(path, the page drawn from its query string) for the address a layout request came from, or None if it names
    no page of this edition (no Referer, or one a browser, proxy or hand wrote otherwise: the router draws it then).
    The Referer is input like any URL: it can only ask for a page the edition serves, read through the same
    whitelist as a link; gunicorn joins a repeated header with commas, which names no page."""
    if not isinstance(referrer, str) or not referrer:
        return None
    try:
        parts = urlsplit(referrer)
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    page = _page(parts.path)
    return None if page is None else (parts.path, _draw(page, parts.query))


def page_state_of(content) -> dict | None:
    """The page's State as it hands it to the browser (`page-state`, components/page.py), if the page has one."""
    if content is None or not hasattr(content, "_traverse"):
        return None
    found = next((c for c in content._traverse() if getattr(c, "id", None) == "page-state"), None)
    return found.data if found is not None and isinstance(found.data, dict) else None


def vary_layout(server) -> None:
    """Dash's layout differs by the page asking for it: no cache may answer one page's request with another's."""
    @server.after_request
    def _layout_varies(response):
        if request.path.endswith("/_dash-layout"):
            response.vary.add("Referer")
            response.headers.setdefault("Cache-Control", "no-cache")
        return response


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="route"),
    Output("route-path", "data"),
    Input("url", "pathname"),
    State("drawn-path", "data"),
)


@callback(Output("page-content", "children"), Input("route-path", "data"), State("url", "search"),
          prevent_initial_call=True)
def route(pathname, search):
    """Draw the page at `pathname` from its query string (a path change only; see the module docstring)."""
    page = _page(pathname)
    return not_found() if page is None else _draw(page, search)


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="shell"),
    Output({"type": NAV, "page": ALL}, "href"),
    Output({"type": NAV, "page": ALL}, "className"),
    Output("url-notice", "children"),
    Output("url-notice", "className"),
    Input("page-state", "data"),
    State({"type": NAV, "page": ALL}, "id"),
    State({"type": NAV, "page": ALL}, "href"),
    State({"type": NAV, "page": ALL}, "className"),
    State("url-notice", "children"),
    State("url-notice", "className"),
)


def has_synthetic(store) -> bool:
    """Whether any series the edition serves is synthetic demonstration data."""
    return bool(store.values["synthetic"].astype(bool).any()) if len(store.values) else False
