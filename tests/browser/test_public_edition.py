"""The public edition: board-only URLs and callbacks do not exist, no count from 1 to 5 appears on any public page
or in any download, each measure is worded for families with an icon and words and says where its figures come
from, the therapy page links to help while waiting, and a mistyped APP_EDITION still gives the public edition."""
import csv
import io
import json
import os
import re
import subprocess
import sys
from urllib.parse import unquote

import pytest
from editions import JARGON, READ_PAGE, ROOT, http

from metrics.catalogue import load_catalogue

CATALOGUE = load_catalogue()
BOARD_ONLY = ("/data", "/report")
COUNTS = {m.id for m in CATALOGUE.metrics if m.unit == "count"}
COUNT_TITLES = {m.title for m in CATALOGUE.metrics if m.unit == "count"}


def small(x) -> bool:
    """A number from 1 to 5 (0 is shown: it identifies nobody); words such as 'fewer than 6' are not numbers."""
    if isinstance(x, str):
        try:
            x = float(x.replace(",", ""))
        except ValueError:
            return False
    return x is not None and 0 < x < 6


def test_small_recognises_what_must_not_be_shown():
    assert [small(v) for v in ("3", "1,0", "5.0", 4, "0", "6", "fewer than 6", "", None, 12)] == \
        [True, False, True, True, False, False, False, False, False, False]


def test_board_only_urls_404_in_public(board, public_url):
    private = next(m for m in CATALOGUE.metrics if not m.public)
    for path in (*BOARD_ONLY, f"/download/{private.id}.csv", "/no-such-page"):
        status, text, _ = http(public_url + path)
        assert status == 404, path
        assert "Page not found" in text
    for path in BOARD_ONLY:  # the same addresses are pages of the board edition
        assert http(board.url(path))[0] == 200


def test_public_serves_no_record_level_or_board_only_callback(board, public_url):
    def outputs(base):
        return {cb["output"] for cb in json.loads(http(base + "/_dash-dependencies")[1])}
    public, board_side = outputs(public_url), outputs(board.url(""))
    assert public < board_side
    assert not [o for o in public if re.search(r"drilldown|report|catalogue", o)]


def test_no_count_from_1_to_5_on_any_public_page_or_download(public_sweep, public_url):
    downloads, inline = set(), set()
    for (path, locality), page in public_sweep.items():
        where = f"{path}?locality={locality}"
        for s in page["series"]:  # chart points of count measures, and panels of counts (the therapy demand card)
            if s["metric"] in COUNTS or s["name"] in COUNT_TITLES:
                assert not [y for y in s["y"] if small(y)], (where, s["metric"], s["name"])
        for cells in page["rows"]:  # the overview's latest values and changes
            if cells[0] in COUNTS:
                assert not [c for c in cells[1:] if small(c.split("\n")[0])], (where, cells)
        downloads.update(page["downloads"])
        inline.update(page["inline_csvs"])
    assert len(downloads) > 100  # every card on every page for every locality
    assert inline  # the therapy page's demand card at least
    count_columns = 0
    for href in inline:  # CSVs drawn into the page: their count columns are named by the measure's title
        rows = list(csv.DictReader(io.StringIO(unquote(href.split(",", 1)[1]))))
        for column in COUNT_TITLES & set(rows[0] if rows else ()):
            count_columns += 1
            assert not [r[column] for r in rows if small(r[column])], (column, href[:200])
    assert count_columns
    for href in sorted(downloads):
        check_download(public_url, href)


# A public download's columns: no SPC lines (their words are jargon, and a count's centre or limits can be a
# decimal from 1 to 5), values with GSS symbols (metrics.summary.CSV_COLUMNS).
PUBLIC_CSV_COLUMNS = ["metric_id", "area", "breakdown", "period", "period_start", "value", "unit"]


def check_download(public_url: str, href: str) -> None:
    """A public CSV download: served, plain columns only, and no count from 1 to 5."""
    status, text, _ = http(public_url + href)
    assert status == 200, href
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    assert reader.fieldnames == PUBLIC_CSV_COLUMNS, (href, reader.fieldnames)
    if rows and rows[0]["metric_id"] in COUNTS:
        assert not [r["value"] for r in rows if small(r["value"])], href


def test_service_and_drilldown_views_are_worded_for_families(board, public_url):
    # The sweep visits /therapy for all services only: each service has its own series and interventions (a
    # rebase of the usual range is worded for families), and the aggregate drill-down cards (waits beside demand,
    # review outcomes) say where their figures come from and how recent they are, as every card does.
    views = [f"/therapy?service={s.slug}" for s in CATALOGUE.services] + ["/ehcp"]
    drilldowns, downloads = 0, set()
    for view in views:
        board.driver.get(public_url + view)
        board.wait_drawn()
        page = board.driver.execute_script(READ_PAGE)
        assert not JARGON.findall(page["text"]), (view, set(JARGON.findall(page["text"])))
        for chart in page["charts"]:
            assert not JARGON.findall(chart), (view, set(JARGON.findall(chart)))
        for s in page["series"]:
            if s["metric"] in COUNTS or s["name"] in COUNT_TITLES:
                assert not [y for y in s["y"] if small(y)], (view, s["metric"], s["name"])
        for key, text in board.driver.execute_script(
                "return Array.from(document.querySelectorAll('.chart-card[data-drilldown]'))"
                ".map(c => [c.dataset.drilldown, c.innerText]);"):
            drilldowns += 1
            assert "Source:" in text and "Last updated" in text, (view, key)
        downloads.update(page["downloads"])
    assert drilldowns >= len(views)  # waits beside demand on each therapy view, review outcomes on /ehcp
    for href in sorted(h for h in downloads if "part=" in h):  # the service-level ones (the sweep has the rest)
        check_download(public_url, href)


def test_public_pages_word_each_measure_for_families(public_sweep):
    cards = 0
    for (path, locality), page in public_sweep.items():
        assert not JARGON.findall(page["text"]), (path, locality, set(JARGON.findall(page["text"])))
        for chart in page["charts"]:  # legends, hover text and notes on the charts
            assert not JARGON.findall(chart), (path, locality, set(JARGON.findall(chart)))
        assert page["logs"] == [], (path, locality)
        for card in page["cards"]:
            metric = CATALOGUE.get(card["metric"])
            where = (path, locality, metric.id)
            assert metric.public, where
            # An icon always comes with its words; every measure says where its figures come from and how recent.
            assert card["icons"] == 1 and card["labels"][0] in (
                "Getting better", "Getting worse", "No clear change", "Higher than usual", "Lower than usual",
                "Not enough information yet"), (*where, card["labels"])
            assert "Source:" in card["text"] and "Last updated" in card["text"], where
            if card["empty"]:  # nothing to chart: the card says why instead of a sentence about change
                continue
            cards += 1
            sentences = (metric.public_text.improving, metric.public_text.worsening, metric.public_text.no_change,
                         "There is not enough information yet")
            assert any(s in card["text"] for s in sentences), where
    assert cards > 100


def test_public_header_says_it_is_for_families(public_sweep):
    text = public_sweep[("/", "area")]["text"]
    assert "For families and the public" in text and "Board edition" not in text
    assert "Data and definitions" not in text  # /data is not served: the footer does not link to it


def test_therapy_page_links_to_help_while_waiting(board, public_url):
    def links():
        return [(a.get_attribute("data-service"), a.get_attribute("href"), a.text)
                for a in board.find_all("a.while-you-wait")]
    board.driver.get(public_url + "/therapy")
    board.wait_drawn()
    assert links() == [(s.slug, s.while_you_wait, s.while_you_wait_text) for s in CATALOGUE.services]
    board.choose("service", "ot")  # the links follow the service filter
    ot = next(s for s in CATALOGUE.services if s.slug == "ot")
    assert links() == [("ot", ot.while_you_wait, ot.while_you_wait_text)]
    # A card's table, for families: the figures by period, without the SPC lines.
    toggle = board.find_all(".chart-card .card-actions button[aria-controls]")[0]
    table = "#" + toggle.get_attribute("aria-controls")
    board.click(toggle)
    board.dc.wait_for_element(f"{table} .data-table caption")
    assert board.attrs(f"{table} th[scope='col']", "innerText") == ["Period", "Figure"]
    assert board.find_all(f"{table} caption")[0].text.endswith("figures by period")


@pytest.mark.parametrize("value", ["Board", ""])  # a wrong case, and set but empty
def test_mistyped_edition_serves_the_public_edition(value):
    code = ("import app; c = app.server.test_client(); "
            "print(c.get('/data').status_code, c.get('/report').status_code, app.EDITION)")
    env = {**os.environ, "APP_EDITION": value}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split()[-3:] == ["404", "404", "public"]
    assert "fail closed" in out.stderr
