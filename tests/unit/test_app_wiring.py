"""The real app as app.py wires it (components.security.harden on app.server), through Flask's test client: security
headers, a CSP that needs no hash but the Dash renderer's, the edition's page allowlist, forged callback bodies
answered 4xx or a safe default (never 500, never a traceback, never hostile markup echoed), and request logs
without query strings.

The environment is read once per process, so the auth-proxy header gate, the public edition and debug settings
are checked in fresh interpreters started the way `python app.py` and gunicorn start the app.
"""
import base64
import hashlib
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CALLBACK = "/_dash-update-component"
SCRIPT = "<script>window.__pwned=1</script>"
MEMBER = {"X-Forwarded-User": "a.member@blackpool.gov.uk"}


@pytest.fixture(scope="module")
def wired():
    import app
    assert app.EDITION == "board" and app.auth_header is None  # this process: the default settings
    return app


@pytest.fixture(scope="module")
def client(wired):
    c = wired.server.test_client()
    c.get("/")  # Dash completes its callback map on the first request; `forge` reads it
    return c


# -- headers, CSP, pages ---------------------------------------------------------------------------------------

def test_security_headers_on_pages_data_and_errors(client):
    for r in (client.get("/"), client.get("/therapy?locality=north"), client.get("/_dash-layout"),
              client.get("/no-such-page"), client.post(CALLBACK, data=b"{")):
        csp = r.headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self' 'sha256-" in csp
        assert "img-src 'self' data: blob:" in csp  # a chart saved as PNG is drawn through data: and blob: URLs
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "same-origin"


def test_the_only_inline_script_is_dashs_renderer_and_it_is_hashed(client):
    r = client.get("/")
    page = re.sub(r"<!--.*?-->", "", r.get_data(as_text=True), flags=re.S)
    inline = [m.group(2) for m in re.finditer(r"<script(?![^>]*\bsrc=)([^>]*)>(.*?)</script>", page, re.S)
              if "application/json" not in m.group(1)]
    # Clientside callbacks are functions in assets/dashboard.js (ClientsideFunction), not inline strings.
    assert len(inline) == 1 and "DashRenderer" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    script_src = re.search(r"script-src ([^;]*)", r.headers["Content-Security-Policy"]).group(1).split()
    assert script_src == ["'self'", f"'sha256-{digest}'"]


def test_every_page_of_the_edition_is_served_and_nothing_else(client):
    from components.shell import served_paths
    paths = served_paths()
    assert {"/", "/therapy", "/ehcp", "/report", "/data"} <= paths  # the board edition's pages
    for path in paths:
        assert client.get(path).status_code == 200, path
    for path in ("/no-such-page", "/report/2025-Q1", "/admin", "/static/app.py", "/%3Cscript%3E", "/download/x.csv"):
        r = client.get(path)
        text = r.get_data(as_text=True)
        assert r.status_code == 404 and "Page not found" in text, path
        assert "script" not in text.lower() and "Traceback" not in text, path


# -- forged callback bodies ----------------------------------------------------------------------------------

def forge(app, output: str, inputs=(), state=(), changed=None) -> dict:
    """A callback body for the registered callback `output`, with these values for its inputs and state."""
    spec = app.app.callback_map[output]

    def deps(declared, values):
        return [{"id": d["id"], "property": d["property"], "value": v} for d, v in zip(declared, values)]

    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outputs = [dict(zip(("id", "property"), p.rsplit(".", 1))) for p in parts]
    first = spec["inputs"][0]
    return {"output": output, "outputs": outputs if output.startswith("..") else outputs[0],
            "inputs": deps(spec["inputs"], inputs), "state": deps(spec["state"], state),
            "changedPropIds": [changed or f"{first['id']}.{first['property']}"]}


SEARCH = "..catalogue-table.children...catalogue-count.children.."  # the data page's search: two outputs


def redraw(app, data) -> dict:
    """A body for components.page.sync_url, the one callback that draws a page's body for a new State, sending
    back the page-state `data` with no filter: the body is drawn for the State decoded from `data` alone."""
    output = next(k for k in app.app.callback_map if "page-body.children" in k)
    body = forge(app, output, [None, None], [data], "page-state.data")
    body["inputs"][0], body["outputs"][1] = [], []  # the filters' ALL pattern: none of them
    return body


REFUSED = [  # (name, body or a function of the app giving one): refused before any callback runs
    ("not JSON", b"{"),
    ("no such output", lambda a: {**redraw(a, None), "output": "secret.children"}),
    ("a clientside-only callback", lambda a: forge(a, "report-print.title", [1])),
    ("an input missing", lambda a: forge(a, "report-download.data", [1], [{}])),
    ("an input for another component", lambda a: {**redraw(a, {}),
                                                   "inputs": [{"id": "url", "property": "search", "value": "?"}]}),
    ("several outputs sent as one", lambda a: {**forge(a, SEARCH, ["speech"]),
                                               "outputs": {"id": "catalogue-table", "property": "children"}}),
    ("a filter id with a list for its name", lambda a: sync_body(a, {"type": "filter", "name": ["locality"]})),
    ("a filter id of another type", lambda a: sync_body(a, {"type": "chart-card", "name": "locality"})),
]


def sync_body(app, filter_id) -> dict:
    """A body for components.page.sync_url (its filters are an ALL pattern: a list of them) with one filter."""
    output = next(k for k in app.app.callback_map if k.startswith("..page-state.data"))
    body = forge(app, output, [None, None], [{"page": "therapy"}])
    body["inputs"][0] = [{"id": filter_id, "property": "value", "value": "north"}]
    body["outputs"][1] = [{"id": filter_id, "property": "value"}]
    return body


def test_a_well_formed_filter_change_is_answered(wired, client):
    # The control for the refused filter bodies above: the same body with a real filter id works.
    r = client.post(CALLBACK, json=sync_body(wired, {"type": "filter", "name": "locality"}))
    assert r.status_code == 200
    assert r.get_json()["response"]["page-state"]["data"]["locality"] == "north"


@pytest.mark.parametrize("name, payload", REFUSED, ids=[r[0] for r in REFUSED])
def test_malformed_callback_bodies_get_400(wired, client, name, payload):
    body = payload(wired) if callable(payload) else payload
    r = client.post(CALLBACK, data=body if isinstance(body, bytes) else json.dumps(body),
                    content_type="application/json")
    assert r.status_code == 400 and "Traceback" not in r.get_data(as_text=True)


STOPPED_STATES = [  # (name, page state sent back): well formed, hostile values: nothing is drawn (204)
    ("page state of a page that does not exist", {"page": "no-such-page"}),
    ("page state not an object", SCRIPT),
    ("page id with markup", {"page": SCRIPT}),
    ("page state a list", ["ehcp"]),
]


@pytest.mark.parametrize("name, data", STOPPED_STATES, ids=[s[0] for s in STOPPED_STATES])
def test_hostile_page_states_draw_nothing(wired, client, name, data):
    r = client.post(CALLBACK, json=redraw(wired, data))
    assert r.status_code == 204, r.get_data(as_text=True)[:300]


STOPPED = [  # (name, output, inputs, state): well formed, hostile values: the callback does nothing (204)
    ("report key with a list for a locality", "report-download.data", [1, None],
     [{"locality": ["north"], "quarter": "2025-Q1"}]),
    ("report key with markup for a quarter", "report-download.data", [None, {"$gt": 0}],
     [{"locality": "area", "quarter": SCRIPT}]),
    ("report key not an object", "report-download.data", ["x" * 10_000, None], ["area"]),
]


@pytest.mark.parametrize("name, output, inputs, state", STOPPED, ids=[s[0] for s in STOPPED])
def test_hostile_values_stop_the_callback(wired, client, name, output, inputs, state):
    changed = "report-pdf.n_clicks" if output == "report-download.data" else None
    r = client.post(CALLBACK, json=forge(wired, output, inputs, state, changed))
    assert r.status_code == 204, r.get_data(as_text=True)[:300]


FALLS_BACK = [  # (name, page state sent, the page state it is drawn as): hostile settings drawn as their defaults
    ("therapy with markup and a forged list", {"page": "therapy", "service": SCRIPT, "locality": "north",
                                               "breakdown": ["age_band"]},
     {"page": "therapy", "locality": "north"}),
    ("ehcp with a repeated locality and SQL", {"page": "ehcp", "locality": ["north", "south"],
                                               "metric": "x' OR '1'='1"},
     {"page": "ehcp"}),
    ("therapy with a 10k-character breakdown", {"page": "therapy", "breakdown": "b" * 10_000, "start": "2023-13"},
     {"page": "therapy"}),
]


def decoded(response) -> str:
    """A callback's response as plain JSON text: Dash escapes '/', '<' and '>' in what it sends."""
    return json.dumps(response.get_json())


@pytest.mark.parametrize("name, sent, clean", FALLS_BACK, ids=[f[0] for f in FALLS_BACK])
def test_hostile_settings_are_drawn_as_their_defaults(wired, client, name, sent, clean):
    r = client.post(CALLBACK, json=redraw(wired, sent))
    assert r.status_code == 200
    text = decoded(r)
    assert SCRIPT not in text and "OR '1'" not in text and "b" * 100 not in text
    # Exactly the body drawn for the same page without the hostile settings.
    expected = client.post(CALLBACK, json=redraw(wired, clean))
    assert r.get_json()["response"]["page-body"] == expected.get_json()["response"]["page-body"]


def test_a_page_state_redraws_that_pages_body(wired, client):
    r = client.post(CALLBACK, json=redraw(wired, {"page": "therapy", "service": "slt"}))
    assert r.status_code == 200
    body = decoded(r)
    assert "/download/therapy_over_18wk_pct.csv?part=Speech+and+language+therapy" in body
    assert "Physiotherapy" not in body.split("While you wait")[0]  # the service chosen, not the others


def test_router_draws_not_found_for_a_hostile_path(wired, client):
    r = client.post(CALLBACK, json=forge(wired, "page-content.children", [SCRIPT], ["?" + "x" * 10_000]))
    assert r.status_code == 200
    text = decoded(r)
    assert "Page not found" in text and SCRIPT not in text


def test_request_log_has_no_query_string(client, caplog):
    with caplog.at_level(logging.INFO, logger="send.requests"):
        client.get("/therapy?locality=north&name=Jane+Doe", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    lines = [r.getMessage() for r in caplog.records if r.name == "send.requests"]
    assert len(lines) == 1 and re.fullmatch(r"GET /therapy 200 \d+ms", lines[0])


# -- settings from the environment, in fresh interpreters ------------------------------------------------------

# `python app.py` with Dash's run() recorded instead of serving; then what the wired server answers.
PROBE = """
import json, runpy, dash
runs = []
dash.Dash.run = lambda self, **kw: runs.append(kw)
ns = runpy.run_path("app.py", run_name="__main__")
c = ns["server"].test_client()
c.get("/")  # Dash completes its callback map on the first request
OUTPUT = next(k for k in ns["app"].callback_map if "page-body.children" in k)
def body(data):  # the page's State sent back with no filter (tests/unit/test_app_wiring.py redraw)
    return {"output": OUTPUT, "outputs": [{"id": "page-state", "property": "data"}, [],
                                          {"id": "view-description", "property": "children"},
                                          {"id": "page-body", "property": "children"}],
            "inputs": [[], {"id": "url-popped", "property": "data", "value": None}],
            "state": [{"id": "page-state", "property": "data", "value": data}],
            "changedPropIds": ["page-state.data"]}
member = {"X-Forwarded-User": "a.member@blackpool.gov.uk"}
print(json.dumps({
    "run_debug": [kw.get("debug") for kw in runs], "flask_debug": ns["server"].debug,
    "dev_tools_ui": ns["app"]._dev_tools.ui,
    "anonymous": [c.get(p).status_code for p in ("/", "/report", "/_dash-layout", "/assets/dashboard.js")],
    "blank": c.get("/", headers={"X-Forwarded-User": "  "}).status_code,
    "anonymous_callback": c.post("/_dash-update-component", json=body(None)).status_code,
    "member": [c.get(p, headers=member).status_code for p in ("/", "/report", "/no-such-page")],
    "member_callback": c.post("/_dash-update-component", json=body(None), headers=member).status_code,
    # A board page's State sent to the public edition's redraw: no page there, so nothing is drawn.
    "board_pages_redrawn": [c.post("/_dash-update-component", json=body({"page": p})).status_code
                            for p in ("report", "data")],
    "refused_text": c.get("/").get_data(as_text=True),
}))
"""
SETTINGS = {  # name -> environment on top of this one
    "board behind a proxy": {"BOARD_AUTH_HEADER": "X-Forwarded-User", "FLASK_DEBUG": "1", "DASH_DEBUG": "true"},
    "public with the variable set": {"APP_EDITION": "public", "BOARD_AUTH_HEADER": "X-Forwarded-User"},
    "empty header name": {"BOARD_AUTH_HEADER": ""},
    "header name with a space": {"BOARD_AUTH_HEADER": "X Forwarded User"},
}


@pytest.fixture(scope="module")
def runs():
    """Each setting's (returncode, last stdout line as JSON or None, stderr), started together (each loads the
    store: seconds)."""
    base = {k: v for k, v in os.environ.items() if k not in ("APP_EDITION", "BOARD_AUTH_HEADER")}
    procs = {name: subprocess.Popen([sys.executable, "-c", PROBE], cwd=ROOT, env={**base, **extra}, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for name, extra in SETTINGS.items()}
    out = {}
    for name, proc in procs.items():
        stdout, stderr = proc.communicate(timeout=300)
        last = stdout.strip().splitlines()[-1] if stdout.strip() else ""
        out[name] = proc.returncode, json.loads(last) if last.startswith("{") else None, stderr
    return out


def test_auth_header_gate_refuses_without_the_header_and_admits_with_it(runs):
    code, got, stderr = runs["board behind a proxy"]
    assert code == 0, stderr[-2000:]
    assert got["anonymous"] == [401, 401, 401, 401] and got["blank"] == 401 and got["anonymous_callback"] == 401
    assert "Sign in needed" in got["refused_text"] and "Traceback" not in got["refused_text"]
    assert got["member"] == [200, 200, 404] and got["member_callback"] == 204  # 204: no page state to draw


def test_debug_is_off_whatever_the_environment_says(runs):
    code, got, stderr = runs["board behind a proxy"]  # run with FLASK_DEBUG=1 and DASH_DEBUG=true
    assert code == 0, stderr[-2000:]
    assert got["run_debug"] == [False] and got["flask_debug"] is False and not got["dev_tools_ui"]


def test_public_edition_ignores_the_gate_and_still_404s_board_pages(runs):
    code, got, stderr = runs["public with the variable set"]
    assert code == 0, stderr[-2000:]
    assert got["anonymous"] == [200, 404, 200, 200]  # /report is a board page: not found, gate or no gate
    assert got["board_pages_redrawn"] == [204, 204]
    assert "BOARD_AUTH_HEADER is set but this is the public edition" in stderr


@pytest.mark.parametrize("setting", ["empty header name", "header name with a space"])
def test_an_invalid_header_name_refuses_to_start(runs, setting):
    code, got, stderr = runs[setting]
    assert code != 0 and got is None
    assert "ValueError: BOARD_AUTH_HEADER: auth header name" in stderr and "not a valid HTTP header name" in stderr
