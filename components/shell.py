"""The frame around every page: skip link, header with the area and edition, navigation, the polite notice region
for links that fell back, `<main id="main-content">`, footer; and the router that draws a page from its URL.

Routing is Dash Pages' contract (a registered page's `layout(**query_parameters)` draws it) with one difference:
the router redraws on a change of *path* only. A change of query string on the same page comes from a filter (the
page already shows it) or from back/forward, which `components.page.sync_url` handles by updating the filters
and the page's State, so a filter change redraws only what depends on it, not the whole page.
"""
from __future__ import annotations

from urllib.parse import parse_qs

import dash
from dash import ALL, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html

from components import security
from metrics.edition import APP_EDITION, policy, serves_path

NAV = "nav"


def nav_pages() -> list[dict]:
    """The edition's registered pages in navigation order (their `order`), those marked `nav=False` left out."""
    return [p for p in dash.page_registry.values()
            if p.get("nav", True) and p["path"] != "/404" and serves_path(APP_EDITION, p["path"])]


def layout(area_name: str, synthetic: bool = False):
    """The app layout: everything outside the page, built per request so the navigation lists every page.
    `synthetic`: the data has made-up demonstration figures, which the public edition explains once, up top."""
    links = [html.Li(dcc.Link(p["name"], href=p["path"], id={"type": NAV, "page": p["path"]},
                              className="nav-link"), className="nav-item") for p in nav_pages()]
    words = policy().words
    return html.Div([
        dcc.Location(id="url", refresh=False),
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
        html.Div(html.Div(id="url-notice", role="status", className="url-notice", **{"aria-live": "polite"}),
                 className="container-xl"),
        *([html.Div(html.P(words.synthetic_banner, className="mb-0"), className="container-xl synthetic-banner")]
          if words.synthetic_banner and synthetic else []),
        html.Main(html.Div(id="page-content", className="py-3"), id="main-content", tabIndex="-1",
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


@callback(Output("page-content", "children"), Input("url", "pathname"), State("url", "search"))
def route(pathname, search):
    """Draw the page at `pathname` from its query string (a path change only; see the module docstring)."""
    if not isinstance(pathname, str):
        return not_found()
    page = next((p for p in dash.page_registry.values() if p["path"] == pathname), None)
    if page is None or not serves_path(APP_EDITION, pathname):  # fail closed: a board page is not found
        return not_found()
    search = search if isinstance(search, str) else ""
    layout = page["layout"]
    return layout(**_query(search)) if callable(layout) else layout


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="shell"),
    Output({"type": NAV, "page": ALL}, "href"),
    Output({"type": NAV, "page": ALL}, "className"),
    Output("url-notice", "children"),
    Output("url-notice", "className"),
    Input("page-state", "data"),
    State({"type": NAV, "page": ALL}, "id"),
)


def has_synthetic(store) -> bool:
    """Whether any series the edition serves is synthetic demonstration data."""
    return bool(store.values["synthetic"].astype(bool).any()) if len(store.values) else False
