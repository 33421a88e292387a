"""`data/published_map.toml`: which published indicator feeds which catalogue metric, and how.

The catalogue (`data/catalogue.toml`) says what a metric *is*; this file says where published files put it:
layout (kind), the indicator column under each name it has had across releases, the filter values that pick the
rows, the breakdown, unit scaling and period type. It also holds the releases (source text by file name), the
series breaks (first period of a new definition) and cautions (published values known to be doubtful).
"""
from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrics.area import DATA_DIR
from metrics.schemas import PERIOD_TYPES, QUALITY_FLAGS

MAP_PATH = DATA_DIR / "published_map.toml"
UNITS = ("percent", "count", "rate", "days", "weeks", "score", "ratio")


@dataclass(frozen=True)
class Indicator:
    """One published indicator -> one catalogue metric."""
    kind: str
    metric_id: str
    column: tuple[str, ...]  # the value column's names across releases, newest first; empty: computed
    numerator: tuple[tuple[str, ...], ...]  # columns summed for the numerator (each with its renames)
    denominator: tuple[tuple[str, ...], ...]  # likewise for the denominator
    where: tuple[tuple[str, tuple[str, ...]], ...]  # column -> accepted values (ignored if the column is absent)
    needs: tuple[str, ...]  # columns the file must have for this indicator to apply
    breakdown: str  # fixed breakdown, or
    breakdown_from: str  # a column whose values (renamed by `breakdowns`) are the breakdown
    breakdowns: tuple[tuple[str, str], ...]
    period_type: str
    unit: str
    scale: float  # multiply published values by this (e.g. 100 for a 0-1 proportion)
    year_label: str  # a four-digit academic/financial year label names the year the period "end"s or "start"s in
    january_census: bool  # an academic-year label read as the calendar year of its January census
    label: str  # where the entry sits in the map file, for messages

    @property
    def computed(self) -> bool:
        return not self.column


@dataclass(frozen=True)
class Release:
    files: tuple[str, ...]  # file-name patterns
    source: str  # publisher + release, as shown beside every value
    release: str
    publication: str = ""  # the series several releases belong to: a changed figure between them is a revision


@dataclass(frozen=True)
class SeriesBreak:
    metric_id: str
    period_start: date
    reason: str


@dataclass(frozen=True)
class Caution:
    """A published value known to be doubtful: kept as published, flagged in its `quality` column (plain words
    for anyone), and the note - internal, for analysts - in the ingest log every time it is ingested."""
    metric_id: str
    area: str
    period_start: date
    note: str
    flag: str = "doubtful"


@dataclass(frozen=True)
class PublishedMap:
    indicators: tuple[Indicator, ...]
    releases: tuple[Release, ...]
    breaks: tuple[SeriesBreak, ...]
    kind_sources: tuple[tuple[str, str], ...]  # kind -> default source text when no release matches
    cautions: tuple[Caution, ...] = ()

    def for_kind(self, kind: str) -> list[Indicator]:
        return [i for i in self.indicators if i.kind == kind]

    def release_for(self, file_name: str) -> Release | None:
        for r in self.releases:
            if any(fnmatch.fnmatch(file_name, p) for p in r.files):
                return r
        return None

    def default_source(self, kind: str, file_name: str) -> str:
        return f"{dict(self.kind_sources).get(kind, 'Published statistics')} ({file_name})"

    def publications(self) -> dict[str, str]:
        """Source text -> the publication it is a release of (releases without one are their own)."""
        return {r.source: r.publication or r.source for r in self.releases}

    def break_starts(self) -> dict[str, set[date]]:
        out: dict[str, set[date]] = {}
        for b in self.breaks:
            out.setdefault(b.metric_id, set()).add(b.period_start)
        return out


def _names(spec, label: str, key: str) -> tuple[str, ...]:
    if spec is None or spec == "":
        return ()
    if isinstance(spec, str):
        return (spec,)
    if isinstance(spec, list) and spec and all(isinstance(s, str) for s in spec):
        return tuple(spec)
    raise ValueError(f"{label}: {key} must be a column name or a list of a column's names across releases")


def _counts(raw: dict, label: str, key: str) -> tuple[tuple[str, ...], ...]:
    """`numerator = "a"` (or a list of a's names across releases), or `numerator_sum = ["a", "b"]`."""
    if key in raw and f"{key}_sum" in raw:
        raise ValueError(f"{label}: give {key} or {key}_sum, not both")
    if key in raw:
        return (_names(raw[key], label, key),)
    return tuple(_names(s, label, f"{key}_sum") for s in raw.get(f"{key}_sum", []))


def _indicator(raw: dict, label: str, catalogue) -> Indicator:
    unknown = set(raw) - {"kind", "metric_id", "column", "numerator", "numerator_sum", "denominator",
                          "denominator_sum", "where",
                          "needs", "breakdown", "breakdown_from", "breakdowns", "period_type", "unit", "scale",
                          "year_label", "january_census"}
    if unknown:
        raise ValueError(f"{label}: unknown setting(s) {', '.join(sorted(unknown))}")
    for key in ("kind", "metric_id", "period_type", "unit"):
        if key not in raw:
            raise ValueError(f"{label}: missing setting {key!r}")
    if raw["period_type"] not in PERIOD_TYPES:
        raise ValueError(f"{label}: period_type {raw['period_type']!r} is not one of {', '.join(PERIOD_TYPES)}")
    if raw["unit"] not in UNITS:
        raise ValueError(f"{label}: unit {raw['unit']!r} is not one of {', '.join(UNITS)}")
    if catalogue is not None:
        _agrees_with_catalogue(raw, label, catalogue)
    if raw.get("year_label", "end") not in ("start", "end"):
        raise ValueError(f"{label}: year_label must be 'start' or 'end'")
    numerator, denominator = (_counts(raw, label, key) for key in ("numerator", "denominator"))
    column = _names(raw.get("column"), label, "column")
    if not column and not (numerator and denominator):
        raise ValueError(f"{label}: give a column, or a numerator and denominator to compute the value from")
    if "breakdown" in raw and "breakdown_from" in raw:
        raise ValueError(f"{label}: give breakdown or breakdown_from, not both")
    where = tuple((col, tuple(v if isinstance(v, list) else [v])) for col, v in raw.get("where", {}).items())
    return Indicator(
        kind=raw["kind"], metric_id=raw["metric_id"], column=column, numerator=numerator,
        denominator=denominator, where=where, needs=tuple(raw.get("needs", [])),
        breakdown=raw.get("breakdown", "All"), breakdown_from=raw.get("breakdown_from", ""),
        breakdowns=tuple(raw.get("breakdowns", {}).items()), period_type=raw["period_type"], unit=raw["unit"],
        scale=float(raw.get("scale", 1.0)), year_label=raw.get("year_label", "end"),
        january_census=bool(raw.get("january_census", False)), label=label,
    )


def _agrees_with_catalogue(raw: dict, label: str, catalogue) -> None:
    """The metric exists with the same unit; a metric read from metric_values gets every row at its own
    frequency (one period type per chart). Record-level metrics may take published comparators at another
    frequency (annual DfE figures beside a monthly local series)."""
    try:
        metric = catalogue.get(raw["metric_id"])
    except KeyError:
        raise ValueError(f"{label}: metric_id {raw['metric_id']!r} is not in data/catalogue.toml") from None
    if metric.unit != raw["unit"]:
        raise ValueError(f"{label}: unit {raw['unit']!r} differs from the catalogue's {metric.unit!r}")
    if not metric.record_level and metric.frequency != raw["period_type"]:
        raise ValueError(f"{label}: period_type {raw['period_type']!r} differs from the catalogue's frequency "
                         f"{metric.frequency!r}")


def load_map(path: str | Path | None = None, catalogue=None) -> PublishedMap:
    """Read and check the map; with a catalogue, every metric id must exist there with the same unit."""
    path = Path(path) if path else MAP_PATH
    with open(path, "rb") as f:
        raw = tomllib.load(f)
    indicators = tuple(_indicator(r, f"{path.name} [[indicator]] #{i + 1} ({r.get('metric_id', '?')})", catalogue)
                       for i, r in enumerate(raw.get("indicator", [])))
    releases = tuple(Release(tuple(r["files"]), r["source"], r.get("release", ""), r.get("publication", ""))
                     for r in raw.get("release", []))
    breaks = []
    for i, b in enumerate(raw.get("series_break", [])):
        if catalogue is not None and b["metric_id"] not in catalogue.ids:
            raise ValueError(f"{path.name} [[series_break]] #{i + 1}: metric_id {b['metric_id']!r} "
                             "is not in data/catalogue.toml")
        breaks.append(SeriesBreak(b["metric_id"], b["period_start"], b.get("reason", "")))
    kind_sources = tuple(raw.get("kind_source", {}).items())
    cautions = tuple(Caution(c["metric_id"], c["area"], c["period_start"], c["note"], c.get("flag", "doubtful"))
                     for c in raw.get("caution", []))
    unknown = [c.metric_id for c in cautions if catalogue is not None and c.metric_id not in catalogue.ids]
    if unknown:
        raise ValueError(f"{path.name} [[caution]]: metric_id {unknown[0]!r} is not in data/catalogue.toml")
    flags = [c.flag for c in cautions if c.flag not in QUALITY_FLAGS]
    if flags:
        raise ValueError(f"{path.name} [[caution]]: flag {flags[0]!r} is not one of {', '.join(QUALITY_FLAGS)}")
    return PublishedMap(indicators, releases, tuple(breaks), kind_sources, cautions)
