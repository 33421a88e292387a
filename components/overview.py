"""The overview drawn from its PageView (metrics/view/overview.py): exceptions first, then every measure's row.

Plain table rows with inline SVG sparklines (no charts): the first screen of a projector shows the exceptions
and the first rows; each row's title links to its chart.
"""
from __future__ import annotations

from dash import dcc, html

from components.chart import sparkline_svg
from components.icons import flag_badge, icon
from metrics import palette
from metrics.view.pages import PageView

KIND_HEADINGS = {"concern": "Special cause concern", "fail": "Failing the target",
                 "improvement": "Special cause improvement"}


def overview_layout(pv: PageView) -> list:
    x = pv.extra
    board = x["spc"]
    out = [html.P(x["count"], className="fw-semibold", id="overview-count")]
    if board:
        out.append(_exceptions(x["overview"].exceptions))
    out.append(html.P([html.A("Download every measure shown (CSV)", href=x["csv_href"]), " · ",
                       html.A("Download as a spreadsheet with each measure's data (XLSX)", href=x["xlsx_href"])],
                      className="small downloads"))
    if not x["rows"]:
        out.append(html.P("No measures match these filters. Choose 'Any' in a filter to see more.",
                          className="empty-state"))
    for p, rows in x["groups"]:
        out.append(_table(p, rows, board))
    return out


def _exceptions(signals) -> html.Section:
    """Exceptions first, one compact row each: concern, then failing targets; improvements folded away below."""
    if not signals:
        return html.Section(html.P("No exceptions: no measure, service or other part shows special cause, and none "
                                   "is failing its target."), className="exceptions mb-3", id="exceptions")
    urgent = [s for s in signals if s.kind != "improvement"]
    better = [s for s in signals if s.kind == "improvement"]
    out = [html.H2("Exceptions", className="h4")]
    if urgent:
        out.append(_exception_table("Special cause concern and failing targets", urgent))
    if better:
        out.append(html.Details([html.Summary(f"Special cause improvement ({len(better)})",
                                              className="fw-semibold"),
                                 _exception_table("Special cause improvement", better)], className="mb-2"))
    return html.Section(out, className="exceptions mb-3", id="exceptions", **{"aria-label": "Exceptions"})


def _exception_table(caption: str, signals) -> html.Div:
    rows = [html.Tr([html.Td(html.Span(KIND_HEADINGS[s.kind], className=f"kind kind-{s.kind}")),
                     html.Th(dcc.Link(s.title, href=s.href), scope="row"), html.Td(s.latest)],
                    **{"data-metric": s.metric_id, "data-part": s.part, "data-kind": s.kind}) for s in signals]
    return html.Div(html.Table([html.Caption(caption, className="visually-hidden"),
                                html.Thead(html.Tr([html.Th("Exception", scope="col"), html.Th("Measure", scope="col"),
                                                    html.Th("Latest", scope="col")])),
                                html.Tbody(rows)], className="table table-sm exception-table bg-white mb-2"),
                    className="table-responsive")


def _table(p, rows, board: bool) -> html.Div:
    head = ["Measure", "Latest", "Target", *(["Variation", "Assurance"] if board else ["How it is changing"]),
            "Recent trend", "Change on last year", "England", "Statistical neighbours" if board else "Similar areas"]
    return html.Div(html.Table([
        html.Caption(p.title),
        html.Thead(html.Tr([html.Th(h, scope="col") for h in head])),
        html.Tbody([_row(r, board) for r in rows]),
    ], className="table table-sm overview-table bg-white mb-4"), className="table-responsive overview-block",
        id=f"section-{p.id}")


def _td(label: str, children, **kw) -> html.Td:
    """A cell that names its column, so a phone can show each row as a card that reads top to bottom."""
    return html.Td(children, **{"data-label": label}, **kw)


def _row(r, board: bool) -> html.Tr:
    v = r.view
    measure = [dcc.Link(v.title, href=v.href), html.Div(v.good_direction + (f" · Plan {', '.join(v.refs)}"
                                                                            if v.refs else ""), className="refs")]
    measure += [flag_badge(f.kind, f.text) for f in v.flags]
    parts = [s for s in r.signals if s.part]
    if parts:
        measure.append(html.Div("Exceptions in: " + ", ".join(f"{s.part} ({s.kind})" for s in parts),
                                className="refs part-signals"))
    if not v.charts:
        latest = _td("Latest", v.empty, className="small")
    else:
        latest = _td("Latest", [html.Span(v.latest.text if v.latest else "No data", className="fw-semibold"),
                                html.Br(), html.Span(v.latest.period if v.latest else "",
                                                     className="small text-body-secondary")])
    family = v.icons[0].family if v.icons else "none"
    spark = sparkline_svg(v.spark, colour=palette.FAMILY.get(family, palette.COMMON))
    known = [s for s in v.spark if s is not None]
    spark_cell = _td("Recent trend", html.Img(src=spark, alt=f"Recent trend: {len(v.spark)} periods, from {known[0]:g} to "
                                                 f"{known[-1]:g}", className="sparkline", width=96, height=24)
                         if spark else "")
    status = [_td(("Variation", "Assurance")[n], icon(i)) for n, i in enumerate(v.icons)] if board else [
        _td("How it is changing", [icon(v.icons[0]), html.P(v.sentences[0].text if v.sentences else "",
                                                            className="family-sentence")], className="family-cell")]
    comparisons = {c.role: c for c in v.comparisons}
    return html.Tr([
        html.Th(measure, scope="row", className="measure"), latest,
        _td("Target", v.target.text if v.target else "None"), *status, spark_cell, _td("Change on last year", v.change),
        *[_td(c.name if c else "", [c.text, html.Br(), html.Span(c.period, className="small text-body-secondary")]
              if c else "") for c in (comparisons.get("england"), comparisons.get("neighbours"))],
    ], **{"data-metric": v.metric_id, "data-families": " ".join(sorted(r.families))})
