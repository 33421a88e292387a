"""One ingest: read a published file, map it to catalogue metrics, add comparators, merge, write, log."""
from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics.area import DATA_DIR, SN_AVERAGE, Area, load_area
from metrics.catalogue import Catalogue, load_catalogue
from metrics.ingest import checks, log
from metrics.ingest.comparators import GROUP, neighbour_average
from metrics.ingest.errors import IngestError
from metrics.ingest.extract import extract
from metrics.ingest.frame import read_csv
from metrics.ingest.geography import Geography
from metrics.ingest.kinds import KINDS, NOT_STATISTICS, closest, detect
from metrics.ingest.mapping import PublishedMap, load_map
from metrics.ingest.merge import (PUBLISHED, break_at_switches, changed_rows, read_published, replace_keys, resolve,
                                  to_table, write_atomic)
from metrics.ingest.periods import period_label
from metrics.ingest.readers import READERS
from metrics.schemas import quality_text
from metrics.validate import validate_file


@dataclass
class IngestResult:
    file: str
    kind: str
    rows_read: int
    rows_written: int  # rows this file contributes (including computed neighbour averages)
    rows_changed: int  # rows added, replaced with different values or removed in the published file
    periods: list[str]
    metrics: list[str]
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    log_entry: dict = field(default_factory=dict)


def config_file(data_dir: Path, name: str) -> Path:
    """A data folder may carry its own configuration (another local area); otherwise the repository's is used."""
    return data_dir / name if (data_dir / name).exists() else DATA_DIR / name


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ingest_file(path: str | Path, kind: str | None = None, data_dir: str | Path | None = None, *,
                area: Area | None = None, catalogue: Catalogue | None = None,
                published_map: PublishedMap | None = None, source: str | None = None,
                release: str | None = None) -> IngestResult:
    """Ingest one published file into `<data_dir>/metric_values/published.parquet` and log it.

    Raises IngestError (naming file, column and row) for a bad file; then nothing is written or logged.
    """
    path = Path(path)
    data_dir = Path(data_dir) if data_dir else DATA_DIR
    area = area or load_area(config_file(data_dir, "area.toml"))
    catalogue = catalogue or load_catalogue(config_file(data_dir, "catalogue.toml"))
    pmap = published_map or load_map(config_file(data_dir, "published_map.toml"), catalogue=catalogue)
    if not path.is_file():
        raise IngestError(str(path), "file not found")

    df = read_csv(path)
    kind = _kind(df, kind, path.name)
    frame = READERS[kind](df, Geography(area), path.name)
    long, used = extract(frame, pmap.for_kind(kind))
    warnings = list(frame.warnings)
    if not used:
        warnings.append(f"no indicator in this file is mapped in published_map.toml for kind {kind!r}; "
                        "nothing ingested")
    skipped = dict(+frame.skipped)
    long = _without_local_rows_of_extract_metrics(long, used, catalogue, area, skipped)
    long, dup_warnings = checks.duplicates(long, path.name)
    long, bad_warnings = checks.inconsistent(long, checks.unit_lookup(used), path.name)
    warnings += dup_warnings + bad_warnings

    rel = pmap.release_for(path.name)
    source = source or (rel.source if rel else pmap.default_source(kind, path.name))
    release = release or (rel.release if rel else "")
    breaks = pmap.break_starts()
    new = long.drop(columns=["_row", "_column"]).assign(source=source, synthetic=False)
    new["series_break"] = [d in breaks.get(m, ()) for m, d in zip(new["metric_id"], new["period_start"])]
    for c in pmap.cautions:  # doubtful published values: kept and flagged; the analyst's note stays in the log
        hit = (new.metric_id == c.metric_id) & (new.area == c.area) & (new.period_start == c.period_start)
        if hit.any():
            warnings.append(f"caution: {c.metric_id} / {c.area} / {c.period_start}: {c.note} (flagged {c.flag})")
            new.loc[hit, "quality"] = [quality_text(q, c.flag) for q in new.loc[hit, "quality"]]
    n_averages, changed, conflicts = (_write(new, data_dir / PUBLISHED, area, catalogue, pmap.publications())
                                      if len(new) else (0, 0, []))
    warnings += _conflict_summary(conflicts)

    result = IngestResult(
        file=path.name, kind=kind, rows_read=frame.rows_read, rows_written=len(new) + n_averages,
        rows_changed=changed,
        periods=sorted({period_label(d, t) for d, t in zip(new["period_start"], new["period_type"])}),
        metrics=sorted(set(new["metric_id"])), warnings=warnings, skipped=skipped,
    )
    result.log_entry = log.append(data_dir, {
        "file": result.file, "sha256": sha256(path), "kind": kind, "release": release, "source": source,
        "rows_read": result.rows_read, "rows_written": result.rows_written, "rows_changed": changed,
        "periods": result.periods, "metrics": result.metrics, "skipped": skipped, "warnings": warnings,
        "conflicts": conflicts,
    })
    return result


def _conflict_summary(conflicts: list[dict]) -> list[str]:
    """One warning per metric and pair of sources that disagree; each value is in the log's `conflicts`."""
    groups = Counter((c["metric_id"], c["kept"]["source"], c["other"]["source"], c["rule"], c["flag"])
                     for c in conflicts)
    return [f"{metric_id}: {n} value(s) differ between {kept!r} (kept: {rule}) and {other!r}; flagged {flag}"
            for (metric_id, kept, other, rule, flag), n in sorted(groups.items())]


def _kind(df: pd.DataFrame, kind: str | None, file: str) -> str:
    kind = kind or detect(df.columns)
    if kind is None and (near := closest(df.columns)):
        raise IngestError(file, f"looks like a {near[0]} file, but this required column is missing",
                          column=near[1][0])
    if kind in NOT_STATISTICS:
        raise IngestError(file, f"this is a {kind.replace('_', ' ')}, not a statistics file: nothing to ingest")
    if kind is None:
        raise IngestError(file, f"cannot recognise the file's layout from its columns; pass --kind "
                                f"(one of: {', '.join(KINDS)})")
    if kind not in KINDS:
        raise IngestError(file, f"unknown kind {kind!r} (one of: {', '.join(KINDS)})")
    return kind


def _write(new: pd.DataFrame, target: Path, area: Area, catalogue: Catalogue,
           publications: dict[str, str]) -> tuple[int, int, list[dict]]:
    """Merge `new` into the published file, validated and atomic.
    Returns (averages computed, rows changed, disagreements between sources)."""
    existing = read_published(target)
    merged, n_averages, conflicts = merge_with_averages(existing, new, area, publications)
    table = to_table(merged)

    def validate(tmp: Path) -> list[str]:
        _, problems = validate_file(tmp, "metric_values", area=area, metric_ids=catalogue.ids, label=str(target))
        return [str(p) for p in problems if p.severity == "error"]

    write_atomic(table, target, validate)
    return n_averages, changed_rows(existing, table.to_pandas(date_as_object=True)), conflicts


def merge_with_averages(existing: pd.DataFrame, new: pd.DataFrame, area: Area,
                        publications: dict[str, str] | None = None) -> tuple[pd.DataFrame, int, list[dict]]:
    """`new` replaces the keys it covers - except where the two disagree and the rule in `merge.resolve` keeps
    the existing row; neighbour averages are then recomputed from the merged neighbour rows for every
    (metric, breakdown, period) the file touched, so an average never mixes rows it no longer holds.
    Returns the merged rows, how many averages were computed and the disagreements found."""
    comparators = {a for a in area.comparators if a != SN_AVERAGE}
    kept, new, conflicts = resolve(existing, new, comparators, publications or {})
    merged = break_at_switches(replace_keys(kept, new), conflicts)
    touched = new[GROUP].drop_duplicates()
    stale = merged["area"].eq(SN_AVERAGE) & merged.set_index(GROUP).index.isin(touched.set_index(GROUP).index)
    merged = merged[~stale]
    averages = neighbour_average(merged, area, touched)
    return (pd.concat([merged, averages], ignore_index=True) if len(averages) else merged), len(averages), conflicts


def _without_local_rows_of_extract_metrics(long: pd.DataFrame, used, catalogue, area: Area,
                                           skipped: dict) -> pd.DataFrame:
    """A record-level metric's local series is derived from the local extract at the metric's own frequency;
    published local-area rows at that same frequency would collide with it key for key, so only the
    comparators are kept (published local rows at another frequency, e.g. annual DfE figures beside a monthly
    series, are kept: they are what the area is ranked on)."""
    clash = {i.metric_id for i in used
             if catalogue.get(i.metric_id).record_level and catalogue.get(i.metric_id).frequency == i.period_type}
    drop = long["metric_id"].isin(clash) & long["area"].eq(area.name)
    for metric_id, n in long[drop]["metric_id"].value_counts().sort_index().items():
        skipped[f"{area.name} rows of {metric_id} (its local series comes from the record-level extract)"] = int(n)
    return long[~drop]
