"""The overview and the quarterly report list the same exceptions, for every locality and every quarter.

Both are rendered (the overview page's body as Dash draws it, the report as its HTML document) and the exceptions
are read back from what each shows, so a second computation anywhere would make them disagree (issue 12: the
overview said "0 in special cause concern" while the report listed 13 exceptions).
"""
from __future__ import annotations

import re
from html import unescape

import pytest

from components.overview import overview_layout
from metrics import urlstate
from metrics.edition import BOARD
from metrics.report import build_report, render_html, report_quarters
from metrics.store import get_store
from metrics.view.measure import Scope
from metrics.view.overview import overview, overview_page

LI = re.compile(r'<li class="exception" data-metric="([^"]*)" data-part="([^"]*)" data-kind="([^"]*)">')
TR = re.compile(r'<tr data-metric="([^"]*)" data-part="([^"]*)" data-kind="([^"]*)">')


def overview_exceptions(store, locality: str, end: str) -> list[tuple[str, str, str]]:
    """The exception rows of the overview page's body, as the browser receives it."""
    state = urlstate.State(page="overview", locality=locality, end=end)
    (body,) = overview_layout(overview_page(store, state, audience=BOARD))
    html = getattr(body, "data-html")
    return [tuple(unescape(x) for x in m) for m in TR.findall(html)]


def report_exceptions(store, quarter, locality: str) -> list[tuple[str, str, str]]:
    html = render_html(build_report(store, quarter, locality))
    return [tuple(unescape(x) for x in m) for m in LI.findall(html)]


@pytest.fixture(scope="module")
def store():
    return get_store()


def test_the_overview_renders_every_exception_it_computes(store):
    ov = overview(store, Scope(), BOARD)
    shown = overview_exceptions(store, "area", None)
    assert shown == [(s.metric_id, s.part, s.kind) for s in ov.exceptions]
    assert {k for _, _, k in shown} == {"concern", "fail", "improvement"}
    # a signal in one service reaches the first page, under its measure, with the service named
    assert any(part for _, part, kind in shown if kind == "concern")


@pytest.mark.slow
@pytest.mark.parametrize("locality", ["area", "north", "central", "south"])
def test_overview_and_report_list_the_same_exceptions_for_every_quarter(store, locality):
    quarters = report_quarters(store)
    assert len(quarters) > 20
    for q in quarters:
        end = f"{q.end:%Y-%m}"
        from_overview = overview_exceptions(store, locality, end)
        from_report = report_exceptions(store, q, locality)
        assert from_overview == from_report, (locality, str(q))


def test_overviews_without_a_window_stay_and_only_a_few_windows_are_kept(store, monkeypatch):
    # Each overview holds every measure's view: exploring windows must not pile them up in a worker.
    from metrics.view import overview as module
    monkeypatch.setattr(module._overviews, "windowed_max", 2)
    whole = overview(store, Scope(), BOARD)
    windows = [Scope(urlstate.LOCALITY_DEFAULT, f"2024-{m:02d}", None) for m in (1, 2, 3, 4)]
    built = [overview(store, w, BOARD) for w in windows]
    kept = list(module._overviews.windowed)
    assert [k[2] for k in kept] == windows[-2:]
    assert overview(store, Scope(), BOARD) is whole and overview(store, windows[-1], BOARD) is built[-1]
