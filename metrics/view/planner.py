"""The capacity planner page in the view model: metrics/capacity.py's PlannerView for the URL's list and what-if,
its fan chart (the actual list beside the simulated one) and its numbers as a table (also the download).

Settings come from the URL (metrics/urlstate.py: pipeline, service, sessions, per_session, growth), so a
commissioner's business case can link to exactly the scenario it argues from.
"""
from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import timedelta

import pandas as pd

from metrics import capacity, urlstate
from metrics import format as fmt
from metrics.edition import policy as policy_for
from metrics.view.model import Line, Point, Table
from metrics.view.tables import cell, make_table

WAITING = {"therapy": "therapy_waiting_list", "ehcp": None}


@dataclass(frozen=True)
class FanChart:
    """The list as it was (monthly) and as the simulation sees it going (weekly percentile bands)."""
    title: str
    actual: Line
    weeks: tuple[str, ...]  # week-end dates of the simulation, YYYY-MM-DD
    bands: tuple[tuple[float, ...], ...]  # low, middle, high percentiles of the list size, per week
    levels: tuple[float, ...]
    target_queue: float
    y_title: str = "Waiting"
    kind: str = "fan"


_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()


def _service_slug(store, state) -> str:
    """The therapy service the planner plans: the URL's, or the catalogue's first when it names none."""
    return state.service if state.service != urlstate.SERVICE_ALL else store.catalogue.services[0].slug


def _what_if(state) -> capacity.WhatIf:
    sessions = int(state.sessions or 0)
    per = int(state.per_session) if state.per_session is not None else urlstate.DEFAULT_PER_SESSION
    return capacity.WhatIf(extra_sessions=sessions, per_session=per if sessions else 0,
                           demand_growth_pct=int(state.growth or 0))


def planner(store, state) -> capacity.PlannerView:
    """The planner for the URL's list and what-if (kept per data version and setting: the simulation is the
    slow part)."""
    pipeline = state.pipeline or capacity.THERAPY
    area = store.area.locality_slugs[state.locality]
    service = None
    if pipeline == capacity.THERAPY:
        service = store.catalogue.service_by_slug(_service_slug(store, state)).name
    key = (id(store), store.version, pipeline, area, service, _what_if(state))
    with _lock:
        if key in _cache:
            return _cache[key]
    view = capacity.plan(capacity.planner_inputs(store, pipeline, area, service), what_if=_what_if(state))
    with _lock:
        _cache[key] = view
        while len(_cache) > 64:
            _cache.popitem(last=False)
    return view


def fan_chart(store, view: capacity.PlannerView) -> FanChart:
    i = view.inputs
    actual = ()
    metric = WAITING.get(i.pipeline)
    if metric and metric in store.catalogue.ids:
        c = store.columns(metric, i.area, i.service or "All", None, None, "month")
        keep = [n for n in range(len(c)) if c.status[n] == "ok" and not math.isnan(c.value[n])][-36:]
        actual = tuple(Point(str((pd.Timestamp(c.dates[n]) + pd.offsets.MonthEnd(0)).date()),
                             fmt.period(c.dates[n], "month"), float(c.value[n]), "ok", f"{c.value[n]:,.0f}")
                       for n in keep)
    t = view.trajectory
    weeks = tuple(str(i.end + timedelta(weeks=w)) for w in t.weeks) if t else ()
    who = i.service or "EHC needs assessments"
    return FanChart(f"{who}, {i.area}: the list so far and simulated ahead", Line("Waiting (actual)", actual), weeks,
                    t.queue if t else (), t.levels if t else (), view.target_queue)


def numbers_table(view: capacity.PlannerView) -> Table:
    i = view.inputs
    rows = [
        ("demand", "Joining the list a week (demand)", view.demand, f"{view.demand:,.1f}"),
        ("capacity", "Leaving the list a week (capacity)", view.capacity, f"{view.capacity:,.1f}"),
        ("queue", f"Waiting at {i.end:%-d %B %Y}", i.queue, f"{i.queue:,}"),
        ("queue_load", "Queue load (demand ÷ capacity)", round(view.load, 3), f"{view.load:,.2f}"),
        ("target_wait_weeks", "Target wait (weeks)", view.target_wait, f"{view.target_wait:g}"),
        ("standard", "Standard: share seen within the target wait", round(view.standard_share, 3),
         f"{view.standard_share:.0%}"),
        ("factor", "Factor (from the standard)", round(view.factor, 3), f"{view.factor:.3f}"),
        ("target_queue", "Target queue size", round(view.target_queue, 1), f"{view.target_queue:,.0f}"),
        ("relief_capacity", f"Relief capacity (to reach the target in {view.time_to_target:g} weeks)",
         round(view.relief_capacity, 2), f"{view.relief_capacity:,.1f} a week"),
        ("extra_needed", "Extra capacity needed for relief", round(view.extra_needed, 2),
         f"{max(view.extra_needed, 0):,.1f} a week"),
        ("maintenance_capacity", "Maintenance capacity (to hold the standard)", round(view.target_capacity, 2),
         f"{view.target_capacity:,.1f} a week"),
        ("weeks_to_target", "Weeks to reach the target at these rates",
         "" if not math.isfinite(view.weeks_to_target) else round(view.weeks_to_target, 1),
         "never, at these rates" if not math.isfinite(view.weeks_to_target) else f"{view.weeks_to_target:,.0f}"),
        ("median_wait_weeks", "Median wait now (weeks)", "" if view.median_wait is None else round(view.median_wait, 1),
         "" if view.median_wait is None else f"{view.median_wait:.1f}"),
    ]
    return make_table("The planner's figures", [("figure", "Figure"), ("value", "Value")],
                      [[cell(key, words), cell(value, text)] for key, words, value, text in rows],
                      f"planner_{i.pipeline}_{(i.service or 'ehcp').lower().replace(' ', '_')}_{i.area.lower()}")


def planner_page(store, state, notices=(), audience: str | None = None):
    from metrics.view.pages import FilterView, PageView, filters, page_specs

    pol = policy_for(audience)
    vocab = urlstate.vocabulary(store)
    spec = page_specs(store.catalogue)["planner"]
    try:
        view = planner(store, state)
    except capacity.NoDataToPlan:
        view = None  # the page still opens, with its filters and why there is nothing to plan from
    pipeline = state.pipeline or capacity.THERAPY
    shown = [f for f in filters(store, "planner", state, vocab, pol) if f.name == "locality"]
    shown.append(FilterView("pipeline", "Waiting list", (("therapy", "Therapy services"),
                                                         ("ehcp", "EHC needs assessments")), pipeline))
    if pipeline == capacity.THERAPY:
        shown.append(FilterView("service", "Service", tuple(vocab.services.items()), _service_slug(store, state)))
    shown += [
        FilterView("sessions", "Extra clinic sessions a week",
                   tuple((str(n), str(n)) for n in (0, 1, 2, 3, 4, 5, 6, 8, 10, 15, 20)), state.sessions or "0"),
        FilterView("per_session", "Children seen per extra session",
                   tuple((str(n), str(n)) for n in (2, 4, 6, 8, 10, 12)),
                   state.per_session or str(urlstate.DEFAULT_PER_SESSION)),
        FilterView("growth", "Change in referrals",
                   tuple((str(n), f"{n:+d}%" if n else "As now") for n in (-20, -10, -5, 0, 5, 10, 20, 30)),
                   state.growth or "0"),
    ]
    return PageView("planner", spec.title,
                    "How big a waiting list should be to meet its standard, how much capacity would bring it there, "
                    "and what extra sessions or a change in referrals would do: the formulas of NHSRwaitinglist "
                    "(Little's law) on the list's own flows, with a simulation drawn beside the actual list.",
                    tuple(shown), "", (), tuple(notices),
                    extra={"view": view, "fan": fan_chart(store, view) if view else None,
                           "table": numbers_table(view) if view else None,
                           "sentences": view.sentences if view else (),
                           "unavailable": "" if view else _nothing_to_plan(store, state, pipeline),
                           "figure_href": urlstate.data_href("figure", "planner", state, "json", **_settings(state)),
                           "download_href": urlstate.data_href("download", "planner", state, "csv",
                                                               **_settings(state))})


def _nothing_to_plan(store, state, pipeline: str) -> str:
    area = store.area.locality_slugs[state.locality]
    if pipeline == capacity.THERAPY:
        what = f"the {store.catalogue.service_by_slug(_service_slug(store, state)).name.lower()} waiting list"
    else:
        what = "EHC needs assessments"
    return (f"There are no figures for {what} in {area} to plan from: the data page says which extract is "
            "missing or was refused.")


def _settings(state) -> dict:
    return {"pipeline": state.pipeline, "service": None if state.service == urlstate.SERVICE_ALL else state.service,
            "sessions": state.sessions, "per_session": state.per_session, "growth": state.growth}
