"""Build the quarterly report from the view model.

The report for quarter Q shows every period that starts on or before Q's last day: the overview and measure views
for the place with the window ending in Q's last month (metrics/view), so its exceptions, summary rows, charts and
sentences are the dashboard's own for that window. The intervention log lists the events up to the quarter's end
that apply to the place, with the measures whose charts say something changed after them (their sentences carry
the event's number).
"""
from __future__ import annotations

import pandas as pd

from metrics.edition import BOARD
from metrics.plan import tracker
from metrics.report.model import Block, ChangeAfter, Freshness, LogEntry, PartRow, Report, Section
from metrics.report.quarter import Quarter, quarters_between
from metrics.report.svg import spc_svg
from metrics.view.measure import Scope, measure_view
from metrics.view.model import SpcChart
from metrics.view.overview import overview

TITLE = "Quarterly performance report"
PARTS_WORDS = {"service": "By service", "agency": "By agency", "review_outcome": "By review outcome",
               "first_language": "By first language", "sen_status": "By SEN status",
               "phase_transfer": "By phase transfer deadline", "cohort": "By group"}


def place(store, locality: str) -> str:
    """'Blackpool (whole area)' or 'Central locality'."""
    name = store.area.locality_slugs[locality]
    return f"{name} (whole area)" if locality == "area" else f"{name} locality"


def report_quarters(store) -> list[Quarter]:
    """The quarters the loaded data covers: from the first to the last month of the area's monthly series."""
    v = store.values
    monthly = v.loc[(v["period_type"] == "month") & v["area"].isin(store.areas), "period_start"]
    if monthly.empty:
        return []
    return quarters_between(monthly.min(), monthly.max())


def default_quarter(store) -> Quarter | None:
    """The latest quarter whose last month has data (a board reports on complete quarters)."""
    quarters = report_quarters(store)
    if not quarters:
        return None
    v = store.values
    last = v.loc[(v["period_type"] == "month") & v["area"].isin(store.areas), "period_start"].max()
    q = quarters[-1]
    return q if pd.Timestamp(last).month == q.end.month or len(quarters) == 1 else quarters[-2]


def scope_for(quarter: Quarter, locality: str) -> Scope:
    """The window a quarter's report shows: everything up to the quarter's last month (the overview with this
    scope lists the same exceptions)."""
    return Scope(locality, None, f"{quarter.end:%Y-%m}")


def build_report(store, quarter: Quarter | str, locality: str = "area") -> Report:
    q = quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)
    slugs = store.area.locality_slugs
    if locality not in slugs:
        raise ValueError(f"locality: expected one of {', '.join(slugs)}, got {locality!r}")
    scope = scope_for(q, locality)
    ov = overview(store, scope, BOARD)
    views = {r.view.metric_id: r.view for r in ov.rows}
    sections = []
    for page in store.catalogue.pages:
        blocks = tuple(_block(store, views[m.id], scope) for m in store.catalogue.by_page(page.id))
        sections.append(Section(page.id, page.title, page.intro, blocks))
    summary = tuple(r.view for r in ov.rows)
    every = [*summary, *(p.view for s in sections for b in s.blocks for p in b.parts)]
    plans = getattr(store, "plans", None)
    actions = tracker(plans, q.end.date(), store.catalogue) if plans is not None else None
    return Report(quarter=q, locality=locality, place=place(store, locality), title=TITLE, actions=actions,
                  data_version=store.version, freshness=_freshness(summary), exceptions=ov.exceptions,
                  summary=summary, synthetic_metrics=tuple(v.title for v in summary if v.synthetic),
                  sections=tuple(sections), log=_log(store, scope, q, every))


def _block(store, view, scope: Scope) -> Block:
    svgs = tuple(spc_svg(c.spec, label=f"{view.title}" + (f": {c.heading}" if c.heading else ""),
                         description=c.sentences[0].text if c.sentences else "", id_prefix=c.key)
                 if isinstance(c.spec, SpcChart) else "" for c in view.charts)
    metric = store.catalogue.get(view.metric_id)
    parts = []
    area = store.area.locality_slugs[scope.locality]
    if metric.breakdown != "none":
        for name in store.breakdowns(metric.id, area):
            if name == "All":
                continue
            part = measure_view(store, metric.id, scope, name, BOARD)
            latest = f"{part.latest.text} ({part.latest.period})" if part.latest else part.empty
            reading = next((s.text for s in part.sentences if s.kind not in ("chart_note", "short_series")), "")
            parts.append(PartRow(name, latest, part.icons, reading, part))
    return Block(view, svgs, tuple(parts), PARTS_WORDS.get(metric.breakdown, "By part") if parts else "")


def _freshness(views) -> tuple[Freshness, ...]:
    by_source: dict[str, list] = {}
    for v in views:
        if v.latest is not None:
            by_source.setdefault(v.source, []).append(v)
    out = []
    for source, vs in sorted(by_source.items()):
        latest = max(vs, key=lambda v: v.latest.x).latest.period
        out.append(Freshness(source, latest, len(vs), any(v.synthetic for v in vs)))
    return tuple(out)


def _log(store, scope: Scope, q: Quarter, views) -> tuple[LogEntry, ...]:
    area = store.area.locality_slugs[scope.locality]
    ann_locality = area if area in store.area.localities else None
    events = [a for a in store.annotations if pd.Timestamp(a.date) <= q.end
              and (not a.localities or ann_locality in a.localities)]
    out = []
    for a in sorted(events, key=lambda a: a.number):
        changes = tuple(ChangeAfter(v.title, f"metric-{v.metric_id}", s.text)  # a part is a row of its measure
                        for v in views for c in v.charts for s in c.sentences if s.event == a.number)
        names = [store.catalogue.get(m).title for m in a.metric_ids if m in store.catalogue.ids]
        services = [s.name for s in store.catalogue.services if s.slug in a.services]
        applies = "; ".join(filter(None, [", ".join(names), ", ".join(services),
                                          ", ".join(a.localities)])) or "Every measure"
        out.append(LogEntry(a.number, f"{pd.Timestamp(a.date):%-d %B %Y}", a.title, a.description, applies,
                            a.rebase, changes))
    return tuple(out)
