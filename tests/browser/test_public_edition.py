"""The public edition: board-only URLs and callbacks do not exist, no count from 1 to 5 appears on any public page
or in any download, each measure is worded for families with an icon and words, and a mistyped APP_EDITION
still gives the public edition."""
import csv
import io
import json
import os
import re
import subprocess
import sys

import pytest
from editions import ROOT, http, public_url  # noqa: F401  (public_url: fixture)

from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue()
BOARD_ONLY = ("/data", "/report")


def test_board_only_urls_404_in_public(board, public_url):  # noqa: F811
    private = next(m for m in CATALOGUE.metrics if not m.public)
    for path in (*BOARD_ONLY, f"/download/{private.id}.csv", "/no-such-page"):
        status, text, _ = http(public_url + path)
        assert status == 404, path
        assert "Page not found" in text
    for path in BOARD_ONLY:  # the same addresses are pages of the board edition
        assert http(board.url(path))[0] == 200


def test_public_serves_no_record_level_or_board_only_callback(board, public_url):  # noqa: F811
    def outputs(base):
        return {cb["output"] for cb in json.loads(http(base + "/_dash-dependencies")[1])}
    public, board_side = outputs(public_url), outputs(board.url(""))
    assert public < board_side
    assert not [o for o in public if re.search(r"drilldown|report|catalogue", o)]


def _count_metrics() -> set[str]:
    return {m.id for m in CATALOGUE.metrics if m.unit == "count"}


def _small(text: str) -> bool:
    try:
        return 0 < float(text.replace(",", "")) < 6
    except ValueError:
        return False


def test_no_count_from_1_to_5_on_any_public_page_or_download(board, public_url):  # noqa: F811
    counts = _count_metrics()
    pages = ["/", "/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4", "/therapy", "/ehcp"]
    checked_downloads = 0
    for locality in ("area", "north", "central", "south"):
        for path in pages:
            board.driver.get(f"{public_url}{path}?locality={locality}")
            board.wait_drawn()
            # Every count a reader can see: chart points of count measures and the overview's latest values.
            for key, ys in board.driver.execute_script(
                    "return Array.from(document.querySelectorAll('.chart-card[data-metric]')).map(c => ["
                    "  c.dataset.metric, (c.querySelector('.js-plotly-plot') || {data: []}).data"
                    "    .filter(t => t.mode && t.mode.includes('markers')).flatMap(t => t.y || [])]);"):
                if key in counts:
                    assert not [y for y in ys if y is not None and 0 < y < 6], (path, locality, key)
            for cells in board.driver.execute_script(
                    "return Array.from(document.querySelectorAll('tr[data-metric]')).map(r => "
                    "  [r.dataset.metric, ...Array.from(r.querySelectorAll('td')).map(td => td.innerText)]);"):
                if cells[0] in counts:
                    assert not [c for c in cells[1:] if _small(c)], (path, locality, cells[0])
            links = board.driver.execute_script(
                "return Array.from(document.querySelectorAll('a[href^=\"/download/\"]')).map(a => a.getAttribute('href'));")
            for href in links:
                metric = href.split("/download/")[1].split(".csv")[0]
                status, text, _ = http(public_url + href)
                assert status == 200, href
                rows = list(csv.DictReader(io.StringIO(text)))
                checked_downloads += 1
                if metric in counts:
                    assert not [r for r in rows if _small(r.get("value", ""))], href
                for r in rows:  # numerators of percentages are counts too
                    assert not _small(r.get("numerator", "") or ""), href
    assert checked_downloads > 0


def test_public_pages_word_each_measure_for_families(board, public_url):  # noqa: F811
    board.driver.get(public_url + "/outcome-1")
    board.wait_drawn()
    cards = board.find_all(".chart-card[data-metric]")
    assert cards
    for card in cards:
        metric = CATALOGUE.get(card.get_attribute("data-metric"))
        assert metric.public
        text = card.text
        sentences = (metric.public_text.improving, metric.public_text.worsening, metric.public_text.no_change,
                     "There is not enough information yet")
        assert any(s in text for s in sentences), metric.id
        assert "Special cause" not in text and "control limit" not in text.lower()  # no SPC jargon
        assert "Source:" in text and "Last updated" in text


def test_therapy_page_links_to_help_while_waiting(board, public_url):  # noqa: F811
    board.driver.get(public_url + "/therapy")
    board.wait_drawn()
    hrefs = set(board.attrs("a.while-you-wait", "href"))
    assert {s.while_you_wait for s in CATALOGUE.services} <= hrefs


@pytest.mark.parametrize("value", ["Board", "boardd", ""])
def test_mistyped_edition_serves_the_public_edition(value):
    code = ("import app; c = app.server.test_client(); "
            "print(c.get('/data').status_code, c.get('/report').status_code, app.EDITION)")
    env = {**os.environ, "APP_EDITION": value}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-3:] == ["404", "404", "public"]
    assert "fail closed" in out.stderr
