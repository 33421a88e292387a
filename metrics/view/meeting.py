"""Meeting mode in the view model: the quarter's exceptions, one a slide, for a board meeting on a projector.

The slides are `metrics.view.overview.exceptions` for the report's window (the same list the overview and the
report give): special cause concern first, then failing targets, then improvement; each with its chart, its
sentence and the plan actions of its measure; then a closing slide with the summary. `?slide=N` is the slide, so
a board paper can link to one.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics import urlstate
from metrics.edition import BOARD
from metrics.report.build import place, scope_for
from metrics.report.page import resolve
from metrics.view.measure import measure_view
from metrics.view.model import Chart, MeasureView, Signal
from metrics.view.overview import overview
from metrics.view.plans import actions_of, status_words


@dataclass(frozen=True)
class Slide:
    number: int
    total: int
    signal: Signal | None  # None on the closing slide
    view: MeasureView | None
    chart: Chart | None  # the chart the exception is in
    actions: tuple[str, ...]
    prev_href: str
    next_href: str
    first_href: str
    last_href: str
    exit_href: str


def meeting_page(store, state, notices=(), audience: str | None = None):
    from metrics.edition import policy
    from metrics.view.pages import FilterView, PageView, filters, page_specs

    pol = policy(BOARD)
    vocab = urlstate.vocabulary(store)
    spec = page_specs(store.catalogue)["meeting"]
    quarter, more = resolve(store, state)
    if quarter is None:
        return PageView("meeting", spec.title, "", (), "", (), tuple(notices), extra={"slide": None})
    scope = scope_for(quarter, state.locality)
    ov = overview(store, scope, BOARD)
    signals = ov.exceptions
    total = len(signals) + 1
    number = min(int(state.slide or 1), total)

    def href(n: int) -> str:
        return urlstate.href("meeting", state, ("locality",), quarter=state.quarter, slide=str(n) if n > 1 else None)

    signal = signals[number - 1] if number <= len(signals) else None
    view = chart = None
    actions = ()
    if signal is not None:
        known = set(store.breakdowns(signal.metric_id, store.area.locality_slugs[state.locality]))
        part = signal.part if signal.part in known else "All"
        view = measure_view(store, signal.metric_id, scope, part, BOARD)
        chart = next((c for c in view.charts if c.heading and c.heading == signal.part), view.charts[0]
                     if view.charts else None)
        actions = actions_of(store, signal.metric_id, pol)
    slide = Slide(number, total, signal, view, chart, actions, href(max(number - 1, 1)), href(min(number + 1, total)),
                  href(1), href(total), urlstate.href("overview", state))
    shown = [f for f in filters(store, "report", state, vocab, pol) if f.name == "locality"]
    from metrics.report import report_quarters
    shown.append(FilterView("quarter", "Quarter", tuple((str(q), q.label) for q in reversed(report_quarters(store))),
                            str(quarter)))
    return PageView("meeting", spec.title, "", tuple(shown), "", (), tuple(notices) + tuple(more), extra={
        "slide": slide, "quarter": quarter.label, "place": place(store, state.locality), "counts": ov.counts(),
        "exceptions": signals, "status_words": status_words})
