"""The improvement plans in the view model: the tracker page, and the actions each measure's card lists.

The tracker reads `store.plans` (data/plan.toml through metrics/plan.py) as at the end of the latest month of the
area's data, the same "as at" the overview and report use; each action carries the current icons of the measures
that evidence it (their views for the whole area). The public edition shows status in plain words and never an
internal note.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from metrics import urlstate
from metrics.edition import Policy, policy as policy_for
from metrics.plan import COMPLETE, PUBLIC_STATUS, tracker
from metrics.vocabulary import Icon


def as_at(store) -> date:
    """The tracker's date: the last day of the latest month of the area's data."""
    vocab = urlstate.vocabulary(store)
    return (pd.Timestamp(vocab.last_month + "-01") + pd.offsets.MonthEnd(0)).date()


def status_words(status: str, pol: Policy) -> str:
    return status if pol.internal else PUBLIC_STATUS[status]


def actions_of(store, metric_id: str, pol: Policy) -> tuple[str, ...]:
    """What a measure's card says about the actions it evidences: 'WSoA 4.2.4 (on track, due 31 March 2023):
    ...'. Overdue ones say so."""
    plans = getattr(store, "plans", None)
    if plans is None:
        return ()
    when = as_at(store)
    out = []
    for a in plans.actions_for_measure(metric_id):
        late = a.overdue(when)
        status = status_words(a.status, pol) + (", overdue" if late and pol.internal else "")
        out.append(f"{a.id} ({status}, due {a.due:%-d %B %Y}): {pol.words.make_plain(a.action)}")
    return tuple(out)


@dataclass(frozen=True)
class MeasureLink:
    metric_id: str
    title: str
    href: str
    icons: tuple[Icon, ...]


@dataclass(frozen=True)
class TrackerRow:
    id: str
    action: str
    lead: str
    due: str
    status: str
    status_key: str  # the status itself, for styling: not-started, on-track, at-risk, off-track, complete
    overdue: bool
    note: str
    measures: tuple[MeasureLink, ...]


def tracker_page(store, state, notices=(), audience: str | None = None):
    from metrics.view.measure import Scope, measure_view  # the measure views carry actions_of: imported here
    from metrics.view.pages import PageView, filters, page_specs

    pol = policy_for(audience)
    spec = page_specs(store.catalogue)["plan"]
    title = spec.title if pol.internal else spec.public_title
    plans = getattr(store, "plans", None)
    if plans is None:
        return PageView("plan", title, "", (), "", (), tuple(notices), extra={"groups": (), "sentences": (
            "No improvement plan file (plan.toml) is loaded.",), "counts": (), "illustrative": False})
    when = as_at(store)
    view = tracker(plans, when, store.catalogue, public=not pol.internal)
    links = {}

    def measure_link(metric_id: str) -> MeasureLink | None:
        if metric_id not in store.catalogue.ids:
            return None
        if metric_id not in links:
            v = measure_view(store, metric_id, Scope(state.locality), "All", pol.audience)
            links[metric_id] = MeasureLink(metric_id, v.title, v.href, v.icons)
        return links[metric_id]

    by_id = {a.id: a for a in plans.actions}
    groups = []
    for outcome in view.outcomes:
        areas = []
        for area in outcome.areas:
            rows = []
            for r in area.rows:
                measures = tuple(m for m in (measure_link(i) for i in (r.measures or r.objective_measures)) if m)
                rows.append(TrackerRow(r.id, pol.words.make_plain(r.action), r.lead, f"{r.due:%-d %B %Y}", r.status,
                                       by_id[r.id].status.replace(" ", "-"), r.overdue, r.note or "", measures))
            areas.append((f"{area.plan_title}, area {area.number}: {area.title}", area.lead, tuple(rows)))
        groups.append((outcome.title, tuple(areas)))
    intro = ("Every action of the partnership's improvement plans: who leads it, when it is due, where it stands, "
             "and the measures that show whether it is working. Overdue actions come first.") if pol.internal else (
             "What the partnership said it would do, and how far it has got. Actions that are late come first.")
    vocab = urlstate.vocabulary(store)
    return PageView("plan", title, intro, tuple(filters(store, "plan", state, vocab, pol)),
                    urlstate.describe(state, vocab), (),
                    tuple(notices), extra={
        "groups": tuple(groups), "sentences": tuple(s for s in view.sentences if "illustrative" not in s),
        "counts": view.counts,
        "illustrative": view.illustrative, "as_at": f"{when:%-d %B %Y}", "internal": pol.internal,
        "complete": status_words(COMPLETE, pol)})
