"""metrics.view.drill and how it is drawn: waits beside demand as small multiples on one time axis, bars that keep
their order and hatch what they highlight, shares of a whole, the assessment funnel; their tables and downloads
hold what the charts show, the card carries every affordance or says why there is nothing to show, and the
registry serves them to the board only. Figures are worked on hand-made specs; views on the default data, checked
against the series and record tables they are drawn from.
"""
from datetime import date

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from bs4 import BeautifulSoup

from components.card import card_html
from components.chart import bar_figure, panels_figure, stacked_figure
from metrics import format as fmt
from metrics import schemas
from metrics.derive import therapy, therapy_current_waiters
from metrics.edition import public_store
from metrics.store import build_store
from metrics.view import drill
from metrics.view.measure import Scope
from metrics.view.model import Bar, BarChart, Event, Panel, PanelsChart, Point, StackedChart
from metrics.view.registry import chart_of, resolve
from metrics.view.tables import to_csv


def point(x, value, status="ok", unit="count"):
    return Point(x, fmt.period(x, "month"), value, status, fmt.value(value, unit, status))


# Two panels over three months: the waiting list (March suppressed) and the median wait (no February value).
WAITING = Panel("Children waiting", "count", (point("2024-01-01", 10.0), point("2024-02-01", 12.0),
                                              point("2024-03-01", None, "suppressed")))
WEEKS = Panel("Median wait", "weeks", (point("2024-01-01", 1.25, unit="weeks"), point("2024-03-01", 3.0, unit="weeks")))
CLINIC = Event(2, "2024-02-01", "February 2024", "New clinic", "Drop-in triage", False)
LATER = Event(7, "2024-03-20", "March 2024", "Later in the last month", "", False)


@pytest.fixture(scope="module")
def store():
    return build_store(precompute=False)


# -- small multiples -----------------------------------------------------------------------------------------

def test_small_multiples_stack_panels_on_one_time_axis():
    fig = panels_figure(PanelsChart("Waits", (WAITING, WEEKS), (CLINIC, LATER)))
    waiting, weeks = fig["data"]
    layout = fig["layout"]
    # Each trace has its own y axis and the one shared x axis, anchored under the bottom panel.
    assert (waiting["xaxis"], waiting["yaxis"]) == ("x", "y") and (weeks["xaxis"], weeks["yaxis"]) == ("x", "y2")
    assert layout["xaxis"]["anchor"] == "y2"
    # Two panels with a gap of 0.08 between them: each is (1 - 0.08) / 2 = 0.46 of the height.
    assert layout["yaxis"]["domain"] == pytest.approx([0.54, 1.0])
    assert layout["yaxis2"]["domain"] == pytest.approx([0.0, 0.46])
    assert "yaxis3" not in layout
    # A suppressed point is a gap, and its hover says why, not a number.
    assert waiting["x"] == ["2024-01-01", "2024-02-01", "2024-03-01"] and waiting["y"] == [10.0, 12.0, None]
    assert waiting["text"] == ["10", "12", "Suppressed to protect confidentiality"]
    assert weeks["text"] == ["1.2 weeks", "3.0 weeks"]  # 1.25 rounds half to even, as Python's format does
    # Events by their number in the intervention log, with the title in the hover.
    assert [s["x0"] for s in layout["shapes"]] == ["2024-02-01", "2024-03-20"]
    marks = [a for a in layout["annotations"] if a.get("xref") == "x"]
    assert [m["text"] for m in marks] == ["<b>2</b>", "<b>7</b>"]
    assert marks[0]["hovertext"] == "February 2024: New clinic<br>Drop-in triage"
    titles = [a["text"] for a in layout["annotations"] if a.get("xref") == "paper"]
    assert titles == ["<b>Children waiting</b>", "<b>Median wait</b>"]


def test_small_multiples_with_no_data_explain_why():
    fig = panels_figure(PanelsChart("Waits", (Panel("Children waiting", "count", ()),)))
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"] == "No data for this selection."


def test_waits_beside_demand_table_holds_each_months_stored_values(store):
    view = drill.therapy_demand(store, Scope("north", "2023-01", "2023-12"), "slt", "board")
    chart = view.charts[0]
    panels = chart.spec.panels
    assert [p.title for p in panels] == ["Children waiting for a first appointment", "Referrals received",
                                         "Typical (median) wait so far, in weeks"]
    lines = to_csv(chart.table).splitlines()
    assert lines[0] == ("period,period_start,children_waiting_for_a_first_appointment,referrals_received,"
                        "typical_median_wait_so_far_in_weeks")
    assert len(lines) == 13  # January to December 2023
    for metric_id, column, digits in (("therapy_waiting_list", 2, 0), ("therapy_median_wait", 4, 1)):
        stored = store.series(metric_id, "North", "Speech and language therapy", "2023-01-01", "2023-12-01")
        assert [line.split(",")[column] for line in lines[1:]] == [
            fmt.symbol(v, s, digits=digits) for v, s in zip(stored["value"], stored["status"])]
    # The log's events for speech and language therapy within 2023, by their numbers: the triage clinic (4), the
    # pathway for referrals (6) and the list's validation (18, October 2023); the Sunday clinics (2024) are outside.
    assert [e.number for e in chart.spec.events] == [4, 6, 18]


# -- bars -------------------------------------------------------------------------------------------------------

BANDS = ["Up to 6 weeks", "Over 6, up to 18 weeks", "Over 18 weeks"]


def bars(values, highlight=(False, False, False), text=None):
    return tuple(Bar(b, v, t, f"h{i}", h) for i, (b, v, t, h) in
                 enumerate(zip(BANDS, values, text or [str(v) for v in values], highlight)))


def test_bar_figure_keeps_category_order_and_hatches_the_highlighted_bars():
    fig = bar_figure(BarChart("Waits", bars([5, 3, 2], (False, False, True)), "Children waiting",
                              highlight_name="Over 18 weeks", base_name="Up to 18 weeks"))
    base, over = fig["data"]
    assert (base["name"], base["y"], base["x"]) == ("Up to 18 weeks", BANDS[:2], [5, 3])
    assert (over["name"], over["y"], over["x"], over["text"]) == ("Over 18 weeks", BANDS[2:], [2], ["2"])
    # Not colour alone: the highlighted bars are hatched and named in the legend.
    assert over["marker"]["pattern"]["shape"] == "/" and base["marker"]["pattern"]["shape"] == ""
    assert over["showlegend"] and base["showlegend"]
    # First category at the top, in the order given (not sorted by value).
    assert fig["layout"]["yaxis"]["categoryarray"] == BANDS and fig["layout"]["yaxis"]["autorange"] == "reversed"


def test_bar_figure_without_highlight_is_one_unlabelled_trace():
    fig = bar_figure(BarChart("Rates", bars([12.5, None, 3], text=["12.5", "nobody seen", "3"]), "Rate"))
    (trace,) = fig["data"]
    assert trace["x"] == [12.5, 0, 3]  # a missing rate is a zero-length bar, labelled in words
    assert trace["text"][1] == "nobody seen" and trace["showlegend"] is False


@pytest.mark.parametrize("values", [[0, 0, 0], [None, None, None], []])
def test_bar_figure_with_nobody_is_an_empty_state(values):
    fig = bar_figure(BarChart("Waits", bars(values), ""))
    assert fig["data"] == [] and fig["layout"]["annotations"][0]["text"] == "No one in this selection."


def test_funnel_labels_each_stage_with_its_share_and_median_days(store):
    view = drill.ehcp_assessment_funnel(store, Scope(), "board")
    stages = view.charts[0].spec.bars
    requests = store.series("ehcp_requests", "Blackpool")
    # Every request received over the window reaches the first stage: the monthly requests series, added up.
    assert stages[0].label == "Request" and stages[0].value == requests["value"].sum()
    assert [b.value for b in stages] == sorted((b.value for b in stages), reverse=True)  # none reached without
    for b in stages[1:]:  # ... the one before
        share = round(100 * b.value / stages[0].value)
        assert b.text.startswith(f"{b.value:,} ({share}%) · median ")
    rows = view.charts[0].table.rows
    assert [r[0].text for r in rows] == [b.label for b in stages]
    assert [r[1].value for r in rows] == [b.value for b in stages]


# -- shares of a whole --------------------------------------------------------------------------------------

PARTS = (Panel("Maintained", "percent", (point("2024-01-01", 60.0), point("2024-02-01", 50.0))),
         Panel("Amended", "percent", (point("2024-01-01", 30.0), point("2024-02-01", None, "suppressed"))),
         Panel("Ceased", "percent", (point("2024-01-01", 10.0),)))


def test_stacked_shares_draw_one_patterned_trace_per_part():
    fig = stacked_figure(StackedChart("Outcomes", PARTS))
    assert [t["name"] for t in fig["data"]] == ["Maintained", "Amended", "Ceased"]
    assert fig["data"][1]["y"] == [30.0, None]
    assert len({t["marker"]["pattern"]["shape"] for t in fig["data"]}) == 3
    assert len({t["marker"]["color"] for t in fig["data"]}) == 3
    assert fig["layout"]["barmode"] == "stack" and fig["layout"]["yaxis"]["range"] == [0, 100]


def test_review_outcomes_add_up_to_the_whole_and_the_table_holds_them(store):
    view = drill.review_outcomes(store, Scope(end="2025-06"), "board")
    parts = view.charts[0].spec.parts
    assert [p.title for p in parts] == ["Maintained", "Amended", "Ceased"]
    for month in ("2024-06-01", "2025-06-01"):
        shares = [next(p.value for p in part.points if p.x == month) for part in parts]
        assert sum(shares) == pytest.approx(100, abs=0.2)  # each share is rounded to 0.1
    last = view.charts[0].table.rows[-1]
    assert [c.text for c in last[:2]] == ["June 2025", "2025-06-01"]
    assert view.sentences[0].text.startswith("In June 2025: maintained ")


# -- who is waiting, and the therapy page's premise --------------------------------------------------------------

def test_children_by_weeks_waited_are_that_months_waiting_list(store):
    """The card of children waiting now, by weeks waited, counts the children on the waiting list's last point."""
    for locality, service, name in (("area", "all", "All"), ("central", "slt", "Speech and language therapy"),
                                    ("north", "physio", "Physiotherapy")):
        scope = Scope(locality, None, "2025-06")
        view = drill.therapy_waiting(store, scope, service, "weeks_band", "board")
        listed = store.series("therapy_waiting_list", store.area.locality_slugs[locality], name, None, "2025-06-01")
        assert sum(b.value for b in view.charts[0].spec.bars) == listed["value"].iloc[-1] > 0
        assert view.sentences[0].text.startswith(f"On 30 June 2025, {int(listed['value'].iloc[-1]):,} children were "
                                                 "waiting")


def test_children_by_weeks_band_at_a_month_end_are_that_months_waiting_list():
    """The two derivations count the same children, on random extracts."""
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


# -- the card, the download, the registry --------------------------------------------------------------------

def test_a_drill_card_has_the_affordances_of_a_chart_card(store):
    view = drill.therapy_missed(store, Scope("south"), "ot", "age_band", "board")
    chart = view.charts[0]
    section = BeautifulSoup(card_html(view), "lxml").section
    assert section["id"] == "metric-therapy-missed-age-band"
    box = section.find(id="chart-therapy-missed-age-band")
    assert box["data-src"] == chart.figure_href == "/figure/therapy-missed-age-band.json?locality=south&service=ot"
    assert section.figcaption.p.get_text(strip=True) == view.sentences[0].text
    link = section.find("a", string="Download CSV")
    assert link["href"] == "/download/therapy-missed-age-band.csv?locality=south&service=ot"
    assert link.has_attr("download")  # the server names the file (Content-Disposition), from the table
    button = section.find("button", string="Save chart as PNG")
    assert button["data-target"] == "chart-therapy-missed-age-band"
    (details,) = section.find_all("details")
    assert details.find(class_="lazy-table")["data-src"] == chart.table_href
    assert view.synthetic and [s.get_text() for s in section.select(".flag-synthetic")] == \
        ["Synthetic demonstration data"]
    assert not section.select(".empty-state")


def test_a_drill_card_with_nothing_to_show_says_why_and_offers_no_download(store):
    empty = drill.therapy_waiting(public_store(store), Scope(), "all", "weeks_band", "public")
    section = BeautifulSoup(card_html(empty), "lxml").section  # no record tables: no chart, no download, the reason
    assert empty.charts[0].spec is None and empty.empty
    assert [p.get_text() for p in section.select(".empty-state")] == [empty.empty]
    assert not section.find("a", string="Download CSV")


def test_the_registry_serves_each_drill_view_from_its_url(store):
    view = resolve(store, "therapy-waiting-first-language", {"locality": "central", "service": "slt"}, "board")
    assert view == drill.therapy_waiting(store, Scope("central"), "slt", "first_language", "board")
    assert chart_of(view, {}) is view.charts[0] and chart_of(view, {"chart": "1"}) is None
    assert chart_of(view, {"chart": "x"}) is None
    assert resolve(store, "therapy-demand", {"service": "ot", "from": "2023-01"}, "board").charts[0].table.rows[0][0] \
        .text == "January 2023"
    for bad in ("therapy-missed-weeks-band", "therapy-waiting-shoe-size", "nothing"):
        assert resolve(store, bad, {}, "board") is None, bad
    assert resolve(store, "therapy-demand", {"service": "<script>"}, "board") is None


def test_record_level_views_do_not_exist_for_the_public(store):
    pub = public_store(store)
    for view_id in ("ehcp-funnel", "therapy-waiting-weeks-band", "therapy-missed-first-language"):
        assert resolve(pub, view_id, {}, "public") is None, view_id
    assert resolve(pub, "therapy-demand", {}, "public") is not None  # aggregates: both editions


def test_a_drill_down_is_built_once_per_view_and_only_its_latest_windows_are_kept(monkeypatch):
    # The therapy page's drill-downs scan the referrals extract on every redraw unless kept (~25 ms a redraw).
    from metrics import urlstate
    from metrics.edition import policy
    from metrics.store import get_store
    from metrics.view import pages

    store, pol = get_store(), policy("board")
    monkeypatch.setattr(pages._drills, "windowed_max", 2)
    slot = pages.Slot("therapy-waiting", by="weeks_band")
    speech = urlstate.decode("therapy", {"service": "slt"}, urlstate.vocabulary(store))[0]
    every = urlstate.decode("therapy", {}, urlstate.vocabulary(store))[0]
    (whole,) = pages.slot_views(store, slot, Scope(), speech, pol)
    assert pages.slot_views(store, slot, Scope(), speech, pol)[0] is whole
    (other,) = pages.slot_views(store, slot, Scope(), every, pol)
    assert other is not whole and other == drill.therapy_waiting(store, Scope(), urlstate.SERVICE_ALL, "weeks_band",
                                                                   "board")
    windows = [Scope("area", None, f"2024-{m:02d}") for m in range(1, 5)]
    first = [pages.slot_views(store, slot, w, speech, pol)[0] for w in windows]
    assert len(pages._drills.windowed) == 2 and pages.slot_views(store, slot, Scope(), speech, pol)[0] is whole
    again = pages.slot_views(store, slot, windows[0], speech, pol)[0]  # dropped: built again, to the same view
    assert again is not first[0] and again == first[0]
