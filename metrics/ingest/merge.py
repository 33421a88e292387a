"""Merge an ingest's rows into `data/metric_values/published.parquet`, atomically.

A newer ingest replaces the (metric_id, area, breakdown, period_start, period_type) keys it covers and keeps the
rest. Rows are sorted by key and no time is stamped into the file, so re-ingesting the same file writes the same
bytes (and an unchanged result is not rewritten at all). The new file is written beside the old one, validated
against the data contract, and only then moved into place with `os.replace`.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from metrics.ingest.errors import IngestError
from metrics.schemas import METRIC_VALUES

PUBLISHED = Path("metric_values") / "published.parquet"
KEY = ["metric_id", "area", "breakdown", "period_type", "period_start"]
COLUMNS = [f.name for f in METRIC_VALUES]


def read_published(path: Path) -> pd.DataFrame:
    if not path.exists():
        return to_frame(METRIC_VALUES.empty_table())
    return to_frame(pq.read_table(path, schema=METRIC_VALUES))


def to_frame(table: pa.Table) -> pd.DataFrame:
    df = table.to_pandas(date_as_object=True)
    return df.astype({"value": float, "numerator": float, "denominator": float})


def to_table(df: pd.DataFrame) -> pa.Table:
    df = df[COLUMNS].sort_values(KEY, kind="stable").reset_index(drop=True)
    return pa.Table.from_pandas(df, schema=METRIC_VALUES, preserve_index=False).replace_schema_metadata(None)


def replace_keys(existing: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """`existing` without the keys `new` covers, plus `new`."""
    if existing.empty:
        return new[COLUMNS].copy()
    covered = existing.set_index(KEY).index.isin(new.set_index(KEY).index)
    return pd.concat([existing[~covered], new[COLUMNS]], ignore_index=True)


def changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> int:
    """How many rows of `after` are new or differ from `before` (plus rows removed)."""
    both = before.merge(after, on=KEY, how="outer", suffixes=("_b", "_a"), indicator=True)
    differ = both["_merge"] != "both"
    for c in (c for c in COLUMNS if c not in KEY):
        b, a = both[f"{c}_b"], both[f"{c}_a"]
        differ |= ~((b == a) | (b.isna() & a.isna()))
    return int(differ.sum())


def write_atomic(table: pa.Table, path: Path, validate) -> bool:
    """Write `table` to `path` via a validated temp file; False (nothing written) if the bytes would not change.
    `validate(tmp_path)` returns a list of error messages; any error leaves `path` untouched."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".parquet.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp)
    try:
        pq.write_table(table, tmp, compression="zstd")
        errors = validate(tmp)
        if errors:
            raise IngestError(str(path), "the merged result failed validation, nothing was changed:\n  "
                              + "\n  ".join(errors))
        if path.exists() and path.read_bytes() == tmp.read_bytes():
            return False
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; the app may run as another user
        os.replace(tmp, path)
        return True
    finally:
        tmp.unlink(missing_ok=True)
