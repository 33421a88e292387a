"""The one card: a MeasureView (metrics/view) drawn as a section of a page.

Title and what good looks like, the icons with words, the latest value, flags, the description; then each chart
with its sentences as the caption, its events by their log numbers, a table on demand (fetched when opened), a
CSV download and a PNG export; the neighbour table; and where the figures come from. Everything shown is a field
of the view: this module adds no facts.
"""
from __future__ import annotations

from dash import html

from components.chart import chart_box
from components.icons import flag_badge, icon
from metrics.view.model import Chart, MeasureView


def card(view: MeasureView, *, heading_level: int = 3, highlight: bool = False) -> html.Section:
    heading = getattr(html, f"H{heading_level}")
    sub = getattr(html, f"H{min(heading_level + 1, 6)}")
    good = [html.Span(view.good_direction, className="good-direction")]
    if view.target is not None:
        good.append(html.Span(f" · Target {view.target.text}", title=view.target.source))
    status = [icon(i) for i in view.icons]
    if view.latest is not None:
        status.append(html.Span([html.Span("Latest: ", className="text-body-secondary"),
                                 html.Strong(view.latest.text), f" ({view.latest.period})"], className="latest"))
    if view.change:
        status.append(html.Span(view.change[:1].upper() + view.change[1:], className="change small"))
    flags = [flag_badge(f.kind, f.text) for f in view.flags]
    body = [
        heading(view.title, id=f"title-{view.key}", className="h5 card-title mb-1"),
        html.P(good, className="small mb-2"),
        html.Div(status, className="status-line mb-2"),
    ]
    if flags:
        body.append(html.Div(flags, className="flags mb-2"))
    if view.comparisons:
        body.append(html.P(_comparisons(view), className="small comparisons mb-2"))
    body.append(html.P(view.description, className="description"))
    if not view.charts:
        body.append(html.Div(html.P(view.empty or "No data for this selection.", className="empty-state mb-0"),
                             className="empty-box"))
    for n, chart in enumerate(view.charts):
        body += _chart(view, chart, sub, first=n == 0)
    if view.benchmark is not None:
        if view.benchmark.rank_text:
            body.append(html.P(view.benchmark.rank_text, className="small neighbour-rank mb-1"))
        if view.benchmark.table is not None:
            body.append(_lazy_table(view.benchmark.table.caption, view.benchmark.table_href,
                                    summary=view.benchmark.summary))
    meta = [html.Span(view.provenance)] if view.provenance else []
    if view.plan_refs:
        meta.append(html.Span(f"Evidences {view.plan_refs}."))
    if view.owner:
        meta.append(html.Span(f"Owner: {view.owner}."))
    if meta:
        body.append(html.P(meta, className="small text-body-secondary meta mb-0"))
    return html.Section(html.Div(body, className="card-body"), id=f"metric-{view.key}",
                        className="card chart-card mb-4" + (" highlight" if highlight else ""),
                        **{"aria-labelledby": f"title-{view.key}", "data-metric": view.metric_id,
                           "data-breakdown": view.breakdown, "tabIndex": "-1"})


def _comparisons(view: MeasureView) -> list:
    out = []
    for c in view.comparisons:
        if out:
            out.append(" · ")
        out += [f"{c.name}: ", html.Strong(c.text), f" ({c.period})"]
    return out


def _chart(view: MeasureView, chart: Chart, sub, *, first: bool) -> list:
    out = []
    label = view.title + (f": {chart.heading}" if chart.heading else "")
    if chart.heading:
        out.append(sub(chart.heading, className="h6 mt-3 mb-1 chart-heading"))
    if not first and chart.icons:
        line = [icon(i) for i in chart.icons]
        if chart.latest is not None:
            line.append(html.Span([html.Span("Latest: ", className="text-body-secondary"),
                                   html.Strong(chart.latest.text), f" ({chart.latest.period})"], className="latest"))
        line += [flag_badge(f.kind, f.text) for f in chart.flags]
        out.append(html.Div(line, className="status-line mb-2"))
    if chart.spec is None:
        out.append(html.Div(html.P(view.empty or "No data for this selection.", className="empty-state mb-0"),
                            className="empty-box"))
        return out
    caption = [html.P(" ".join(s.text for s in chart.sentences), className="mb-1")] if chart.sentences else []
    events = getattr(chart.spec, "events", ())
    if events:
        caption.append(html.Ul([html.Li([html.Span(str(e.number), className="event-number"),
                                         f" {e.when}: {e.title}" + (
                                             f" (limits recalculated from {e.recalculated_from})"
                                             if e.rebase and e.recalculated_from and getattr(chart.spec, "limits_name",
                                                                                             "") else "")])
                                for e in events], className="events small mb-0",
                               **{"aria-label": "Events on the chart, numbered as in the intervention log"}))
    out.append(html.Figure([chart_box(chart, label),
                            html.Figcaption(caption, className="chart-summary")], className="mb-2"))
    out.append(html.Div([
        _lazy_table(chart.table.caption, chart.table_href, summary="Show the data as a table"),
        html.A("Download CSV", href=chart.download_href, className="btn btn-outline-secondary btn-sm",
               download=f"{chart.table.filename}.csv"),
        html.Button("Save chart as PNG", type="button", className="btn btn-outline-secondary btn-sm png-button",
                    **{"data-target": f"chart-{chart.key}", "data-filename": chart.key}),
    ], className="card-actions d-flex flex-wrap gap-2 mb-2 align-items-start"))
    return out


def _lazy_table(caption: str, href: str, *, summary: str) -> html.Details:
    """A table behind a native disclosure (keyboard and screen readers know it); its rows are fetched the first
    time it is opened (dashboard.js), so a page of thirty cards does not carry thirty tables."""
    return html.Details([html.Summary(summary, className="btn btn-outline-secondary btn-sm"),
                         html.Div(className="lazy-table", **{"data-src": href, "aria-live": "polite"})],
                        className="table-toggle", title=caption)
