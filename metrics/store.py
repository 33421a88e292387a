"""The loaded dataset and every question the pages ask of it.

A Store is built once per data version: inputs are validated, record-level extracts are turned into monthly
series, and each metric's SPC for the whole area and every locality is computed up front, so requests only look
things up. `get_store()` notices a new extract (files change) and rebuilds; a bad extract never gets this far,
because it fails validation and the input is reported unavailable instead.
"""
from __future__ import annotations

import atexit
import dataclasses
import gc
import hashlib
import logging
import os
import threading
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl

from metrics import schemas
from metrics.analysis import Analysis, analyse
from metrics.annotations import annotations_for, load_annotations
from metrics.area import DATA_DIR, Area, load_area
from metrics.catalogue import Catalogue, load_catalogue
from metrics.derive import derive_series
from metrics.memo import Memo
from metrics.validate import Problem, input_paths, validate_dir

RELOAD_CHECK_SECONDS = 5.0
WINDOWED_KEPT = 64  # windowed lookups kept per kind (metrics.memo): enough for the pages being looked at
log = logging.getLogger(__name__)
SERIES_COLUMNS = ["period_start", "period_type", "value", "numerator", "denominator", "status", "source",
                  "synthetic", "series_break"]
# Carried with a series when the values have them: a data-quality flag (metric_values `quality`) and, in the
# public store, why disclosure control hid a cell.
OPTIONAL_SERIES_COLUMNS = ["quality", "suppression"]


def data_version(data_dir: Path) -> str:
    """A fingerprint of every file the store reads; any replaced extract changes it (atomic replace bumps mtime)."""
    h = hashlib.sha256()
    files = [data_dir / "catalogue.toml", data_dir / "area.toml", data_dir / "inputs.toml",
             data_dir / "annotations.csv", data_dir / "plan.toml", data_dir / "disclosure.toml"]
    for name in schemas.INPUTS:
        files += input_paths(data_dir, name)
    for f in sorted(files):
        try:
            st = f.stat()
        except FileNotFoundError:
            continue
        h.update(f"{f}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True)
class Columns:
    """One series as plain numpy arrays (oldest first): what the view model reads, without pandas per row."""
    dates: np.ndarray  # datetime64[ns]
    period_type: np.ndarray
    value: np.ndarray  # float, NaN where missing
    numerator: np.ndarray
    denominator: np.ndarray
    status: np.ndarray  # str
    source: np.ndarray
    synthetic: np.ndarray  # bool
    series_break: np.ndarray  # bool
    quality: np.ndarray | None  # str or None per row, when the values carry it
    suppression: np.ndarray | None

    def __len__(self) -> int:
        return len(self.dates)

    COLUMN = {"period_start": "dates"}

    def __getitem__(self, name: str) -> pd.Series:
        """A column by its metric_values name, as a pandas Series (for reading a series like a frame)."""
        return pd.Series(getattr(self, self.COLUMN.get(name, name)))

    @property
    def empty(self) -> bool:
        return not len(self.dates)


_FIELDS = tuple(f.name for f in dataclasses.fields(Columns))


def _columns(frame: pd.DataFrame) -> Columns:
    # Text columns repeat a few values (a source, a status) over every row: one str object per distinct value, not
    # per row (the sources alone were 5.5 MB a worker).
    def shared(values) -> np.ndarray:
        seen: dict = {}
        return np.array([seen.setdefault(x, x) for x in values], dtype=object)

    def text(c):
        if c not in frame:
            return None
        return shared(x if isinstance(x, str) and x else None for x in frame[c].tolist())

    return Columns(frame["period_start"].to_numpy("datetime64[ns]"),
                   shared(frame["period_type"].astype(str).tolist()),
                   frame["value"].to_numpy(float, na_value=np.nan),
                   frame["numerator"].to_numpy(float, na_value=np.nan),
                   frame["denominator"].to_numpy(float, na_value=np.nan),
                   shared(frame["status"].astype(str).tolist()),
                   shared(frame["source"].astype(str).tolist()),
                   frame["synthetic"].to_numpy(bool, na_value=False),
                   frame["series_break"].to_numpy(bool, na_value=False),
                   text("quality"), text("suppression"))


def _kept(fn: Callable) -> Callable:
    """`fn(metric_id, area, breakdown, start, end, period_type)` memoised (metrics.memo): every whole series for
    good, computed up front by `precompute`; windows, the latest few."""
    memo = Memo(windowed=WINDOWED_KEPT)

    def lookup(*args):
        return memo.get(args, args[3] is None and args[4] is None, lambda: fn(*args))

    lookup.memo, lookup.cache_clear = memo, memo.clear
    return lookup


@dataclass
class Store:
    data_dir: Path
    version: str
    area: Area
    catalogue: Catalogue
    problems: list[Problem]
    frame: pl.DataFrame  # every series, long format (published, synthetic and derived from record level)
    records: dict[str, pl.DataFrame]  # the record-level inputs that validated, for drill-downs
    inputs: dict[str, dict]  # per input: rows, files, synthetic, source, available, reason
    annotations: list
    unavailable: dict[str, str]  # metric_id -> why it cannot be shown
    loaded_at: float = field(default_factory=time.time)
    plans: object | None = None  # metrics.plan.ImprovementPlans from plan.toml; None when absent or invalid

    def __post_init__(self):
        # Row positions of each (metric, area, breakdown), found once: a series is then one `take`, not a scan.
        self._rows = self.values.groupby(["metric_id", "area", "breakdown"], sort=False).indices
        self._breakdowns: dict[tuple[str, str], list[str]] = {}
        for metric_id, area, breakdown in self._rows:
            self._breakdowns.setdefault((metric_id, area), []).append(breakdown)
        self._analysis_cached = _kept(self._analysis)
        self._series = _kept(self._series_uncached)
        self._whole_series = lru_cache(maxsize=None)(self._whole_series_uncached)
        self._series_columns = SERIES_COLUMNS + [c for c in OPTIONAL_SERIES_COLUMNS if c in self.values.columns]
        self._columns = _kept(self._columns_uncached)
        self._period_types = lru_cache(maxsize=None)(self._period_types_uncached)
        self._in_order = lru_cache(maxsize=None)(self._in_order_uncached)
        self._series_annotations = lru_cache(maxsize=None)(self._series_annotations_uncached)  # asked per window

    @cached_property
    def values(self) -> pd.DataFrame:
        """Every series in one long pandas frame (for whole-table views: the data page, benchmarking, reports)."""
        return _to_pandas(self.frame)

    # -- lookups -----------------------------------------------------------------------------------------
    @property
    def areas(self) -> tuple[str, ...]:
        """The local area and its localities: the places the dashboard reports on."""
        return (self.area.name, *self.area.localities)

    def breakdowns(self, metric_id: str, area: str) -> list[str]:
        """Breakdown values with data for a metric in an area, `All` first."""
        found = self._breakdowns.get((metric_id, area), [])
        return sorted(found, key=lambda b: (b != "All", b))

    def series(self, metric_id: str, area: str, breakdown: str = "All", start=None, end=None,
               period_type: str | None = None) -> pd.DataFrame:
        """One series, oldest first; optionally a window of periods and a single period type.

        The frames are shared between callers (memoised); pandas copy-on-write keeps them safe to use.
        """
        start = pd.Timestamp(start).date() if start is not None else None
        end = pd.Timestamp(end).date() if end is not None else None
        return self._series(metric_id, area, breakdown, start, end, period_type)

    def _series_uncached(self, metric_id, area, breakdown, start, end, period_type) -> pd.DataFrame:
        whole = self._whole_series(metric_id, area, breakdown)
        # Rows are sorted by date: a window is a slice, found by binary search.
        d = whole["period_start"].to_numpy()
        lo = np.searchsorted(d, np.datetime64(start), "left") if start is not None else 0
        hi = np.searchsorted(d, np.datetime64(end), "right") if end is not None else len(d)
        part = whole.iloc[lo:hi]
        if period_type is not None:
            part = part[part["period_type"].to_numpy() == period_type]
        return part.reset_index(drop=True)

    def _whole_series_uncached(self, metric_id, area, breakdown) -> pd.DataFrame:
        rows = self._rows.get((metric_id, area, breakdown))
        if rows is None:
            return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "period_start" else object)
                                 for c in self._series_columns})
        return self.values[self._series_columns].take(rows).reset_index(drop=True)

    @cached_property
    def _metric_rows(self) -> dict:
        return self.values.groupby("metric_id", sort=False).indices

    def metric_values(self, metric_id: str) -> pd.DataFrame:
        """Every row of one metric (all places and breakdowns): what comparisons across areas scan."""
        rows = self._metric_rows.get(metric_id)
        return self.values.iloc[0:0] if rows is None else self.values.take(rows)

    def columns(self, metric_id: str, area: str, breakdown: str = "All", start=None, end=None,
                period_type: str | None = None) -> Columns:
        """`series(...)` as numpy arrays (memoised: the view model reads these for every chart it draws)."""
        start = pd.Timestamp(start).date() if start is not None else None
        end = pd.Timestamp(end).date() if end is not None else None
        return self._columns(metric_id, area, breakdown, start, end, period_type)

    @cached_property
    def _arrays(self) -> Columns:
        """Every row of `values` as numpy arrays, made once: a series' Columns is then a `take` of its rows."""
        return _columns(self.values)

    def _columns_uncached(self, metric_id, area, breakdown, start, end, period_type) -> Columns:
        if (start is not None or end is not None) and period_type is not None:
            # A window of one period type: a slice of that series' whole Columns (kept for good), found by binary
            # search, when its dates are in order (the store sorts them; a frame given to `with_values` may not).
            whole = self._columns(metric_id, area, breakdown, None, None, period_type)
            if self._in_order(metric_id, area, breakdown, period_type):
                d = whole.dates
                lo = int(d.searchsorted(np.datetime64(start, "ns"), "left")) if start is not None else 0
                hi = int(d.searchsorted(np.datetime64(end, "ns"), "right")) if end is not None else len(d)
                return Columns(*[None if v is None else v[lo:hi] for v in map(whole.__getattribute__, _FIELDS)])
        rows = self._rows.get((metric_id, area, breakdown))
        a = self._arrays
        if rows is None:
            rows = np.zeros(0, dtype=np.int64)
        keep = rows
        if len(keep) and (start is not None or end is not None or period_type is not None):
            d = a.dates[keep]
            mask = np.ones(len(keep), dtype=bool)
            if start is not None:
                mask &= d >= np.datetime64(start, "ns")
            if end is not None:
                mask &= d <= np.datetime64(end, "ns")
            if period_type is not None:
                mask &= a.period_type[keep] == period_type
            keep = keep[mask]
        return Columns(*[None if v is None else v[keep] for v in map(a.__getattribute__, _FIELDS)])

    def _in_order_uncached(self, metric_id: str, area: str, breakdown: str, period_type: str) -> bool:
        d = self.columns(metric_id, area, breakdown, period_type=period_type).dates
        return bool((d[1:] >= d[:-1]).all())

    def period_types(self, metric_id: str, area: str, breakdown: str = "All") -> dict[str, bool]:
        """The period types a series has, each with whether any of its rows is synthetic (catalogue order of
        preference is the caller's)."""
        return self._period_types(metric_id, area, breakdown)

    def _period_types_uncached(self, metric_id: str, area: str, breakdown: str) -> dict[str, bool]:
        # From the shared arrays: a pandas frame per series only to read two columns held ~15 MB across a worker.
        whole = self.columns(metric_id, area, breakdown)
        found: dict[str, bool] = {}
        for ptype, synthetic in zip(whole.period_type.tolist(), whole.synthetic.tolist()):
            found[ptype] = found.get(ptype, False) or bool(synthetic)
        return found

    def series_annotations(self, metric_id: str, area: str, breakdown: str = "All") -> tuple:
        """The intervention log's events on one series, in date order (memoised: the log is the store's): those for
        the measure, its service (a service part) and its locality (`Annotation.applies_to`)."""
        return self._series_annotations(metric_id, area, breakdown)

    def _series_annotations_uncached(self, metric_id: str, area: str, breakdown: str) -> tuple:
        service = None
        if self.catalogue.get(metric_id).breakdown == "service" and breakdown != "All":
            try:
                service = self.catalogue.service_by_name(breakdown).slug
            except KeyError:  # a part that is no service of the catalogue: the measure's own events only
                service = None
        locality = area if area in self.area.localities else None
        return tuple(annotations_for(self.annotations, metric_id, service, locality))

    def rebase_dates(self, metric_id: str, area: str, breakdown: str) -> tuple:
        """The dates the intervention log restarts this series' limits at."""
        return tuple(a.date for a in self.series_annotations(metric_id, area, breakdown) if a.rebase)

    def analysis(self, metric_id: str, area: str, breakdown: str = "All", start=None, end=None,
                 period_type: str | None = None) -> Analysis:
        """One series' SPC (memoised). `period_type` defaults to the catalogue's frequency; every spelling of the
        same request shares one entry."""
        start = pd.Timestamp(start) if start is not None else None
        end = pd.Timestamp(end) if end is not None else None
        return self._analysis_cached(metric_id, area, breakdown, start, end,
                                     period_type or self.catalogue.get(metric_id).frequency)

    def _analysis(self, metric_id: str, area: str, breakdown: str, start, end, period_type: str) -> Analysis:
        metric = self.catalogue.get(metric_id)
        if metric_id in self.unavailable:
            return Analysis(metric_id, area, breakdown, self.columns(metric_id, area, breakdown), None, "none",
                            self.unavailable[metric_id])
        # A monthly local series may sit beside the same measure's annual publication: one period type a chart,
        # the catalogue's own unless the caller names another.
        series = self.columns(metric_id, area, breakdown, start, end, period_type=period_type or metric.frequency)
        return analyse(metric, series, area=area, breakdown=breakdown,
                       rebase=self.rebase_dates(metric_id, area, breakdown))

    def precompute(self) -> None:
        """SPC for every metric, area and breakdown, so the first request of each is a lookup."""
        for metric in self.catalogue.metrics:
            for area in self.areas:
                for breakdown in self.breakdowns(metric.id, area) or ["All"]:
                    self.analysis(metric.id, area, breakdown)


def with_values(store: Store, values: pd.DataFrame, **changes) -> Store:
    """A copy of `store` serving `values` (same columns as `store.values`) instead, e.g. after disclosure control."""
    frame = pl.from_pandas(values).with_columns(pl.col("period_start").cast(pl.Date))
    fresh = dataclasses.replace(store, frame=frame, **changes)
    if "values" in fresh.__dict__:  # dataclasses.replace copies the cached pandas view: drop it
        del fresh.__dict__["values"]
    return fresh


def _to_pandas(frame: pl.DataFrame) -> pd.DataFrame:
    df = frame.to_pandas()
    df["period_start"] = pd.to_datetime(df["period_start"])
    return df


# Record ids only make a row unique (validation checks that); no derivation or drill-down reads them, and on a
# 10M-referral extract they are the largest column. Dropped once validated.
ROW_IDS = frozenset({"referral_id", "request_id", "plan_id"})


def kept_records(frame: pl.DataFrame, area: Area, catalogue: Catalogue) -> pl.DataFrame:
    """A validated record-level table as the Store keeps it for drill-downs: without row ids, and with each text
    column of a closed vocabulary as an Enum (one byte a row instead of a 16-byte string view, and filters and
    group-bys work on the codes). Issue 5: worker memory on a 10M extract, from 1.6 GB to under 0.6 GB.
    """
    vocabularies = {"locality": tuple(area.localities), "service": tuple(s.name for s in catalogue.services),
                    "age_band": schemas.AGE_BANDS, "sen_status": schemas.SEN_STATUSES,
                    "outcome": schemas.REVIEW_OUTCOMES}  # validation has checked every value is in these
    return (frame.drop(ROW_IDS.intersection(frame.columns))
            .with_columns(pl.col(c).cast(pl.Enum(v)) for c, v in vocabularies.items() if c in frame.columns))


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
            # Ids go before the conversion, so 10M of them are never copied into Polars.
            records[name] = pl.from_arrow(table.drop_columns(list(ROW_IDS.intersection(table.column_names))))

    frames = []
    if tables["metric_values"] is not None:
        frames.append(pl.from_arrow(tables["metric_values"]))
    if records:
        derived = derive_series(records, catalogue, area.name,
                                synthetic={n: bool(provenance.get(n, {}).get("synthetic", False)) for n in records},
                                since={n: p["period_start"] for n, p in provenance.items() if "period_start" in p})
        # A synthetic extract's series say so in their source, whatever system the catalogue names.
        stand_in = {m.id: provenance[m.input]["source"] for m in catalogue.metrics
                    if m.input in records and provenance.get(m.input, {}).get("synthetic")}
        derived = derived.with_columns(
            pl.col("metric_id").replace_strict(stand_in, default=pl.col("source")).alias("source"))
        frames.append(derived.select([f.name for f in schemas.METRIC_VALUES]))
        # The derivations group on text (their outputs are text); what stays for drill-downs is kept lean.
        records = {name: kept_records(frame, area, catalogue) for name, frame in records.items()}
    frame = (pl.concat(frames, how="vertical_relaxed") if frames
             else pl.from_arrow(schemas.METRIC_VALUES.empty_table()))
    frame = finite_only(frame.sort(["metric_id", "area", "breakdown", "period_start"]))

    present = set(frame["metric_id"].unique())
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
            annotations = load_annotations(ann_path, catalogue=catalogue, localities=area.localities)
        except ValueError as exc:
            problems.append(Problem(str(ann_path), None, (), str(exc)))

    plans = None
    if (data_dir / "plan.toml").exists():
        from metrics.plan import PlanError, load_plan
        try:
            plans = load_plan(data_dir / "plan.toml", catalogue)
        except PlanError as exc:
            problems.extend(exc.problems)
    store = Store(data_dir, version, area, catalogue, problems, frame, records, inputs, annotations, unavailable,
                  plans=plans)
    if precompute:
        store.precompute()
    return store


def finite_only(frame: pl.DataFrame) -> pl.DataFrame:
    """Defence in depth behind validation: a row with a NaN or infinite value, numerator or denominator (from a
    derivation, or a file checked by an older validator) is kept as 'not available' with no numbers, so no chart,
    summary or download ever meets a number it cannot handle."""
    numbers = ("value", "numerator", "denominator")
    bad = pl.any_horizontal(~pl.col(c).is_finite().fill_null(True) for c in numbers)
    flags = frame.select(bad.alias("bad")).to_series()
    if not flags.any():
        return frame
    log.warning("%d row(s) with a value that is not a finite number marked not available (metrics: %s)",
                flags.sum(), ", ".join(sorted(frame.filter(flags)["metric_id"].unique().to_list())[:10]))
    return frame.with_columns(*(pl.when(bad).then(None).otherwise(pl.col(c)).alias(c) for c in numbers),
                              pl.when(bad).then(pl.lit("not_available")).otherwise(pl.col("status")).alias("status"))


def _in_input(problem: Problem, data_dir: Path, name: str) -> bool:
    stem = schemas.INPUTS[name][0]
    rel = os.path.relpath(problem.file, data_dir)
    return rel == f"{stem}.parquet" or rel == stem or rel.startswith(stem + os.sep)


_lock = threading.Lock()
_current: Store | None = None
_checked_at = 0.0
_warmers: list[Callable[[Store], None]] = []
atexit.register(gc.unfreeze)  # what a frozen version holds is finalised at exit (nanobind reports what never was)


def warm_after_load(fn: Callable[[Store], None]) -> None:
    """Have `fn(store)` run in the background after every (re)load, before the rest of the SPC is precomputed.

    For what the first page needs (the board overview): loading returns as soon as the data is validated, so a
    worker serves its first page in well under the 3 s of issue 5, and the overview is ready moments later.
    """
    _warmers.append(fn)


def _warm(store: Store) -> None:
    for fn in _warmers:
        try:
            fn(store)
        except Exception:  # a request that needs it computes it (and reports the error) itself
            log.exception("Warming %s after loading data version %s failed", fn.__name__, store.version)
    store.precompute()
    # What a data version keeps (the store, every chart's SPC, the warmed views) is built now and lives as long as
    # the version: out of the cyclic collector's sweeps, which walked all of it every few dozen requests (a 100 ms
    # pause in a page's callback). A reload puts it back (get_store), so the old version is collected.
    gc.freeze()


@lru_cache(maxsize=64)  # every request asks for the store; a Path made and compared each time cost ~5 µs
def _folder(data_dir: str | Path) -> Path:
    return Path(data_dir)


def get_store(data_dir: str | Path | None = None) -> Store:
    """The current Store, rebuilt when the data files change (checked at most every few seconds).

    A rebuild that fails keeps serving the last good store: nothing good is replaced by something bad.
    """
    global _current, _checked_at
    data_dir = _folder(data_dir or os.environ.get("DATA_DIR") or DATA_DIR)
    now = time.monotonic()
    if _current is not None and _current.data_dir == data_dir and now - _checked_at < RELOAD_CHECK_SECONDS:
        return _current
    with _lock:
        _checked_at = now
        if _current is None or _current.data_dir != data_dir or data_version(data_dir) != _current.version:
            try:
                _current = build_store(data_dir, precompute=False)
            except Exception:
                if _current is None or _current.data_dir != data_dir:
                    raise
                log.exception("Rebuilding the store from %s failed; still serving data version %s",
                              data_dir, _current.version)
            else:
                gc.unfreeze()  # the version just replaced may be collected once no request uses it
                # Serve at once; every chart's SPC fills in behind (a request that gets there first computes it).
                threading.Thread(target=_warm, args=(_current,), name="spc-precompute", daemon=True).start()
        return _current
