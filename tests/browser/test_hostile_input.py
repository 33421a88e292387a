"""Hostile input, in both editions: every callback the app registers (read from /_dash-dependencies) is sent hostile
values (script tags, SQL-ish strings, 10,000-character strings, unicode look-alikes and control characters, wrong
JSON types, page states with every setting hostile, repeated JSON keys), every page is opened with a hostile query
string (repeated keys included), and downloads are asked for with one. Nothing may answer 500, nothing hostile may
come back, and pages say politely that they fell back.
"""
import json
from urllib.parse import quote

import pytest
from conftest import OUTCOME_PATHS
from editions import base_url, http, page_paths

SCRIPT = "<script>window.__pwned=1</script>"
SQL = "central' OR '1'='1'; DROP TABLE referrals; --"
LONG = "x" * 10_000
VALUES = [SCRIPT, SQL, LONG, "ｃｅｎｔｒａｌ \u202e\u0000", "../../etc/passwd", None, 12345, True, -1.5,
          ["north", "south"], {"$gt": ""}, [[[[]]]]]
# A page state (what the page-state Store holds) for each page with a page-level callback, every setting hostile:
# these reach the drawing code, where a forged value must fall back rather than be drawn.
VALUES += [{"page": page, "locality": SCRIPT, "service": ["slt", "ot"], "start": LONG, "end": "2023-13",
            "metric": SQL, "breakdown": {"$ne": 1}, "quarter": SCRIPT, "sort": 7, "push": True}
           for page in ("overview", "outcome-1", "therapy", "ehcp", "report", "data")]


def _wild(dep_id: str, value):
    """A dependency id from /_dash-dependencies, with any pattern-matching wildcard replaced by `value`."""
    if not dep_id.startswith("{"):
        return dep_id
    pattern = json.loads(dep_id)
    return {k: (value if isinstance(v, list) else v) for k, v in pattern.items()}


def _dep(item: dict, value) -> dict | list:
    dep_id = _wild(item["id"], value if isinstance(value, (str, int)) else "x")
    entry = {"id": dep_id, "property": item["property"], "value": value}
    all_pattern = item["id"].startswith("{") and '["ALL"]' in item["id"]
    return [entry] if all_pattern else entry


def _outputs(output: str, value):
    """The outputs field for a callback's output string ("a.b" or "..a.b...c.d..")."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    outs = []
    for part in parts:
        dep_id, prop = part.rsplit(".", 1)
        outs.append({"id": _wild(dep_id, value if isinstance(value, (str, int)) else "x"), "property": prop})
    return outs if output.startswith("..") else outs[0]


def fuzz(base: str) -> list[str]:
    """POST hostile values to every server-side callback; return what went wrong."""
    status, text, _ = http(base + "/_dash-dependencies")
    assert status == 200
    problems = []
    for cb in json.loads(text):
        if cb.get("clientside_function"):
            continue
        for value in VALUES:
            body = {"output": cb["output"], "outputs": _outputs(cb["output"], value),
                    "inputs": [_dep(i, value) for i in cb["inputs"]],
                    "state": [_dep(s, value) for s in cb.get("state", [])],
                    "changedPropIds": [f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}"]}
            problems += _post(base, cb["output"], json.dumps(body), repr(value)[:40])
        # Repeated keys: every "value" sent twice, a harmless one first (a JSON parser keeps the last).
        body = {"output": cb["output"], "outputs": _outputs(cb["output"], "area"),
                "inputs": [_dep(i, "area") for i in cb["inputs"]],
                "state": [_dep(s, "area") for s in cb.get("state", [])],
                "changedPropIds": [f"{cb['inputs'][0]['id']}.{cb['inputs'][0]['property']}"]}
        text = json.dumps(body).replace('"value": "area"', f'"value": "area", "value": {json.dumps(SCRIPT)}')
        problems += _post(base, cb["output"], text, "repeated keys")
    return problems


def _post(base: str, output: str, text: str, what: str) -> list[str]:
    code, reply, _ = http(base + "/_dash-update-component", text.encode(), {"Content-Type": "application/json"})
    problems = []
    if code >= 500:
        problems.append(f"{output} with {what}: {code}")
    if "Traceback" in reply or SCRIPT in reply or SQL in reply or LONG[:100] in reply:
        problems.append(f"{output} with {what}: traceback or hostile input in the reply")
    return problems


def test_every_board_callback_survives_hostile_values(board):
    assert fuzz(board.url("")) == []


def test_every_public_callback_survives_hostile_values(public_url):
    assert fuzz(public_url) == []


HOSTILE_QUERY = ("?locality=" + quote(SCRIPT) + "&from=2022-13&to=" + "9" * 3000 + "&service=%27%20OR%201%3D1"
                 "&metric=%EF%BD%83&sort=title&sort=concern&breakdown=" + quote("ｃｅｎｔｒａｌ") + "&zzz=1")


@pytest.mark.parametrize("edition", ["board", "public"])
def test_downloads_with_hostile_query_fall_back(request, board, edition):
    base = base_url(request, board, edition)
    # A part or a service the data does not have names no view at all (404).
    for extra in ("&part=" + quote(SCRIPT), ""):
        status, text, _ = http(base + "/download/ehcp_20wk_excl.csv" + HOSTILE_QUERY + extra)
        assert status == 404
        assert SCRIPT not in text and "Traceback" not in text
    # The window and place settings fall back: the default view's file, under the default view's name.
    query = HOSTILE_QUERY.replace("&service=%27%20OR%201%3D1", "")
    assert "service" not in query
    status, text, headers = http(base + "/download/ehcp_20wk_excl.csv" + query)
    plain_status, plain, plain_headers = http(base + "/download/ehcp_20wk_excl.csv")
    assert status == plain_status == 200 and text == plain
    assert headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == plain_headers["Content-Disposition"] == \
        'attachment; filename="ehcp_20wk_excl_area.csv"'


# The page is in (or its router callback failed), not every chart plotted: what is checked here is in its layout.
PAGE_IN = """
var s = window.store && window.store.getState();
if (s && s.error && s.error.backEnd.length) { return 'FAILED: ' + s.error.backEnd[0].error.message; }
return !!document.querySelector('#page-content .page') && !!document.querySelector('.url-notice.alert');
"""


def check_hostile_page(board, base: str, path: str) -> None:
    board.dc.get_logs()
    board.driver.get(base + path + HOSTILE_QUERY)
    board.wait_for(PAGE_IN, timeout=60, what="the page and its notice")
    notice = board.dc.wait_for_element(".url-notice .alert, .url-notice.alert")
    assert notice.text.strip(), path
    assert notice.get_attribute("role") == "status" or notice.find_element(
        "xpath", "ancestor-or-self::*[@role='status']"), path
    source = board.driver.page_source
    assert SCRIPT not in source and "ｃｅｎｔｒａｌ" not in source and "9" * 100 not in source, path
    assert not board.driver.execute_script("return window.__pwned === 1;"), path
    assert board.severe_logs() == [], path


@pytest.mark.parametrize("edition", ["board", "public"])
def test_every_page_with_a_hostile_query_shows_a_notice(request, board, edition):
    # Every page in the edition's navigation (the outcome pages have their own test, below).
    base = base_url(request, board, edition)
    paths = [p for p in page_paths(board, base) if p not in OUTCOME_PATHS]
    assert "/therapy" in paths and "/accessibility" in paths
    for path in paths:
        check_hostile_page(board, base, path)


@pytest.mark.parametrize("edition", ["board", "public"])
@pytest.mark.parametrize("path", OUTCOME_PATHS)
def test_every_outcome_page_with_a_hostile_query_shows_a_notice(request, board, edition, path):
    check_hostile_page(board, base_url(request, board, edition), path)
