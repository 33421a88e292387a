"""The quarterly report as data: the measure views (metrics/view) it prints, in order, before any HTML or PDF.

`build_report` fills these from the same views and exceptions the overview shows; `render_html` writes them out.
Everything a reader sees is decided in the view model, so the page, the HTML file, the PDF and the dashboard
cannot disagree.
"""
from __future__ import annotations

from dataclasses import dataclass

from metrics.report.quarter import Quarter
from metrics.view.model import MeasureView, Signal
from metrics.vocabulary import Icon


@dataclass(frozen=True)
class Freshness:
    """One source's provenance on the cover."""
    source: str
    latest: str  # the latest period of its measures, up to the quarter's end
    measures: int
    synthetic: bool


@dataclass(frozen=True)
class PartRow:
    """A measure for one part (service, agency, ...) in a block's breakdown table."""
    name: str
    latest: str
    icons: tuple[Icon, ...]
    reading: str
    view: MeasureView | None = None


@dataclass(frozen=True)
class Block:
    view: MeasureView
    svgs: tuple[str, ...]  # one per chart of the view ("" where a chart is not an SPC chart)
    parts: tuple[PartRow, ...]
    parts_label: str


@dataclass(frozen=True)
class Section:
    page_id: str
    title: str
    intro: str
    blocks: tuple[Block, ...]

    @property
    def anchor(self) -> str:
        return f"section-{self.page_id}"


@dataclass(frozen=True)
class ChangeAfter:
    title: str
    anchor: str
    text: str


@dataclass(frozen=True)
class LogEntry:
    number: int
    date: str
    title: str
    description: str
    applies_to: str
    rebase: bool
    changes: tuple[ChangeAfter, ...]


@dataclass(frozen=True)
class Report:
    quarter: Quarter
    locality: str
    place: str
    title: str
    data_version: str
    freshness: tuple[Freshness, ...]
    exceptions: tuple[Signal, ...]
    summary: tuple[MeasureView, ...]
    synthetic_metrics: tuple[str, ...]
    sections: tuple[Section, ...]
    log: tuple[LogEntry, ...]
    actions: object | None = None  # metrics.plan.TrackerView as at the quarter's end; None without a plan file
