"""The report as one standalone HTML document: the page shows it, the HTML download is it, the PDF prints it.

Every piece of text is escaped here (titles and descriptions come from files analysts edit). Styles live in
`report.css` beside this module and are embedded, so the file needs nothing else to display or print.
"""
from __future__ import annotations

import base64
from html import escape
from pathlib import Path

from metrics import format as fmt
from metrics.report.model import MetricBlock, Report, Section
from metrics.report.svg import BLUE, GREY, ORANGE, PURPLE

CSS = (Path(__file__).with_name("report.css")).read_text(encoding="utf-8")


def _e(text) -> str:
    return escape(str(text))


VARIATION_COLOUR = {"common_cause": GREY, "improvement_high": BLUE, "improvement_low": BLUE,
                    "concern_high": ORANGE, "concern_low": ORANGE, "neutral_high": PURPLE, "neutral_low": PURPLE}
ASSURANCE_COLOUR = {"pass": BLUE, "fail": ORANGE, "inconsistent": GREY}
# Short words for the summary table's narrow columns; the full words are in each icon's label.
VARIATION_SHORT = {"common_cause": "Common cause", "improvement_high": "Improvement (high)",
                   "improvement_low": "Improvement (low)", "concern_high": "Concern (high)",
                   "concern_low": "Concern (low)", "neutral_high": "Unusually high", "neutral_low": "Unusually low",
                   None: "No chart"}
ASSURANCE_SHORT = {"pass": "Meeting target", "fail": "Missing target", "inconsistent": "Hit and miss",
                   None: "No target"}


def _icon(letter: str, colour: str, words: str, shape: str) -> str:
    return (f'<span class="mdc {shape}" style="background-color:{colour}" role="img" aria-label="{_e(words)}" '
            f'title="{_e(words)}">{_e(letter)}</span>')


def variation_icon(variation: str | None) -> str:
    """The Making Data Count variation icon as the dashboard draws it: a disc with H or L (~ for common cause)."""
    if variation is None:
        return ""
    return _icon(fmt.VARIATION_LETTER[variation] or "~", VARIATION_COLOUR[variation], fmt.VARIATION_TEXT[variation],
                 "circle")


def assurance_icon(assurance: str | None) -> str:
    """The assurance icon: a square with P (pass), F (fail) or ? (inconsistent); nothing without a target."""
    if assurance is None:
        return ""
    return _icon(fmt.ASSURANCE_LETTER[assurance], ASSURANCE_COLOUR[assurance], fmt.ASSURANCE_TEXT[assurance],
                 "square")


def _icons(variation, assurance) -> str:
    return variation_icon(variation) + assurance_icon(assurance)


def _icon_words(variation, assurance) -> str:
    words = fmt.VARIATION_TEXT[variation] if variation else "No chart"
    return f"{words}. {fmt.ASSURANCE_TEXT[assurance]}."


def render_html(report: Report) -> str:
    """The whole document as a string."""
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en-GB"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(report.title)}: {_e(report.quarter.label)}, {_e(report.place)}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<div class="running-title">{_e(report.title)}: {_e(report.quarter.label)}, {_e(report.place)}</div>',
        _cover(report), _contents(report), _exceptions(report), _summary(report),
        *(_section(s) for s in report.sections),
        _log(report), _reading(),
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
            real = [s.title for s in r.summary if not s.synthetic]
            which = f"Only these are not: {'; '.join(real)}." if real else "That is every measure."
        synthetic = (f'<p class="synthetic-note"><strong>{n} of {total} measures in this report are synthetic '
                     f"demonstration data</strong>, not real figures. {_e(which)} They are marked “Synthetic” "
                     "wherever they appear.</p>")
    return f"""<header class="cover" id="cover">
<p class="kicker">SEND Partnership Board</p>
<h1>{_e(r.title)}</h1>
<p class="period">{_e(r.quarter.label)}</p>
<p class="place">{_e(r.place)}</p>
<p>This report covers data up to {r.quarter.end:%-d %B %Y}, the end of the quarter. Quarters are calendar quarters
(quarter 1 is January to March). Each chart shows every period that started on or before that date.</p>
<p>It is a first draft written automatically from the dashboard's data: the performance group checks it and adds
its analysis and recommendations before it goes to the board.</p>
<h2 class="cover-h">Data in this report</h2>
<table class="freshness"><caption>Where the figures come from and how recent they are</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Latest period</th><th scope="col">Measures</th>
<th scope="col">Kind</th></tr></thead><tbody>{rows}</tbody></table>
{synthetic}
<p class="version">Data version {_e(r.data_version)}.</p>
</header>"""


def _toc_item(anchor: str, text: str, children: str = "") -> str:
    return f'<li><a class="toc" href="#{_e(anchor)}">{_e(text)}</a>{children}</li>'


def _contents(r: Report) -> str:
    items = [_toc_item("exceptions", "Exceptions: measures to look at first"),
             _toc_item("summary", "Summary of every measure")]
    for s in r.sections:
        items.append(_toc_item(s.anchor, s.title))
    items += [_toc_item("interventions", "Intervention log"), _toc_item("reading", "How to read this report")]
    return ('<nav class="contents" aria-labelledby="contents-h"><h2 id="contents-h">Contents</h2>'
            f'<ol>{"".join(items)}</ol></nav>')


def _exceptions(r: Report) -> str:
    if not r.exceptions:
        body = ("<p>No measure shows special cause concern or is failing its target this quarter.</p>")
    else:
        items = []
        for x in r.exceptions:
            reasons = " ".join(_e(s.text) for s in x.reasons)
            items.append(f'<li><a href="#{_e(x.anchor)}"><strong>{_e(x.title)}</strong></a> '
                         f'<span class="muted">({_e(x.page_title)})</span><br>{reasons}</li>')
        body = (f"<p>{len(r.exceptions)} measure{'s' if len(r.exceptions) != 1 else ''} show special cause concern "
                "(a change for the worse too large or too lasting to be chance) or will not meet their target on "
                f"current performance.</p><ol class=\"exceptions\">{''.join(items)}</ol>")
    return f'<section id="exceptions" class="part"><h2>Exceptions: measures to look at first</h2>{body}</section>'


def _summary(r: Report) -> str:
    rows = []
    for s in r.summary:
        synthetic = ' <span class="tag">Synthetic</span>' if s.synthetic else ""
        rows.append(
            f'<tr><th scope="row"><a href="#{_e(s.anchor)}">{_e(s.title)}</a>{synthetic}</th>'
            f"<td>{_e(s.latest)}</td><td>{_e(s.target)}</td>"
            f'<td class="icon-cell">{variation_icon(s.variation)} <span class="icon-text">'
            f"{_e(VARIATION_SHORT[s.variation])}</span></td>"
            f'<td class="icon-cell">{assurance_icon(s.assurance)} <span class="icon-text">'
            f"{_e(ASSURANCE_SHORT[s.assurance])}</span></td>"
            f"<td>{_e(s.change)}</td><td>{_e(s.comparator)}</td><td>{_e(s.owner)}</td></tr>")
    return f"""<section id="summary" class="part"><h2>Summary of every measure</h2>
<p>Every measure in the catalogue, in the order of the plan's outcomes. The variation icon reads the latest point of
the chart; the assurance icon says whether the target will be met on current performance (see “How to read this
report”).</p>
<table class="summary"><caption>Latest value, target, icons, change on last year, comparator and owner of every
measure</caption><thead><tr><th scope="col">Measure</th><th scope="col">Latest</th><th scope="col">Target</th>
<th scope="col">Variation</th><th scope="col">Assurance</th><th scope="col">Change on last year</th>
<th scope="col">Comparator</th><th scope="col">Owner</th></tr></thead><tbody>{''.join(rows)}</tbody></table>
</section>"""


def _section(s: Section) -> str:
    blocks = "".join(_block(b) for b in s.blocks)
    return (f'<section id="{_e(s.anchor)}" class="part"><h2>{_e(s.title)}</h2>'
            f'<p class="intro">{_e(s.intro)}</p>{blocks}</section>')


def _block(b: MetricBlock) -> str:
    synthetic = ' <span class="tag">Synthetic</span>' if b.synthetic else ""
    sentences = "".join(f'<li class="sentence {_e(s.kind)}">{_e(s.text)}</li>' for s in b.sentences)
    figure = ""
    if b.chart_svg:
        keys = "".join(f"<li><strong>{_e(k.key)}</strong> {_e(k.date)}: {_e(k.title)}"
                       f"{' (limits recalculated)' if k.rebase else ''}</li>" for k in b.chart_keys)
        keys = f'<ul class="chart-keys">{keys}</ul>' if keys else ""
        # An <img> of the SVG: still vector when printed, and the PDF engine lays it out far faster than inline SVG.
        src = "data:image/svg+xml;base64," + base64.b64encode(b.chart_svg.encode("utf-8")).decode("ascii")
        alt = f"{b.chart_kind.split(' (')[0]} of {b.title}. {b.sentences[0].text if b.sentences else ''}"
        figure = (f'<figure class="chart"><img class="spc-chart" src="{src}" alt="{_e(alt)}">'
                  f"<figcaption>{_e(b.chart_kind)} of {_e(b.title)} ({_e(b.good_direction)}).{keys}</figcaption>"
                  "</figure>")
    breakdown = ""
    if b.breakdown_rows:
        rows = "".join(
            f'<tr><th scope="row">{_e(row.name)}</th><td>{_e(row.latest)}</td>'
            f'<td class="icon-cell">{_icons(row.variation, row.assurance)}</td><td>{_e(row.summary)}</td></tr>'
            for row in b.breakdown_rows)
        breakdown = (f'<table class="breakdown"><caption>{_e(b.breakdown_label)}</caption><thead><tr>'
                     '<th scope="col">Part</th><th scope="col">Latest</th><th scope="col">Icons</th>'
                     f'<th scope="col">Reading</th></tr></thead><tbody>{rows}</tbody></table>')
    return f"""<article class="metric" id="{_e(b.anchor)}">
<h3>{_e(b.title)}{synthetic}</h3>
<p class="icons">{_icons(b.variation, b.assurance)}
<span class="icon-text">{_e(_icon_words(b.variation, b.assurance))}</span></p>
<p class="description">{_e(b.description)}</p>
{figure}
<ul class="narrative">{sentences}</ul>
{breakdown}
<p class="meta"><strong>Target:</strong> {_e(b.target)}. <strong>Owner:</strong> {_e(b.owner)}.
<strong>Plan references:</strong> {_e(b.plan_refs)}. <strong>Source:</strong> {_e(b.source)}.</p>
</article>"""


def _log(r: Report) -> str:
    if not r.log:
        body = "<p>No interventions are logged up to the end of this quarter for this area.</p>"
    else:
        items = []
        for e in r.log:
            rebase = ('<p class="rebase"><strong>Limits recalculated:</strong> the analyst marked this event as '
                      "changing the process, so the charts of the measures it applies to start new limits "
                      "here.</p>") if e.rebase else ""
            if e.changes:
                changes = "".join(f'<li><a href="#{_e(c.anchor)}">{_e(c.title)}</a>: {_e(c.text)}</li>'
                                  for c in e.changes)
                changes = f"<p>Measures that changed after it:</p><ul>{changes}</ul>"
            else:
                changes = "<p>No measure it applies to changed beyond its expected range after it.</p>"
            items.append(f'<li class="event"><h3><span class="key">{_e(e.key)}</span> {_e(e.date)}: {_e(e.title)}'
                         f'</h3><p>{_e(e.description)}</p><p class="muted">Applies to: {_e(e.applies_to)}</p>'
                         f"{rebase}{changes}</li>")
        body = ("<p>Dated events from the intervention log the analyst keeps (<code>data/annotations.csv</code>), "
                "up to the end of the quarter. Their numbers are drawn on the charts they apply to; an event for "
                "one service is drawn on that service's series, and an event for one locality appears in that "
                "locality's report. A measure “changed after” an event when a special cause signal began within "
                "12 months of it; where the limits were recalculated, the averages before and after are given."
                f"</p><ol class=\"log\">{''.join(items)}</ol>")
    return f'<section id="interventions" class="part"><h2>Intervention log</h2>{body}</section>'


def _reading() -> str:
    variation = "".join(f"<li>{variation_icon(v)} {_e(t)}</li>" for v, t in fmt.VARIATION_TEXT.items())
    assurance = "".join(f"<li>{assurance_icon(a)} {_e(t)}</li>" for a, t in fmt.ASSURANCE_TEXT.items() if a)
    return f"""<section id="reading" class="part"><h2>How to read this report</h2>
<p>The charts are statistical process control (SPC) charts, as in NHS England's “Making Data Count”. The solid line
is the average; the dashed lines are the <strong>control limits</strong>, the range the values are expected to stay
within if nothing has really changed. Values moving about inside that range is <strong>common cause
variation</strong>: normal ups and downs, not a reason to act. A <strong>special cause</strong> is a change too
large or too lasting to be chance: a value outside the limits, 7 periods in a row above or below the average,
7 periods in a row each higher (or each lower) than the one before, or two of three periods close to a limit.</p>
<p>Markers have different shapes, so the charts read in black and white: circles are common cause, squares special
cause improvement, diamonds special cause concern, triangles unusual values that are neither better nor worse.
Dash-dotted lines are targets. Numbered vertical lines mark interventions from the log; a solid one is where the
limits were recalculated.</p>
<p>Series with fewer than 12 points are shown as <strong>run charts</strong> against the median (the middle value):
too few points to draw reliable limits, so only unusually long runs above or below the median are signals.</p>
<h3>Variation icons</h3><ul class="legend">{variation}</ul>
<h3>Assurance icons</h3><ul class="legend">{assurance}</ul>
</section>"""
