"""components.chart: plotly figures as plain dicts drawn from the chart specs of measure views (the small data folder
of tests/unit/builders.py): the SPC lines, point styles, the target, rebase breaks, events by their log numbers,
comparators and hidden points; and the palette's contrast, the sparkline and the PNG export."""
import json

import pytest

from components.chart import TEMPLATE, config, empty_figure, figure, sparkline_svg
from metrics import disclosure, palette
from metrics.edition import public_store
from metrics.view.measure import Scope, measure_view


# complaints / attendance: 12 alternating months then an outlier. Mean (6 × 10 + 6 × 12 + 20) / 13 = 152/13 =
# 11.6923; moving ranges: eleven of 2 and 8 (none screened: 8 < 3.267 × 2.5), mean 30/12 = 2.5; limits
# 11.6923 ± 2.66 × 2.5 = 5.0423 .. 18.3423, so the last point (20) is above the upper limit.
MEAN, LOWER, UPPER = 152 / 13, 152 / 13 - 6.65, 152 / 13 + 6.65


def spec(store, metric_id, scope=Scope(), breakdown="All", audience="board", chart=0):
    return measure_view(store, metric_id, scope, breakdown, audience).charts[chart].spec


def trace(fig, name):
    found = [t for t in fig["data"] if t.get("name") == name]
    assert len(found) == 1, f"expected one trace named {name!r}, got {[t.get('name') for t in fig['data']]}"
    return found[0]


def names(fig) -> list[str]:
    return [t.get("name") for t in fig["data"]]


def test_xmr_lines_and_point_types_match_the_hand_worked_example(small_store):
    fig = figure(spec(small_store, "attendance"))  # higher is better
    assert trace(fig, "Mean")["y"][0] == pytest.approx(MEAN, abs=1e-3)
    limits = trace(fig, "Process limits")
    gap = limits["y"].index(None)  # the upper line, a gap, then the lower line
    assert limits["y"][0] == pytest.approx(UPPER, abs=1e-3)
    assert limits["y"][gap + 1] == pytest.approx(LOWER, abs=1e-3)
    improvement = trace(fig, "Special cause improvement")
    assert improvement["x"] == ["2024-01-01"] and improvement["y"] == [20.0]
    assert improvement["marker"]["symbol"] == "square" and improvement["marker"]["color"] == palette.IMPROVEMENT
    assert improvement["text"][0] == ("<b>January 2024</b><br>20<br>Mean: 11.7<br>Process limits: 5.0 to 18.3<br>"
                                      "Special cause improvement")
    common = trace(fig, "Common cause")
    assert len(common["x"]) == 12 and common["marker"]["symbol"] == "circle"
    target = trace(fig, "Target 15")
    assert target["y"] == [15.0, 15.0] and target["line"]["dash"] == "dashdot"


def test_the_same_outlier_is_a_concern_when_lower_is_better(small_store):
    fig = figure(spec(small_store, "complaints"))
    concern = trace(fig, "Special cause concern")
    assert concern["y"] == [20.0] and concern["marker"]["symbol"] == "diamond"
    assert concern["marker"]["color"] == palette.CONCERN
    assert "Special cause improvement" not in names(fig) and not [n for n in names(fig) if n.startswith("Target")]


def test_figure_is_plain_small_json_without_a_default_template(small_store):
    fig = figure(spec(small_store, "attendance"))
    text = json.dumps(fig)  # plain dicts and lists only: no plotly objects, no numpy
    assert fig["layout"]["template"] == TEMPLATE == {"layout": {}}
    assert len(text) < 12_000  # 13 points: the old go.Figure route carried ~10 kB of template alone


def test_p_chart_is_drawn_in_percent_with_comparators_as_dotted_lines(small_store):
    fig = figure(spec(small_store, "pct_on_time"))
    assert trace(fig, "Mean")["y"][-1] == pytest.approx(562 / 700 * 100)  # builders.MONTHS_PCT
    assert fig["layout"]["yaxis"]["ticksuffix"] == "%"
    england = trace(fig, "England")
    assert england["y"] == [55.0, 50.2] and england["line"]["dash"] == "dot"
    assert trace(fig, "Statistical neighbours")["y"] == [47.5]


def test_short_series_is_a_run_chart_with_a_median(small_store):
    # complaints from October 2023: 12, 10, 12, 20. Median 12; too few points for limits.
    fig = figure(spec(small_store, "complaints", Scope(start="2023-10")))
    assert trace(fig, "Median")["y"] == [12.0] * 4
    assert "Process limits" not in names(fig)


def test_no_chart_gives_an_empty_figure_with_the_reason():
    fig = figure(None)
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"] == "No data for this selection."
    assert empty_figure("x")["layout"]["annotations"][0]["text"] == "x"


def test_events_are_drawn_by_their_log_number_only_where_the_chart_has_them(small_store):
    # The log's event 4 is for speech and language therapy (June 2023): on that part, not on the total, and not on
    # a window that ends before it.
    fig = figure(spec(small_store, "waits", breakdown="Speech and language therapy"))
    (mark,) = [a for a in fig["layout"]["annotations"] if "hovertext" in a]
    assert (mark["x"], mark["text"]) == ("2023-06-05", "<b>4</b>")
    assert mark["hovertext"] == "June 2023: SLT drop-in clinic<br>Drop-ins twice a week"
    assert [s["x0"] for s in fig["layout"]["shapes"]] == ["2023-06-05"]
    assert figure(spec(small_store, "waits"))["layout"]["shapes"] == []
    early = figure(spec(small_store, "waits", Scope(end="2023-05"), breakdown="Speech and language therapy"))
    assert early["layout"]["shapes"] == []


def test_rebase_breaks_the_lines_and_is_marked_where_the_limits_restart(rebased):
    fig = figure(spec(rebased, "waits", breakdown="Physiotherapy"))
    centre = trace(fig, "Mean")["y"]
    gap = centre.index(None)
    # July 2023 began before the event, so it is the old limits' last month: January to July 2023 are 5, 6, 5, 6,
    # 5, 6, 5 (mean 38/7 = 5.43); August 2023 to January 2024 are 6, 5, 6, 5, 6, 5 (mean 5.5).
    assert centre[:gap] == pytest.approx([38 / 7] * 7) and centre[gap + 1:] == [5.5] * 6
    notes = {a["text"]: a["x"] for a in fig["layout"]["annotations"]}
    assert notes["Limits recalculated from August 2023"] == "2023-08-01" and notes["<b>9</b>"] == "2023-07-03"
    # Families see no limits, so no line says they restart.
    public = figure(spec(public_store(rebased), "waits", breakdown="All", audience="public"))
    assert not [n for n in (a["text"] for a in public["layout"]["annotations"]) if "recalculated" in n]


def test_hidden_points_are_markers_that_say_why(small_store):
    # The public chart of pct_on_time: March 2023 is hidden at source (suppressed); a marker stands in for it.
    fig = figure(spec(public_store(small_store), "pct_on_time", audience="public"))
    hidden = trace(fig, "Not shown")
    assert hidden["x"] == ["2023-03-01"] and hidden["marker"]["symbol"] == "circle-open"
    assert hidden["hovertext"] == ["<b>March 2023</b><br>" + disclosure.describe(disclosure.PROTECTED, "percent")]
    assert hidden["text"] == [""]  # only a hidden latest point is labelled on the chart


def contrast(hex_colour: str) -> float:
    """WCAG 2 contrast ratio against white."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05)


@pytest.mark.parametrize("name", ["IMPROVEMENT", "CONCERN", "COMMON", "NEUTRAL", "TARGET", "LIMIT", "CENTRE",
                                  "SERIES", "EVENT"])
def test_chart_colours_have_3_to_1_contrast_on_white(name):
    # WCAG 1.4.11 non-text contrast; the icon colours also carry white letters, so they need 4.5:1.
    need = 4.5 if name in ("IMPROVEMENT", "CONCERN", "COMMON", "NEUTRAL") else 3.0
    assert contrast(getattr(palette, name)) >= need


@pytest.mark.parametrize("colour", palette.COMPARATOR + palette.CATEGORY)
def test_comparator_and_category_colours_have_3_to_1_contrast_on_white(colour):
    assert contrast(colour) >= 3.0


def test_contrast_helper_against_known_values():
    # Making Data Count's own light blue and grey fail 3:1 (issue 8), which is why darker shades are used.
    assert contrast("#00B0F0") < 3 and contrast("#A6A6A6") < 3
    assert contrast("#000000") == pytest.approx(21.0)


def test_every_point_type_has_its_own_shape_and_every_icon_family_a_colour():
    shapes = [shape for _, shape in palette.POINT.values()]
    assert len(set(shapes)) == len(shapes)
    from metrics.vocabulary import ASSURANCE_ICONS, PUBLIC_ICONS, VARIATION_ICONS
    families = {i.family for icons in (VARIATION_ICONS, ASSURANCE_ICONS, PUBLIC_ICONS) for i in icons.values()}
    assert families <= palette.FAMILY.keys()


def test_palette_as_css_variables():
    css = palette.css_variables()
    assert css.startswith(":root{") and f"--mdc-improvement:{palette.IMPROVEMENT};" in css


def test_sparkline_has_gaps_and_marks_the_last_point():
    svg = sparkline_svg([1.0, 2.0, None, 4.0, 5.0], colour=palette.CONCERN, label="Recent <trend>")
    assert svg.startswith('<svg class="sparkline" role="img" aria-label="Recent &lt;trend&gt;" width="96"')
    body = svg
    assert body.count("<polyline") == 2  # the gap splits the line in two
    assert f'<circle cx="93.0" cy="3.0" r="2.5" fill="{palette.CONCERN}"/>' in body  # the last (highest) point
    assert sparkline_svg([None, 3.0], colour="#000000") == ""  # one value is not a line


def test_config_saves_a_named_png():
    c = config("ehcp_20wk")
    assert c["toImageButtonOptions"]["format"] == "png" and c["toImageButtonOptions"]["filename"] == "ehcp_20wk"
    assert c["displaylogo"] is False
