"""metrics.view.measure.measure_view on the small hand-made data folder (tests/unit/builders.py), whose answers are
worked out there and below: the latest value, icons, change on last year, target and assurance, comparators said
with their own period, the sparkline, flags, the window and the place, and what an unavailable measure says."""
import pytest

from metrics.edition import public_store
from metrics.view import sentences
from metrics.view.measure import Scope, card_key, choices, measure_view
from metrics.view.overview import overview
from metrics.vocabulary import BOARD, PUBLIC

from builders import COMPLAINTS, MONTHS_PCT, WAITS


def board(store, metric_id, scope=Scope(), breakdown="All"):
    return measure_view(store, metric_id, scope, breakdown, "board")


def test_one_row_per_catalogue_measure_in_catalogue_order_computed_once(small_store):
    ov = overview(small_store, Scope(), "board")
    assert [r.view.metric_id for r in ov.rows] == ["pct_on_time", "complaints", "attendance", "requests", "waits",
                                                   "waiting"]
    assert overview(small_store, Scope(), "board") is ov  # once per (data version, place, window, audience)
    assert board(small_store, "complaints") is board(small_store, "complaints")


def test_count_measure_latest_icons_change_and_provenance(small_store):
    v = board(small_store, "complaints")
    assert (v.latest.value, v.latest.status, v.latest.period, v.latest.text) == (20.0, "ok", "January 2024", "20")
    # 20 is above the upper limit 18.34 (builders.COMPLAINTS) and lower is better.
    assert v.variation == "concern_high" and [i.key for i in v.icons] == ["concern_high", "none"]
    assert v.assurance is None and v.target is None
    assert v.change_value == 10.0 and v.change == "up 10 on January 2023"  # 20 - 10
    assert v.spark == tuple(float(x) for x in COMPLAINTS)
    assert v.synthetic is True and [f.kind for f in v.flags] == ["synthetic"]
    assert v.comparisons == () and v.benchmark is None and v.owner == "Not named in the plans" and v.empty == ""
    assert v.provenance == "Source: Test source. Figures up to January 2024."
    (signal,) = v.signals
    assert (signal.kind, signal.part, signal.latest, signal.href) == ("concern", "", "20 (January 2024)",
                                                                      "/outcome-1?metric=complaints")


def test_percentage_measure_target_assurance_and_comparators_of_another_period(small_store):
    v = board(small_store, "pct_on_time")
    assert (v.latest.value, v.latest.text, v.latest.period) == (84.0, "84.0%", "January 2024")
    assert (v.target.value, v.target.text, v.target.source) == (80.0, "80%", "Test plan")
    assert v.assurance == "inconsistent"  # the 80% target lies inside the p chart's limits 63.4% .. 97.2%
    assert v.change_value == pytest.approx(4.0)  # 84% against 80% in January 2023
    assert v.change == "up 4.0 percentage points on January 2023"
    assert v.spark[4] is None and len(v.spark) == len(MONTHS_PCT)  # the suppressed month is a gap
    england, neighbours = v.comparisons
    assert (england.name, england.text, england.period, england.same_period) == ("England", "50.2%",
                                                                                 "January 2023", False)
    assert (neighbours.name, neighbours.text, neighbours.role) == ("Statistical neighbours", "47.5%", "neighbours")
    # Like with like: an older comparator is said to be older.
    assert [f.text for f in v.flags] == [
        "England's latest figure is for January 2023; Blackpool's is for January 2024",
        "Statistical neighbours' latest figure is for January 2023; Blackpool's is for January 2024"]
    assert v.refs == ("3.1", "WSoA 2.1.2") and v.owner == "Head of SEND" and v.synthetic is False
    assert v.plan_refs == "improvement plan objective 3.1 and written statement of action 2.1.2"
    assert v.signals == ()  # common cause at the latest point, target hit and miss: no exception


def test_every_whole_view_is_kept_and_only_the_latest_windows(small_store, monkeypatch):
    # Exploring windows must not grow a worker without bound; the views without a window (what pages open on)
    # stay, however many windows were asked for in between.
    from metrics.view import measure
    monkeypatch.setattr(measure._views, "windowed_max", 3)
    whole = board(small_store, "complaints")
    windows = [Scope("north", None, f"2023-{m:02d}") for m in range(1, 7)]
    first = [board(small_store, "complaints", w) for w in windows]
    assert len(measure._views.windowed) == 3 and board(small_store, "complaints") is whole
    assert board(small_store, "complaints", windows[-1]) is first[-1]  # among the latest: kept
    again = board(small_store, "complaints", windows[0])  # dropped: built again, to the same view
    assert again is not first[0] and again == first[0]


@pytest.mark.parametrize("audience", ["board", "public"])
def test_a_chart_asked_for_alone_is_the_chart_its_view_draws(small_store, audience):
    # A chart's address builds that chart alone (measure_chart), often for a window nobody opened the view of: the
    # same chart, words and table as the view's, whichever was built first; and None past the view's charts.
    from metrics.view import measure
    store = small_store if audience == "board" else public_store(small_store)
    scopes = [Scope(), Scope("central"), Scope("north", "2022-03", "2023-04"), Scope("south", None, "2023-02")]
    for metric in store.catalogue.metrics:
        for scope in scopes:
            for part in ["All", *[b for b in store.breakdowns(metric.id, store.area.name) if b != "All"][:2]]:
                for first in ("chart", "view"):
                    for memo in (measure._charts, measure._views, measure._plans):
                        memo.clear()
                    alone = measure.measure_chart(store, metric.id, scope, part, audience, 0) \
                        if first == "chart" else None
                    view = measure_view(store, metric.id, scope, part, audience)
                    for i, c in enumerate(view.charts):
                        got = measure.measure_chart(store, metric.id, scope, part, audience, i)
                        assert got is c, (metric.id, scope, part, i)  # the one object, not a second computation
                    if alone is not None:
                        assert alone is view.charts[0]
                    else:
                        measure._charts.clear()  # built again on its own: the same facts
                        again = measure.measure_chart(store, metric.id, scope, part, audience, 0)
                        assert (again is None) == (not view.charts), (metric.id, scope, part)
                        if again is not None:
                            assert again == view.charts[0] and again.sentences == view.charts[0].sentences
                            assert again.table == view.charts[0].table and again.card == view.charts[0].card
                    assert measure.measure_chart(store, metric.id, scope, part, audience, len(view.charts)) is None


def test_window_and_locality(small_store):
    # Central to June 2023: the latest is June 2023 (80%); June 2022 is outside the data, so no change is stated.
    v = board(small_store, "pct_on_time", Scope("central", None, "2023-06"))
    assert (v.latest.period, v.latest.text, v.change, v.change_value) == ("June 2023", "80.0%", "", None)
    assert v.comparisons[0].period == "January 2023"  # England's latest up to June 2023
    assert v.has_place_figures and v.place == "Central"


def test_a_measure_published_for_the_whole_area_shows_it_for_a_locality_labelled(small_store):
    # complaints has figures for Blackpool only: Central shows Blackpool's chart, labelled, never an empty box;
    # and Blackpool's signal is not Central's exception.
    v = board(small_store, "complaints", Scope("central"))
    assert v.charts and v.latest.text == "20" and not v.has_place_figures
    assert [f.kind for f in v.flags] == ["synthetic", "whole_area"]
    assert v.charts[0].heading == "Figures for Blackpool as a whole: not available for each locality"
    assert v.signals == ()
    ov = overview(small_store, Scope("central"), "board")
    assert ov.with_place_figures == 1  # pct_on_time only
    assert all(s.metric_id != "complaints" for s in ov.exceptions)


def test_real_figures_lead_and_a_whole_area_choice_follows_only_real_ones(small_store):
    metric = small_store.catalogue.get("complaints")
    (only,) = choices(small_store, metric, "Central", "All")
    assert (only.area, only.whole_area, only.synthetic) == ("Blackpool", True, True)
    assert choices(small_store, metric, "Blackpool", "All")[0].whole_area is False


def test_unavailable_measure_says_why(small_store):
    v = board(small_store, "waiting")
    assert "therapy referrals" in v.empty and v.charts == () and v.variation is None and v.spark == ()
    assert [f.kind for f in v.flags] == ["unavailable"]
    public = measure_view(public_store(small_store), "waiting", Scope(), "All", "public")
    assert public.empty == "These figures are not available at the moment."  # no loader detail for families


def test_exceptions_reach_the_overview_from_a_part(small_store):
    # The waits total is flat noise; speech and language therapy ends above its limits (builders.WAITS).
    total = board(small_store, "waits")
    assert total.variation == "common_cause" and total.signals == ()
    assert total.latest.value == WAITS["All"][-1]
    part = board(small_store, "waits", breakdown="Speech and language therapy")
    assert part.title == "Children waiting: Speech and language therapy" and part.variation == "concern_high"
    ov = overview(small_store, Scope(), "board")
    # Concerns first, then improvements, each in catalogue order.
    assert [(s.metric_id, s.part, s.kind) for s in ov.exceptions] == [
        ("complaints", "", "concern"), ("waits", "Speech and language therapy", "concern"),
        ("attendance", "", "improvement")]
    row = next(r for r in ov.rows if r.view.metric_id == "waits")
    assert row.families == {"common_cause", "concern"}  # the concern filter finds the measure by its part


@pytest.mark.parametrize("difference, unit, then, words, expected", [
    (-2.5, "percent", "March 2025", BOARD, "down 2.5 percentage points on March 2025"),
    (-2.5, "percent", "March 2025", PUBLIC, "down 2.5 points on March 2025"),
    (3, "count", "2023/24", BOARD, "up 3 on 2023/24"),
    (0.0, "weeks", "May 2024", BOARD, "no change on May 2024"),
])
def test_change_words(difference, unit, then, words, expected):
    from builders import metric
    assert sentences.change_words(difference, metric(unit=unit), then, words) == expected


@pytest.mark.parametrize("metric_id, breakdown, key", [
    ("waits", "All", "waits"),
    ("waits", "Speech and language therapy", "waits--speech-and-language-therapy"),
    ("x", "Other than English (incl. <b>)", "x--other-than-english-incl-b"),
])
def test_card_keys_are_dom_and_url_safe(metric_id, breakdown, key):
    assert card_key(metric_id, breakdown) == key


# -- a window's points are picked out of the whole series' points, never formatted differently ---------------------

WINDOWS = [("2019-04", "2021-03"), ("2022-01", "2022-06"), ("2023-09", "2026-09"), (None, "2020-12"), ("2024-02", None)]


@pytest.mark.parametrize("audience", ["board", "public"])
def test_points_of_every_window_are_those_formatted_from_its_own_rows(audience):
    import numpy as np
    import pandas as pd

    from metrics.area import SN_AVERAGE
    from metrics.edition import policy
    from metrics.store import get_store
    from metrics.view import measure as M

    pol = policy(audience)
    store = get_store() if audience == "board" else public_store(get_store())
    checked = 0
    for metric in store.catalogue.metrics:
        for choice in choices(store, metric, store.area.name, "All")[:1]:
            for start, end in WINDOWS:
                scope = Scope("area", start, end)
                lo, hi = scope.window()
                cols = store.columns(metric.id, choice.area, choice.breakdown, lo, hi, choice.period_type)
                analysis = store.analysis(metric.id, choice.area, choice.breakdown, lo, hi, choice.period_type)
                drawn = M._series_points(store, metric, choice.area, choice.breakdown, choice.period_type, pol)
                assert M._points(analysis, cols, metric, choice.period_type, pol, drawn) == \
                    M._points(analysis, cols, metric, choice.period_type, pol)
                for line in M._comparator_lines(store, metric, choice, choice.period_type, lo, hi, pol):
                    name = next(n for n in store.area.comparators
                                if (pol.words.neighbours if n == SN_AVERAGE else n) == line.name)
                    c = store.columns(metric.id, name, choice.breakdown, lo, hi, choice.period_type)
                    good = (c.status == "ok") & ~np.isnan(c.value)
                    assert [p.x for p in line.points] == [str(pd.Timestamp(d).date()) for d in c.dates[good]]
                    assert [p.text for p in line.points] == [p.text for p in M._period_points(
                        c, metric, choice.period_type, pol) if p.status == "ok" and p.value is not None]
                checked += 1
    assert checked > 100


def test_a_windows_events_are_the_logs_events_for_its_series_up_to_its_last_month():
    import pandas as pd

    from metrics.annotations import annotations_for
    from metrics.store import get_store
    from metrics.view import measure as M

    store = get_store()
    assert store.annotations
    seen = 0
    for metric in store.catalogue.metrics:
        for area in store.areas:
            for part in store.breakdowns(metric.id, area) or ["All"]:
                for choice in choices(store, metric, area, part)[:1]:
                    service = (store.catalogue.service_by_name(part).slug
                               if metric.breakdown == "service" and part != "All" else None)
                    locality = area if area in store.area.localities else None
                    every = annotations_for(store.annotations, metric.id, service, locality)
                    for end in (None, "2022-03", "2023-12", "2024-06"):
                        last = None if end is None else pd.Timestamp(end + "-01") + pd.offsets.MonthEnd(0)
                        expected = [a for a in every if last is None or pd.Timestamp(a.date) <= last]
                        got = M._annotations(store, metric, choice, None if end is None else
                                             pd.Timestamp(end + "-01"))
                        assert got == expected
                        seen += bool(expected) and end is not None and len(expected) < len(every)
    assert seen  # some window leaves out a later event


def test_a_charts_address_draws_it_without_reading_it(small_store, monkeypatch):
    # A window nobody opened draws its chart alone: how the chart reads (icons, flags, sentences) is worked out only
    # when something reads it, once, and is then the view's.
    from components.spc_svg import spc_svg
    from metrics.view import measure
    read, calls = measure.read, []
    monkeypatch.setattr(measure, "read", lambda *a, **k: calls.append(a[0]) or read(*a, **k))
    scope = Scope("north", "2022-03", "2023-04")
    for memo in (measure._charts, measure._views, measure._plans):
        memo.clear()
    chart = measure.measure_chart(small_store, "complaints", scope, "All", "board", 0)
    assert "<svg" in spc_svg(chart.spec, chart.key) and calls == []
    view = measure_view(small_store, "complaints", scope, "All", "board")
    assert view.charts[0] is chart and len(calls) == 1  # the view read it, once
    assert view.icons == chart.icons and view.variation == chart.reading.variation and len(calls) == 1
