"""The chart card: one metric's SPC chart with everything a reader needs beside it.

A title that says what good looks like, the Making Data Count icons with words, the plain-English description,
the chart (a plain-dict figure) with a written summary as its caption, the note or empty state, a button that
shows the data as an accessible table, a CSV download of exactly those rows, a PNG export, and the source
(with a badge when the data is synthetic), plan references and owner.

The public edition (APP_EDITION=public) draws the same card for families: `components.family`'s icon with words
and the catalogue's plain-English sentence instead of the SPC icons and narrative, plain words on the chart,
hidden figures saying why ("fewer than 6"), and where the figures come from and how recent they are.

`chart_card` draws a card from an Analysis; `card_for` looks the analysis up for a page's State, and the
callbacks below redraw a card (or open its table) when the page's State changes. Pages place cards with
`card_slot`, which wraps the card in its loading state.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

import pandas as pd
from dash import MATCH, ClientsideFunction, Input, Output, State, callback, clientside_callback, dcc, html
from dash.exceptions import PreventUpdate

from components import family
from components.cache import memoize
from components.figures import graph_config, spc_figure
from components.icons import assurance_icon, synthetic_badge, variation_icon
from components.page import state_from
from metrics import format as fmt
from metrics import summary, urlstate
from metrics.analysis import Analysis, latest
from metrics.annotations import annotations_for
from metrics.narrative import narrate, period_type, plan_refs_text
from metrics.edition import APP_EDITION, PUBLIC, get_store, wording_for

# A card's breakdown: "All" (the total), a fixed value (e.g. "Speech and language therapy"), or FOLLOW_SERVICE,
# which follows the page's `service` filter (the total when it is `all`).
FOLLOW_SERVICE = "@service"
CARD = "chart-card"
TOGGLE = "table-toggle"
TABLE = "table-box"
PNG = "png-button"


def card_key(metric_id: str, breakdown: str = "All") -> str:
    """A DOM-safe key for one card slot: the metric id, plus the breakdown spec when it is not the total."""
    if breakdown == "All":
        return metric_id
    return f"{metric_id}--{re.sub(r'[^a-z0-9]+', '-', breakdown.lower()).strip('-')}"


def resolve_breakdown(spec: str, state: urlstate.State, store) -> str:
    """The breakdown value a card shows for the page's State."""
    if spec != FOLLOW_SERVICE:
        return spec
    if state.service == urlstate.SERVICE_ALL:
        return "All"
    return store.catalogue.service_by_slug(state.service).name


def _ids(metric_id: str, breakdown: str) -> dict:
    return {"metric": metric_id, "breakdown": breakdown}


def download_href(metric_id: str, state: urlstate.State, breakdown: str = "All") -> str:
    """The CSV of exactly what the card shows: same metric, locality, window and breakdown."""
    query = urlstate.encode(state, urlstate.COMMON_PARAMS)
    if breakdown != "All":
        query += ("&" if query else "?") + urlstate.urlencode({"part": breakdown})
    return f"/download/{metric_id}.csv{query}"


def chart_card(analysis: Analysis, metric, *, state: urlstate.State, events=(), comparators=None,
               heading_level: int = 3, empty_note: str | None = None, spec: str | None = None,
               benchmark=None) -> list:
    """The card's contents for one analysis (the slot around it stays put while callbacks redraw these).

    `spec` is the slot's breakdown spec (default: the analysis' own breakdown), which names the card's ids.
    """
    spec = spec or analysis.breakdown
    key = card_key(metric.id, spec)
    ids = _ids(metric.id, spec)
    spc = analysis.spc
    heading = getattr(html, f"H{heading_level}")
    title = metric.title if analysis.breakdown == "All" else f"{metric.title}: {analysis.breakdown}"
    last = latest(analysis)
    ptype = period_type(analysis, metric)
    last_period = fmt.period(last["period_start"], ptype) if last["period_start"] is not None else None
    good = [html.Span(metric.good_direction_text.capitalize(), className="good-direction")]
    if metric.target is not None:
        good.append(html.Span(f" · Target {fmt.value(metric.target, metric.unit)}",
                              title=metric.target_source or ""))

    public = APP_EDITION == PUBLIC
    latest_text = fmt.value(last["value"], metric.unit, last["status"])
    if public:  # family wording instead of the SPC icons, and a hidden figure says why ("fewer than 6")
        wording = wording_for(metric, analysis)
        if last["period_start"] is not None:
            reasons = family.hidden_reasons(get_store(), metric.id, analysis.area, analysis.breakdown)
            latest_text = family.value_text(last["value"], metric.unit, last["status"],
                                            reasons.get(pd.Timestamp(last["period_start"]), ""))
        status_line = [family.wording_badge(wording)]
    else:
        status_line = [variation_icon(spc.variation if spc is not None else None),
                       assurance_icon(spc.assurance if spc is not None and metric.target is not None else None)]
    if last["period_start"] is not None:
        status_line.append(html.Span([
            html.Span("Latest: ", className="text-body-secondary"),
            html.Strong(latest_text), f" ({last_period})"], className="latest"))
    badge = synthetic_badge(bool(analysis.series["synthetic"].any()) if len(analysis.series) else False)
    if badge is not None:
        status_line.append(badge)

    sentences = [] if public else [s.text for s in narrate(analysis, metric, events)]
    if analysis.empty:
        body = html.Div([html.P(empty_note or analysis.note or "No data for this selection.",
                                className="empty-state mb-0")],
                        className="empty-box")
    else:
        figure = spc_figure(analysis, metric, _chart_events(events), comparators)
        if public:
            figure = family.plain_figure(figure)
            sentences = [family.summary_text(
                wording, latest_text, last_period,
                fmt.value(metric.target, metric.unit) if metric.target is not None else None)]
        caption = [html.P(" ".join(sentences), className="mb-1")]
        if benchmark is not None and benchmark.rank is not None:
            caption.append(html.P(summary.rank_words(benchmark.rank, metric) + ".", className="mb-1 neighbour-rank"))
        if benchmark is not None:
            caption.append(neighbour_table(benchmark.table, metric))
        shown = _events_shown(events, figure)
        if shown:
            caption.append(html.Ol([html.Li(f"{fmt.period(e.date, 'month')}: {e.title}"
                                            + (" (control limits recalculated from here)"
                                               if e.rebase and not public else ""))
                                    for e in shown], className="events small mb-0",
                                   **{"aria-label": "Events numbered on the chart"}))
        body = html.Figure([
            html.Div(dcc.Graph(figure=figure, config=graph_config(key)), id=f"chart-{key}", className="chart"),
            html.Figcaption(caption, className="chart-summary"),
        ], className="mb-2", **{"aria-label": f"Chart: {title}"})

    actions = []
    if not analysis.empty:
        actions = [
            html.Button("Show the data as a table", id={"type": TOGGLE, **ids}, n_clicks=0,
                        className="btn btn-outline-secondary btn-sm",
                        **{"aria-expanded": "false", "aria-controls": f"table-{key}"}),
            html.A("Download CSV", href=download_href(metric.id, state, analysis.breakdown),
                   className="btn btn-outline-secondary btn-sm", download=f"{key}.csv"),
            html.Button("Save chart as PNG", id={"type": PNG, **ids}, n_clicks=0,
                        className="btn btn-outline-secondary btn-sm", **{"data-target": f"chart-{key}",
                                                                         "data-filename": key}),
        ]
    source = analysis.series["source"].iloc[-1] if len(analysis.series) else metric.source
    if public:
        meta = family.provenance(source, last_period)
    else:
        meta = [html.Span(["Source: ", source])]
        if metric.plan_refs:
            meta.append(html.Span(f"Evidences {plan_refs_text(metric.plan_refs)}."))
        meta.append(html.Span(f"Owner: {metric.owner}." if metric.owner else "Owner: not named in the plans."))
        meta = html.P(meta, className="small text-body-secondary meta mb-0")

    return [
        heading(title, id=f"title-{key}", className="h5 card-title mb-1"),
        html.P(good, className="small mb-2"),
        html.Div(status_line, className="status-line mb-2"),
        html.P(metric.description, className="description"),
        body,
        html.Div(actions, className="card-actions d-flex flex-wrap gap-2 mb-2"),
        html.Div(html.Div(id={"type": TABLE, **ids}), id=f"table-{key}"),
        meta,
    ]


def card_slot(children: list, metric_id: str, breakdown: str = "All", *, highlight: bool = False) -> html.Section:
    """The card's frame on a page: a labelled section the callbacks redraw inside, with its loading state.
    `breakdown` is the card's spec: "All", a breakdown value, or FOLLOW_SERVICE."""
    key = card_key(metric_id, breakdown)
    return html.Section(
        # The card stays visible under the spinner, so keyboard focus inside it is never lost while it redraws.
        dcc.Loading(html.Div(children, id={"type": CARD, **_ids(metric_id, breakdown)}, className="card-body"),
                    delay_show=250, type="default", overlay_style={"visibility": "visible", "opacity": 0.6}),
        id=f"metric-{key}", className="card chart-card mb-4" + (" highlight" if highlight else ""),
        **{"aria-labelledby": f"title-{key}", "data-metric": metric_id, "data-breakdown": breakdown,
           "tabIndex": "-1"},
    )


def _events_shown(events, figure) -> list:
    """The events the figure numbered (those inside its date range), in the same order."""
    marked = {a["x"] for a in figure["layout"].get("annotations", []) if "hovertext" in a}
    return [e for e in events if str(pd.Timestamp(e.date).date()) in marked]


def _chart_events(events):
    """Annotations as the figure draws them: numbered markers with the event's title in the hover."""
    return [SimpleNamespace(date=e.date, label=e.title, detail=e.description) for e in events]


def card_for(metric_id: str, state: urlstate.State, breakdown: str = "All", *, heading_level: int = 3) -> list:
    """Look up the analysis for `state` and draw the card's contents (used by page layouts and callbacks).
    `breakdown` is the card's spec (see card_slot)."""
    value = resolve_breakdown(breakdown, state, get_store())
    return _card(metric_id, state.page, state.locality, state.start, state.end, value, breakdown, heading_level)


@memoize
def _card(metric_id: str, page: str, locality: str, start: str | None, end: str | None,
          breakdown: str, spec: str, heading_level: int) -> list:
    """Everything a card shows depends on these arguments (and the data version, which the cache key adds)."""
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state = urlstate.State(page=page, locality=locality, start=start, end=end)
    metric = store.catalogue.get(metric_id)
    area = state.area(vocab)
    start_date, end_date = state.window(vocab)
    analysis = store.analysis(metric_id, area, breakdown, start_date, end_date)
    service = store.catalogue.service_by_name(breakdown).slug if breakdown in _service_names(store) else None
    locality_name = area if area in store.area.localities else None
    events = [e for e in annotations_for(store.annotations, metric_id, service, locality_name)
              if end_date is None or pd.Timestamp(e.date) <= end_date]
    empty_note = None
    if analysis.empty and area != store.area.name and metric_id not in store.unavailable \
            and store.breakdowns(metric_id, store.area.name):
        empty_note = (f"No figures for {area}: this measure is published for {store.area.name} as a whole, not "
                      f"for each locality. Choose {store.area.name} (whole area) in the Locality filter to see it.")
    bench = summary.benchmarks(store).get(metric_id) if area == store.area.name and breakdown == "All" else None
    return chart_card(analysis, metric, state=state, events=events,
                      comparators=summary.comparator_series(store, metric, start_date, end_date)
                      if breakdown == "All" else None,
                      heading_level=heading_level, empty_note=empty_note, spec=spec,
                      benchmark=bench)


def neighbour_table(table: pd.DataFrame, metric) -> html.Details:
    """The area and each statistical neighbour: latest published value and direction of travel (issue 7)."""
    rows = []
    for r in table.itertuples():
        when = fmt.period(r.period_start, r.period_type) if r.period_type else ""
        travel = r.direction if isinstance(r.direction, str) else r.note
        rows.append(html.Tr([html.Th(r.area, scope="row"), html.Td(fmt.value(r.value, metric.unit)),
                             html.Td(when), html.Td(travel)]))
    return html.Details([
        html.Summary("Compare with statistical neighbours"),
        html.Table([html.Caption(f"{metric.title}: the area and its statistical neighbours, latest published"),
                    html.Thead(html.Tr([html.Th(h, scope="col") for h in
                                        ("Area", "Latest", "Period", "Since the period before")])),
                    html.Tbody(rows)], className="table table-sm small mb-0"),
    ], className="neighbours small")


def _service_names(store) -> set:
    return {s.name for s in store.catalogue.services}


def data_table(analysis: Analysis, metric) -> html.Table:
    """The chart's data as a table: a caption naming what and where, header cells with scope. The public
    edition's table has the figures only, a hidden one saying why, without the SPC lines."""
    chart_rows = summary.chart_rows(analysis, metric)
    title = metric.title if analysis.breakdown == "All" else f"{metric.title}: {analysis.breakdown}"
    if APP_EDITION == PUBLIC:
        reasons = family.hidden_reasons(get_store(), metric.id, analysis.area, analysis.breakdown)
        headers = ("Period", "Figure")
        rows = [(r.period, family.value_text(r.value, metric.unit, r.status,
                                             reasons.get(pd.Timestamp(r.period_start), "")))
                for r in chart_rows.itertuples(index=False)]
        caption = f"{title}, {analysis.area}: figures by period"
    else:
        rows = summary.table_text(chart_rows, metric)
        centre = "Median" if analysis.chart == "run" else "Mean"
        headers = ("Period", "Value", centre, "Lower limit", "Upper limit", "Point")
        caption = f"{title}, {analysis.area}: values and control limits by period"
    return html.Div(html.Table([
        html.Caption(caption),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in headers])),
        html.Tbody([html.Tr([html.Th(r[0], scope="row"), *[html.Td(c) for c in r[1:]]]) for r in rows]),
    ], className="table table-sm table-striped data-table"), className="table-responsive", tabIndex="0",
        role="region", **{"aria-label": f"Data table: {title}"})


@callback(
    Output({"type": CARD, "metric": MATCH, "breakdown": MATCH}, "children"),
    Input("page-state", "data"),
    State({"type": CARD, "metric": MATCH, "breakdown": MATCH}, "id"),
    prevent_initial_call=True,
)
def redraw_card(state_data, card_id):
    """A filter changed: redraw the card for the new State (the analysis is a cached lookup)."""
    state = state_from(state_data)
    ref = _card_ref(card_id, state)
    if ref is None:
        raise PreventUpdate
    return card_for(ref[0], state, ref[1])


@callback(
    Output({"type": TABLE, "metric": MATCH, "breakdown": MATCH}, "children"),
    Output({"type": TOGGLE, "metric": MATCH, "breakdown": MATCH}, "children"),
    Output({"type": TOGGLE, "metric": MATCH, "breakdown": MATCH}, "aria-expanded"),
    Input({"type": TOGGLE, "metric": MATCH, "breakdown": MATCH}, "n_clicks"),
    State({"type": TOGGLE, "metric": MATCH, "breakdown": MATCH}, "id"),
    State("page-state", "data"),
    prevent_initial_call=True,
)
def toggle_table(n_clicks, toggle_id, state_data):
    """Show or hide the card's data table (drawn on demand: tables for every card would bloat the page)."""
    state = state_from(state_data)
    ref = _card_ref(toggle_id, state)
    if ref is None or not isinstance(n_clicks, int) or isinstance(n_clicks, bool):
        raise PreventUpdate
    if n_clicks % 2 == 0:
        return None, "Show the data as a table", "false"
    store = get_store()
    vocab = urlstate.vocabulary(store)
    start, end = state.window(vocab)
    metric = store.catalogue.get(ref[0])
    analysis = store.analysis(metric.id, state.area(vocab), resolve_breakdown(ref[1], state, store), start, end)
    return data_table(analysis, metric), "Hide the data table", "true"


def _card_ref(component_id, state) -> tuple[str, str] | None:
    """(metric id, breakdown spec) from a card's component id, if the id names a metric and breakdown that exist
    (ids come back from the browser, so they are checked like any input)."""
    if state is None or not isinstance(component_id, dict):
        return None
    metric_id, spec = component_id.get("metric"), component_id.get("breakdown")
    store = get_store()
    if not isinstance(metric_id, str) or metric_id not in store.catalogue.ids or not isinstance(spec, str):
        return None
    if spec in ("All", FOLLOW_SERVICE):
        return metric_id, spec
    vocab = urlstate.vocabulary(store)
    return (metric_id, spec) if spec in store.breakdowns(metric_id, state.area(vocab)) else None


clientside_callback(
    ClientsideFunction(namespace="dashboard", function_name="savePng"),
    Output({"type": PNG, "metric": MATCH, "breakdown": MATCH}, "title"),
    Input({"type": PNG, "metric": MATCH, "breakdown": MATCH}, "n_clicks"),
    State({"type": PNG, "metric": MATCH, "breakdown": MATCH}, "id"),
    prevent_initial_call=True,
)
