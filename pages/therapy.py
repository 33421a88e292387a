"""Therapy waiting lists (`/therapy?service=slt&locality=central&from=2022-04`).

For one service or all of them: waits beside demand (children waiting, referrals and the median wait on one time
axis); % waiting over 18 weeks and year-long waiters as SPC charts, rebased at the interventions the analyst marked
and with every intervention drawn; who is waiting now, by weeks waited and by SEN status, age band and first
language, and their missed appointments (board edition only: these read the record-level extract); then every
other therapy measure in the catalogue.

The service changes which series the service-level cards show, so their cards are redrawn (with new ids) when it
changes; a change of locality or dates redraws each card in place (`components.chart_card.redraw_card`). The
drill-down callback is registered by `register_drilldowns`, which the public edition never calls.
"""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import dash
import dash_bootstrap_components as dbc
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from components import drilldown, family
from components.cache import memoize
from components.chart_card import card_for, card_slot
from components.page import ANY, page, select_filter, view_from, view_of
from metrics import format as fmt
from metrics import urlstate
from metrics.annotations import annotations_for
from metrics.derive import WEEKS_BANDS, therapy_current_waiters, therapy_dna_by
from metrics.derive.therapy import OVER_18_WEEKS_DAYS
from metrics.edition import APP_EDITION, BOARD, PUBLIC, get_store, serves_records

PAGE = "therapy"
_page = get_store().catalogue.page(PAGE)
dash.register_page(__name__, path=f"/{PAGE}", name=_page.nav, title=_page.title, order=5)

# The headline cards, drawn for the chosen service; the demand panels (catalogue ids, in panel order).
LONG_WAITS = ("therapy_over_18wk_pct", "therapy_52wk_waiters")
DEMAND = ("therapy_waiting_list", "therapy_referrals", "therapy_median_wait")
DNA = "therapy_dna_rate"
# ?breakdown= on this page: which characteristics of children the drill-downs split by (default: all three).
CHARACTERISTICS = {"sen_status": "SEN status", "age_band": "age band", "first_language": "first language"}
# How the extract's codes read on the page.
CATEGORY_LABELS = {"none": "No SEN recorded"}
OVER_18 = {label for label, upto in WEEKS_BANDS if upto is None or upto > OVER_18_WEEKS_DAYS}
SOURCE_NOTE = "Counted from the record-level therapy referrals extract."


def layout(**kwargs):
    return page(PAGE, kwargs, build, title=_page.title, intro=_page.intro, filters=filters)


def filters(state: urlstate.State, vocab: urlstate.Vocabulary) -> list:
    out = [select_filter("service", "Service", [(urlstate.SERVICE_ALL, "All services"), *vocab.services.items()],
                         state.service)]
    if serves_records(APP_EDITION):
        out.append(select_filter("breakdown", "Split children by",
                                 [(ANY, "SEN status, age band and first language"),
                                  *((k, v.capitalize()) for k, v in CHARACTERISTICS.items())],
                                 state.breakdown if state.breakdown in CHARACTERISTICS else ANY))
    return out


# -- what a State shows ------------------------------------------------------------------------------------------

def service_breakdown(store, service: str) -> str:
    """The breakdown value of a service-level series: the service's name, or `All` for all services."""
    return "All" if service == urlstate.SERVICE_ALL else store.catalogue.service_by_slug(service).name


def service_cards(store, state: urlstate.State, metric_ids) -> list:
    """Cards for `metric_ids`, service-level ones drawn for the chosen service.

    A service's card is keyed by the service too, so it sits in a frame with the measure's own anchor
    (`#metric-<id>`, where `?metric=<id>` scrolls) whichever service is shown.
    """
    out = []
    for m in (store.catalogue.get(i) for i in metric_ids if i in store.catalogue.ids):
        breakdown = service_breakdown(store, state.service) if m.breakdown == "service" else "All"
        slot = card_slot(card_for(m.id, state, breakdown, heading_level=3), m.id, breakdown,
                         highlight=state.metric == m.id)
        out.append(slot if breakdown == "All" else html.Div(slot, id=f"metric-{m.id}", tabIndex="-1"))
    return out


def other_measures(store) -> list[str]:
    shown = {*LONG_WAITS, DNA}
    return [m.id for m in store.catalogue.by_page(PAGE) if m.id not in shown]


def characteristics(state: urlstate.State) -> list[str]:
    return [state.breakdown] if state.breakdown in CHARACTERISTICS else list(CHARACTERISTICS)


def as_of(store, area: str, breakdown: str, end) -> date | None:
    """The month end the drill-downs describe: the last month of the waiting-list series in the window, so the
    children counted by weeks waited are the children in the chart's last point."""
    series = store.series("therapy_waiting_list", area, breakdown, end=end)
    if series.empty:
        return None
    return (pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)).date()


def events_for(store, metric_ids, service: str, area: str) -> list:
    """The interventions drawn on these series, each once, in date order."""
    locality = area if area in store.area.localities else None
    slug = None if service == urlstate.SERVICE_ALL else service
    found = {(a.date, a.title): a for metric_id in metric_ids
             for a in annotations_for(store.annotations, metric_id, slug, locality)}
    return [found[k] for k in sorted(found)]


# -- the page ------------------------------------------------------------------------------------------------

def build(state: urlstate.State, _store, vocab: urlstate.Vocabulary) -> list:
    store = get_store()  # this edition's store: the public one has only public measures and no records
    records = serves_records(APP_EDITION)
    sections = [
        dcc.Store(id="therapy-drawn", data=view_of(state, AGGREGATE_VIEW)),
        family.while_you_wait_slot(state),
        html.H2("Waits in the context of demand", className="h4"),
        dcc.Loading(html.Div(demand_card(state), id="therapy-demand"), delay_show=250),
        html.H2("Long waits", className="h4"),
        html.Div(service_cards(store, state, LONG_WAITS), id="therapy-long-waits"),
    ]
    if records:
        sections += [
            html.H2("Who is waiting now, and who misses appointments", className="h4"),
            dcc.Store(id="therapy-drilldowns-drawn", data=view_of(state, DRILLDOWN_VIEW)),
            dcc.Loading(html.Div(drilldowns(state), id="therapy-drilldowns"), delay_show=250),
        ]
    sections += [
        html.H2("Missed appointments over time", className="h4"),
        html.P("This monthly series counts all services together, whichever service is chosen above.",
               className="small"),
        *service_cards(store, state, [DNA]),
        html.H2("More measures of therapy services", className="h4"),
        html.Div(service_cards(store, state, other_measures(store)), id="therapy-other"),
    ]
    return sections


def demand_card(state: urlstate.State) -> html.Section:
    return _demand(state.service, state.locality, state.start, state.end)


@memoize
def _demand(service: str, locality: str, start: str | None, end: str | None) -> html.Section:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state = urlstate.State(page=PAGE, locality=locality, start=start, end=end, service=service)
    area = state.area(vocab)
    start_date, end_date = state.window(vocab)
    breakdown = service_breakdown(store, service)
    metrics = [store.catalogue.get(i) for i in DEMAND if i in store.catalogue.ids]
    panels = [drilldown.Panel(m.title, m.unit, store.series(m.id, area, breakdown, start_date, end_date))
              for m in metrics]
    # The events in the months drawn, numbered as the figure numbers them.
    months = sorted({pd.Timestamp(d).strftime("%Y-%m") for p in panels for d in p.series["period_start"]})
    events = [a for a in events_for(store, [m.id for m in metrics], service, area)
              if months and months[0] <= f"{a.date:%Y-%m}" <= months[-1]]
    where = urlstate.describe(state, vocab)
    good = "; ".join(f"{m.title}: {m.good_direction_text}" for m in metrics)
    description = ("Each panel has its own scale, on one time axis: read the waiting list and the wait against "
                   "the number of referrals coming in. Numbered lines are the interventions in the log.")
    if not any(len(p.series) for p in panels):
        return drilldown.drill_card("therapy-demand", "Waiting list, referrals and waits together", good,
                                    description, figure=None, empty=_no_data(store, metrics))
    headers, rows, csv_headers, csv_rows = drilldown.small_multiples_rows(panels)
    return drilldown.drill_card(
        "therapy-demand", "Waiting list, referrals and waits together", good, description,
        figure=drilldown.small_multiples(panels, [SimpleNamespace(date=a.date, label=a.title, detail=a.description)
                                                  for a in events]),
        summary=_demand_summary(panels), note=_events_text(events),
        table=drilldown.data_table(f"Waiting list, referrals and median wait by month: {where}", headers, rows),
        csv=drilldown.csv_text(csv_headers, csv_rows),
        meta=family.drill_provenance(_source(panels, metrics),
                                     max(p.series["period_start"].max() for p in panels if len(p.series))),
        synthetic=any(bool(p.series["synthetic"].any()) for p in panels))


def _demand_summary(panels) -> str:
    parts = []
    for p in panels:
        ok = p.series[p.series["status"] == "ok"].dropna(subset=["value"])
        if len(ok):
            last = ok.iloc[-1]
            parts.append(f"{p.title}: {fmt.value(last['value'], p.unit)} in "
                         f"{fmt.period(last['period_start'], 'month')}")
    return ("Latest values. " + "; ".join(parts) + ".") if parts else ""


# What a rebased intervention means for the charts below, in each edition's words (families get no SPC jargon).
REBASE_WORDS = {BOARD: "the SPC charts below restart their limits here",
                PUBLIC: "the charts below work out a new usual range from here"}


def _events_text(events, edition: str = APP_EDITION) -> str:
    if not events:
        return ""
    return "Interventions: " + "; ".join(f"{n}. {fmt.period(a.date, 'month')}, {a.title}"
                                         + (f" ({REBASE_WORDS[edition]})" if a.rebase else "")
                                         for n, a in enumerate(events, start=1)) + "."


def _source(panels, metrics) -> str:
    for p in panels:
        if len(p.series):
            return str(p.series["source"].iloc[-1])
    return metrics[0].source if metrics else ""


def _no_data(store, metrics) -> str:
    for m in metrics:
        if m.id in store.unavailable:
            return store.unavailable[m.id]
    return "No data for this selection."


def drilldowns(state: urlstate.State) -> list:
    """Children waiting by weeks waited, then waits and missed appointments by each chosen characteristic."""
    out = [_waiters(state.service, state.locality, state.end, "weeks_band")]
    for by in characteristics(state):
        out.append(dbc.Row([dbc.Col(_waiters(state.service, state.locality, state.end, by), lg=6),
                            dbc.Col(_missed(state.service, state.locality, state.start, state.end, by), lg=6)]))
    return out


def _scope(store, service: str, locality: str):
    """(service name or None, locality name or None, area name) as the drill-downs take them."""
    vocab = urlstate.vocabulary(store)
    area = vocab.localities[locality]
    name = None if service == urlstate.SERVICE_ALL else store.catalogue.service_by_slug(service).name
    return name, (area if area in store.area.localities else None), area


@memoize
def _waiters(service: str, locality: str, end: str | None, by: str) -> html.Section:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    name, locality_name, area = _scope(store, service, locality)
    state = urlstate.State(page=PAGE, locality=locality, service=service, end=end)
    key = f"therapy-waiting-{by.replace('_', '-')}"
    when = as_of(store, area, name or "All", state.window(vocab)[1])
    referrals = store.records.get("therapy_referrals")
    what = "by how long they have waited" if by == "weeks_band" else f"by {CHARACTERISTICS[by]}"
    title = f"Children waiting now, {what}"
    if by == "weeks_band":
        good = "Fewer children in the longer bands is better"
        description = ("Children still waiting for a first appointment at the month end, grouped by how long they "
                       "have waited so far. The hatched bars are the children counted in '% waiting more than 18 "
                       "weeks'.")
    else:
        good = "Shorter is better; bars of similar length mean groups wait alike"
        description = (f"The median wait so far of the children still waiting at the month end, by "
                       f"{CHARACTERISTICS[by]}, with how many are waiting in each group.")
    if referrals is None or when is None:
        why = store.unavailable.get("therapy_waiting_list", "No one is on the waiting list in this selection.")
        return drilldown.drill_card(key, title, good, description, figure=None, empty=why, heading_level=3)
    frame = therapy_current_waiters(referrals, as_of=when, service=name, locality=locality_name, by=by)
    scope = _scope_words(store, service, area)
    when_text = f"{when.day} {when:%B %Y}"
    cats = [CATEGORY_LABELS.get(c, c) for c in frame["category"]]
    n = [int(x) for x in frame["waiting"]]
    pct = [None if pd.isna(x) else float(x) for x in frame["pct"]]
    median = [None if pd.isna(x) else float(x) for x in frame["median_weeks"]]
    count_text = [f"{c:,} ({p:.0f}%)" if p is not None else f"{c:,}" for c, p in zip(n, pct)]
    hover = [f"<b>{c}</b><br>{k:,} children waiting" + (f" ({p:.1f}% of those waiting)" if p is not None else "")
             + (f"<br>Median wait so far {m:.1f} weeks" if m is not None else "")
             for c, k, p, m in zip(cats, n, pct, median)]
    headers = ["Weeks waited" if by == "weeks_band" else CHARACTERISTICS[by].capitalize(), "Children waiting",
               "% of those waiting", "Median wait so far (weeks)"]
    table_rows = [[c, f"{k:,}", "" if p is None else f"{p:.1f}%", "" if m is None else f"{m:.1f}"]
                  for c, k, p, m in zip(cats, n, pct, median)]
    csv_rows = [[c, k, "" if p is None else f"{p:.1f}", "" if m is None else f"{m:.1f}"]
                for c, k, p, m in zip(cats, n, pct, median)]
    total = sum(n)
    if by == "weeks_band":
        figure = drilldown.bar_figure(cats, n, text=count_text, hover=hover, axis_title="Children waiting",
                                      highlight=[c in OVER_18 for c in cats], highlight_name="Over 18 weeks",
                                      base_name="Up to 18 weeks")
        over = sum(k for c, k in zip(cats, n) if c in OVER_18)
        summary = (f"On {when_text}, {total:,} children were waiting ({scope}); {over:,} of them "
                   f"({100 * over / total:.0f}%) had waited more than 18 weeks." if total else "")
    else:
        figure = drilldown.bar_figure(
            cats, [m or 0 for m in median], hover=hover, axis_title="Median wait so far (weeks)",
            text=[f"{m:.1f} weeks ({k:,})" if m is not None else "nobody waiting" for m, k in zip(median, n)])
        longest = max(((m, c) for m, c in zip(median, cats) if m is not None), default=None)
        summary = (f"On {when_text}, of {total:,} children waiting ({scope}), the longest median wait so far was "
                   f"{longest[0]:.1f} weeks ({longest[1]})." if longest else "")
    return drilldown.drill_card(
        key, title, good, description, figure=figure, summary=summary, heading_level=3,
        empty=None if total else f"No one was waiting on {when_text} ({scope}).",
        table=drilldown.data_table(f"{title}, {when_text}: {scope}", headers, table_rows),
        csv=drilldown.csv_text(headers, csv_rows), meta=SOURCE_NOTE, synthetic=_synthetic(store))


@memoize
def _missed(service: str, locality: str, start: str | None, end: str | None, by: str) -> html.Section:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    name, locality_name, area = _scope(store, service, locality)
    state = urlstate.State(page=PAGE, locality=locality, service=service, start=start, end=end)
    key = f"therapy-missed-{by.replace('_', '-')}"
    title = f"Missed appointments, by {CHARACTERISTICS[by]}"
    good = "Lower is better"
    description = ("Missed appointments (did not attend) per 100 children first seen in the period, by "
                   f"{CHARACTERISTICS[by]}: the same measure as the chart of missed appointments over time.")
    referrals = store.records.get("therapy_referrals")
    series = store.series(DNA, area, "All", *state.window(vocab)) if DNA in store.catalogue.ids else pd.DataFrame()
    if referrals is None or series.empty:
        why = store.unavailable.get(DNA, "No one was first seen in this selection.")
        return drilldown.drill_card(key, title, good, description, figure=None, empty=why, heading_level=3)
    first = pd.Timestamp(series["period_start"].iloc[0]).date()
    last = (pd.Timestamp(series["period_start"].iloc[-1]) + pd.offsets.MonthEnd(0)).date()
    frame = therapy_dna_by(referrals, start=first, end=last, service=name, locality=locality_name, by=by)
    scope = _scope_words(store, service, area)
    period = f"{first:%B %Y} to {last:%B %Y}"
    cats = [CATEGORY_LABELS.get(c, c) for c in frame["category"]]
    seen = [int(x) for x in frame["seen"]]
    missed = [int(x) for x in frame["missed"]]
    rate = [None if pd.isna(x) else float(x) for x in frame["dna_rate"]]
    text = [f"{r:.1f}" if r is not None else "nobody seen" for r in rate]
    hover = [f"<b>{c}</b><br>{m:,} missed appointments, {s:,} children first seen"
             + (f"<br>{r:.1f} per 100 seen" if r is not None else "") for c, m, s, r in zip(cats, missed, seen, rate)]
    headers = [CHARACTERISTICS[by].capitalize(), "Children first seen", "Missed appointments",
               "Missed per 100 seen"]
    table_rows = [[c, f"{s:,}", f"{m:,}", "" if r is None else f"{r:.1f}"]
                  for c, s, m, r in zip(cats, seen, missed, rate)]
    csv_rows = [[c, s, m, "" if r is None else f"{r:.1f}"] for c, s, m, r in zip(cats, seen, missed, rate)]
    highest = max(((r, c) for r, c in zip(rate, cats) if r is not None), default=None)
    summary = (f"{period}, {scope}: the highest rate was {highest[0]:.1f} missed appointments per 100 children "
               f"seen ({highest[1]})." if highest else "")
    return drilldown.drill_card(
        key, title, good, description, heading_level=3, summary=summary,
        figure=drilldown.bar_figure(cats, [r or 0 for r in rate], text=text, hover=hover,
                                    axis_title="Missed appointments per 100 children seen"),
        empty=None if sum(seen) else f"No one was first seen from {period} ({scope}).",
        table=drilldown.data_table(f"{title}, {period}: {scope}", headers, table_rows),
        csv=drilldown.csv_text(headers, csv_rows), meta=SOURCE_NOTE, synthetic=_synthetic(store))


def _synthetic(store) -> bool:
    return bool(store.inputs.get("therapy_referrals", {}).get("synthetic", False))


def _scope_words(store, service: str, area: str) -> str:
    """'speech and language therapy, Central locality', 'all services, Blackpool (whole area)'."""
    place = f"{area} locality" if area in store.area.localities else f"{area} (whole area)"
    if service == urlstate.SERVICE_ALL:
        return f"all services, {place}"
    name = store.catalogue.service_by_slug(service).name
    return f"{name[0].lower()}{name[1:]}, {place}"


# -- callbacks ------------------------------------------------------------------------------------------------
# Each redraw keeps the view it drew in a Store and does nothing when the settings it depends on are unchanged
# (components.page.view_from, which also stops on a forged page state).

AGGREGATE_VIEW = ("service", "locality", "start", "end", "metric")
DRILLDOWN_VIEW = ("service", "locality", "start", "end", "breakdown")


@callback(
    Output("therapy-demand", "children"),
    Output("therapy-long-waits", "children"),
    Output("therapy-other", "children"),
    Output("therapy-drawn", "data"),
    Input("page-state", "data"),
    State("therapy-drawn", "data"),
    prevent_initial_call=True,
)
def redraw_aggregates(state_data, drawn):
    """Waits beside demand for the new view; the service-level cards only for a new service (a change of
    locality or dates redraws the cards already there)."""
    state, now = view_from(state_data, PAGE, drawn, AGGREGATE_VIEW)
    store = get_store()
    same_cards = isinstance(drawn, dict) and all(drawn.get(k) == now[k] for k in ("service", "metric"))
    return (demand_card(state), no_update if same_cards else service_cards(store, state, LONG_WAITS),
            no_update if same_cards else service_cards(store, state, other_measures(store)), now)


def register_drilldowns() -> None:
    """The callback that reads the record-level extract. Only the board edition registers it, so the public
    edition has no endpoint that could serve it (metrics.edition.serves_records)."""
    @callback(
        Output("therapy-drilldowns", "children"),
        Output("therapy-drilldowns-drawn", "data"),
        Input("page-state", "data"),
        State("therapy-drilldowns-drawn", "data"),
        prevent_initial_call=True,
    )
    def redraw_drilldowns(state_data, drawn):
        state, now = view_from(state_data, PAGE, drawn, DRILLDOWN_VIEW)
        return drilldowns(state), now


if serves_records(APP_EDITION):
    register_drilldowns()
