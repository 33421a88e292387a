"""The quarterly report as data: what it says, in order, before any HTML or PDF is written.

`build_report` fills these; `render_html` writes them out. Everything a reader sees is decided here, so the
page, the HTML file and the PDF cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics.narrative import Sentence
from metrics.report.quarter import Quarter


@dataclass(frozen=True)
class Freshness:
    """One source's provenance on the cover."""
    source: str
    latest: str  # latest period with data for the area up to the quarter's end, in words
    measures: int  # how many catalogue measures come from it
    synthetic: bool


@dataclass(frozen=True)
class SummaryRow:
    """One catalogue metric in the summary-icon table; text fields are ready to print."""
    metric_id: str
    title: str
    anchor: str  # the metric's section, for the link
    latest: str  # "62.0% (June 2025)"
    target: str  # "90%" or "None set"
    variation: str | None  # metrics.spc variation, for the icon
    assurance: str | None
    change: str  # change on the same period last year, in words
    comparator: str  # "England 58.0% (2024)" or "None published"
    owner: str  # "No owner named" when the catalogue names nobody
    synthetic: bool


@dataclass(frozen=True)
class BreakdownRow:
    """The metric for one service (or agency, ...) in a block's breakdown table."""
    name: str
    latest: str
    variation: str | None
    assurance: str | None
    summary: str  # the breakdown's headline sentence


@dataclass(frozen=True)
class ChartKey:
    """An intervention drawn on a chart: its number on the chart and its words in the caption."""
    key: str
    date: str
    title: str
    rebase: bool


@dataclass(frozen=True)
class MetricBlock:
    metric_id: str
    title: str
    anchor: str
    description: str
    good_direction: str  # "higher is better"
    chart_svg: str  # "" when there is nothing to chart
    chart_kind: str  # words: "XmR chart", "p chart", "run chart"
    chart_keys: tuple[ChartKey, ...]
    sentences: tuple[Sentence, ...]
    breakdown_label: str  # "By service", "" when the metric has no breakdown
    breakdown_rows: tuple[BreakdownRow, ...]
    source: str
    synthetic: bool
    plan_refs: str  # in words
    owner: str
    target: str
    variation: str | None
    assurance: str | None


@dataclass(frozen=True)
class Section:
    page_id: str
    title: str
    intro: str
    blocks: tuple[MetricBlock, ...]

    @property
    def anchor(self) -> str:
        return f"section-{self.page_id}"


@dataclass(frozen=True)
class ExceptionItem:
    """A measure the board should look at first: special-cause concern or failing its target."""
    metric_id: str
    title: str
    anchor: str
    page_title: str
    reasons: tuple[Sentence, ...]


@dataclass(frozen=True)
class ChangeAfter:
    """A measure that changed after an intervention, in words."""
    title: str
    anchor: str
    text: str
    metric_id: str
    breakdown: str


@dataclass(frozen=True)
class LogEntry:
    key: str  # the number drawn on charts
    date: str
    title: str
    description: str
    applies_to: str  # services and localities in words
    rebase: bool
    changes: tuple[ChangeAfter, ...]


@dataclass(frozen=True)
class Report:
    quarter: Quarter
    locality: str  # URL slug: area | north | central | south
    place: str  # "Blackpool (whole area)", "Central locality"
    title: str
    data_version: str
    freshness: tuple[Freshness, ...]
    synthetic_metrics: tuple[str, ...]  # titles of measures whose series are synthetic demonstration data
    exceptions: tuple[ExceptionItem, ...]
    summary: tuple[SummaryRow, ...]
    sections: tuple[Section, ...]
    log: tuple[LogEntry, ...]

    @property
    def blocks(self) -> tuple[MetricBlock, ...]:
        return tuple(b for s in self.sections for b in s.blocks)
