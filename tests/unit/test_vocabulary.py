"""metrics.vocabulary and the public views: icons that always come with words, hidden figures that say why, plain
chart words (no SPC term reaches a family), where figures come from, and the per-service "While you wait" links.
Views are of the small data folder (tests/unit/builders.py)."""
import json
import re

import pytest
from dash import html

from components.chart import figure
from components.icons import icon
from bs4 import BeautifulSoup

from components.html import render
from metrics import disclosure, palette, urlstate
from metrics.edition import public_store
from metrics.view import drill
from metrics.view.measure import Scope, measure_view
from metrics.view.pages import page_view
from metrics.vocabulary import BOARD, JARGON, PUBLIC, PUBLIC_ICONS, VARIATION_ICONS

# A jargon term as a word (or phrase) of its own: "mean" but not "meaning".
JARGON_WORDS = re.compile("|".join(rf"(?<!\w){re.escape(j.strip())}(?!\w)" for j in JARGON), re.IGNORECASE)


def texts(component) -> list[str]:
    """Every string in a component tree, in order."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    return [t for c in (children if isinstance(children, (list, tuple)) else [children]) for t in texts(c)]


def words_of(w) -> list[str]:
    """Every piece of text an audience's Words hold."""
    out = [*w.centre.values(), w.limits, *w.point.values(), w.trial, w.target, w.comparators_heading, w.neighbours,
           w.synthetic, w.synthetic_long, w.whole_area, w.change_unit_percent, w.site_title, w.edition_badge,
           *w.footer, w.synthetic_banner]
    out += [t for icons in w.icons.values() for i in icons.values() for t in (i.label, i.long)]
    return [t for t in out if t]


@pytest.mark.parametrize("key, label, symbol", [
    ("better", "Getting better", "✓"), ("worse", "Getting worse", "!"), ("same", "No clear change", "="),
    ("higher", "Higher than usual", "▲"), ("lower", "Lower than usual", "▼"),
    ("unclear", "No clear pattern yet", "~"), ("unknown", "Not enough information yet", "?"),
])
def test_every_public_icon_comes_with_its_words(key, label, symbol):
    badge = icon(PUBLIC_ICONS[key])
    shape, words = badge.children
    assert shape.children == symbol and shape.to_plotly_json()["props"]["aria-hidden"] == "true"
    assert words.children == label and badge.title == PUBLIC_ICONS[key].long


def test_icons_differ_by_shape_or_symbol_not_colour_alone():
    for icons in (PUBLIC_ICONS, VARIATION_ICONS):
        looks = [(i.shape, i.symbol, i.family) for i in icons.values()]
        # Two icons may share a shape and symbol only where their words differ and their colour is the same family
        # (the H/L letters of variation icons): never colour alone.
        assert len({(s, y, f) for s, y, f in looks}) == len(looks)
        assert len({i.label for i in icons.values()}) == len(icons)


def test_no_jargon_in_the_public_words():
    found = [(t, m.group()) for t in words_of(PUBLIC) if (m := JARGON_WORDS.search(t))]
    assert found == []
    assert JARGON_WORDS.search(" ".join(words_of(BOARD)))  # the check can fail: the board's words have SPC terms


@pytest.mark.parametrize("text, plain", [
    ("DfE Key stage 4 performance (EES), via LAIT", "Department for Education Key stage 4 performance, via local "
                                                    "authority figures"),
    ("Median wait (weeks), mean of statistical neighbours", "middle value wait (weeks), average of similar areas"),
    ("NHS England CHS waiting lists, provider RXL", "NHS England community health services waiting lists, "
                                                    "Blackpool Teaching Hospitals"),
    ("Up 3.1 percentage points; check against EES before use.", "Up 3.1 points."),  # no internal note
])
def test_catalogue_text_in_plain_words(text, plain):
    assert PUBLIC.make_plain(text) == plain
    assert BOARD.make_plain(text) == text  # the board reads the catalogue's own words


def test_plain_words_cover_every_point_type_of_the_chart():
    assert PUBLIC.point.keys() == BOARD.point.keys() == palette.POINT.keys()


@pytest.mark.parametrize("reason, unit, expected", [
    # data/disclosure.toml: min_count 6, min_denominator 10.
    ("small_count", "count", "fewer than 6"),
    ("small_count", "percent", "not shown (fewer than 6 children)"),
    ("small_denominator", "percent", "not shown (fewer than 10 children)"),
    ("secondary", "count", "not shown (so that a small number elsewhere cannot be worked out)"),
    ("", "count", "not shown (to protect confidentiality)"),  # hidden at source
])
def test_a_hidden_figure_says_why(reason, unit, expected):
    assert disclosure.describe(reason, unit) == expected


def test_a_public_view_gives_one_reason_for_every_hidden_figure(small_store):
    # Physiotherapy's 5s are small counts; its speech and language therapy figure in the same month is hidden
    # because the total would give it back (secondary suppression); a percentage was hidden at source. Families
    # read one reason for all three: "fewer than 6" beside "not shown" would bound both cells of a small total.
    pub = public_store(small_store)
    said = disclosure.describe(disclosure.PROTECTED, "count")
    physio = measure_view(pub, "waits", Scope(), "Physiotherapy", "public")
    assert physio.latest.text == said and physio.latest.value is None
    slt = measure_view(pub, "waits", Scope(), "Speech and language therapy", "public")
    assert slt.latest.text == said and slt.latest.value is None
    pct = measure_view(pub, "pct_on_time", Scope(), "All", "public")
    assert pct.charts[0].spec.points[4].text == said  # March 2023


def test_public_figures_have_no_spc_words(small_store):
    pub = public_store(small_store)
    for metric_id in ("pct_on_time", "complaints", "attendance", "waits"):
        fig = figure(measure_view(pub, metric_id, Scope(), "All", "public").charts[0].spec)
        shown = json.dumps([[t.get("name"), t.get("text"), t.get("hovertext")] for t in fig["data"]] +
                           [a.get("text") for a in fig["layout"]["annotations"]])
        assert not JARGON_WORDS.search(shown), (metric_id, JARGON_WORDS.search(shown))
    board = figure(measure_view(small_store, "complaints", Scope(), "All", "board").charts[0].spec)
    assert {"Process limits", "Special cause concern", "Mean"} <= {t.get("name") for t in board["data"]}


def test_provenance_says_source_and_how_recent(small_store):
    pub = public_store(small_store)
    v = measure_view(pub, "pct_on_time", Scope(), "All", "public")
    assert v.provenance == "Where the figures come from: Test source. Last updated with figures up to January 2024."
    assert measure_view(pub, "pct_on_time", Scope(end="2023-06"), "All", "public").provenance.endswith(
        "Last updated with figures up to June 2023.")
    assert measure_view(small_store, "pct_on_time", Scope(), "All", "board").provenance == \
        "Source: Test source. Figures up to January 2024."


def test_a_public_drill_view_says_where_its_figures_come_from_and_how_recent():
    from metrics.store import get_store
    v = drill.therapy_demand(public_store(get_store()), Scope(end="2023-12"), "all", "public")
    assert v.provenance.startswith("Where the figures come from: ")
    assert v.provenance.endswith("Last updated with figures up to December 2023.")


def test_the_therapy_page_offers_help_while_you_wait_for_the_services_shown(small_store):
    def services(slug):
        pv = page_view(small_store, "therapy", urlstate.State(page="therapy", service=slug), (), "public")
        return [s.slug for s in pv.extra["wait"]], pv.extra["wait_first"]

    assert services("all") == (["slt", "physio"], True)  # families read it first
    assert services("physio") == (["physio"], True)
    board = page_view(small_store, "therapy", urlstate.State(page="therapy"), (), "board")
    assert board.extra["wait_first"] is False


def test_while_you_wait_links_each_service_to_its_help(small_store):
    slt = small_store.catalogue.service_by_slug("slt")
    box = BeautifulSoup(render("wait.html", services=[slt]), "lxml").find(id="while-you-wait")
    links = box.find_all("a")
    assert [(a["href"], a.get_text(), a["class"], a["rel"]) for a in links] == \
        [(slt.while_you_wait, slt.while_you_wait_text, ["while-you-wait"], ["noopener", "noreferrer"])]
    assert box.summary.h2.get_text().startswith("While you wait")
    assert box.has_attr("open") and box.has_attr("data-fold-on-phone")  # open, but folded on a phone
