"""The loaded dataset and every question the pages ask of it.

A Store is built once per data version: inputs are validated, record-level extracts are turned into monthly
series, and each metric's SPC for the whole area and every locality is computed up front, so requests only look
things up. `get_store()` notices a new extract (files change) and rebuilds; a bad extract never gets this far,
because it fails validation and the input is reported unavailable instead.
"""
from __future__ import annotations

import hashlib
import os
import threading
import time
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import pandas as pd
import polars as pl

from metrics import schemas
from metrics.analysis import Analysis, analyse
from metrics.annotations import annotations_for, load_annotations
from metrics.area import DATA_DIR, Area, load_area
from metrics.catalogue import Catalogue, load_catalogue
from metrics.derive import derive_series
from metrics.validate import Problem, input_paths, validate_dir

RELOAD_CHECK_SECONDS = 5.0
SERIES_COLUMNS = ["period_start", "period_type", "value", "numerator", "denominator", "status", "source",
                  "synthetic", "series_break"]


def data_version(data_dir: Path) -> str:
    """A fingerprint of every file the store reads; any replaced extract changes it (atomic replace bumps mtime)."""
    h = hashlib.sha256()
    files = [data_dir / "catalogue.toml", data_dir / "area.toml", data_dir / "inputs.toml",
             data_dir / "annotations.csv"]
    for name in schemas.INPUTS:
        files += input_paths(data_dir, name)
    for f in sorted(files):
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


@dataclass
class Store:
    data_dir: Path
    version: str
    area: Area
    catalogue: Catalogue
    problems: list[Problem]
    values: pd.DataFrame  # every series, long format (published, synthetic and derived from record level)
    records: dict[str, pl.DataFrame]  # the record-level inputs that validated, for drill-downs
    inputs: dict[str, dict]  # per input: rows, files, synthetic, source, available, reason
    annotations: list
    unavailable: dict[str, str]  # metric_id -> why it cannot be shown
    loaded_at: float = field(default_factory=time.time)

    def __post_init__(self):
        self._groups = {k: g.drop(columns=["metric_id", "area", "breakdown"]).reset_index(drop=True)
                        for k, g in self.values.groupby(["metric_id", "area", "breakdown"], sort=False)}
        self._breakdowns: dict[tuple[str, str], list[str]] = {}
        for metric_id, area, breakdown in self._groups:
            self._breakdowns.setdefault((metric_id, area), []).append(breakdown)
        self.analysis = lru_cache(maxsize=4096)(self._analysis)

    # -- lookups -----------------------------------------------------------------------------------------
    @property
    def areas(self) -> tuple[str, ...]:
        """The local area and its localities: the places the dashboard reports on."""
        return (self.area.name, *self.area.localities)

    def breakdowns(self, metric_id: str, area: str) -> list[str]:
        """Breakdown values with data for a metric in an area, `All` first."""
        found = self._breakdowns.get((metric_id, area), [])
        return sorted(found, key=lambda b: (b != "All", b))

    def series(self, metric_id: str, area: str, breakdown: str = "All", start=None, end=None) -> pd.DataFrame:
        s = self._groups.get((metric_id, area, breakdown))
        if s is None:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in SERIES_COLUMNS})
        if start is not None or end is not None:
            d = s["period_start"]
            keep = (d >= pd.Timestamp(start) if start is not None else True) & (
                d <= pd.Timestamp(end) if end is not None else True)
            s = s[keep].reset_index(drop=True)
        return s

    def rebase_dates(self, metric_id: str, area: str, breakdown: str) -> tuple:
        by_service = self.catalogue.get(metric_id).breakdown == "service" and breakdown != "All"
        service = self.catalogue.service_by_name(breakdown) if by_service else None
        locality = area if area in self.area.localities else None
        return tuple(a.date for a in annotations_for(self.annotations, metric_id,
                                                     service.slug if service else None, locality) if a.rebase)

    def _analysis(self, metric_id: str, area: str, breakdown: str = "All", start=None, end=None) -> Analysis:
        metric = self.catalogue.get(metric_id)
        if metric_id in self.unavailable:
            return Analysis(metric_id, area, breakdown, self.series(metric_id, area, breakdown), None, "none",
                            self.unavailable[metric_id])
        return analyse(metric, self.series(metric_id, area, breakdown, start, end), area=area,
                       breakdown=breakdown, rebase=self.rebase_dates(metric_id, area, breakdown))

    def precompute(self) -> None:
        """SPC for every metric, area and breakdown, so the first request of each is a lookup."""
        for metric in self.catalogue.metrics:
            for area in self.areas:
                for breakdown in self.breakdowns(metric.id, area) or ["All"]:
                    self.analysis(metric.id, area, breakdown)


def _provenance(data_dir: Path) -> dict:
    path = data_dir / "inputs.toml"
    return tomllib.loads(path.read_text()) if path.exists() else {}


def build_store(data_dir: str | Path | None = None, *, precompute: bool = True) -> Store:
    data_dir = Path(data_dir) if data_dir else DATA_DIR
    version = data_version(data_dir)
    area = load_area(data_dir / "area.toml")
    catalogue = load_catalogue(data_dir / "catalogue.toml")
    tables, problems = validate_dir(data_dir, catalogue=catalogue, area=area)
    provenance = _provenance(data_dir)

    inputs, records = {}, {}
    for name, table in tables.items():
        bad = [str(p) for p in problems if p.severity == "error" and _in_input(p, data_dir, name)]
        inputs[name] = {"available": table is not None, "rows": table.num_rows if table is not None else 0,
                        "files": [str(f.relative_to(data_dir)) for f in input_paths(data_dir, name)],
                        "reason": "; ".join(bad[:3]) + (f" (+{len(bad) - 3} more)" if len(bad) > 3 else ""),
                        **provenance.get(name, {})}
        if table is not None and name != "metric_values":
            records[name] = pl.from_arrow(table)

    frames = []
    if tables["metric_values"] is not None:
        frames.append(pl.from_arrow(tables["metric_values"]))
    if records:
        derived = derive_series(records, catalogue, area.name,
                                synthetic={n: bool(provenance.get(n, {}).get("synthetic", False)) for n in records})
        frames.append(derived.select([f.name for f in schemas.METRIC_VALUES]))
    values = (pl.concat(frames, how="vertical_relaxed") if frames
              else pl.from_arrow(schemas.METRIC_VALUES.empty_table()))
    values = values.sort(["metric_id", "area", "breakdown", "period_start"]).to_pandas()
    values["period_start"] = pd.to_datetime(values["period_start"])

    present = set(values["metric_id"].unique())
    unavailable = {}
    for metric in catalogue.metrics:
        if not inputs[metric.input]["available"]:
            unavailable[metric.id] = (f"Not available: the {metric.input.replace('_', ' ')} input failed validation "
                                      "(see the Data and definitions page).")
        elif metric.id not in present:
            unavailable[metric.id] = "Not available: no data has been loaded for this measure yet."

    ann_path = data_dir / "annotations.csv"
    annotations = []
    if ann_path.exists():
        try:
            annotations = load_annotations(ann_path)
        except ValueError as exc:
            problems.append(Problem(str(ann_path), None, (), str(exc)))

    store = Store(data_dir, version, area, catalogue, problems, values, records, inputs, annotations, unavailable)
    if precompute:
        store.precompute()
    return store


def _in_input(problem: Problem, data_dir: Path, name: str) -> bool:
    stem = schemas.INPUTS[name][0]
    rel = os.path.relpath(problem.file, data_dir)
    return rel == f"{stem}.parquet" or rel == stem or rel.startswith(stem + os.sep)


_lock = threading.Lock()
_current: Store | None = None
_checked_at = 0.0


def get_store(data_dir: str | Path | None = None) -> Store:
    """The current Store, rebuilt when the data files change (checked at most every few seconds).

    A rebuild that fails keeps serving the last good store: nothing good is replaced by something bad.
    """
    global _current, _checked_at
    data_dir = Path(data_dir or os.environ.get("DATA_DIR") or DATA_DIR)
    now = time.monotonic()
    if _current is not None and _current.data_dir == data_dir and now - _checked_at < RELOAD_CHECK_SECONDS:
        return _current
    with _lock:
        _checked_at = now
        if _current is None or _current.data_dir != data_dir or data_version(data_dir) != _current.version:
            try:
                _current = build_store(data_dir)
            except Exception:
                if _current is None or _current.data_dir != data_dir:
                    raise
        return _current
