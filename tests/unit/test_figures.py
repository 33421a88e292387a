"""Chart figures as plain dicts: the SPC lines, point styles, target, rebase breaks, events and comparators."""
import json
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from components import theme
from components.figures import TEMPLATE, empty_figure, graph_config, sparkline_svg, spc_figure
from metrics.analysis import analyse

# 12 alternating months then an outlier. Worked by hand: mean = (6*10 + 6*12 + 20) / 13 = 152/13 = 11.6923;
# moving ranges: eleven of 2 and |20 - 12| = 8, none screened (8 < 3.267 * 2.5), mean 30/12 = 2.5;
# limits 11.6923 ± 2.66 * 2.5 = 5.0423 .. 18.3423, so the last point (20) is above the upper limit.
VALUES = [10, 12] * 6 + [20]
MEAN, LOWER, UPPER = 152 / 13, 152 / 13 - 6.65, 152 / 13 + 6.65


def metric(**kw):
    base = dict(id="m", title="A measure", unit="count", frequency="month", chart="xmr", improvement="increase",
                target=None, good_direction_text="higher is better")
    base.update(kw)
    return SimpleNamespace(**base)


def series(values, start="2023-01-01", status=None, numerator=None, denominator=None, breaks=()):
    n = len(values)
    dates = pd.date_range(start, periods=n, freq="MS")
    return pd.DataFrame({
        "period_start": dates, "period_type": "month", "value": np.asarray(values, dtype=float),
        "numerator": np.asarray(numerator if numerator is not None else [np.nan] * n, dtype=float),
        "denominator": np.asarray(denominator if denominator is not None else [np.nan] * n, dtype=float),
        "status": status or ["ok"] * n, "source": "test", "synthetic": False,
        "series_break": [d in breaks for d in dates.strftime("%Y-%m-%d")],
    })


def trace(fig, name):
    found = [t for t in fig["data"] if t.get("name") == name]
    assert len(found) == 1, f"expected one trace named {name!r}, got {[t.get('name') for t in fig['data']]}"
    return found[0]


def test_xmr_lines_and_point_types_match_the_hand_worked_example():
    m = metric()
    fig = spc_figure(analyse(m, series(VALUES), area="Blackpool"), m)
    centre = trace(fig, "Mean")
    assert centre["y"][0] == pytest.approx(MEAN, abs=1e-3)
    limits = trace(fig, "Process limits")
    gap = limits["y"].index(None)  # upper line, a gap, then the lower line
    assert limits["y"][0] == pytest.approx(UPPER, abs=1e-3)
    assert limits["y"][gap + 1] == pytest.approx(LOWER, abs=1e-3)
    improvement = trace(fig, "Special cause improvement")
    assert improvement["x"] == ["2024-01-01"] and improvement["y"] == [20.0]
    assert improvement["marker"]["symbol"] == "square" and improvement["marker"]["color"] == theme.IMPROVEMENT
    assert "Limits: 5.0 to 18.3" in improvement["text"][0] and "January 2024" in improvement["text"][0]
    common = trace(fig, "Common cause")
    assert len(common["x"]) == 12 and common["marker"]["symbol"] == "circle"


def test_the_same_outlier_is_a_concern_when_lower_is_better():
    m = metric(improvement="decrease")
    fig = spc_figure(analyse(m, series(VALUES), area="Blackpool"), m)
    concern = trace(fig, "Special cause concern")
    assert concern["y"] == [20.0] and concern["marker"]["symbol"] == "diamond"
    assert concern["marker"]["color"] == theme.CONCERN


def test_figure_is_plain_small_json_without_a_default_template():
    m = metric(target=15.0)
    fig = spc_figure(analyse(m, series(VALUES), area="Blackpool"), m)
    text = json.dumps(fig)  # plain dicts and lists only: no plotly objects, no numpy
    assert fig["layout"]["template"] == TEMPLATE == {"layout": {}}
    assert len(text) < 12_000  # 13 points: the old go.Figure route carried ~10 kB of template alone
    target = trace(fig, "Target 15")
    assert target["y"] == [15.0, 15.0] and target["line"]["dash"] == "dashdot"


def test_rebase_breaks_the_lines_and_is_marked():
    m = metric()
    values = [10, 12] * 6 + [30, 32] * 6
    s = series(values, breaks=("2024-01-01",))  # a series break restarts the limits
    fig = spc_figure(analyse(m, s, area="Blackpool"), m)
    centre = trace(fig, "Mean")
    assert None in centre["y"]
    before, after = centre["y"][:centre["y"].index(None)], centre["y"][centre["y"].index(None) + 1:]
    assert set(before) == {11.0} and set(after) == {31.0}
    assert any(a["text"] == "Limits recalculated" and a["x"] == "2024-01-01" for a in fig["layout"]["annotations"])


def test_p_chart_is_drawn_in_percent():
    m = metric(unit="percent", chart="p", target=90.0)
    num, den = [45] * 12, [50] * 12  # 90% every month: centre 0.9 -> 90%
    fig = spc_figure(analyse(m, series([90.0] * 12, numerator=num, denominator=den), area="Blackpool"), m)
    assert trace(fig, "Mean")["y"][0] == pytest.approx(90.0)
    assert fig["layout"]["yaxis"]["ticksuffix"] == "%"


def test_short_series_is_a_run_chart_with_a_median():
    m = metric()
    fig = spc_figure(analyse(m, series([5, 7, 6, 9]), area="Blackpool"), m)
    assert trace(fig, "Median")["y"][0] == 6.5  # median of 5, 6, 7, 9
    assert not [t for t in fig["data"] if t.get("name") == "Process limits"]


def test_no_data_gives_an_empty_figure_with_the_reason():
    m = metric()
    a = analyse(m, series([np.nan, np.nan], status=["suppressed", "suppressed"]), area="Blackpool")
    fig = spc_figure(a, m)
    assert fig["data"] == []
    assert "suppressed" in fig["layout"]["annotations"][0]["text"]
    assert empty_figure("x")["layout"]["annotations"][0]["text"] == "x"


def test_events_in_range_are_numbered_markers_and_others_are_left_out():
    m = metric()
    events = [SimpleNamespace(date=pd.Timestamp("2019-01-01"), label="Before the chart", detail=""),
              SimpleNamespace(date=pd.Timestamp("2023-06-01"), label="New SLT clinic", detail="")]
    fig = spc_figure(analyse(m, series(VALUES), area="Blackpool"), m, annotations=events)
    marks = [a for a in fig["layout"]["annotations"] if "hovertext" in a]
    assert len(marks) == 1 and marks[0]["x"] == "2023-06-01" and "New SLT clinic" in marks[0]["hovertext"]
    assert marks[0]["text"] == "<b>1</b>"  # numbered among the events on the chart, as the card lists them


def test_comparators_are_dotted_lines_of_ok_values():
    m = metric(unit="percent")
    comp = series([50.0, 52.0, np.nan], status=["ok", "ok", "suppressed"])
    fig = spc_figure(analyse(m, series(VALUES), area="Blackpool"), m, comparators={"England": comp})
    england = trace(fig, "England")
    assert england["y"] == [50.0, 52.0] and england["line"]["dash"] == "dot"


def contrast(hex_colour: str) -> float:
    """WCAG 2 contrast ratio against white."""
    rgb = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (lum + 0.05)


@pytest.mark.parametrize("name", ["IMPROVEMENT", "CONCERN", "COMMON", "NEUTRAL", "TARGET", "LINE", "CENTRE",
                                  "SERIES"])
def test_chart_colours_have_3_to_1_contrast_on_white(name):
    # WCAG 1.4.11 non-text contrast; the icon colours also carry white letters, so they need 4.5:1.
    need = 4.5 if name in ("IMPROVEMENT", "CONCERN", "COMMON", "NEUTRAL") else 3.0
    assert contrast(getattr(theme, name)) >= need


@pytest.mark.parametrize("colour", theme.COMPARATOR)
def test_comparator_colours_have_3_to_1_contrast_on_white(colour):
    assert contrast(colour) >= 3.0


def test_contrast_helper_against_known_values():
    # Making Data Count's own light blue and grey fail 3:1 (issue 8), which is why darker shades are used.
    assert contrast("#00B0F0") < 3 and contrast("#A6A6A6") < 3
    assert contrast("#000000") == pytest.approx(21.0)


def test_sparkline_has_gaps_and_marks_the_last_point():
    svg = sparkline_svg([1.0, 2.0, None, 4.0, 5.0])
    assert svg.startswith("data:image/svg+xml;utf8,")
    from urllib.parse import unquote
    body = unquote(svg)
    assert body.count("<polyline") == 2  # the gap splits the line in two
    assert "<circle" in body
    assert sparkline_svg([None, 3.0]) == ""  # one value is not a line


def test_graph_config_saves_a_named_png():
    config = graph_config("ehcp_20wk")
    assert config["toImageButtonOptions"]["format"] == "png"
    assert config["toImageButtonOptions"]["filename"] == "ehcp_20wk"
    assert config["displaylogo"] is False
