"""The public edition's family pieces: icons that come with words, hidden figures that say why, plain chart words,
where figures come from, and the per-service "While you wait" links."""
from types import SimpleNamespace

import pandas as pd
import pytest
from dash import html

from components import family
from metrics.catalogue import load_catalogue
from metrics.edition import NOT_ENOUGH, PublicWording

CATALOGUE = load_catalogue()


def texts(component) -> list[str]:
    """Every string in a component tree, in order."""
    if isinstance(component, str):
        return [component]
    children = getattr(component, "children", None)
    if children is None:
        return []
    return [t for c in (children if isinstance(children, list) else [children]) for t in texts(c)]


@pytest.mark.parametrize("icon, label, symbol", [
    ("better", "Getting better", "✓"), ("worse", "Getting worse", "!"), ("same", "No clear change", "="),
    ("higher", "Higher than usual", "▲"), ("lower", "Lower than usual", "▼"),
    ("unknown", "Not enough information yet", "?"),
])
def test_every_icon_comes_with_its_words(icon, label, symbol):
    badge = family.wording_badge(PublicWording(icon, label, "A sentence."))
    shape, words = badge.children
    assert shape.children == symbol and shape.to_plotly_json()["props"]["aria-hidden"] == "true"
    assert words.children == label


def test_wording_block_has_the_catalogue_sentence():
    block = family.wording_block(NOT_ENOUGH)
    assert texts(block) == ["?", "Not enough information yet",
                            "There is not enough information yet to say whether this is changing."]


@pytest.mark.parametrize("value, unit, status, reason, expected", [
    # data/disclosure.toml: min_count 6, min_denominator 10 (metrics.disclosure.describe words them).
    (float("nan"), "count", "suppressed", "small_count", "fewer than 6"),
    (float("nan"), "percent", "suppressed", "small_count", "not shown (fewer than 6 children)"),
    (float("nan"), "percent", "suppressed", "small_denominator", "not shown (fewer than 10 children)"),
    (float("nan"), "count", "suppressed", "secondary",
     "not shown (so that a small number elsewhere cannot be worked out)"),
    (float("nan"), "count", "suppressed", "", "Suppressed to protect confidentiality"),  # hidden at source
    (1234.0, "count", "ok", "", "1,234"),
    (float("nan"), "count", "not_available", "", "Not available"),
])
def test_value_text_says_why_a_figure_is_hidden(value, unit, status, reason, expected):
    assert family.value_text(value, unit, status, reason) == expected


def test_hidden_reasons_of_one_series():
    values = pd.DataFrame({
        "metric_id": ["m", "m", "m", "other"], "area": ["North"] * 4, "breakdown": ["All"] * 4,
        "period_start": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01", "2025-01-01"]),
        "suppression": ["small_count", "", "secondary", "small_count"]})
    store = SimpleNamespace(values=values)
    assert family.hidden_reasons(store, "m", "North", "All") == {
        pd.Timestamp("2025-01-01"): "small_count", pd.Timestamp("2025-03-01"): "secondary"}
    assert family.hidden_reasons(store, "m", "South", "All") == {}
    board = SimpleNamespace(values=values.drop(columns="suppression"))  # the board store hides nothing
    assert family.hidden_reasons(board, "m", "North", "All") == {}


def test_summary_text():
    wording = PublicWording("better", "Getting better", "Children wait less time.")
    assert family.summary_text(wording, "12.5%", "March 2026", "10.0%") == \
        "Children wait less time. The latest figure is 12.5% (March 2026). The target is 10.0%."
    assert family.summary_text(wording, "No data", None, None) == "Children wait less time."


def test_provenance_says_source_and_how_recent():
    assert texts(family.provenance("DfE LAIT", "2024/25")) == \
        ["Source: ", "DfE LAIT", ".", " ", "Last updated with figures up to 2024/25."]
    assert texts(family.provenance("DfE LAIT", None))[-1] == "Last updated: no figures yet."


def test_drill_card_provenance_names_the_last_month():
    parts = family.drill_provenance("Synthetic extract", pd.Timestamp("2026-09-01"))
    assert texts(html.P(parts)) == ["Source: ", "Synthetic extract", ".", " ",
                                   "Last updated with figures up to September 2026."]


def test_plain_figure_replaces_spc_words_and_leaves_the_original():
    board = {"data": [
        {"name": "Special cause concern", "text": ["<b>May</b><br>Limits: 1 to 2<br>Special cause concern"]},
        {"name": "Common cause"}, {"name": "Process limits"}, {"name": "England"}],
        "layout": {"annotations": [{"text": "Limits recalculated"}, {"text": "<b>1</b>", "hovertext": "Lockdown"}]}}
    plain = family.plain_figure(board)
    assert [t["name"] for t in plain["data"]] == ["Unusually poor", "Within the usual range", "Usual range",
                                                  "England"]
    assert plain["data"][0]["text"] == ["<b>May</b><br>Usual range: 1 to 2<br>Unusually poor"]
    assert plain["layout"]["annotations"][0]["text"] == "Usual range worked out again"
    assert plain["layout"]["annotations"][1] == {"text": "<b>1</b>", "hovertext": "Lockdown"}
    assert board["data"][0]["name"] == "Special cause concern"  # a copy: the cached board figure is untouched


def test_plain_words_cover_every_point_type_of_the_chart():
    from components import theme
    assert {name for name, *_ in theme.POINT_STYLE.values()} <= dict(family.PLAIN_WORDS).keys()


def test_services_for_a_filter():
    assert [s.slug for s in family.services_for(CATALOGUE, "all")] == [s.slug for s in CATALOGUE.services]
    assert [s.slug for s in family.services_for(CATALOGUE, "ot")] == ["ot"]


def test_while_you_wait_links_each_service_to_its_help():
    slt = CATALOGUE.service_by_slug("slt")
    box = family.while_you_wait([slt])
    links = [c for item in box.children[2].children for c in item.children if isinstance(c, html.A)]
    assert [(a.href, a.children, a.className) for a in links] == \
        [(slt.while_you_wait, slt.while_you_wait_text, "while-you-wait")]
    assert box.children[0].children == "While you wait"
