"""The public edition for the browser tests: the real app under gunicorn with APP_EDITION=public, as the Procfile
runs it (debug off, no reloader), in its own process because the edition is read once per process.

The board edition is the session's in-process server (conftest's `dashboard`); both are driven by the same
headless Chromium, so the public edition costs one more server, not one more browser. `public_sweep` visits every
public page for every locality once, running axe and reading what a family sees, for the accessibility, disclosure
and wording tests to share (each visit costs seconds: loading the page, then axe).
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
PUBLIC_PORT = int(os.environ.get("PUBLIC_TEST_PORT", "8059"))
START_TIMEOUT = 180  # the store is built and every chart precomputed before the first request is answered


def http(url: str, data: bytes | None = None, headers: dict | None = None) -> tuple[int, str, dict]:
    """(status, body text, headers) of one request, errors included (they are what these tests look at)."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode("utf-8", "replace"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace"), dict(e.headers)


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


# -- one visit of every public page for every locality, shared by the tests that read it ------------------------

LOCALITIES = ("area", "north", "central", "south")
# Pages whose content does not depend on the locality: visited once, not four times.
LOCALITY_FREE = ("/accessibility", "/data")
# SPC vocabulary families are not shown (issue 8): in page text, chart legends, hover text and notes.
JARGON = re.compile(r"special cause|common cause|control limit|process limit|\bxmr\b|\bspc\b", re.IGNORECASE)

# What a reader can see of each page, gathered in the page: every chart card's text, every chart's numbers by
# series name (hover text and notes included), the overview's rows, the download links (served, and the data: links
# of drill-down cards), and the text of the page.
READ_PAGE = """
var graphs = Array.from(document.querySelectorAll('.js-plotly-plot'));
return {
  text: document.getElementById('react-entry-point').textContent,
  charts: graphs.map(g => JSON.stringify({data: g.data, notes: (g.layout.annotations || [])})),
  series: graphs.flatMap(g => {
    var card = g.closest('.chart-card[data-metric]');
    return g.data.filter(t => (t.mode || '').includes('markers')).map(t => ({
      metric: card ? card.dataset.metric : null, name: t.name || '', y: t.y || []}));
  }),
  cards: Array.from(document.querySelectorAll('.chart-card[data-breakdown]')).map(c => ({
    metric: c.dataset.metric, text: c.innerText, empty: !!c.querySelector('.empty-state'),
    labels: Array.from(c.querySelectorAll('.family-wording .family-label')).map(l => l.innerText),
    icons: Array.from(c.querySelectorAll('.family-wording .family-icon[aria-hidden="true"]')).length})),
  rows: Array.from(document.querySelectorAll('tr[data-metric]')).map(r =>
    [r.dataset.metric, ...Array.from(r.querySelectorAll('td')).map(td => td.innerText)]),
  downloads: Array.from(document.querySelectorAll('a[href^="/download/"]')).map(a => a.getAttribute('href')),
  inline_csvs: Array.from(document.querySelectorAll('a[href^="data:text/csv"]')).map(a => a.getAttribute('href')),
};
"""


def page_paths(board, base: str) -> list[str]:
    """Every page the edition at `base` serves: its navigation links, plus the statement linked from the footer."""
    board.driver.get(base + "/")
    board.wait_drawn()
    links = board.driver.execute_script(
        "return Array.from(document.querySelectorAll('.site-nav a')).map(a => new URL(a.href).pathname);")
    return sorted(set(links) | {"/accessibility"})


def visits(board, base: str):
    """(path, locality, url) of every page of the edition at `base` for every locality, each visited once."""
    for path in page_paths(board, base):
        for locality in LOCALITIES:
            if path in LOCALITY_FREE and locality != "area":
                continue
            yield path, locality, (base + path if path in LOCALITY_FREE else f"{base}{path}?locality={locality}")


@pytest.fixture(scope="session")
def public_sweep(dashboard, public_url):
    """{(path, locality): what the page showed, its console errors and its axe violations}, every public page
    visited once (the accessibility, disclosure and wording tests all read it)."""
    import axe
    board = dashboard
    seen = {}
    for path, locality, url in visits(board, public_url):
        board.dc.get_logs()
        board.dc.reset_log_timestamp()
        board.driver.get(url)
        board.wait_drawn()
        page = board.driver.execute_script(READ_PAGE)
        page["axe"] = axe.violations(board.driver)
        page["logs"] = board.severe_logs()
        seen[(path, locality)] = page
    return seen
