"""components.drilldown: the figures, tables and CSVs of the therapy and EHCP drill-downs agree with the frames they
are drawn from (worked by hand below), and the cards carry every affordance or say why there is nothing to show.
Also the therapy page's premise: children counted by weeks waited on a month end are the waiting list of that month.
"""
from datetime import date
from types import SimpleNamespace
from urllib.parse import unquote

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from dash import dcc, html

from components import drilldown
from components.drilldown import Panel
from metrics import schemas
from metrics.derive import therapy, therapy_current_waiters

JAN, FEB, MAR = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-01")


def series(dates, values, statuses=None, source="Test extract"):
    return pd.DataFrame({"period_start": dates, "value": values, "status": statuses or ["ok"] * len(dates),
                         "source": source})


# Two panels over three months: the waiting list (March suppressed) and the median wait (no February row).
WAITING = Panel("Children waiting", "count", series([JAN, FEB, MAR], [10.0, 12.0, None],
                                                     ["ok", "ok", "suppressed"]))
WEEKS = Panel("Median wait", "weeks", series([JAN, MAR], [1.25, 3.0]))
CLINIC = SimpleNamespace(date=date(2024, 2, 1), label="New clinic", detail="Drop-in triage")
BEFORE = SimpleNamespace(date=date(2023, 12, 31), label="Earlier event", detail="")
LAST_MONTH = SimpleNamespace(date=date(2024, 3, 20), label="Later in the last month", detail="")
AFTER = SimpleNamespace(date=date(2024, 4, 1), label="After the data", detail="")


def walk(component):
    """Every component in a Dash tree (depth first)."""
    yield component
    children = getattr(component, "children", None)
    if isinstance(children, (list, tuple)):
        for c in children:
            yield from walk(c)
    elif children is not None and not isinstance(children, (str, int, float)):
        yield from walk(children)


def find(component, kind):
    return [c for c in walk(component) if isinstance(c, kind)]


# -- small multiples -----------------------------------------------------------------------------------------

def test_small_multiples_stack_panels_on_one_time_axis():
    fig = drilldown.small_multiples([WAITING, WEEKS], [BEFORE, CLINIC, LAST_MONTH, AFTER])
    waiting, weeks = fig["data"]
    layout = fig["layout"]
    # Each trace has its own y axis and the one shared x axis, anchored under the bottom panel.
    assert (waiting["xaxis"], waiting["yaxis"]) == ("x", "y")
    assert (weeks["xaxis"], weeks["yaxis"]) == ("x", "y2")
    assert layout["xaxis"]["anchor"] == "y2"
    # Two panels with a gap of 0.08 between them: each is (1 - 0.08) / 2 = 0.46 of the height.
    assert layout["yaxis"]["domain"] == pytest.approx([0.54, 1.0])
    assert layout["yaxis2"]["domain"] == pytest.approx([0.0, 0.46])
    assert "yaxis3" not in layout
    # A suppressed point is a gap, and its hover says why, not a number.
    assert waiting["x"] == ["2024-01-01", "2024-02-01", "2024-03-01"]
    assert waiting["y"] == [10.0, 12.0, None]
    assert waiting["text"] == ["10", "12", "Suppressed to protect confidentiality"]
    assert weeks["text"] == ["1.2 weeks", "3.0 weeks"]  # 1.25 rounds half to even, as Python's format does
    # Only events in the months drawn (January to March 2024) are drawn, numbered by their place in the list given
    # (so a list of the events printed beside the chart uses the same numbers), with the title in the hover.
    assert [s["x0"] for s in layout["shapes"]] == ["2024-02-01", "2024-03-20"]
    marker = [a for a in layout["annotations"] if a.get("xref") == "x"]
    assert [m["text"] for m in marker] == ["<b>2</b>", "<b>3</b>"]
    assert marker[0]["hovertext"] == "February 2024: New clinic<br>Drop-in triage"
    # The panel titles are written on the figure, one per panel.
    titles = [a["text"] for a in layout["annotations"] if a.get("xref") == "paper"]
    assert titles == ["<b>Children waiting</b>", "<b>Median wait</b>"]


def test_small_multiples_with_no_data_explain_why():
    empty = Panel("Children waiting", "count", series([], []))
    fig = drilldown.small_multiples([empty])
    assert fig["data"] == []
    assert fig["layout"]["annotations"][0]["text"] == "No data for this selection."


def test_small_multiples_table_and_csv_hold_the_same_months():
    headers, table, csv_headers, csv_rows = drilldown.small_multiples_rows([WAITING, WEEKS])
    assert headers == ["Period", "Children waiting", "Median wait"]
    assert table == [
        ["January 2024", "10", "1.2 weeks"],
        ["February 2024", "12", "Not available"],  # no median row for February
        ["March 2024", "Suppressed to protect confidentiality", "3.0 weeks"],
    ]
    # GSS symbols in the CSV: c for suppressed, x for missing; counts without decimals.
    assert drilldown.csv_text(csv_headers, csv_rows).splitlines() == [
        "period_start,Children waiting,Median wait",
        "2024-01-01,10,1.2",
        "2024-02-01,12,x",
        "2024-03-01,c,3",
    ]


# -- bars -------------------------------------------------------------------------------------------------------

BANDS = ["Up to 6 weeks", "Over 6, up to 18 weeks", "Over 18 weeks"]


def test_bar_figure_keeps_category_order_and_hatches_the_highlighted_bars():
    fig = drilldown.bar_figure(BANDS, [5, 3, 2], text=["5", "3", "2"], hover=["a", "b", "c"],
                               axis_title="Children waiting", highlight=[False, False, True],
                               highlight_name="Over 18 weeks", base_name="Up to 18 weeks")
    base, over = fig["data"]
    assert (base["name"], base["y"], base["x"]) == ("Up to 18 weeks", BANDS[:2], [5.0, 3.0])
    assert (over["name"], over["y"], over["x"], over["text"]) == ("Over 18 weeks", BANDS[2:], [2.0], ["2"])
    # Not colour alone: the highlighted bars are hatched and named in the legend.
    assert over["marker"]["pattern"]["shape"] == "/" and base["marker"]["pattern"]["shape"] == ""
    assert over["showlegend"] and base["showlegend"]
    # First category at the top, in the order given (not sorted by value).
    assert fig["layout"]["yaxis"]["categoryarray"] == BANDS
    assert fig["layout"]["yaxis"]["autorange"] == "reversed"


def test_bar_figure_without_highlight_is_one_unlabelled_trace():
    fig = drilldown.bar_figure(["English", "Other than English"], [12.5, None], text=["12.5", "nobody seen"],
                               hover=["", ""], axis_title="Rate")
    (trace,) = fig["data"]
    assert trace["x"] == [12.5, 0]  # a missing rate is a zero-length bar, labelled in words
    assert trace["showlegend"] is False


@pytest.mark.parametrize("values", [[0, 0, 0], [None, None, None], []])
def test_bar_figure_with_nobody_is_an_empty_state(values):
    cats = BANDS[:len(values)]
    fig = drilldown.bar_figure(cats, values, text=[""] * len(values), hover=[""] * len(values), axis_title="")
    assert fig["data"] == []
    assert fig["layout"]["annotations"][0]["text"] == "No one in this selection."


def test_funnel_labels_each_stage_with_its_share_and_median_days():
    # 200 requests; 150 decided (a median of 30 days), 120 with advice, 100 drafts, 90 final plans.
    funnel = pd.DataFrame({
        "stage": ["Request", "Decision to assess", "Advice received", "Draft plan", "Final plan"],
        "reached": [200, 150, 120, 100, 90],
        "pct_of_requests": [100.0, 75.0, 60.0, 50.0, 45.0],
        "median_days": [None, 30.0, 41.5, 20.0, 14.0],
        "median_days_from_request": [None, 30.0, 75.0, 98.0, 113.0],
    })
    (trace,) = drilldown.funnel_figure(funnel)["data"]
    assert trace["y"] == list(funnel["stage"])
    assert trace["x"] == [200.0, 150.0, 120.0, 100.0, 90.0]
    assert trace["text"] == ["200 (100%)", "150 (75%) · median 30 days", "120 (60%) · median 42 days",
                             "100 (50%) · median 20 days", "90 (45%) · median 14 days"]
    assert trace["hovertext"][4] == ("<b>Final plan</b><br>90 requests (45%)<br>Median 14 days from the previous "
                                     "stage<br>Median 113 days from the request")


def test_funnel_with_no_requests_is_an_empty_state():
    funnel = pd.DataFrame({"stage": ["Request", "Final plan"], "reached": [0, 0], "pct_of_requests": [None, None],
                           "median_days": [None, None], "median_days_from_request": [None, None]})
    assert drilldown.funnel_figure(funnel)["layout"]["annotations"][0]["text"] == "No requests in this period."


# -- shares of a whole --------------------------------------------------------------------------------------

PARTS = {
    "Maintained": series([JAN, FEB], [60.0, 50.0]),
    "Amended": series([JAN, FEB], [30.0, None], ["ok", "suppressed"]),
    "Ceased": series([JAN], [10.0]),
}


def test_stacked_shares_draw_one_patterned_trace_per_part():
    fig = drilldown.stacked_share_figure(PARTS)
    assert [t["name"] for t in fig["data"]] == ["Maintained", "Amended", "Ceased"]
    assert fig["data"][1]["y"] == [30.0, None]
    assert len({t["marker"]["pattern"]["shape"] for t in fig["data"]}) == 3
    assert len({t["marker"]["color"] for t in fig["data"]}) == 3
    assert fig["layout"]["barmode"] == "stack"


def test_stacked_share_rows_for_the_table_and_the_csv():
    headers, table, csv_headers, csv_rows = drilldown.stacked_share_rows(PARTS)
    assert headers == ["Period", "Maintained", "Amended", "Ceased"]
    assert table == [["January 2024", "60.0%", "30.0%", "10.0%"],
                     ["February 2024", "50.0%", "Suppressed to protect confidentiality", "Not available"]]
    assert csv_headers == ["period_start", "Maintained", "Amended", "Ceased"]
    assert csv_rows == [["2024-01-01", "60", "30", "10"], ["2024-02-01", "50", "c", "x"]]


# -- tables, downloads, cards ---------------------------------------------------------------------------------

def test_data_table_has_a_caption_and_header_scopes():
    box = drilldown.data_table("Waits by band: Central", ["Band", "Children"], [["Up to 6 weeks", "5"]])
    table = find(box, html.Table)[0]
    assert find(table, html.Caption)[0].children == "Waits by band: Central"
    assert [th.scope for th in find(table, html.Th)] == ["col", "col", "row"]
    assert box.role == "region" and box.tabIndex == "0"


def test_csv_href_carries_exactly_the_csv():
    text = drilldown.csv_text(["Group", "Rate"], [["Other than English", "12.5"], ['Say "hi", then', 1]])
    assert text == 'Group,Rate\nOther than English,12.5\n"Say ""hi"", then",1\n'
    href = drilldown.csv_href(text)
    assert href.startswith("data:text/csv;charset=utf-8,")
    assert unquote(href.split(",", 1)[1]) == text


def test_drill_card_has_the_affordances_of_a_chart_card():
    fig = drilldown.bar_figure(["A"], [1], text=["1"], hover=["1"], axis_title="")
    table = drilldown.data_table("Caption", ["Group", "n"], [["A", "1"]])
    card = drilldown.drill_card("therapy-waiting-age-band", "Children waiting now, by age band",
                                "Shorter is better", "What it shows.", figure=fig, summary="One sentence.",
                                table=table, csv="Group,n\nA,1\n", meta="Source: test", synthetic=True)
    assert card.id == "drill-therapy-waiting-age-band"
    graph = find(card, dcc.Graph)[0]
    assert graph.figure is fig
    assert graph.config["toImageButtonOptions"]["filename"] == "therapy-waiting-age-band"  # PNG from the mode bar
    assert find(card, html.Div)[1].id == "chart-therapy-waiting-age-band"  # what the PNG button saves
    assert find(card, html.Figcaption)[0].children == "One sentence."
    link = [a for a in find(card, html.A) if a.children == "Download CSV"][0]
    assert unquote(link.href.split(",", 1)[1]) == "Group,n\nA,1\n"
    button = [b for b in find(card, html.Button) if b.children == "Save chart as PNG"][0]
    assert button.id == {"type": "png-button", "metric": "therapy-waiting-age-band", "breakdown": "All"}
    details = find(card, html.Details)[0]
    assert find(details, html.Summary)[0].children == "Show the data as a table"
    assert table in details.children
    assert [s.children for s in find(card, html.Span) if "synthetic-badge" in (s.className or "")] == [
        "Synthetic demonstration data"]
    assert all("empty-state" not in (p.className or "") for p in find(card, html.P))


def test_drill_card_empty_state_says_why_and_offers_no_download():
    card = drilldown.drill_card("ehcp-funnel", "How far requests have got", "More is better", "Text.",
                                figure=None, empty="No requests were received from May 2024 to May 2024.",
                                metric="ehcp_review_outcomes", highlight=True)
    assert card.id == "metric-ehcp_review_outcomes"  # the measure's anchor, as a chart card's
    assert "highlight" in card.className
    empty = [p for p in find(card, html.P) if p.className and "empty-state" in p.className]
    assert [p.children for p in empty] == ["No requests were received from May 2024 to May 2024."]
    assert not find(card, dcc.Graph) and not find(card, html.A) and not find(card, html.Details)
    assert not [s for s in find(card, html.Span) if "synthetic-badge" in (s.className or "")]


# -- the therapy page's premise --------------------------------------------------------------------------------

def test_children_by_weeks_band_at_a_month_end_are_that_months_waiting_list():
    """The page draws "children waiting now, by weeks waited" at the last month end of the waiting-list chart,
    saying they are the chart's last point: the two derivations must count the same children."""
    rng = np.random.default_rng(7)
    n = 400
    referred = [date(2022, 1, 1) + pd.Timedelta(days=int(d)) for d in rng.integers(0, 800, n)]
    waits = rng.integers(0, 500, n)
    seen = [r + pd.Timedelta(days=int(w)) if w < 420 else None for r, w in zip(referred, waits)]
    rows = [dict(referral_id=f"R{i}", service=("Speech and language therapy", "Physiotherapy")[i % 2],
                 locality=("North", "Central", "South")[i % 3], referral_date=r, first_contact_date=s,
                 discharge_date=None, age_band="5-10", sen_status="none", first_language_english=True,
                 did_not_attend_count=0) for i, (r, s) in enumerate(zip(referred, seen))]
    referrals = pl.from_arrow(pa.Table.from_pylist(rows, schema=schemas.THERAPY_REFERRALS))
    monthly = therapy.waiting_list_size(referrals, "Blackpool")
    for month, locality, service in [(date(2023, 6, 1), None, None), (date(2023, 12, 1), "Central", None),
                                     (date(2024, 2, 1), "North", "Physiotherapy")]:
        month_end = (pd.Timestamp(month) + pd.offsets.MonthEnd(0)).date()
        by_band = therapy_current_waiters(referrals, as_of=month_end, service=service, locality=locality)
        listed = monthly.filter((pl.col("period_start") == month) & (pl.col("area") == (locality or "Blackpool"))
                                & (pl.col("breakdown") == (service or "All")))["value"].item()
        assert by_band["waiting"].sum() == listed > 0
