"""components.security on a tiny Dash app through Flask's test client: headers, hostile callback bodies, no
tracebacks, the page allowlist, the auth-proxy header gate and request logs without personal data."""
import base64
import hashlib
import json
import logging
import re

import dash
import pytest
from dash import _callback
from dash import ALL, MATCH, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from werkzeug.datastructures import Headers

from components.security import MAX_BODY_BYTES, check_callback_body, csp_header, harden, signed_in_user

CALLBACK = "/_dash-update-component"


def make_app(**harden_kwargs):
    # Dash hands the callbacks modules registered with `dash.callback` (the pages', once imported) to the first app
    # that serves a request: set this one up without them, so the real app tested elsewhere keeps them.
    saved = dict(_callback.GLOBAL_CALLBACK_MAP), list(_callback.GLOBAL_CALLBACK_LIST)
    _callback.GLOBAL_CALLBACK_MAP.clear()
    _callback.GLOBAL_CALLBACK_LIST.clear()
    try:
        app = _make_app(**harden_kwargs)
        app.server.test_client().get("/_dash-layout")
    finally:
        _callback.GLOBAL_CALLBACK_MAP.update(saved[0])
        _callback.GLOBAL_CALLBACK_LIST.extend(saved[1])
    return app


def _make_app(**harden_kwargs):
    app = dash.Dash(__name__)
    app.layout = html.Div([dcc.Input(id="i", value="a"), html.Div(id="o"), html.Div(id="boom"),
                           html.Div(id="quiet"), html.Div(id="c")])

    @app.callback(Output("o", "children"), Input("i", "value"), State("i", "id"))
    def echo(value, _id):
        return f"got {value}"

    @app.callback(Output("boom", "children"), Input("i", "value"))
    def boom(value):
        raise RuntimeError("secret internals /srv/app/pages/therapy.py line 12")

    @app.callback(Output("quiet", "children"), Input("i", "value"))
    def quiet(value):
        raise PreventUpdate

    # Pattern-matching callbacks, with several outputs: the shapes Dash answers 500 to when they do not match.
    @app.callback(Output("o2", "children"), Output({"type": "f", "name": ALL}, "title"),
                  Input({"type": "f", "name": ALL}, "value"))
    def filters(values):
        return f"{len(values)} filters", [str(v)[:10] for v in values]

    @app.callback(Output({"type": "card", "key": MATCH}, "children"), Input({"type": "card", "key": MATCH}, "n_clicks"))
    def card(n):
        return f"clicked {n}"

    app.clientside_callback("function(v) { return v; }", Output("c", "title"), Input("i", "value"))
    app.server.add_url_rule("/download/<name>.csv", "csv", lambda name: "a,b\n")  # an open prefix's route
    harden(app.server, dash_app=app, **harden_kwargs)
    return app


def body(output="o.children", inputs=None, state=None, **extra):
    b = {"output": output, "outputs": {"id": output.split(".")[0], "property": output.split(".")[1]},
         "inputs": inputs if inputs is not None else [{"id": "i", "property": "value", "value": "x"}],
         "state": state if state is not None else [{"id": "i", "property": "id", "value": "i"}],
         "changedPropIds": ["i.value"]}
    b.update(extra)
    return b


@pytest.fixture(scope="module")
def client():
    return make_app().server.test_client()


def post(client, payload, content_type="application/json"):
    data = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
    return client.post(CALLBACK, data=data, content_type=content_type)


def test_valid_callback_still_works(client):
    r = post(client, body())
    assert r.status_code == 200
    assert r.get_json()["response"]["o"]["children"] == "got x"


def test_prevent_update_still_204(client):
    assert post(client, body("quiet.children", state=[])).status_code == 204


HOSTILE = [
    ("invalid JSON", b"{not json"),
    ("empty body", b""),
    ("null", b"null"),
    ("a list", b"[]"),
    ("a string", b'"<script>alert(1)</script>"'),
    ("empty object", b"{}"),
    ("output not a string", {"output": 5, "outputs": {}, "inputs": []}),
    ("unknown output", body("zzz.children")),
    ("clientside-only output", body("c.title")),
    ("inputs not a list", body(inputs={"id": "i"})),
    ("input without property", body(inputs=[{"id": "i", "value": "x"}])),
    ("too few inputs", body(inputs=[])),
    ("too many inputs", body(inputs=[{"id": "i", "property": "value", "value": "x"}] * 2)),
    ("input for another component", body(inputs=[{"id": "o", "property": "children", "value": "x"}])),
    ("state missing", body(state=[])),
    ("changedPropIds not strings", body(changedPropIds=[{"$ne": 1}])),
    ("outputs missing", {k: v for k, v in body().items() if k != "outputs"}),
    ("outputs wrong shape", body(outputs="o.children")),
    ("deeply nested", b"[" * 100_000 + b"]" * 100_000),
    ("SQL-ish output", body("o.children'; DROP TABLE referrals; --")),
]


# Pattern-matching and multi-output bodies: what the renderer sends, then each way a forged one can differ.
FILTERS = "..o2.children...{\"name\":[\"ALL\"],\"type\":\"f\"}.title.."
CARD = '{"key":["MATCH"],"type":"card"}.children'


def filters_body(ids=({"type": "f", "name": "locality"},), outputs=None, value="north"):
    items = [{"id": i, "property": "value", "value": value} for i in ids]
    outs = [{"id": "o2", "property": "children"}, [{"id": i, "property": "title"} for i in ids]]
    return {"output": FILTERS, "outputs": outs if outputs is None else outputs, "inputs": [items],
            "changedPropIds": ['{"name":"locality","type":"f"}.value']}


def card_body(cid=None, n=1, **extra):
    cid = {"type": "card", "key": "k1"} if cid is None else cid
    return {"output": CARD, "outputs": {"id": cid, "property": "children"},
            "inputs": [{"id": cid, "property": "n_clicks", "value": n}], "changedPropIds": [], **extra}


def test_pattern_matching_callbacks_still_work(client):
    r = post(client, filters_body())
    assert r.status_code == 200 and r.get_json()["response"]["o2"]["children"] == "1 filters"
    assert post(client, filters_body(ids=())).status_code == 200  # ALL matching no component: an empty list
    r = post(client, card_body())
    assert r.status_code == 200 and "clicked 1" in r.get_data(as_text=True)


HOSTILE += [
    ("multi-output: one dict for the list", filters_body(outputs={"id": "o2", "property": "children"})),
    ("multi-output: too few", filters_body(outputs=[{"id": "o2", "property": "children"}])),
    ("multi-output: in the wrong order",
     filters_body(outputs=[[{"id": {"type": "f", "name": "locality"}, "property": "title"}],
                           {"id": "o2", "property": "children"}])),
    ("ALL input as one dict", {**filters_body(), "inputs": [filters_body()["inputs"][0][0]]}),
    ("ALL id with an extra key", filters_body(ids=({"type": "f", "name": "locality", "x": 1},))),
    ("ALL id with another fixed value", filters_body(ids=({"type": "card", "name": "locality"},))),
    ("ALL id with a list for a wildcard", filters_body(ids=({"type": "f", "name": ["<script>"]},))),
    ("MATCH output as a list", card_body(outputs=[{"id": {"type": "card", "key": "k1"}, "property": "children"}])),
    ("MATCH id plain", card_body(cid="card")),
    ("MATCH id with an object for a wildcard", card_body(cid={"type": "card", "key": {"$ne": 1}})),
    ("MATCH input for another property",
     card_body(inputs=[{"id": {"type": "card", "key": "k1"}, "property": "children", "value": 1}])),
]


@pytest.mark.parametrize("name, payload", HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_callback_bodies_get_400_without_echo(client, name, payload):
    r = post(client, payload)
    assert r.status_code == 400, name
    text = r.get_data(as_text=True)
    assert "Traceback" not in text and "<script>" not in text and "DROP TABLE" not in text
    assert r.mimetype == "text/html" and "Bad request" in text


def test_json_with_wrong_content_type_refused(client):
    assert post(client, json.dumps(body()), content_type="text/plain").status_code == 400


def test_huge_body_refused_with_413(client):
    huge = body(inputs=[{"id": "i", "property": "value", "value": "x" * (MAX_BODY_BYTES + 1)}])
    r = post(client, huge)
    assert r.status_code == 413 and "Traceback" not in r.get_data(as_text=True)


def test_callback_error_is_plain_500_logged_not_shown(client, caplog):
    with caplog.at_level(logging.ERROR, logger="send.errors"):
        r = post(client, body("boom.children", state=[]))
    assert r.status_code == 500
    text = r.get_data(as_text=True)
    assert "Something went wrong" in text
    assert "secret internals" not in text and "Traceback" not in text and "RuntimeError" not in text
    assert "secret internals" in caplog.text  # the detail goes to the server log


# -- headers -----------------------------------------------------------------------------------------------------

def test_security_headers_on_every_response(client):
    for r in (client.get("/"), client.get("/_dash-layout"), post(client, b"nope")):
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert "camera=()" in r.headers["Permissions-Policy"]
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp


def test_csp_allows_exactly_dashs_inline_scripts(client):
    r = client.get("/")
    html_text = re.sub(r"<!--.*?-->", "", r.get_data(as_text=True), flags=re.S)  # IE-only script: a comment
    policy = dict(d.strip().split(" ", 1) for d in r.headers["Content-Security-Policy"].split(";"))
    script_src = policy["script-src"].split()
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    # Every executable inline script in the page (the renderer, the clientside callback) has its hash listed;
    # JSON data blocks are not scripts to the browser and need none.
    inline = [m.group(2) for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", html_text, re.S)
              if "application/json" not in m.group(1)]
    assert len(inline) >= 2
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


def test_csp_header_without_app_has_no_hashes():
    assert "script-src 'self';" in csp_header()


# -- page allowlist, auth gate ---------------------------------------------------------------------------------

def test_page_allowlist_404s_everything_else():
    app = make_app(pages=["/", "/therapy"], open_prefixes=["download/"])
    c = app.server.test_client()
    assert c.get("/download/waits.csv").status_code == 200
    assert c.get("/").status_code == 200
    assert c.get("/therapy").status_code == 200
    assert c.get("/therapy/").status_code == 200
    assert c.get("/_dash-layout").status_code == 200
    assert c.get("/_dash-dependencies").status_code == 200
    for path in ("/report", "/data", "/therapy-drilldown", "/%3Cscript%3E"):
        r = c.get(path)
        assert r.status_code == 404 and "Page not found" in r.get_data(as_text=True)
        assert "script" not in r.get_data(as_text=True).lower().replace("<script", "")  # no echo


def test_auth_header_gate():
    c = make_app(auth_header="X-Forwarded-User").server.test_client()
    assert c.get("/").status_code == 401
    assert c.get("/", headers={"X-Forwarded-User": "  "}).status_code == 401
    assert c.get("/_dash-layout").status_code == 401
    assert post(c, body()).status_code == 401
    assert c.get("/", headers={"X-Forwarded-User": "a.member@blackpool.gov.uk"}).status_code == 200
    r = c.post(CALLBACK, data=json.dumps(body()), content_type="application/json",
               headers={"X-Forwarded-User": "a.member@blackpool.gov.uk"})
    assert r.status_code == 200


# (what is sent as X-Forwarded-User: a list of copies, each a value; None = no header). Not a signed-in user:
NOT_SIGNED_IN = [
    ("no header", []),
    ("empty", [""]),
    ("blank", ["   "]),
    ("a tab", ["\t"]),
    ("two empty copies (gunicorn joins them into ',')", ["", ""]),
    ("three empty copies", ["", "", ""]),
    ("two single spaces", [" ", " "]),
    ("a user and an empty copy", ["a.member@blackpool.gov.uk", ""]),
    ("an empty copy and a user", ["", "a.member@blackpool.gov.uk"]),
    ("two users", ["alice@blackpool.gov.uk", "bob@blackpool.gov.uk"]),
    ("a comma", [","]),
    ("a spaced comma", [" , "]),
    ("commas", [",,,"]),
    ("two users joined by the client", ["alice,bob"]),
    ("a user and a trailing comma", ["alice,"]),
    ("a semicolon", [";"]),
    ("punctuation only", ["-._@"]),
    ("a control character", ["al\x01ice"]),
    ("too long", ["a" * 257]),
]
SIGNED_IN = ["a.member@blackpool.gov.uk", "  bob@example.org  ", "j", "Zoë.Brontë", "DOMAIN\\jo", "a" * 256]
METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
PATHS = ["/", "/download/waits.csv", CALLBACK, "/_dash-layout", "/assets/x.css", "/no-such-page"]


@pytest.fixture(scope="module")
def gated():
    return make_app(auth_header="X-Forwarded-User", pages=["/"], open_prefixes=["download/"]).server.test_client()


@pytest.mark.parametrize("name, copies", NOT_SIGNED_IN, ids=[n for n, _ in NOT_SIGNED_IN])
def test_not_one_user_is_refused_in_every_method_and_path(gated, name, copies):
    headers = [("X-Forwarded-User", v) for v in copies]
    for method in METHODS:
        for path in PATHS:
            r = gated.open(path, method=method, headers=headers, data=json.dumps(body()),
                           content_type="application/json")
            assert r.status_code == 401, (name, method, path, r.status_code)
            if method != "HEAD":
                assert "Sign in needed" in r.get_data(as_text=True)


@pytest.mark.parametrize("user", SIGNED_IN)
def test_exactly_one_user_is_signed_in(gated, user):
    assert gated.get("/", headers={"X-Forwarded-User": user}).status_code == 200
    assert gated.get("/download/waits.csv", headers={"X-Forwarded-User": user}).status_code == 200
    assert post(gated, body()).status_code == 401  # the control: the same callback without the header
    r = gated.post(CALLBACK, data=json.dumps(body()), content_type="application/json",
                   headers={"X-Forwarded-User": user})
    assert r.status_code == 200


def test_a_server_that_keeps_repeated_fields_apart_is_refused_too():
    # WSGI servers join repeats into one value; a server (or test double) may hand over two: still not one user.
    assert signed_in_user(Headers([("X-Forwarded-User", "alice")]), "X-Forwarded-User") == "alice"
    assert signed_in_user(Headers([("X-Forwarded-User", "alice"), ("X-Forwarded-User", "alice")]),
                          "X-Forwarded-User") is None
    assert signed_in_user(Headers([("x-forwarded-user", " alice ")]), "X-Forwarded-User") == "alice"


@pytest.mark.parametrize("bad", ["X Forwarded User", "X-User\r\nSet-Cookie: a=b", ""])
def test_auth_header_name_checked(bad):
    with pytest.raises(ValueError, match="not a valid HTTP header name"):
        make_app(auth_header=bad)


# -- logging -----------------------------------------------------------------------------------------------------

def test_request_log_has_no_query_string_ip_or_user(caplog):
    c = make_app(auth_header="X-Forwarded-User").server.test_client()
    caplog.clear()  # make_app's own first request
    with caplog.at_level(logging.INFO, logger="send.requests"):
        c.get("/?locality=<script>x</script>&name=Jane+Doe", headers={"X-Forwarded-User": "jane.doe"},
              environ_base={"REMOTE_ADDR": "203.0.113.9"})
        c.get("/evil%0Aforged-line")
    lines = [r.getMessage() for r in caplog.records if r.name == "send.requests"]
    assert re.fullmatch(r"GET / 200 \d+ms", lines[0])
    assert not any(s in caplog.text for s in ("locality", "Jane", "jane.doe", "203.0.113.9", "<script>"))
    assert all("\n" not in line for line in lines)  # a forged newline cannot start a fake log line
    assert logging.getLogger("werkzeug").level == logging.WARNING


def test_check_callback_body_without_map_checks_shape_only():
    assert check_callback_body(body("anything.children"), None) is None
    assert check_callback_body({"output": "x"}, None) == "outputs missing"


# -- addresses with no route of their own, and caching -----------------------------------------------------------

def test_unregistered_component_suite_file_is_404_without_a_traceback(caplog):
    c = make_app(pages=["/"], open_prefixes=["download/"]).server.test_client()
    page = c.get("/").get_data(as_text=True)
    served = re.search(r'src="(/_dash-component-suites/[^"]+)"', page).group(1)
    assert c.get(served).status_code == 200  # the control: a file Dash registered
    with caplog.at_level(logging.INFO):
        for path in ("/_dash-component-suites/nope/x.js", "/_dash-component-suites/dash/not-there.js",
                     "/_dash-component-suites/dash/../../app.py"):
            r = c.get(path)
            assert r.status_code == 404 and "Page not found" in r.get_data(as_text=True), path
    assert "Traceback" not in caplog.text and "DependencyException" not in caplog.text


@pytest.mark.parametrize("path", ["/download/waits.html", "/download/waits", "/download/", "/download/a/b.csv",
                                  "/download/waits.csv.js", "/_dash-anything", "/_dash-layout/extra"])
def test_paths_under_an_open_prefix_with_no_route_of_their_own_are_404(path):
    c = make_app(pages=["/"], open_prefixes=["download/"]).server.test_client()
    assert c.get("/download/waits.csv").status_code == 200  # the control
    r = c.get(path)
    assert r.status_code == 404 and "Page not found" in r.get_data(as_text=True), path
    assert "DashRenderer" not in r.get_data(as_text=True)  # not the app shell


def test_no_store_on_every_response_but_static_files():
    c = make_app(pages=["/"], open_prefixes=["download/"], no_store=True).server.test_client()
    page = c.get("/")
    script = re.search(r'src="(/_dash-component-suites/[^"]+)"', page.get_data(as_text=True)).group(1)
    for r in (page, c.get("/download/waits.csv"), post(c, body()), c.get("/_dash-layout"),
              c.get("/_dash-dependencies"), c.get("/no-such-page"), post(c, b"{")):
        assert r.headers["Cache-Control"] == "no-store" and r.headers["Pragma"] == "no-cache", r.status
    assert "no-store" not in c.get(script).headers.get("Cache-Control", "")


def test_without_no_store_caching_is_left_to_others():
    c = make_app(pages=["/"], open_prefixes=["download/"]).server.test_client()
    for r in (c.get("/"), c.get("/download/waits.csv"), post(c, body())):
        assert "no-store" not in r.headers.get("Cache-Control", "")
