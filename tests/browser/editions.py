"""The public edition for the browser tests: the real app under gunicorn with APP_EDITION=public, as the Procfile
runs it (debug off, no reloader), in its own process because the edition is read once per process.

The board edition is the session's in-process server (conftest's `dashboard`); both are driven by the same
headless Chromium, so the public edition costs one more server, not one more browser. `public_sweep` and
`board_sweep` visit every page of their edition for every locality once, drawing its first chart, running axe and
reading what a reader sees (and fetching every chart's figure as the browser would when it scrolls into view), for
the page, accessibility, disclosure and wording tests to share (each visit costs seconds: loading the page, then
axe).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Beside the board edition's port (BROWSER_TEST_PORT) unless PUBLIC_TEST_PORT says otherwise, so that each person's
# run keeps to its own pair of ports.
PUBLIC_PORT = int(os.environ.get("PUBLIC_TEST_PORT") or int(os.environ.get("BROWSER_TEST_PORT", "8058")) + 1)
START_TIMEOUT = 180  # the store is built and every chart precomputed before the first request is answered


def http(url: str, data: bytes | None = None, headers: dict | None = None, raw: bool = False) -> tuple[int, str, dict]:
    """(status, body text (bytes if `raw`), headers) of one request, errors included (they are what these tests
    look at)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            body = r.read()
            return r.status, body if raw else body.decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, body if raw else body.decode("utf-8", "replace"), dict(e.headers)


def base_url(request, board, edition: str) -> str:
    """The base URL of `edition`: the session's board server, or the public one (started only when asked for)."""
    return board.url("") if edition == "board" else request.getfixturevalue("public_url")


@pytest.fixture(scope="session")
def public_url(tmp_path_factory) -> str:
    """Base URL of the public edition, served by gunicorn for the whole session."""
    log = tmp_path_factory.mktemp("public") / "gunicorn.log"
    env = {**os.environ, "APP_EDITION": "public"}
    env.pop("BOARD_AUTH_HEADER", None)
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "app:server", "--bind", f"127.0.0.1:{PUBLIC_PORT}", "--workers", "1",
             "--timeout", "120"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{PUBLIC_PORT}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"the public edition exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                if http(base + "/_dash-layout")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"the public edition did not start in {START_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# -- one visit of every page for every locality, shared by the tests that read it -------------------------------

LOCALITIES = ("area", "north", "central", "south")
# Pages whose content does not depend on the locality: visited once, not four times.
LOCALITY_FREE = ("/accessibility", "/data", "/glossary", "/funnel")
CHART_PAGES = ("/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4", "/therapy", "/ehcp")
# Every board page (tests/browser/test_pages.py checks that every registered page is here).
BOARD_PAGES = ("/", *CHART_PAGES, "/plan", "/planner", "/meeting", "/report", *LOCALITY_FREE)


def jargon_pattern():
    """Words a family should never read (metrics.vocabulary.JARGON), each matched as whole words, any case."""
    from metrics.vocabulary import JARGON
    return re.compile("|".join(rf"\b{re.escape(word.strip())}\b" for word in JARGON), re.IGNORECASE)


JARGON = jargon_pattern()

# A chart's CSV download (metrics/view/tables.py writes them): what the board's holds, and what the public's must
# not (counts behind a rate give the people back; SPC lines are jargon, and a p chart's limits give each point's
# denominator back), with what it says instead of `synthetic`.
BOARD_CSV_COLUMNS = {"period", "period_start", "value", "numerator", "denominator", "unit", "status", "source",
                     "synthetic"}
PUBLIC_CSV_COLUMNS = {"period", "period_start", "value", "unit", "status", "source", "example_figures"}
NOT_PUBLIC_COLUMNS = {"numerator", "denominator", "centre", "lower_limit", "upper_limit", "point_type",
                      "trial_limits"}


def column_key(title: str) -> str:
    """A column's key for a title, as the view model names them ("Referrals received" -> referrals_received)."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


# What a reader can see of a page, gathered in the page: its text (all of it, and what is rendered), every chart box
# with its card's measure, every card's words and icons, the overview's rows, the download links, the locality shown
# and whether a notice is up.
READ_PAGE = """
var locality = document.querySelector(`select[id*='"name":"locality"']`);
return {
  text: document.getElementById('react-entry-point').textContent,
  visible: document.body.innerText,
  charts: Array.from(document.querySelectorAll('.chart[data-src]')).map(c => {
    var card = c.closest('section.chart-card[data-metric]');
    return {key: c.id.replace(/^chart-/, ''), src: c.getAttribute('data-src'),
            metric: card ? card.dataset.metric : null};
  }),
  cards: Array.from(document.querySelectorAll('section.chart-card[data-breakdown]')).map(c => ({
    metric: c.dataset.metric, breakdown: c.dataset.breakdown, text: c.innerText,
    shows: c.querySelector('.chart[data-src]') ? 'chart' : c.querySelector('.empty-state') ? 'empty' : 'nothing',
    meta: (c.querySelector('.meta') || {innerText: ''}).innerText,
    lines: Array.from(c.querySelectorAll('.status-line')).map(l => ({
      labels: Array.from(l.querySelectorAll('.mdc .mdc-label')).map(x => x.innerText),
      icons: l.querySelectorAll('.mdc .mdc-icon[aria-hidden="true"]').length}))})),
  metrics: Array.from(document.querySelectorAll('#page-content [data-metric]')).map(e => e.dataset.metric),
  measures: Array.from(document.querySelectorAll('.overview-table tr[data-metric]')).map(r => r.dataset.metric),
  rows: Array.from(document.querySelectorAll('tr[data-metric]')).map(r =>
    [r.dataset.metric, ...Array.from(r.querySelectorAll('td')).map(td => td.innerText)]),
  downloads: Array.from(document.querySelectorAll('a[href^="/download/"]')).map(a => a.getAttribute('href')),
  locality: locality ? locality.value : null,
  notice: !!document.querySelector('.url-notice.alert'),
};
"""


def read_page(board, base: str) -> dict:
    """What the page now in the browser shows (READ_PAGE), with every chart as the browser would fetch it (charts
    are drawn only when scrolled into view: fetching them reads them all without scrolling). An SPC chart comes
    drawn as SVG (`html`, its words in `svg_words`); its plotly figure, the same view's numbers and words, is read
    too (`figure`: tests/unit/test_spc_svg.py checks that the two say the same)."""
    import json
    import re
    from html import unescape

    from bench.distinct import figure_address
    page = board.driver.execute_script(READ_PAGE)
    for chart in page["charts"]:
        status, text, _ = http(base + chart["src"])
        chart["status"] = status
        chart["html"] = text if status == 200 and chart["src"].startswith("/chart/") else None
        chart["svg_words"] = unescape(" ".join(re.findall(r">([^<>]+)<", chart["html"]))) if chart["html"] else ""
        if chart["html"] is not None:
            status, text, _ = http(base + figure_address(chart["src"]))
        chart["figure"] = json.loads(text)["figure"] if status == 200 else None
    return page


def sweep(board, base: str, paths) -> dict:
    """{(path, locality): what the page showed, its first chart as drawn, its console errors and its axe
    violations}, each page of `paths` visited once for each locality (once if its content has none). A page that
    did not draw is recorded with its `error`, for the tests about that page to fail on."""
    import axe
    seen = {}
    for path, locality, url in visits(paths, base):
        board.dc.get_logs()
        board.dc.reset_log_timestamp()
        error = board.open(url)
        try:
            first = None if error else board.draw_first_chart()
        except AssertionError as e:
            error = str(e)
        if error:
            seen[(path, locality)] = {"error": error, "logs": board.severe_logs()}
            continue
        page = read_page(board, base)
        page["error"] = None
        page["first_chart"] = [{"name": s["name"], "y": s["y"]} for s in board.series(first)] if first else None
        page["axe"] = axe.violations(board.driver)
        page["logs"] = board.severe_logs()
        seen[(path, locality)] = page
    return seen


def marked_series(page: dict) -> list[dict]:
    """Each plotted series with points (markers) of every chart on the page: its card's measure, name and values."""
    return [{"metric": c["metric"], "name": t.get("name") or "", "y": t.get("y") or []}
            for c in page["charts"] if c["figure"] for t in c["figure"]["data"] if "markers" in t.get("mode", "")]


def chart_words(chart: dict) -> str:
    """Everything a chart writes: series names, hover texts and notes."""
    import json
    figure = chart["figure"] or {}
    return json.dumps({"data": [{k: t.get(k) for k in ("name", "text", "hovertext", "hovertemplate")}
                                for t in figure.get("data", [])],
                       "notes": (figure.get("layout") or {}).get("annotations", []),
                       "svg": chart.get("svg_words", "")})


def has_values(traces) -> bool:
    """A chart with at least one plotted value (an empty figure has no traces)."""
    return bool(traces) and any(v is not None for t in traces for v in (t.get("y") or []))


def page_paths(board, base: str) -> list[str]:
    """Every page the edition at `base` serves: its navigation links, plus the statement linked from the footer and
    the funnel plots linked from measure cards."""
    board.driver.get(base + "/")
    board.wait_drawn()
    links = board.driver.execute_script(
        "return Array.from(document.querySelectorAll('.site-nav a')).map(a => new URL(a.href).pathname);")
    return sorted(set(links) | {"/accessibility", "/funnel"})


def visits(paths, base: str):
    """(path, locality, url) of every page in `paths` for every locality, each visited once."""
    for path in paths:
        for locality in LOCALITIES:
            if path in LOCALITY_FREE and locality != "area":
                continue
            yield path, locality, (base + path if path in LOCALITY_FREE else f"{base}{path}?locality={locality}")


@pytest.fixture(scope="session")
def public_paths(dashboard, public_url) -> list[str]:
    return page_paths(dashboard, public_url)


@pytest.fixture(scope="session")
def public_sweep(dashboard, public_url, public_paths):
    """Every public page for every locality, visited once (see `sweep`): the accessibility, disclosure and
    wording tests all read it."""
    return sweep(dashboard, public_url, public_paths)


@pytest.fixture(scope="session")
def board_sweep(dashboard):
    """Every board page for every locality, visited once (see `sweep`)."""
    return sweep(dashboard, dashboard.url(""), BOARD_PAGES)


def sweep_params(paths=None):
    """pytest params (path, locality) of a sweep's visits, outcome pages marked with the known bug; by default
    the public edition's pages (metrics.edition.PUBLIC_PATHS: tests/browser/test_public_edition.py checks that the
    sweep, which reads them from the navigation, found the same)."""
    from conftest import page_param
    from metrics.edition import PUBLIC_PATHS
    chosen = sorted(paths if paths is not None else PUBLIC_PATHS)
    return [page_param(path, locality, id=f"{path}-{locality}") for path, locality, _ in visits(chosen, "")]
