"""The report as one standalone HTML document: the page shows it, the HTML download is it, the PDF prints it.

It renders the view model (metrics/view) and nothing else: icons, sentences, latest values, the exceptions and the
tables are the dashboard's own. Every piece of text is escaped here (titles and descriptions come from files
analysts edit). Styles live in `report.css` beside this module and are embedded, with the one palette's colours
as CSS variables, so the file needs nothing else to display or print.
"""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from metrics import palette
from metrics.report.model import Block, Report, Section
from metrics.vocabulary import ASSURANCE_ICONS, VARIATION_ICONS, Icon

CSS = palette.css_variables() + (Path(__file__).with_name("report.css")).read_text(encoding="utf-8")
KIND_WORDS = {"concern": "Special cause concern", "fail": "Failing the target", "improvement":
              "Special cause improvement"}


def _e(text) -> str:
    return escape(str(text))


def icon_html(i: Icon) -> str:
    """An icon as the dashboard draws it: a coloured shape holding its symbol, named for screen readers."""
    colour = palette.FAMILY.get(i.family, palette.COMMON)
    return (f'<span class="mdc {i.shape}" style="background-color:{colour}" role="img" aria-label="{_e(i.long)}" '
            f'title="{_e(i.long)}">{_e(i.symbol)}</span>')


def _icons(icons) -> str:
    return "".join(icon_html(i) for i in icons)


def table_html(table) -> str:
    """A view-model Table as an accessible HTML table (caption, column and row headers with scope): the same
    markup in the report and in a page's table on demand. Every cell is escaped."""
    head = "".join(f'<th scope="col">{_e(c.header)}</th>' for c in table.columns)
    rows = []
    for row in table.rows:
        cells = [f'<th scope="row">{_e(row[0].text)}</th>'] + [f"<td>{_e(c.text)}</td>" for c in row[1:]]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f'<div class="table-responsive" tabindex="0" role="region" aria-label="Data table: {_e(table.caption)}">'
            f'<table class="table table-sm table-striped data-table"><caption>{_e(table.caption)}</caption>'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>")


def render_html(report: Report) -> str:
    """The whole document as a string."""
    heading = f"{report.title}: {report.quarter.label}, {report.place}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<div class="running-title">{_e(heading)}</div>',
        _cover(report), _contents(report), _exceptions(report), _summary(report),
        *(_section(s) for s in report.sections),
        _actions(report), _log(report), _reading(),
        "</body></html>",
    ]
    return "\n".join(parts)


def _cover(r: Report) -> str:
    rows = "".join(
        f"<tr><th scope=\"row\">{_e(f.source)}</th><td>{_e(f.latest)}</td><td>{f.measures}</td>"
        f"<td>{'Synthetic demonstration data' if f.synthetic else 'Published or local data'}</td></tr>"
        for f in r.freshness)
    synthetic = ""
    n, total = len(r.synthetic_metrics), len(r.summary)
    if n:
        # Name the smaller group, so the cover stays short whichever kind of data dominates.
        if n <= total - n:
            which = f"They are: {'; '.join(r.synthetic_metrics)}."
        else:
            real = [v.title for v in r.summary if not v.synthetic]
            which = f"Only these are not: {'; '.join(real)}." if real else "That is every measure."
        synthetic = (f'<p class="synthetic-note"><strong>{n} of {total} measures in this report lead with synthetic '
                     f"demonstration data</strong>, not real figures. {_e(which)} They are marked “Synthetic” "
                     "wherever they appear.</p>")
    return f"""<header class="cover" id="cover">
<p class="kicker">SEND Partnership Board</p>
<h1>{_e(r.title)}</h1>
<p class="period">{_e(r.quarter.label)}</p>
<p class="place">{_e(r.place)}</p>
<p>This report covers data up to {r.quarter.end:%-d %B %Y}, the end of the quarter. Quarters are calendar quarters
(quarter 1 is January to March). Each chart shows every period that started on or before that date, exactly as
the dashboard shows it with the window ending in {r.quarter.end:%B %Y}.</p>
<p>It is a first draft written automatically from the dashboard's data: the performance group checks it and adds
its analysis and recommendations before it goes to the board.</p>
<h2 class="cover-h">Data in this report</h2>
<table class="freshness"><caption>Where the figures come from and how recent they are</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Latest period</th><th scope="col">Measures</th>
<th scope="col">Kind</th></tr></thead><tbody>{rows}</tbody></table>
{synthetic}
<p class="version">Data version {_e(r.data_version)}.</p>
</header>"""


def _toc_item(anchor: str, text: str) -> str:
    return f'<li><a class="toc" href="#{_e(anchor)}">{_e(text)}</a></li>'


def _contents(r: Report) -> str:
    items = [_toc_item("exceptions", "Exceptions: measures to look at first"),
             _toc_item("summary", "Summary of every measure")]
    items += [_toc_item(s.anchor, s.title) for s in r.sections]
    if r.actions is not None:
        items.append(_toc_item("actions", "Improvement plan actions"))
    items += [_toc_item("interventions", "Intervention log"), _toc_item("reading", "How to read this report")]
    return ('<nav class="contents" aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2>'
            f'<ol>{"".join(items)}</ol></nav>')


def _exceptions(r: Report) -> str:
    if not r.exceptions:
        body = "<p>No measure, service or other part shows special cause, and none is failing its target.</p>"
    else:
        groups = []
        for kind, words in KIND_WORDS.items():
            mine = [s for s in r.exceptions if s.kind == kind]
            if not mine:
                continue
            items = "".join(f'<li class="exception" data-metric="{_e(s.metric_id)}" data-part="{_e(s.part)}" '
                            f'data-kind="{_e(s.kind)}"><a href="#metric-{_e(s.metric_id)}"><strong>{_e(s.title)}'
                            f'</strong></a><br>{_e(s.sentence)}</li>' for s in mine)
            groups.append(f"<h3>{_e(words)} ({len(mine)})</h3><ol class=\"exceptions\">{items}</ol>")
        body = (f"<p>{len(r.exceptions)} exceptions across every measure and its parts (services, agencies, phases): "
                "special cause concern (a change for the worse too large or too lasting to be chance) first, then "
                "measures that will not meet their target on current performance, then special cause improvement."
                f"</p>{''.join(groups)}")
    return f'<section id="exceptions" class="part"><h2>Exceptions: measures to look at first</h2>{body}</section>'


def _summary(r: Report) -> str:
    rows = []
    for v in r.summary:
        synthetic = ' <span class="tag">Synthetic</span>' if v.synthetic else ""
        latest = f"{v.latest.text} ({v.latest.period})" if v.latest else (v.empty or "No data")
        comparator = "; ".join(f"{c.name} {c.text} ({c.period})" for c in v.comparisons) or "None published"
        icons = " ".join(f'{icon_html(i)} <span class="icon-text">{_e(i.label)}</span>' for i in v.icons)
        rows.append(f'<tr><th scope="row"><a href="#metric-{_e(v.key)}">{_e(v.title)}</a>{synthetic}</th>'
                    f"<td>{_e(latest)}</td><td>{_e(v.target.text if v.target else 'None set')}</td>"
                    f'<td class="icon-cell">{icons}</td><td>{_e(v.change)}</td><td>{_e(comparator)}</td>'
                    f"<td>{_e(v.owner)}</td></tr>")
    return f"""<section id="summary" class="part"><h2>Summary of every measure</h2>
<p>Every measure in the catalogue, in the order of the plan's outcomes. The variation icon reads the latest point of
the chart; the assurance icon says whether the target will be met on current performance (see “How to read this
report”).</p>
<table class="summary"><caption>Latest value, target, icons, change on last year, comparators and owner of every
measure</caption><thead><tr><th scope="col">Measure</th><th scope="col">Latest</th><th scope="col">Target</th>
<th scope="col">Icons</th><th scope="col">Change on last year</th><th scope="col">Comparators</th>
<th scope="col">Owner</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
</section>"""


def _section(s: Section) -> str:
    blocks = "".join(_block(b) for b in s.blocks)
    return (f'<section id="{_e(s.anchor)}" class="part"><h2>{_e(s.title)}</h2>'
            f'<p class="intro">{_e(s.intro)}</p>{blocks}</section>')


def _block(b: Block) -> str:
    v = b.view
    synthetic = ' <span class="tag">Synthetic</span>' if v.synthetic else ""
    flags = "".join(f'<span class="tag">{_e(f.text)}</span> ' for f in v.flags if f.kind != "synthetic")
    figures = []
    for chart, svg in zip(v.charts, b.svgs):
        head = f"<h4>{_e(chart.heading)}</h4>" if chart.heading else ""
        sentences = "".join(f'<li class="sentence {_e(s.kind)}">{_e(s.text)}</li>' for s in chart.sentences)
        if svg:
            events = "".join(f"<li><strong>{e.number}</strong> {_e(e.when)}: {_e(e.title)}"
                             f"{' (limits recalculated from ' + _e(e.recalculated_from) + ')' if e.recalculated_from else ''}"
                             "</li>" for e in chart.spec.events)
            events = f'<ul class="chart-keys">{events}</ul>' if events else ""
            src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
            alt = f"Chart of {v.title}. {chart.sentences[0].text if chart.sentences else ''}"
            figures.append(f'{head}<figure class="chart"><img class="spc-chart" src="{src}" alt="{_e(alt)}">'
                           f"<figcaption>{_e(v.title)} ({_e(v.good_direction.lower())}).{events}</figcaption></figure>"
                           f'<ul class="narrative">{sentences}</ul>')
        else:
            figures.append(f'{head}<ul class="narrative">{sentences}</ul>')
    if not v.charts:
        figures.append(f"<p>{_e(v.empty)}</p>")
    parts = ""
    if b.parts:
        rows = "".join(f'<tr><th scope="row">{_e(p.name)}</th><td>{_e(p.latest)}</td>'
                       f'<td class="icon-cell">{_icons(p.icons)}</td><td>{_e(p.reading)}</td></tr>' for p in b.parts)
        parts = (f'<table class="breakdown"><caption>{_e(b.parts_label)}</caption><thead><tr>'
                 '<th scope="col">Part</th><th scope="col">Latest</th><th scope="col">Icons</th>'
                 f'<th scope="col">Reading</th></tr></thead><tbody>{rows}</tbody></table>')
    words = ". ".join(i.long for i in v.icons)
    rank = f'<p class="meta">{_e(v.benchmark.rank_text)}</p>' if v.benchmark and v.benchmark.rank_text else ""
    return f"""<article class="metric" id="metric-{_e(v.key)}">
<h3>{_e(v.title)}{synthetic}</h3>
<p class="icons">{_icons(v.icons)} <span class="icon-text">{_e(words)}.</span> {flags}</p>
<p class="description">{_e(v.description)}</p>
{''.join(figures)}
{rank}
{parts}
<p class="meta"><strong>Target:</strong> {_e(v.target.text + ' (' + v.target.source + ')' if v.target else 'None set')}.
<strong>Owner:</strong> {_e(v.owner)}. <strong>Plan references:</strong> {_e(v.plan_refs or 'None')}.
<strong>{_e(v.provenance)}</strong></p>
</article>"""


def _actions(r: Report) -> str:
    """Where the plans' actions stand at the quarter's end: the counts, then every action not complete, overdue
    first, with its lead, due date, status and note."""
    t = r.actions
    if t is None:
        return ""
    sentences = " ".join(_e(s) for s in t.sentences)
    rows = []
    for outcome in t.outcomes:
        for area in outcome.areas:
            for a in area.rows:
                if a.status == "complete":
                    continue
                late = ' <span class="tag">Overdue</span>' if a.overdue else ""
                rows.append(f'<tr><th scope="row">{_e(a.id)}{late}</th><td>{_e(a.action)}</td><td>{_e(a.lead)}</td>'
                            f"<td>{a.due:%-d %B %Y}</td><td>{_e(a.status)}</td><td>{_e(a.note or '')}</td></tr>")
    table = ("<p>Every action is complete.</p>" if not rows else
             '<table class="actions"><caption>Actions not yet complete, overdue first within each area</caption>'
             '<thead><tr><th scope="col">Action</th><th scope="col">What</th><th scope="col">Lead</th>'
             '<th scope="col">Due</th><th scope="col">Status</th><th scope="col">Note</th></tr></thead>'
             f"<tbody>{''.join(rows)}</tbody></table>")
    return (f'<section id="actions" class="part"><h2>Improvement plan actions</h2><p>As at {t.as_of:%-d %B %Y}. '
            f"{sentences}</p>{table}</section>")


def _log(r: Report) -> str:
    if not r.log:
        body = "<p>No interventions are logged up to the end of this quarter for this area.</p>"
    else:
        items = []
        for e in r.log:
            rebase = ('<p class="rebase"><strong>Limits recalculated:</strong> the analyst marked this event as '
                      "changing the process, so the charts of the measures it applies to start new limits "
                      "after it.</p>") if e.rebase else ""
            if e.changes:
                changes = "".join(f'<li><a href="#{_e(c.anchor)}">{_e(c.title)}</a>: {_e(c.text)}</li>'
                                  for c in e.changes)
                changes = f"<p>What the charts say followed:</p><ul>{changes}</ul>"
            else:
                changes = "<p>No chart it applies to says something changed after it.</p>"
            items.append(f'<li class="event"><h3><span class="key">{e.number}</span> {_e(e.date)}: {_e(e.title)}'
                         f'</h3><p>{_e(e.description)}</p><p class="muted">Applies to: {_e(e.applies_to)}</p>'
                         f"{rebase}{changes}</li>")
        body = ("<p>Dated events from the intervention log the analyst keeps (<code>data/annotations.csv</code>), "
                "up to the end of the quarter, numbered as in the log: the same numbers are drawn on the charts. "
                "An event for one service is drawn on that service's series; an event for one locality appears "
                "in that locality's report.</p>"
                f"<ol class=\"log\">{''.join(items)}</ol>")
    return f'<section id="interventions" class="part"><h2>Intervention log</h2>{body}</section>'


def _reading() -> str:
    variation = "".join(f"<li>{icon_html(i)} {_e(i.long)}</li>" for k, i in VARIATION_ICONS.items() if k)
    assurance = "".join(f"<li>{icon_html(i)} {_e(i.long)}</li>" for k, i in ASSURANCE_ICONS.items() if k)
    return f"""<section id="reading" class="part"><h2>How to read this report</h2>
<p>The charts are statistical process control (SPC) charts, as in NHS England's “Making Data Count”. The solid line
is the mean; the dashed lines are the <strong>process limits</strong>, the range the values are expected to stay
within if nothing has really changed. Values moving about inside that range is <strong>common cause
variation</strong>: normal ups and downs, not a reason to act. A <strong>special cause</strong> is a change too
large or too lasting to be chance: a value outside the limits, 7 periods in a row above or below the mean,
7 periods in a row each higher (or each lower) than the one before, or two of three periods beyond two sigma on
one side of the mean.</p>
<p>Markers have different shapes, so the charts read in black and white: circles are common cause, squares special
cause improvement, diamonds special cause concern, triangles unusual values that are neither better nor worse.
Dash-dotted lines are targets. Numbered vertical lines mark interventions from the log; a solid one is where the
limits were recalculated.</p>
<p>Series with fewer than 12 points are shown as <strong>run charts</strong> against the median (the middle value):
too few points to draw reliable limits, so only unusually long runs above or below the median, or too few
crossings of it, are signals. Limits from fewer than 13 points are <strong>trial limits</strong>, drawn dotted.</p>
<h3>Variation icons</h3><ul class="legend">{variation}</ul>
<h3>Assurance icons</h3><ul class="legend">{assurance}</ul>
</section>"""
