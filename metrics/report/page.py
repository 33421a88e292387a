"""The `/report` page's context object: the quarter chosen (always a real quarter, so the select shows its value),
the document, and the quarters the data covers. The report has no date window: its window is its quarter."""
from __future__ import annotations

from metrics import urlstate
from metrics.edition import BOARD, policy
from metrics.report import default_quarter, report_html, report_quarters
from metrics.report.build import place
from metrics.report.quarter import Quarter


def resolve(store, state) -> tuple[Quarter | None, list[str]]:
    """The quarter to show and any notice: a quarter the URL allows but the data does not cover falls back."""
    covered = report_quarters(store)
    if state.quarter:
        q = Quarter.parse(state.quarter)
        if q in covered:
            return q, []
        return default_quarter(store), [urlstate.FALLBACK["quarter"]]
    return default_quarter(store), []


def report_page(store, state, notices=()):
    from metrics.view.pages import FilterView, PageView, filters, page_specs

    vocab = urlstate.vocabulary(store)
    quarter, more = resolve(store, state)
    latest = default_quarter(store)
    options = tuple((str(q), q.label + (" (latest complete)" if q == latest else ""))
                    for q in reversed(report_quarters(store)))
    shown = [f for f in filters(store, "report", state, vocab, policy(BOARD))]
    if quarter is not None:
        shown.append(FilterView("quarter", "Quarter", options, str(quarter)))
    spec = page_specs(store.catalogue)["report"]
    extra = {"quarter": quarter, "place": place(store, state.locality), "locality": state.locality}
    if quarter is not None:
        extra["document"] = report_html(store, quarter, state.locality)
    return PageView("report", spec.title, "A first draft of the performance group's quarterly report to the SEND "
                                          "Partnership Board: exceptions first, then every measure with its chart "
                                          "and a written reading of it.", tuple(shown), "", (),
                    tuple(notices) + tuple(more), extra)
