"""components/shell.py: the layout comes with the page its request came from (the Referer, which
`Referrer-Policy: same-origin` gives Dash's layout request), drawn exactly as the router draws it, with the
navigation and notices already as that page's State says; a Referer that names no page of the edition gives the
bare shell, which the router then fills. A select of the filters is a native one (components/select.py)."""
import json

import pytest
from dash._utils import to_json

from components import shell
from components.select import Select

NO_PAGE = [None, "", "http://localhost/no-such-page", "http://localhost/therapy,http://localhost/ehcp",
           "http://[::1/therapy", "javascript:alert(1)", "therapy", "http://localhost/_dash-layout",
           "http://localhost/therapy/"]


@pytest.fixture(scope="module")
def client():
    import app
    c = app.server.test_client()
    c.get("/")
    return c


def layout_for(client, referrer):
    r = client.get("/_dash-layout", headers={"Referer": referrer} if referrer is not None else {})
    assert r.status_code == 200
    return r, json.loads(r.data)


def find(node, cid):
    """The component with id `cid` in a layout's JSON."""
    if isinstance(node, dict):
        if node.get("props", {}).get("id") == cid:
            return node
        for v in (node.get("props", {}).values() if "props" in node else node.values()):
            got = find(v, cid)
            if got is not None:
                return got
    elif isinstance(node, list):
        for v in node:
            got = find(v, cid)
            if got is not None:
                return got
    return None


def nav_links(lay) -> dict:
    nav = find(lay, "page-content")  # anchor: links are outside it
    assert nav is not None
    out = {}

    def walk(node):
        if isinstance(node, dict):
            cid = node.get("props", {}).get("id")
            if isinstance(cid, dict) and cid.get("type") == shell.NAV:
                out[cid["page"]] = (node["props"]["href"], node["props"]["className"])
            for v in node.get("props", {}).values() if "props" in node else node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)
    walk(lay)
    return out


@pytest.mark.parametrize("path, query", [("/therapy", "locality=north&service=slt"), ("/", "variation=concern"),
                                         ("/ehcp", ""), ("/glossary", "")])
def test_the_layout_comes_with_the_page_it_was_asked_from(client, path, query):
    r, lay = layout_for(client, f"http://localhost{path}" + (f"?{query}" if query else ""))
    assert "Referer" in r.headers.get("Vary", "") and r.headers["Cache-Control"] == "no-store"
    drawn = find(lay, "page-content")["props"]["children"]
    # Exactly what the router draws for the same address: one drawing of a page, wherever it is asked for.
    assert json.loads(to_json(shell.route(path, f"?{query}" if query else ""))) == drawn
    assert find(lay, "drawn-path")["props"]["data"] == path
    state = find(lay, "page-state")
    common = state["props"]["data"]["common"] if state else ""
    links = nav_links(lay)
    assert links and all(href == page + common for page, (href, _) in links.items())
    assert {page for page, (_, cls) in links.items() if "active" in cls.split()} == ({path} & set(links))
    if "locality=north" in query:
        assert "locality=north" in common


def test_a_fallen_back_link_shows_its_notice_in_the_layout(client):
    _, lay = layout_for(client, "http://localhost/therapy?locality=atlantis")
    notices = find(lay, "page-state")["props"]["data"]["notices"]
    notice = find(lay, "url-notice")["props"]
    assert notices and notice["children"] == " ".join(notices) and "alert" in notice["className"].split()


@pytest.mark.parametrize("referrer", NO_PAGE)
def test_a_referer_naming_no_page_gives_the_bare_shell(client, referrer):
    _, lay = layout_for(client, referrer)
    assert find(lay, "page-content")["props"].get("children") is None
    assert find(lay, "drawn-path")["props"].get("data") is None
    assert find(lay, "url-notice")["props"].get("children") in (None, "")
    links = nav_links(lay)
    assert links and all(href == page and cls == "nav-link" for page, (href, cls) in links.items())


def test_a_board_page_is_never_drawn_for_the_public_edition(monkeypatch):
    import app  # noqa: F401 - the pages are registered
    assert shell.first_page("http://localhost/data") is not None
    monkeypatch.setattr(shell, "APP_EDITION", "public")
    assert shell.first_page("http://localhost/data") is None
    assert shell.first_page("http://localhost/glossary") is not None


def test_a_filter_select_is_a_native_select_dash_can_draw():
    got = Select(id={"type": "filter", "name": "locality"}, options=[{"value": "north", "label": "North"}],
                 value="north", **{"aria-describedby": "x"}).to_plotly_json()
    assert (got["namespace"], got["type"]) == ("send_widgets", "Select")
    assert got["props"] == {"id": {"type": "filter", "name": "locality"}, "className": "form-select",
                            "options": [{"value": "north", "label": "North"}], "value": "north",
                            "aria-describedby": "x"}
    with pytest.raises(TypeError):
        Select(id="x", colour="red")
