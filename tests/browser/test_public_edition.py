"""The public edition: board-only URLs and callbacks do not exist, no count from 1 to 5 appears on any public page
or in any download, no word a family should not have to read (metrics.vocabulary.JARGON) is on any public page,
each measure is worded for families with an icon and words and says where its figures come from, every chart page
draws a chart for every locality, the therapy page links to help while waiting, and a mistyped APP_EDITION still
gives the public edition."""
import csv
import io
import os
import re
import subprocess
import sys

import pytest
import xlsx
from editions import (CHART_PAGES, JARGON, NOT_PUBLIC_COLUMNS, PUBLIC_CSV_COLUMNS, ROOT, chart_words, column_key,
                      has_values, http, marked_series, read_page, sweep_params)

from metrics.catalogue import load_catalogue
from metrics.edition import PUBLIC_PATHS
from metrics.vocabulary import PUBLIC, PUBLIC_ICONS

CATALOGUE = load_catalogue()
BOARD_ONLY = ("/data", "/report")
COUNTS = {m.id for m in CATALOGUE.metrics if m.unit == "count"}
COUNT_TITLES = {t for m in CATALOGUE.metrics if m.unit == "count" for t in (m.title, PUBLIC.make_plain(m.title))}
COUNT_COLUMNS = {column_key(t) for t in COUNT_TITLES}


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
    for path in (*BOARD_ONLY, f"/download/{private.id}.csv", f"/figure/{private.id}.json",
                 f"/table/{private.id}.html", "/no-such-page"):
        status, text, _ = http(public_url + path)
        assert status == 404, path
        assert "Page not found" in text
    for path in BOARD_ONLY:  # the same addresses are pages of the board edition
        assert http(board.url(path))[0] == 200


def test_public_serves_no_record_level_or_board_only_callback(board, public_url):
    import json

    def outputs(base):
        return {cb["output"] for cb in json.loads(http(base + "/_dash-dependencies")[1])}
    public, board_side = outputs(public_url), outputs(board.url(""))
    assert public < board_side
    assert not [o for o in public if re.search(r"drilldown|report|catalogue", o)]


def test_the_sweep_visits_every_public_page(public_paths):
    # The sweep reads the pages from the public navigation; the tests below are parametrised by the edition's list.
    assert set(public_paths) == set(PUBLIC_PATHS)


def test_no_count_from_1_to_5_on_any_public_page_or_download(public_sweep, public_url):
    downloads = set()
    for (path, locality), page in public_sweep.items():
        if page["error"]:  # a page that did not draw fails its own tests
            continue
        where = f"{path}?locality={locality}"
        # Chart points of count measures, and panels of counts (the therapy page's waits beside demand).
        for s in marked_series(page):
            if s["metric"] in COUNTS or s["name"] in COUNT_TITLES:
                assert not [y for y in s["y"] if small(y)], (where, s["metric"], s["name"])
        for cells in page["rows"]:  # the overview's latest values and changes
            if cells[0] in COUNTS:
                assert not [c for c in cells[1:] if small(c.split("\n")[0])], (where, cells)
        downloads.update(page["downloads"])
    assert len(downloads) > 50  # every card on every page for every locality
    assert any(h.startswith("/download/therapy-demand.csv") for h in downloads)
    count_columns = 0
    for href in sorted(downloads):
        count_columns += check_download(public_url, href)
    assert count_columns  # the waits-beside-demand download's counts were checked


# The board's spreadsheet headers of the NOT_PUBLIC_COLUMNS.
NOT_PUBLIC_HEADERS = {"Numerator", "Denominator", "Mean", "Median", "Lower process limit", "Upper process limit",
                      "Point", "Trial limits"}


def check_download(public_url: str, href: str) -> int:
    """A public download: served, no board-only column, and no count from 1 to 5. Returns how many columns of
    counts it checked besides a measure's `value` (a drill-down's columns are named by its panels' titles)."""
    view_id = href.split("/")[2].split("?")[0]
    if view_id == "overview.xlsx":  # every measure in view: a summary sheet, then a sheet of each one's rows
        status, data, _ = http(public_url + href, raw=True)
        assert status == 200, href
        book = xlsx.sheets(data)
        for name, rows in book.items():
            headers = set(rows[0]) if rows else set()
            assert not headers & NOT_PUBLIC_HEADERS, (href, name, sorted(headers & NOT_PUBLIC_HEADERS))
            if name in COUNTS:
                value = rows[0].index("Value")
                assert not [r[value] for r in rows[1:] if small(r[value])], (href, name)
        return 0
    status, text, _ = http(public_url + href)
    assert status == 200, href
    reader = csv.DictReader(io.StringIO(text))
    rows = list(reader)
    columns = set(reader.fieldnames or ())
    assert not columns & NOT_PUBLIC_COLUMNS, (href, sorted(columns & NOT_PUBLIC_COLUMNS))
    view_id = view_id.removesuffix(".csv")
    if view_id == "overview":
        assert not [r for r in rows if r["metric_id"] in COUNTS and small(r["latest"])], href
        return 0
    if view_id in CATALOGUE.ids:
        assert PUBLIC_CSV_COLUMNS <= columns, (href, sorted(PUBLIC_CSV_COLUMNS - columns))
        if view_id in COUNTS:
            assert not [r["value"] for r in rows if small(r["value"])], href
        return 0
    counted = columns & COUNT_COLUMNS
    for name in counted:
        assert not [r[name] for r in rows if small(r[name])], (href, name)
    return len(counted)


@pytest.fixture(scope="module")
def service_views(dashboard, public_url):
    """The public therapy page for each service, and the EHC plans page (the sweep shows all services only): each
    service has its own series and interventions, and the drill-down cards their own wording."""
    views = {}
    for view in [f"/therapy?service={s.slug}" for s in CATALOGUE.services] + ["/ehcp"]:
        dashboard.driver.get(public_url + view)
        dashboard.wait_drawn()
        views[view] = read_page(dashboard, public_url)
    return views


def test_service_views_are_worded_for_families(service_views, public_url):
    downloads = set()
    for view, page in service_views.items():
        assert not JARGON.findall(page["visible"]), (view, set(JARGON.findall(page["visible"])))
        assert not JARGON.findall(page["text"]), (view, set(JARGON.findall(page["text"])))
        for chart in page["charts"]:  # a rebase of the usual range is worded for families, too
            assert chart["status"] == 200, (view, chart["src"])
            assert not JARGON.findall(chart_words(chart)), (view, chart["key"], set(JARGON.findall(chart_words(chart))))
        for s in marked_series(page):
            if s["metric"] in COUNTS or s["name"] in COUNT_TITLES:
                assert not [y for y in s["y"] if small(y)], (view, s["metric"], s["name"])
        downloads.update(page["downloads"])
    parts = sorted(h for h in downloads if "part=" in h or "service=" in h)
    assert parts  # the service-level ones (the sweep has the rest)
    for href in parts:
        check_download(public_url, href)


def drilldown_cards(service_views) -> list[tuple[str, dict]]:
    return [(view, card) for view, page in service_views.items() for card in page["cards"]
            if card["metric"] not in CATALOGUE.ids]


def test_drilldown_cards_say_where_and_how_recent(service_views):
    cards = drilldown_cards(service_views)
    assert len(cards) >= len(service_views)  # waits beside demand on each therapy view, review outcomes on /ehcp
    for view, card in cards:
        assert "Last updated" in card["meta"], (view, card["metric"], card["meta"])


def test_drilldown_cards_say_where_their_figures_come_from(service_views):
    cards = drilldown_cards(service_views)
    assert {c["metric"] for _, c in cards} == {"therapy-demand", "ehcp-review-outcomes"}
    for view, card in cards:
        said = re.sub(r"^(Source|Where the figures come from): ", "", card["meta"])
        assert said != card["meta"] and said.strip(), (view, card["metric"], card["meta"])


SWEEP = sweep_params()

LABELS = {i.label for i in PUBLIC_ICONS.values()}


def in_context(pattern, text: str) -> list[str]:
    """Each match with the words around it, for a failure message a person can act on."""
    return [text[max(m.start() - 40, 0):m.end() + 40].replace("\n", " ") for m in pattern.finditer(text)]


@pytest.mark.parametrize("path, locality", SWEEP)
def test_no_jargon_on_any_public_page(public_sweep, path, locality):
    # Issue 16: the visible text of every public page, for every locality, and everything its charts write
    # (legends, hover text, notes), has none of the words in metrics.vocabulary.JARGON.
    page = public_sweep[(path, locality)]
    assert page["error"] is None, page["error"]
    assert not in_context(JARGON, page["visible"]), (path, locality)
    assert not in_context(JARGON, page["text"]), (path, locality)  # hidden text too (closed tables, captions)
    for chart in page["charts"]:
        assert not in_context(JARGON, chart_words(chart)), (path, locality, chart["key"])


def test_the_jargon_pattern_matches_whole_words_in_any_case():
    assert {w.lower() for w in JARGON.findall("The Mean of the data is a MEDIAN; special cause. Q3 2026")} == \
        {"mean", "median", "special cause", "q3"}
    assert JARGON.findall("meaning, meant, medians-to-be, EESA, Q32") == []


@pytest.mark.parametrize("path, locality", [p for p in SWEEP if p.values[0] in CHART_PAGES])
def test_every_public_chart_page_draws_a_chart_for_every_locality(public_sweep, path, locality):
    page = public_sweep[(path, locality)]
    assert page["error"] is None, page["error"]
    assert page["first_chart"] is not None and has_values(page["first_chart"]), (path, locality)
    assert page["logs"] == [], (path, locality)
    bad = [c["src"] for c in page["charts"] if c["status"] != 200 or not has_values(c["figure"]["data"])]
    assert not bad, (path, locality, bad)


@pytest.mark.parametrize("path, locality", [p for p in SWEEP if p.values[0] in CHART_PAGES])
def test_public_pages_word_each_measure_for_families(public_sweep, path, locality):
    page = public_sweep[(path, locality)]
    assert page["error"] is None, page["error"]
    cards = 0
    for card in page["cards"]:
        if card["metric"] not in CATALOGUE.ids:  # drill-down views: tested above
            continue
        metric = CATALOGUE.get(card["metric"])
        where = (path, locality, metric.id, card["breakdown"])
        assert metric.public, where
        # An icon always comes with its words; every measure says where its figures come from and how recent.
        assert card["lines"], where
        for line in card["lines"]:
            assert line["icons"] == 1 and len(line["labels"]) == 1 and line["labels"][0] in LABELS, (*where, line)
        assert "Where the figures come from" in card["meta"] and "Last updated" in card["meta"], where
        if card["shows"] == "empty":  # nothing to chart: the card says why instead of a sentence about change
            continue
        cards += 1
        sentences = [PUBLIC.make_plain(s) for s in (metric.public_text.improving, metric.public_text.worsening,
                                                    metric.public_text.no_change)]
        sentences += ["There is not enough information yet", "There are no figures to show yet", "No clear pattern yet"]
        assert any(s in card["text"] for s in sentences), where
    assert cards, (path, locality)


def test_public_header_says_it_is_for_families(public_sweep):
    page = public_sweep[("/", "area")]
    assert "For families and the public" in page["text"] and "Board edition" not in page["text"]
    assert "Data and definitions" not in page["visible"]  # /data is not served: the footer does not link to it
    assert "Glossary" in page["visible"]


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
    toggle = board.find_all("section.chart-card[data-metric^='therapy_'] details.table-toggle")[0]
    board.click(toggle.find_element("css selector", "summary"))
    board.wait_for("return !!arguments[0].querySelector('.lazy-table table caption');", toggle, what="the table")
    headers = [th.text for th in toggle.find_elements("css selector", "th[scope='col']")]
    assert headers[0] == "Period" and not {h for h in headers if JARGON.search(h)}
    assert not {"Numerator", "Denominator", "Lower limit", "Upper limit"} & set(headers)


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
