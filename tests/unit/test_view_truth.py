"""Every card of the default data, for every locality and both audiences, against the truth rules of issue 12.

Table-driven over the whole catalogue: each rule is checked on the view the page, the download and the report
render, using only the view's own chart points (the series drawn) and the catalogue.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from claims import problems
from metrics import format as fmt
from metrics.edition import BOARD, PUBLIC, public_store
from metrics.store import get_store
from metrics.view.measure import Scope, choices, measure_view
from metrics.view.model import SpcChart
from metrics.view.overview import overview
from metrics.vocabulary import JARGON

LOCALITIES = ("area", "north", "central", "south")


@pytest.fixture(scope="module")
def stores():
    board = get_store()
    return {BOARD: board, PUBLIC: public_store(board)}


def views(stores, audience):
    store = stores[audience]
    for locality in LOCALITIES:
        for m in store.catalogue.metrics:
            yield store, m, locality, measure_view(store, m.id, Scope(locality), "All", audience)


@pytest.mark.parametrize("audience", [BOARD, PUBLIC])
def test_every_counted_claim_is_true_of_the_series_drawn(stores, audience):
    failures = []
    for store, m, locality, v in views(stores, audience):
        for c in v.charts:
            if not isinstance(c.spec, SpcChart):
                continue
            for s in c.sentences:
                for p in problems(s.text, c.spec.points, c.spec.period_type):
                    failures.append(f"{m.id} ({locality}, {c.heading or 'headline'}): {p}")
    assert failures == []


@pytest.mark.parametrize("audience", [BOARD, PUBLIC])
def test_the_latest_value_reads_the_same_in_the_sentence_the_card_and_the_chart(stores, audience):
    for store, m, locality, v in views(stores, audience):
        if not v.charts or v.latest is None:
            continue
        head = v.charts[0]
        if head.spec is None:  # nothing drawn: the card says why, and the latest value, without a chart
            continue
        last = head.spec.points[-1] if isinstance(head.spec, SpcChart) else None
        said = " ".join(s.text for s in head.sentences if s.kind == "latest")
        assert head.latest.text in v.latest.text and head.latest.period in said, (m.id, locality)
        assert head.latest.text in said, (m.id, locality, said)
        if last is not None:
            assert (last.label, last.text) == (head.latest.period, head.latest.text), (m.id, locality)


def test_board_icons_agree_with_the_sentences(stores):
    """A special cause icon has its sentence; a common cause icon has none; the assurance icon says "no target"
    only for a measure with no target."""
    for store, m, locality, v in views(stores, BOARD):
        if not v.charts:
            continue
        for c in v.charts:
            variation, assurance = c.icons[0].key, c.icons[1].key
            kinds = {s.kind for s in c.sentences}
            family = variation.rsplit("_", 1)[0]
            if family in ("improvement", "concern"):
                assert f"special_cause_{family}" in kinds, (m.id, locality, variation, kinds)
            elif family == "neutral":
                assert "special_cause_neutral" in kinds, (m.id, locality)
            else:
                assert not any(k.startswith("special_cause") for k in kinds), (m.id, locality, kinds)
            no_target = m.target is None or m.improvement == "neutral"
            assert (assurance == "none") == no_target, (m.id, locality, assurance)
        assert (v.target is None) == (m.target is None), m.id


def test_public_icons_and_words_agree_with_the_numbers(stores):
    """Getting better or worse only where the chart drawn shows special cause that way at its latest figure shown,
    and, where no figure is hidden, where the board's chart of the same figures does too; "no clear change" only
    where the latest figure is within the range of those before it.

    With figures hidden the two can differ (the public reading is of the figures shown, without their counts: a
    board reading of hidden figures, even one icon, would tell the public something about them)."""
    for store, m, locality, v in views(stores, PUBLIC):
        if not v.charts or not isinstance(v.charts[0].spec, SpcChart):
            continue
        key = v.icons[0].key
        points = v.charts[0].spec.points
        shown = [p for p in points if p.value is not None]
        values = np.array([p.value for p in shown])
        if key == "same":
            assert values[:-1].min() <= values[-1] <= values[:-1].max(), (m.id, locality, values[-3:])
        if key == "unclear":
            assert not (values[:-1].min() <= values[-1] <= values[:-1].max()), (m.id, locality)
        if key in ("better", "worse"):
            way = "improvement" if key == "better" else "concern"
            if v.charts[0].spec.chart != "run":  # a run chart's signal is a run, read by its latest side
                assert shown[-1].point_type == f"special_cause_{way}", (m.id, locality, shown[-1])
            if len(shown) == len(points):
                b = measure_view(stores[BOARD], m.id, Scope(locality), "All", BOARD)
                assert b.variation and b.variation.startswith(way), (m.id, locality, b.variation)


@pytest.mark.parametrize("audience", [BOARD, PUBLIC])
def test_change_on_last_year_is_the_data_drawn(stores, audience):
    """'up 3.1 … on March 2025' is the latest value minus the one a year before, both on the chart."""
    for store, m, locality, v in views(stores, audience):
        if not v.change or not isinstance(v.charts[0].spec, SpcChart):
            continue
        pts = [p for p in v.charts[0].spec.points if p.value is not None]
        last = pts[-1]
        ago = str((pd.Timestamp(last.x) - pd.DateOffset(years=1)).date())
        before = next(p for p in pts if p.x == ago)
        word = v.change.split()[0]
        digits = fmt.decimals(m.unit, getattr(m, "decimals", None))
        diff = round(last.value, digits) - round(before.value, digits)  # the two figures as a reader sees them
        if round(abs(diff), digits) == 0:
            diff = 0  # a change that rounds to nothing at the measure's precision is "no change"
        assert word == ("up" if diff > 0 else "down" if diff < 0 else "no"), (m.id, locality, v.change, diff)
        assert before.label in v.change, (m.id, v.change)


def test_real_figures_lead_and_synthetic_ones_are_never_drawn_against_real_comparators(stores):
    store = stores[BOARD]
    for _, m, locality, v in views(stores, BOARD):
        area = store.area.locality_slugs[locality]
        options = choices(store, m, area, "All")
        real_somewhere = any(not c.synthetic for c in options)
        for n, c in enumerate(v.charts):
            if isinstance(c.spec, SpcChart) and c.synthetic:
                assert c.spec.comparators == (), (m.id, locality, c.heading)
        if real_somewhere and v.charts:
            assert not v.charts[0].synthetic, (m.id, locality)
        if v.benchmark and v.benchmark.rank_text and v.latest:
            # the rank is of the series drawn: its period is the headline's latest period with a value
            ok = [p for p in v.charts[0].spec.points if p.value is not None]
            assert ok[-1].label in v.benchmark.rank_text, (m.id, v.benchmark.rank_text)


def test_like_with_like_comparisons_say_when_the_periods_differ(stores):
    for store, m, locality, v in views(stores, BOARD):
        for c in v.comparisons:
            if not c.same_period:
                assert any(f.kind == "older_comparator" and c.name in f.text for f in v.flags), (m.id, c)


def test_every_locality_view_shows_figures_where_the_whole_area_has_them(stores):
    """Issue 12, finding 7: a locality view never shows an empty box for a measure the area has figures for."""
    store = stores[BOARD]
    for _, m, locality, v in views(stores, BOARD):
        whole = measure_view(store, m.id, Scope("area"), "All", BOARD)
        if whole.charts:
            assert v.charts, (m.id, locality)
            if not v.has_place_figures:
                assert any(f.kind == "whole_area" for f in v.flags), (m.id, locality)


def test_a_measure_published_only_by_its_parts_shows_every_part(stores):
    store = stores[BOARD]
    v = measure_view(store, "autism_first_appt_over_13wk", Scope(), "All", BOARD)
    parts = [b for b in store.breakdowns("autism_first_appt_over_13wk", store.area.name) if b != "All"]
    assert parts and "All" not in store.breakdowns("autism_first_appt_over_13wk", store.area.name)
    assert [c.heading.split(",")[0] for c in v.charts] == parts


def test_the_overview_counts_measures_with_figures_for_the_locality_itself(stores):
    store = stores[BOARD]
    for locality in LOCALITIES[1:]:
        ov = overview(store, Scope(locality), BOARD)
        mine = sum(1 for r in ov.rows if r.view.charts and r.view.has_place_figures)
        assert ov.with_place_figures == mine < len(ov.rows)


def _texts(v):
    yield v.title
    yield v.description
    yield v.provenance
    yield v.change
    yield from (f.text for f in v.flags)
    yield from (i.label for i in v.icons)
    for c in v.charts:
        yield c.heading
        yield from (s.text for s in c.sentences)
        yield from (i.label for i in c.icons)
        if isinstance(c.spec, SpcChart):
            yield c.spec.centre_name
            yield c.spec.limits_name
            yield from (line.name for line in c.spec.comparators)
            yield from (p.text for p in c.spec.points[-3:])
            yield from (e.title for e in c.spec.events)


def test_families_read_no_jargon_and_no_counts_behind_a_percentage(stores):
    pattern = re.compile("|".join(rf"\b{re.escape(j.strip())}\b" for j in JARGON), re.IGNORECASE)
    found = set()
    for store, m, locality, v in views(stores, PUBLIC):
        for text in _texts(v):
            for hit in pattern.findall(text or ""):
                found.add((m.id, hit))
        for c in v.charts:
            if isinstance(c.spec, SpcChart):
                assert not c.spec.limits_name and all(p.lower is None and p.upper is None and p.centre is None
                                                      and p.numerator is None and p.denominator is None
                                                      for p in c.spec.points), m.id
    assert found == set()


def test_the_centre_line_has_one_name_per_audience(stores):
    """Issue 12, finding 4: 'Mean' on the chart and 'average' in the text. The board's sentences name the centre
    as the chart does."""
    for store, m, locality, v in views(stores, BOARD):
        for c in v.charts:
            if not isinstance(c.spec, SpcChart):
                continue
            name = c.spec.centre_name.lower()
            text = " ".join(s.text for s in c.sentences if s.kind in ("common_cause", "special_cause_improvement",
                                                                        "special_cause_concern",
                                                                        "special_cause_neutral", "rebase"))
            text = text.replace(v.title, "").replace(m.title, "")  # a title may name a median ("typical (median)")
            other = "median" if name == "mean" else "mean"
            assert not re.search(rf"\b{other}\b", text), (m.id, name, text)
            assert "average" not in text.lower() or "averaged" in text, (m.id, text)


def test_source_quality_flags_reach_the_board_and_families_read_plain_words(stores):
    for audience in (BOARD, PUBLIC):
        for store, m, locality, v in views(stores, audience):
            for f in v.flags:
                assert "check against" not in f.text.lower() and "EES" not in f.text, (m.id, f.text)


@pytest.mark.parametrize("audience", [BOARD, PUBLIC])
def test_every_charts_addresses_name_that_very_chart(stores, audience):
    # A chart's figure, table and CSV are fetched by address; each must rebuild the chart the card drew (a
    # parts-only measure's third chart is not the third chart of one part's view).
    from urllib.parse import parse_qsl, urlsplit

    # The routes build a chart alone (resolve_chart), not its whole view: it must be the chart the view holds.
    from metrics.view.registry import chart_of, resolve, resolve_chart
    for store, m, locality, v in views(stores, audience):
        for c in v.charts:
            for href in filter(None, (c.figure_href, c.table_href, c.download_href)):
                url = urlsplit(href)
                args = dict(parse_qsl(url.query))
                view_id = url.path.rsplit("/", 1)[1].rsplit(".", 1)[0]
                again = resolve(store, view_id, args, audience)
                assert again is not None, (locality, href)
                assert chart_of(again, args).key == c.key, (locality, href)
                alone = resolve_chart(store, view_id, args, audience)
                assert alone == c and alone.sentences == c.sentences and alone.table == c.table, (locality, href)
