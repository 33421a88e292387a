"""The view model: everything a reader is shown about a measure, as immutable data, decided once.

`metrics.view.measure.measure_view` fills a `MeasureView` for (measure, place, breakdown, window, audience); the web
card, the overview row, the CSV and XLSX downloads, the quarterly report and the meeting slides all render that
one object, so no two of them can say different things. Renderers add no facts: every sentence, icon, number and
label they show is a field here. (Compare vizro's validated models whose `build` only renders, and datasette's
documented context object per page.)
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from metrics.vocabulary import Icon


@dataclass(frozen=True)
class Flag:
    """Something a reader must know to read the figures right, already in the audience's words."""
    kind: str  # synthetic | whole_area | quality | small_cohort | older_comparator | trial_limits | stuck |
    #            sources_disagree | series_break | unavailable
    text: str


@dataclass(frozen=True)
class Sentence:
    kind: str  # see metrics.view.sentences.KINDS
    text: str
    event: int = 0  # the intervention log's number of the event the sentence is about (0: none)


@dataclass(frozen=True)
class Point:
    """One period of a drawn series, in the measure's units."""
    x: str  # period start, YYYY-MM-DD
    label: str  # the period in words
    value: float | None  # None when hidden, missing or not applicable
    status: str
    text: str  # the value in words ("62.5%", "fewer than 6", "Not available")
    numerator: float | None = None
    denominator: float | None = None
    centre: float | None = None
    lower: float | None = None  # None when the chart has no limits or the audience sees none
    upper: float | None = None
    point_type: str = ""  # Making Data Count point type ("" when not charted)
    group: int = 0  # rebase group: lines restart between groups
    trial: bool = False


@dataclass(frozen=True)
class Line:
    """A comparator series drawn on the chart (England, the region, the neighbours' average)."""
    name: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Event:
    """An intervention from the log, numbered by the log (stable across views)."""
    number: int
    date: str  # YYYY-MM-DD: where the event is drawn
    when: str  # its month in words
    title: str
    description: str
    rebase: bool
    recalculated_from: str = ""  # for a rebase: the first period of the new limits, in words ("" if none drawn)
    recalculated_x: str = ""  # ... and where the chart draws it (YYYY-MM-DD)


@dataclass(frozen=True)
class SpcChart:
    """A Making Data Count chart (or a run chart) of one series."""
    title: str
    unit: str
    unit_label: str | None
    decimals: int | None
    y_title: str
    period_type: str
    chart: str  # xmr | p | p_prime | c | run
    points: tuple[Point, ...]
    centre_name: str
    limits_name: str  # "" when no limits are drawn
    point_names: dict
    target: float | None
    target_label: str
    comparators: tuple[Line, ...] = ()
    events: tuple[Event, ...] = ()
    trial: bool = False  # the latest limits are trial limits
    trial_label: str = ""
    kind: str = "spc"


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None
    text: str
    hover: str
    highlight: bool = False


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars: a distribution or a breakdown (drill-downs)."""
    title: str
    bars: tuple[Bar, ...]
    axis_title: str
    highlight_name: str = ""
    base_name: str = ""
    kind: str = "bars"


@dataclass(frozen=True)
class Panel:
    title: str
    unit: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class PanelsChart:
    """Small multiples on one time axis (waits beside demand): one y axis per panel, never two on one."""
    title: str
    panels: tuple[Panel, ...]
    events: tuple[Event, ...] = ()
    kind: str = "panels"


@dataclass(frozen=True)
class StackedChart:
    """Shares of a whole by period (review outcomes), parts adding to 100%."""
    title: str
    parts: tuple[Panel, ...]
    kind: str = "stacked"


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header
    header: str  # the table's header in words


@dataclass(frozen=True)
class Cell:
    value: object  # what the CSV writes (a number, a GSS symbol, text)
    text: str  # what the table shows


@dataclass(frozen=True)
class Table:
    """The rows behind a chart: the accessible table and the CSV are both this."""
    caption: str
    columns: tuple[Column, ...]
    rows: tuple[tuple[Cell, ...], ...]
    filename: str  # for the download: measure, place and window


@dataclass(frozen=True)
class Latest:
    x: str
    period: str
    value: float | None
    status: str
    text: str


@dataclass(frozen=True)
class Target:
    value: float
    text: str
    source: str


@dataclass(frozen=True)
class Comparison:
    """A comparator's latest value beside the area's, saying when the periods differ."""
    name: str
    text: str
    period: str
    same_period: bool
    role: str = "england"  # england | neighbours: the overview's column


@dataclass(frozen=True)
class Benchmark:
    rank_text: str  # "" when the area cannot be ranked
    table: Table | None
    summary: str = ""  # the words on the table's disclosure button
    table_href: str = ""


@dataclass(frozen=True)
class Signal:
    """An exception a board acts on: the measure (or one of its parts) in special cause, or failing its target."""
    metric_id: str
    title: str  # the measure's title, with the part ("… : Physiotherapy")
    part: str  # the breakdown value or the series ("" for the headline)
    kind: str  # concern | fail | improvement
    sentence: str
    page: str
    href: str
    latest: str = ""  # the chart's latest value and period, in words


@dataclass(frozen=True)
class ChartCard:
    """What a chart's card says beside the drawing, and how the chart reads."""
    icons: tuple[Icon, ...] = ()
    flags: tuple[Flag, ...] = ()
    latest: Latest | None = None
    source: str = ""
    synthetic: bool = False
    figure_href: str = ""
    table_href: str = ""
    download_href: str = ""
    # metrics.view.reading.Reading of a measure's chart (icons, signals and sentences read it; compared by them)
    reading: object = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Chart:
    """One chart of a measure view, with the words and rows that go with it. Its card (icons, flags, latest figure,
    addresses, reading), sentences and table are worked out the first time they are read, from the same points: a
    chart's own address (often a window nobody asked for before) draws the chart and needs none of them."""
    key: str  # DOM-safe and URL-safe id of this chart within the page
    heading: str  # "" for the headline; else what this chart is ("Central, monthly local extract")
    spec: object  # SpcChart | BarChart | PanelsChart | StackedChart
    make_card: Callable[[], ChartCard] = field(repr=False, compare=False)
    make_sentences: Callable[[], tuple[Sentence, ...]] = field(repr=False, compare=False)
    make_table: Callable[[], Table] = field(repr=False, compare=False)

    @cached_property
    def card(self) -> ChartCard:
        return self.make_card()

    @cached_property
    def sentences(self) -> tuple[Sentence, ...]:
        return self.make_sentences()

    @cached_property
    def table(self) -> Table:
        return self.make_table()

    icons = property(lambda self: self.card.icons)
    flags = property(lambda self: self.card.flags)
    latest = property(lambda self: self.card.latest)
    source = property(lambda self: self.card.source)
    synthetic = property(lambda self: self.card.synthetic)
    figure_href = property(lambda self: self.card.figure_href)
    table_href = property(lambda self: self.card.table_href)
    download_href = property(lambda self: self.card.download_href)
    reading = property(lambda self: self.card.reading)


@dataclass(frozen=True)
class MeasureView:
    metric_id: str
    key: str
    title: str  # with the breakdown when it is not the total
    page: str
    place: str  # the area name the figures are for
    breakdown: str
    audience: str
    description: str
    good_direction: str  # "Higher is better"
    target: Target | None
    icons: tuple[Icon, ...]  # the headline's
    latest: Latest | None
    sentences: tuple[Sentence, ...]  # the headline chart's reading
    charts: tuple[Chart, ...]  # the headline first; then parts or the other series of this measure
    change: str  # on the same period last year, in words ("" when there is none to state)
    comparisons: tuple[Comparison, ...]
    benchmark: Benchmark | None
    flags: tuple[Flag, ...]
    provenance: str  # where the figures come from and how recent they are
    source: str
    synthetic: bool
    plan_refs: str  # in words ("" for the public)
    refs: tuple  # the plan references themselves, for filtering (empty for the public)
    owner: str
    spark: tuple = ()  # the headline's last values, for a sparkline
    variation: str | None = None  # the headline's, for filters and sorting
    assurance: str | None = None
    signals: tuple[Signal, ...] = ()  # every exception across this measure's charts
    empty: str = ""  # why there is nothing to chart ("" when there is)
    href: str = ""  # the measure on its page, for the overview and the report
    download_href: str = ""
    change_value: float | None = None
    has_place_figures: bool = True  # False when the figures are the whole area's, shown for a locality
    actions: tuple = field(default_factory=tuple)  # improvement-plan actions this measure evidences, in words
    links: tuple = field(default_factory=tuple)  # (words, href) to related views (the funnel plot)
    kind: str = "measure"  # measure | drill (a record-level or composite view, not one catalogue measure)
