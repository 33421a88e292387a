"""Overview (`/`): every catalogue measure for a locality, with its icons, sparkline and comparators.

Board edition: filter by page, by Making Data Count icon ("everything in special cause concern"), by plan
reference; sort by concern, size of change or title. Public edition: the same rows worded for families (an icon
with words and the catalogue's sentence, where the figures come from and how recent they are), filtered by page
and sorted only. Every setting is in the URL; each row links to its chart.
"""
from __future__ import annotations

import math

import dash
import pandas as pd
from dash import Input, Output, callback, dcc, html
from dash.exceptions import PreventUpdate

from components import family, theme
from components.cache import memoize
from components.figures import sparkline_svg
from components.icons import assurance_icon, synthetic_badge, variation_family, variation_icon
from components.page import ANY, page, select_filter, state_from
from metrics import format as fmt
from metrics import summary, urlstate
from metrics.edition import APP_EDITION, PUBLIC, get_store, wording_for

PAGE = "overview"
PUBLIC_EDITION = APP_EDITION == PUBLIC
TITLE = "How we are doing: an overview for families" if PUBLIC_EDITION else "Board overview"
dash.register_page(__name__, path="/", name="Overview", title=TITLE, order=0)

VARIATION_OPTIONS = [(ANY, "Any variation"), ("concern", "Special cause concern"),
                     ("improvement", "Special cause improvement"), ("common_cause", "Common cause"),
                     ("neutral", "Special cause, neither good nor bad"), ("none", "No data")]
ASSURANCE_OPTIONS = [(ANY, "Any assurance"), ("fail", "Failing the target"), ("inconsistent", "Hit and miss"),
                     ("pass", "Passing the target"), ("none", "No target")]
SORT_OPTIONS = [("catalogue", "Catalogue order"), ("concern", "Concerns first"),
                ("change", "Biggest change on last year"), ("title", "Title A to Z")]
# Concerns first: what a board reads by exception.
CONCERN_ORDER = {"concern": 0, "neutral": 1, "improvement": 2, "common_cause": 3, None: 4}


INTRO = {
    False: "Every measure in the partnership's plans, with Making Data Count icons: read down the variation column "
           "for special cause concern (orange) and improvement (blue).",
    True: "How services for children and young people with special educational needs and disabilities (SEND) are "
          "doing. Each measure says in words whether it is getting better or worse, where its figures come from "
          "and when they were last updated.",
}
PUBLIC_SORT_OPTIONS = [("catalogue", "The order of the plans"), ("concern", "Getting worse first"),
                       ("change", "Biggest change on last year"), ("title", "Title A to Z")]


def layout(**kwargs):
    return page(PAGE, kwargs, build, title=TITLE, filters=filters, intro=INTRO[PUBLIC_EDITION])


def filters(state, vocab):
    if PUBLIC_EDITION:  # no SPC vocabulary for families, and plan references are the board's
        return [select_filter("outcome", "Page", [(ANY, "All pages")] + list(vocab.pages.items()),
                              state.outcome or ANY, width=3),
                select_filter("sort", "Order", PUBLIC_SORT_OPTIONS, state.sort, width=3)]
    return [
        select_filter("outcome", "Page", [(ANY, "All pages")] + list(vocab.pages.items()), state.outcome or ANY,
                      width=2),
        select_filter("variation", "Variation", VARIATION_OPTIONS, state.variation or ANY, width=2),
        select_filter("assurance", "Assurance", ASSURANCE_OPTIONS, state.assurance or ANY, width=2),
        select_filter("plan", "Plan reference", [(ANY, "Any objective")] + [(r, r) for r in vocab.plan_refs],
                      state.plan or ANY, width=2),
        select_filter("sort", "Order", SORT_OPTIONS, state.sort, width=2),
    ]


def build(state, store, vocab):
    return html.Div(overview_body(state), id="overview-body")


def overview_body(state: urlstate.State) -> list:
    if PUBLIC_EDITION:  # filters the public page does not offer do not filter it either
        return _body(state.locality, state.start, state.end, state.outcome, None, None, None, state.sort)
    return _body(state.locality, state.start, state.end, state.outcome, state.variation,
                 state.assurance, state.plan, state.sort)


def matches(row: summary.OverviewRow, outcome, variation, assurance, plan) -> bool:
    if outcome and row.page != outcome:
        return False
    if variation and (variation_family(row.variation) or "none") != variation:
        return False
    if assurance and (row.assurance or "none") != assurance:
        return False
    if plan and not any(r == plan or r.startswith(plan + ".") for r in row.plan_refs):
        return False
    return True


def sort_rows(rows: list, sort: str) -> list:
    if sort == "concern":
        return sorted(rows, key=lambda r: CONCERN_ORDER.get(variation_family(r.variation), 4))
    if sort == "change":
        return sorted(rows, key=lambda r: -abs(r.change) if r.change is not None else math.inf)
    if sort == "title":
        return sorted(rows, key=lambda r: r.title.lower())
    return rows


@memoize
def _body(locality, start, end, outcome, variation, assurance, plan, sort) -> list:
    store = get_store()
    vocab = urlstate.vocabulary(store)
    state = urlstate.State(page=PAGE, locality=locality, start=start, end=end)
    start_date, end_date = state.window(vocab)
    rows = summary.overview(store, state.area(vocab), start_date, end_date)
    shown = [r for r in rows if matches(r, outcome, variation, assurance, plan)]
    concern = sum(variation_family(r.variation) == "concern" for r in shown)
    improvement = sum(variation_family(r.variation) == "improvement" for r in shown)
    failing = sum(r.assurance == "fail" for r in shown)
    if PUBLIC_EDITION:
        count = (f"{len(shown)} of {len(rows)} measures shown: {improvement} getting better, {concern} getting "
                 f"worse.")
    else:
        count = (f"{len(shown)} of {len(rows)} measures shown: {concern} in special cause concern, "
                 f"{improvement} in special cause improvement, {failing} consistently missing their target.")
    out = [html.P(count, className="fw-semibold", id="overview-count")]
    if not shown:
        out.append(html.P("No measures match these filters. Choose 'Any' in a filter to see more.",
                          className="empty-state"))
    for p in store.catalogue.pages:
        group = sort_rows([r for r in shown if r.page == p.id], sort)
        if group:
            out.append(_table(p, group, state))
    return out


def _table(p, rows, state) -> html.Div:
    if PUBLIC_EDITION:
        head = ["Measure", "Latest", "Target", "How it is changing", "Recent trend", "Change on last year",
                "England", "Similar areas"]
    else:
        head = ["Measure", "Latest", "Target", "Variation", "Assurance", "Recent trend", "Change on last year",
                "England", "Statistical neighbours"]
    return html.Div(html.Table([
        html.Caption([dcc.Link(p.title, href=f"/{p.id}" + urlstate.encode(state, urlstate.COMMON_PARAMS))]),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([_row(r, state) for r in rows]),
    ], className="table table-sm overview-table bg-white mb-4"), className="table-responsive")


def _row(r: summary.OverviewRow, state) -> html.Tr:
    link_state = urlstate.State(page=r.page, locality=state.locality, start=state.start, end=state.end,
                                metric=r.metric_id)
    good = ("Higher is better" if r.improvement == "increase" else
            "Lower is better" if r.improvement == "decrease" else "Neither higher nor lower is better")
    measure = [dcc.Link(r.title, href=f"/{r.page}" + urlstate.encode(link_state))]
    latest_text = r.latest_text
    if PUBLIC_EDITION:  # plan references are the board's; families are told where the figures come from
        measure += [html.Div(good, className="refs"), family.provenance(r.source, r.latest_period)]
        latest_text = _public_latest(r, state)
    else:
        measure.append(html.Div(good + (f" · Plan {', '.join(r.plan_refs)}" if r.plan_refs else ""),
                                className="refs"))
    badge = synthetic_badge(r.synthetic)
    if badge is not None:
        measure.append(badge)
    if r.unavailable:
        latest = html.Td(r.unavailable, className="small")
    else:
        latest = html.Td([html.Span(latest_text, className="fw-semibold"), html.Br(),
                          html.Span(r.latest_period, className="small text-body-secondary")])
    spark = sparkline_svg(r.spark, colour=theme.VARIATION_COLOUR.get(variation_family(r.variation), theme.COMMON))
    known = [v for v in r.spark if v is not None]
    spark_cell = html.Td(html.Img(src=spark, alt=f"Recent trend: {len(r.spark)} periods, from "
                                                f"{fmt.value(known[0], r.unit)} to {fmt.value(known[-1], r.unit)}",
                                  className="sparkline", width=96, height=24) if spark else "")
    comparators = {c.name: c for c in r.comparators}
    if PUBLIC_EDITION:
        status = [html.Td(family.wording_block(_public_wording(r, state)), className="family-cell")]
    else:
        status = [html.Td(variation_icon(r.variation)), html.Td(assurance_icon(r.assurance))]
    return html.Tr([
        html.Th(measure, scope="row", className="measure"),
        latest,
        html.Td(r.target_text or "None set"),
        *status,
        spark_cell,
        html.Td(r.change_text),
        *[html.Td(_comparator(comparators.get(name))) for name in ("England", "Statistical neighbours")],
    ], **{"data-metric": r.metric_id})


def _public_analysis(r: summary.OverviewRow, state):
    """The analysis behind a row (a cached lookup: the overview has just computed it)."""
    store = get_store()
    vocab = urlstate.vocabulary(store)
    start, end = state.window(vocab)
    return store, store.analysis(r.metric_id, state.area(vocab), "All", start, end)


def _public_wording(r: summary.OverviewRow, state):
    store, analysis = _public_analysis(r, state)
    return wording_for(store.catalogue.get(r.metric_id), analysis)


def _public_latest(r: summary.OverviewRow, state) -> str:
    """The latest figure, a hidden one saying why ("fewer than 6")."""
    if r.latest_status != "suppressed":
        return r.latest_text
    store, analysis = _public_analysis(r, state)
    last = analysis.series.iloc[-1]
    reason = family.hidden_reasons(store, r.metric_id, analysis.area, "All").get(
        pd.Timestamp(last["period_start"]), "")
    return family.value_text(last["value"], r.unit, last["status"], reason)


def _comparator(c):
    if c is None:
        return ""
    return [c.text, html.Br(), html.Span(c.period, className="small text-body-secondary")]


@callback(Output("overview-body", "children"), Input("page-state", "data"), prevent_initial_call=True)
def redraw(data):
    state = state_from(data)
    if state is None or state.page != PAGE:
        raise PreventUpdate
    return overview_body(state)
