"""components.spc_svg: the SPC chart drawn as SVG by the server says what the plotly figure of the same spec says
(every point, its words, its series, the notes) and draws it where its numbers put it: property checks over every
chart of the small data folder, board and public, plus the hand-worked examples of tests/unit/test_chart.py."""
import re
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.chart import figure
from components.spc_svg import HEIGHT, LINE_W, spc_svg
from metrics import palette
from metrics.edition import public_store
from metrics.view.measure import Scope, measure_view
from metrics.view.model import SpcChart

MEASURES = ("attendance", "complaints", "pct_on_time", "waits")
BREAKDOWNS = ("All", "Speech and language therapy", "Physiotherapy")


def parse(html: str) -> ET.Element:
    """The chart's HTML as XML (it must be well formed: every value is escaped)."""
    return ET.fromstring(f"<root>{html}</root>")


def pct(value: str) -> float:
    assert value.endswith("%"), value
    return float(value[:-1]) / 100


def specs(store, audience):
    for metric in MEASURES:
        for breakdown in BREAKDOWNS:
            for scope in (Scope(), Scope(start="2023-10"), Scope(end="2023-05")):
                try:
                    view = measure_view(store, metric, scope, breakdown, audience)
                except (KeyError, ValueError):
                    continue
                for c in view.charts if view else ():
                    if isinstance(c.spec, SpcChart):
                        yield f"{metric}/{breakdown}/{scope}/{audience}/{c.key}", c.spec, c.key


@pytest.fixture(scope="module")
def every_spec(small_store, rebased):
    found = list(specs(small_store, "board")) + list(specs(public_store(small_store), "public")) + \
        list(specs(rebased, "board"))
    assert len(found) >= 12
    return found


def groups(root) -> dict[str, list[ET.Element]]:
    """Each point group (g[data-name]) by name: its markers."""
    return {g.get("data-name"): g.findall("use") for g in root.iter() if g.get("data-name")}


def test_every_point_is_drawn_once_with_the_words_and_series_of_the_plotly_figure(every_spec):
    for where, spec, key in every_spec:
        root = parse(spc_svg(spec, key))
        fig = figure(spec)
        marked = {t["name"]: t for t in fig["data"] if "markers" in t.get("mode", "")}
        drawn = groups(root)
        assert set(drawn) == set(marked), where
        for name, trace in marked.items():
            uses = drawn[name]
            assert [u.get("data-x") for u in uses] == [x[:10] for x in trace["x"]], (where, name)
            values = [None if u.get("data-v") == "" else float(u.get("data-v")) for u in uses]
            if name != "Not shown":  # plotly puts a hidden point at 0; the SVG gives it no value
                assert values == pytest.approx(trace["y"], rel=1e-9), (where, name)
            words = trace.get("text") if trace.get("hoverinfo") == "text" and name != "Not shown" else \
                trace.get("hovertext")
            said = [u.find("title").text for u in uses]
            assert said == [re.sub(r"</?b>", "", w).replace("<br>", "\n") for w in words], (where, name)
        legend = ["".join(li.itertext()) for li in root.iter("li")]
        named = [t["name"] for t in fig["data"] if t.get("showlegend") is not False]
        assert legend == [n for n in _legend_order(spec, named)], where


def _legend_order(spec, named):
    """The plotly figure's legend in the SVG's order: point types, hidden points, centre, limits, target,
    comparators."""
    points = [spec.point_names.get(k, k) for k in palette.POINT]
    comparators = [c.name for c in spec.comparators]
    head = [n for n in points if n in named] + [n for n in named if n == "Not shown"]
    tail = [n for n in named if n not in head and n not in comparators]
    return head + tail + [n for n in named if n in comparators]


def test_markers_are_where_their_values_and_dates_put_them(every_spec):
    for where, spec, key in every_spec:
        root = parse(spc_svg(spec, key))
        uses = [u for u in root.iter("use") if u.get("data-v")]
        if len(uses) < 2:
            continue
        # Higher values are higher on the screen (smaller y), the same value at the same height; later periods
        # further right; everything inside the plot.
        by_value = sorted(uses, key=lambda u: float(u.get("data-v")))
        ys = [float(u.get("y")) for u in by_value]
        assert all(a >= b - 1e-9 for a, b in zip(ys, ys[1:])), where
        assert all(0 < y < HEIGHT for y in ys), where
        by_date = sorted(uses, key=lambda u: u.get("data-x"))
        xs = [pct(u.get("x")) for u in by_date]
        assert all(a <= b for a, b in zip(xs, xs[1:])) and 0 <= xs[0] and xs[-1] <= 1, where
        # The y axis's ticks cover every value drawn, and are evenly spaced on the screen.
        axis = next(s for s in root.iter("svg") if s.get("class") == "y-axis")
        tick_y = [float(t.get("y")) for t in axis.iter("text")]
        gaps = [b - a for a, b in zip(tick_y, tick_y[1:])]
        assert max(gaps) - min(gaps) < 0.11 and min(tick_y) - 4 <= min(ys) and max(ys) <= max(tick_y) - 4 + 1e-6, where


def test_lines_follow_the_values_limits_and_target(small_store):
    spec = measure_view(small_store, "attendance", Scope(), "All", "board").charts[0].spec
    root = parse(spc_svg(spec, "attendance"))
    lines = {p.get("class"): p for p in root.iter("polyline")}
    values = [tuple(map(float, xy.split(","))) for xy in lines["values"].get("points").split()]
    markers = sorted((u for u in root.iter("use") if u.get("data-v")), key=lambda u: u.get("data-x"))
    # The values line passes through every marker: x as a share of the plot's width, y in pixels.
    assert [(round(x / LINE_W, 4), y) for x, y in values] == \
        [(round(pct(u.get("x")), 4), float(u.get("y"))) for u in markers]
    assert lines["values"].get("stroke") == palette.SERIES
    # One limit line above and one below the mean (the hand-worked 5.04 .. 18.34 around 11.69), the target at 15.
    upper, lower, centre = (float(lines[k].get("points").split()[0].split(",")[1])
                            for k in ("limit upper", "limit lower", "centre"))
    target = float(lines["target"].get("points").split()[0].split(",")[1])
    assert upper < target < centre < lower  # screen y: smaller is higher
    assert lines["limit upper"].get("stroke-dasharray") and lines["target"].get("stroke") == palette.TARGET
    assert ["".join(li.itertext()) for li in root.iter("li")][-3:] == ["Mean", "Process limits", "Target 15"]


def test_rebase_breaks_the_lines_and_says_where_the_limits_restart(rebased):
    spec = measure_view(rebased, "waits", Scope(), "Physiotherapy", "board").charts[0].spec
    root = parse(spc_svg(spec, "waits"))
    centres = [p for p in root.iter("polyline") if p.get("class") == "centre"]
    assert len(centres) == 2  # one per rebase group
    notes = [t.text for t in root.iter("text") if t.get("class") == "note"]
    assert notes == ["Limits recalculated from August 2023"]
    (event,) = [g for g in root.iter("g") if g.get("class") == "event"]
    assert event.find("text").text == "9"
    public = measure_view(public_store(rebased), "waits", Scope(), "All", "public").charts[0].spec
    assert "recalculated" not in spc_svg(public, "waits")


def test_events_are_numbered_from_the_log_and_named_in_their_tooltip(small_store):
    spec = measure_view(small_store, "waits", Scope(), "Speech and language therapy", "board").charts[0].spec
    (event,) = [g for g in parse(spc_svg(spec, "w")).iter("g") if g.get("class") == "event"]
    assert event.find("text").text == "4"
    assert event.find("title").text == "June 2023: SLT drop-in clinic\nDrop-ins twice a week"
    early = measure_view(small_store, "waits", Scope(end="2023-05"), "Speech and language therapy", "board")
    assert not [g for g in parse(spc_svg(early.charts[0].spec, "w")).iter("g") if g.get("class") == "event"]


def test_hidden_points_say_why_and_carry_no_value(small_store):
    spec = measure_view(public_store(small_store), "pct_on_time", Scope(), "All", "public").charts[0].spec
    (hidden,) = groups(parse(spc_svg(spec, "p")))["Not shown"]
    assert hidden.get("data-x") == "2023-03-01" and hidden.get("data-v") == ""
    assert hidden.find("title").text.startswith("March 2023\n")


def test_words_are_escaped_and_marker_ids_are_the_charts_own(small_store):
    from dataclasses import replace
    spec = measure_view(small_store, "attendance", Scope(), "All", "board").charts[0].spec
    hostile = replace(spec, centre_name='<script>alert(1)</script>', y_title='"><img src=x onerror=alert(1)>',
                      point_names={k: "<b>x</b>" for k in spec.point_names})
    html = spc_svg(hostile, 'k"><script>')
    root = parse(html)  # well formed: nothing broke out of its attribute or element
    assert not list(root.iter("script")) and not list(root.iter("img")) and "<script>" not in html
    ids = {e.get("id") for e in root.iter() if e.get("id")}
    assert ids and all(i.startswith('k"><script>-') for i in ids)
    assert {u.get("href")[1:] for u in root.iter("use")} <= ids


def test_a_chart_with_nothing_to_draw_says_so(small_store):
    from dataclasses import replace
    spec = measure_view(small_store, "attendance", Scope(), "All", "board").charts[0].spec
    empty = replace(spec, points=tuple(replace(p, value=None, status="missing") for p in spec.points),
                    comparators=())
    assert "No data for this selection." in spc_svg(empty, "e") and "<svg" not in spc_svg(empty, "e")


@pytest.mark.parametrize("first, last, words", [
    ((2010, 1, 1), (2026, 9, 1), ["2010", "2015", "2020", "2025"]),  # 17 years: every fifth
    ((2015, 9, 1), (2024, 9, 1), ["2016", "2018", "2020", "2022", "2024"]),  # school years: from the first January
    ((2020, 9, 1), (2026, 9, 1), ["2021", "2022", "2023", "2024", "2025", "2026"]),
    ((2023, 1, 1), (2023, 10, 1), ["Jan 2023", "Mar 2023", "May 2023", "Jul 2023", "Sep 2023"]),
    ((2024, 3, 1), (2024, 3, 1), ["Mar 2024"]),
])
def test_the_x_axis_is_labelled_by_date_as_plotly_labels_it(first, last, words):
    from datetime import date

    from components.spc_svg import date_ticks
    assert [w for _, w in date_ticks(date(*first), date(*last))] == words


def test_the_x_axis_words_are_the_same_for_every_audience(small_store):
    # Dates, not the audience's period words (the public reads no "Q4"); the points' own labels carry those.
    def axis(store, audience):
        spec = measure_view(store, "pct_on_time", Scope(), "All", audience).charts[0].spec
        plot = next(s for s in parse(spc_svg(spec, "k")).iter("svg") if s.get("class") == "plot")
        return [t.text for t in plot.findall("text")]
    assert axis(small_store, "board") == axis(public_store(small_store), "public")
    assert all(re.fullmatch(r"\d{4}|[A-Z][a-z]{2} \d{4}", w) for w in axis(small_store, "board"))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_words_are_escaped_as_markupsafe_escapes_them(text):
    # The chart's words are escaped as plain str (a Markup per word cost a tenth of a chart): markupsafe's entities.
    from markupsafe import escape
    from components.spc_svg import _esc
    assert _esc(text) == str(escape(text))
