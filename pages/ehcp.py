"""EHCP timeliness (`/ehcp`): are new plans issued within 20 weeks, where the assessment takes its time, advice by
agency, annual reviews and their outcomes, and phase transfers by their deadlines; then every other EHC plan
measure in the catalogue.

The assessment funnel reads the record-level casework extract, so only the board edition draws it (and registers
its callback). Every other chart is an aggregate series: the cards redraw themselves when the filters change
(`components.chart_card.redraw_card`), and the review outcomes mix is redrawn here.
"""
from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html

from components import drilldown, family
from components.cache import memoize
from components.chart_card import card_for, card_slot
from components.page import page, view_from, view_of
from metrics import urlstate
from metrics.derive import ehcp_funnel
from metrics.derive.reviews import OUTCOME_LABELS
from metrics.edition import APP_EDITION, get_store, serves_records

PAGE = "ehcp"
_page = get_store().catalogue.page(PAGE)
dash.register_page(__name__, path=f"/{PAGE}", name=_page.nav, title=_page.title, order=6)

# The catalogue ids each section shows. A measure with a breakdown (agency, deadline) gets its total and a card per
# part; the review outcomes are one mix chart (their total is always 100%). Measures not named here follow in
# "More measures", so a measure added to the catalogue appears with nothing else to change.
TWENTY_WEEKS = ("ehcp_20wk_excl", "ehcp_20wk_incl", "ehcp_plans_issued")
ASSESSMENT = ("ehcp_requests", "ehcp_decision_6wk", "ehcp_draft_on_time")
ADVICE = ("ehcp_advice_6wk",)
REVIEWS = ("ehcp_reviews_on_time", "ehcp_amended_on_time", "ehcp_review_decision_4wk",
           "ehcp_review_paperwork_on_time")
OUTCOMES = "ehcp_review_outcomes"
PHASE = ("ehcp_phase_transfer",)
NAMED = {*TWENTY_WEEKS, *ASSESSMENT, *ADVICE, *REVIEWS, OUTCOMES, *PHASE}
FUNNEL_SOURCE = "Counted from the record-level EHC needs assessment casework extract."


def layout(**kwargs):
    return page(PAGE, kwargs, build, title=_page.title, intro=_page.intro)


def build(state: urlstate.State, _store, vocab: urlstate.Vocabulary) -> list:
    store = get_store()  # this edition's store: the public one has only public measures and no records
    ids = store.catalogue.ids
    out = [html.H2("Are new plans issued within 20 weeks?", className="h4"), *cards(store, state, TWENTY_WEEKS),
           html.H2("The assessment, stage by stage", className="h4")]
    if serves_records(APP_EDITION):
        out += [dcc.Store(id="ehcp-drilldowns-drawn", data=view_of(state, VIEW)),
                dcc.Loading(html.Div(funnel_card(state), id="ehcp-drilldowns"), delay_show=250)]
    out += [*cards(store, state, ASSESSMENT),
            html.H2("Advice within 6 weeks, by agency", className="h4"), *cards(store, state, ADVICE),
            html.H2("Annual reviews", className="h4"), *cards(store, state, REVIEWS[:1])]
    if OUTCOMES in ids:
        out += [dcc.Store(id="ehcp-review-outcomes-drawn", data=view_of(state, VIEW)),
                dcc.Loading(html.Div(outcomes_card(state), id="ehcp-review-outcomes"), delay_show=250)]
    out += [*cards(store, state, REVIEWS[1:]),
            html.H2("Moves between school phases", className="h4"), *cards(store, state, PHASE)]
    others = [m.id for m in store.catalogue.by_page(PAGE) if m.id not in NAMED]
    if others:
        out += [html.H2("More measures of EHC plans", className="h4"), *cards(store, state, others)]
    return out


def parts(store, metric) -> list[str]:
    """The breakdowns a measure's cards show: its total, then each part the whole area has data for."""
    if metric.breakdown == "none":
        return ["All"]
    return ["All", *(b for b in store.breakdowns(metric.id, store.area.name) if b != "All")]


def cards(store, state: urlstate.State, metric_ids) -> list:
    """A card per measure (and per part of a measure with a breakdown, two to a row)."""
    out = []
    for metric_id in metric_ids:
        if metric_id not in store.catalogue.ids:  # e.g. a board-only measure in the public edition
            continue
        metric = store.catalogue.get(metric_id)
        slots = [card_slot(card_for(metric_id, state, b, heading_level=3), metric_id, b,
                           highlight=state.metric == metric_id) for b in parts(store, metric)]
        if len(slots) == 1:
            out += slots
        else:
            out.append(dbc.Row([dbc.Col(s, lg=6) for s in slots]))
    return out


def _window(store, state: urlstate.State, metric_id: str, area: str):
    """(first day, last day) of the months a series has in the window, None when it has none."""
    vocab = urlstate.vocabulary(store)
    series = store.series(metric_id, area, "All", *state.window(vocab))
    if series.empty:
        return None
    first = pd.Timestamp(series["period_start"].iloc[0])
    last = pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)
    return first.date(), last.date()


def _where(store, area: str) -> str:
    return f"{area} locality" if area in store.area.localities else f"{area} (whole area)"


# -- the review outcomes mix (aggregate) ---------------------------------------------------------------------

def outcomes_card(state: urlstate.State) -> html.Section:
    return _outcomes(state.locality, state.start, state.end, state.metric == OUTCOMES)


@memoize
def _outcomes(locality: str, start: str | None, end: str | None, highlight: bool) -> html.Section:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state = urlstate.State(page=PAGE, locality=locality, start=start, end=end)
    area = state.area(vocab)
    metric = store.catalogue.get(OUTCOMES)
    order = list(OUTCOME_LABELS.values())  # maintained, amended, ceased: the plan kept, changed, ended
    names = sorted((b for b in parts(store, metric) if b != "All"),
                   key=lambda b: (order.index(b) if b in order else len(order), b))
    series = {b: store.series(OUTCOMES, area, b, *state.window(vocab)) for b in names}
    key = "ehcp-review-outcomes"
    description = (f"{metric.description} Each bar is one month's reviews; the parts add up to 100%.")
    good = metric.good_direction_text.capitalize()
    if not any(len(s) for s in series.values()):
        return drilldown.drill_card(key, metric.title, good, description, figure=None, metric=OUTCOMES,
                                    empty=store.unavailable.get(OUTCOMES, "No data for this selection."),
                                    highlight=highlight, heading_level=3)
    headers, table_rows, csv_headers, csv_rows = drilldown.stacked_share_rows(series)
    latest = {b: s[s["status"] == "ok"].dropna(subset=["value"]) for b, s in series.items()}
    last = [(b, s.iloc[-1]) for b, s in latest.items() if len(s)]
    summary = ""
    if last:
        month = max(r["period_start"] for _, r in last)
        summary = (f"In {month:%B %Y}: " + ", ".join(f"{b.lower()} {r['value']:.0f}%" for b, r in last
                                                    if r["period_start"] == month) + ".")
    return drilldown.drill_card(
        key, metric.title, good, description, figure=drilldown.stacked_share_figure(series), summary=summary,
        table=drilldown.data_table(f"{metric.title}, {_where(store, area)}: share of reviews by month",
                                   headers, table_rows),
        csv=drilldown.csv_text(csv_headers, csv_rows), metric=OUTCOMES, highlight=highlight, heading_level=3,
        meta=family.drill_provenance(metric.source, max(s["period_start"].max() for s in series.values() if len(s))),
        synthetic=any(bool(s["synthetic"].any()) for s in series.values()))


# -- the assessment funnel (record level, board edition) -------------------------------------------------------

def funnel_card(state: urlstate.State) -> html.Section:
    return _funnel(state.locality, state.start, state.end)


@memoize
def _funnel(locality: str, start: str | None, end: str | None) -> html.Section:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state = urlstate.State(page=PAGE, locality=locality, start=start, end=end)
    area = state.area(vocab)
    key = "ehcp-funnel"
    title = "How far requests have got, stage by stage"
    good = "More requests reaching each stage, in fewer days, is better"
    description = ("Requests for an EHC needs assessment received in the period, and how many have reached each "
                   "stage so far, with the median number of days each stage took. Requests received recently may "
                   "still be on their way.")
    requests = store.records.get("ehc_requests")
    window = _window(store, state, "ehcp_requests", area) if "ehcp_requests" in store.catalogue.ids else None
    if requests is None or window is None:
        why = store.unavailable.get("ehcp_requests", "No requests in this selection.")
        return drilldown.drill_card(key, title, good, description, figure=None, empty=why, heading_level=3)
    first, last = window
    frame = ehcp_funnel(requests, locality=area if area in store.area.localities else None, start=first, end=last)
    period = f"{first:%B %Y} to {last:%B %Y}"
    where = _where(store, area)
    headers = ["Stage", "Requests reaching it", "% of requests", "Median days from previous stage",
               "Median days from request"]

    def cell(x, f="{:,.0f}"):
        return "" if x is None or pd.isna(x) else f.format(x)

    rows = [[r.stage, f"{r.reached:,}", cell(r.pct_of_requests, "{:.1f}%"), cell(r.median_days),
             cell(r.median_days_from_request)] for r in frame.itertuples(index=False)]
    csv_rows = [[r.stage, r.reached, cell(r.pct_of_requests, "{:.1f}"), cell(r.median_days, "{:.1f}"),
                 cell(r.median_days_from_request, "{:.1f}")] for r in frame.itertuples(index=False)]
    total = int(frame["reached"].iloc[0])
    final = frame.iloc[-1]
    summary = (f"Of {total:,} requests received from {period} ({where}), {int(final['reached']):,} have a final "
               f"plan, a median of {final['median_days_from_request']:,.0f} days after the request."
               if total and not pd.isna(final["median_days_from_request"]) else "")
    return drilldown.drill_card(
        key, title, good, description, figure=drilldown.funnel_figure(frame), summary=summary, heading_level=3,
        empty=None if total else f"No requests were received from {period} ({where}).",
        table=drilldown.data_table(f"EHC needs assessment stages, requests received {period}: {where}", headers,
                                   rows),
        csv=drilldown.csv_text(headers, csv_rows), meta=FUNNEL_SOURCE,
        synthetic=bool(store.inputs.get("ehc_requests", {}).get("synthetic", False)))


# -- callbacks ------------------------------------------------------------------------------------------------
# Each redraw keeps the view it drew in a Store and does nothing when the settings it depends on are unchanged
# (components.page.view_from, which also stops on a forged page state).

VIEW = ("locality", "start", "end", "metric")


@callback(
    Output("ehcp-review-outcomes", "children"),
    Output("ehcp-review-outcomes-drawn", "data"),
    Input("page-state", "data"),
    State("ehcp-review-outcomes-drawn", "data"),
    prevent_initial_call=True,
)
def redraw_outcomes(state_data, drawn):
    state, now = view_from(state_data, PAGE, drawn, VIEW)
    return outcomes_card(state), now


def register_drilldowns() -> None:
    """The funnel's callback reads the record-level extract: only the board edition registers it
    (metrics.edition.serves_records)."""
    @callback(
        Output("ehcp-drilldowns", "children"),
        Output("ehcp-drilldowns-drawn", "data"),
        Input("page-state", "data"),
        State("ehcp-drilldowns-drawn", "data"),
        prevent_initial_call=True,
    )
    def redraw_funnel(state_data, drawn):
        state, now = view_from(state_data, PAGE, drawn, VIEW)
        return funnel_card(state), now


if serves_records(APP_EDITION):
    register_drilldowns()
