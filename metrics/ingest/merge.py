"""Merge an ingest's rows into `data/metric_values/published.parquet`, atomically.

A newer ingest replaces the (metric_id, area, breakdown, period_start, period_type) keys it covers and keeps the
rest. Rows are sorted by key and no time is stamped into the file, so re-ingesting the same file writes the same
bytes (and an unchanged result is not rewritten at all). The new file is written beside the old one, validated
against the data contract, and only then moved into place with `os.replace`.
"""
from __future__ import annotations

import os
from collections import Counter
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from metrics.ingest.errors import IngestError
from metrics.schemas import METRIC_VALUES, OPTIONAL_COLUMNS, QUALITY_SEPARATOR, STATUS_OK, quality_text

PUBLISHED = Path("metric_values") / "published.parquet"
KEY = ["metric_id", "area", "breakdown", "period_type", "period_start"]
COLUMNS = [f.name for f in METRIC_VALUES]
CARRIED = {"revised", "sources_disagree"}  # flags about the choice between rows, kept when an agreeing row replaces


def read_published(path: Path) -> pd.DataFrame:
    if not path.exists():
        return to_frame(METRIC_VALUES.empty_table())
    table = pq.read_table(path)
    for name in OPTIONAL_COLUMNS["metric_values"]:  # a file written before the column existed
        if name not in table.column_names:
            table = table.append_column(name, pa.nulls(table.num_rows, METRIC_VALUES.field(name).type))
    return to_frame(table.select(COLUMNS).cast(METRIC_VALUES))


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


# -- two publications, one figure ----------------------------------------------------------------------------

def decimals(x: float) -> int:
    """Decimal places a published number was given to (85.0 -> 0, 10.68 -> 2, 11.170811 -> 6)."""
    text = repr(round(float(x), 6))
    return 0 if text.endswith(".0") else len(text.split(".")[1]) if "." in text else 0


def agree(a: float, b: float) -> bool:
    """Two published figures agree if they are equal at the precision of the less precise one (LAIT's 4.9 and
    the inclusion dashboard's 4.92 are one figure; D2I's 11.170811 and DfE's 10.68 are two)."""
    return abs(a - b) <= 0.5 * 10.0 ** -min(decimals(a), decimals(b)) + 1e-9


def resolve(existing: pd.DataFrame, new: pd.DataFrame, comparator_areas: set[str],
            publication: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame, list[dict]]:
    """Where `new` and `existing` give different values for one key, pick one (the rule in data/README.md):

    1. both from one publication (`[[release]] publication`, else the same source text): the newer release
       (`new`) wins, flagged `revised`;
    2. otherwise the row whose source also gives more of this measure's comparators (England, the region, the
       ICB) for the same period wins - so the area and England come from one publication; if they give as
       many, the newer ingest wins. The kept row is flagged `sources_disagree`.
    A value kept from `existing` drops the new row for that key. Returns (existing, new) so changed, and one
    record per disagreement (with the other value) for the ingest log. A row that agrees with a flagged
    existing row keeps its flag, so re-ingesting either file leaves the data as it was.
    """
    if existing.empty or new.empty:
        return existing, new, []
    existing, new = existing.copy(), new.copy()
    pairs = new.reset_index().merge(existing.reset_index(), on=KEY, suffixes=("", "_old"))
    period = ["metric_id", "breakdown", "period_type", "period_start"]

    def comparators_supplied(frame: pd.DataFrame) -> Counter:
        """(period key, source) -> how many of the comparator areas that source gives for that period."""
        c = frame[frame["area"].isin(comparator_areas) & frame["status"].eq(STATUS_OK)]
        return Counter(zip(zip(*(c[k] for k in period)), c["source"]))

    old_comp, new_comp = comparators_supplied(existing), comparators_supplied(new)
    conflicts, drop_new = [], []
    for r in pairs.itertuples(index=False):
        both_ok = r.status == STATUS_OK and r.status_old == STATUS_OK
        if both_ok and agree(r.value, r.value_old):
            carried = set((quality_text(r.quality_old) or "").split(QUALITY_SEPARATOR)) & CARRIED
            new.loc[r.index, "quality"] = quality_text(r.quality, *carried)
            continue
        if not both_ok:
            continue  # a value beside a symbol is not a disagreement: the newer release's word stands
        key = tuple(getattr(r, k) for k in period)
        if publication.get(r.source, r.source) == publication.get(r.source_old, r.source_old):
            flag, keep_new, rule = "revised", True, "a later release of the same publication"
        else:
            flag = "sources_disagree"
            old_has, new_has = old_comp[key, r.source_old], new_comp[key, r.source]
            if old_has != new_has:
                keep_new, rule = new_has > old_has, "the publication that also gives more of the comparators"
            else:
                keep_new, rule = True, "the newer release (both give the same comparators)"
        kept, other = (("", "_old") if keep_new else ("_old", ""))
        conflicts.append({
            "metric_id": r.metric_id, "area": r.area, "breakdown": r.breakdown, "period_type": r.period_type,
            "period_start": r.period_start.isoformat(), "flag": flag, "rule": rule,
            "kept": {"value": getattr(r, "value" + kept), "source": getattr(r, "source" + kept)},
            "other": {"value": getattr(r, "value" + other), "source": getattr(r, "source" + other)},
        })
        if keep_new:
            new.loc[r.index, "quality"] = quality_text(r.quality, flag)
        else:
            existing.loc[r.index_old, "quality"] = quality_text(r.quality_old, flag)
            drop_new.append(r.index)
    return existing, new.drop(index=drop_new), conflicts


def break_at_switches(merged: pd.DataFrame, conflicts: list[dict]) -> pd.DataFrame:
    """Two publications that disagree measure differently: where a series joined from them changes from one to
    the other, a new definition starts (series_break), so no limits are drawn across the join."""
    pairs = {}
    for c in conflicts:
        if c["flag"] == "sources_disagree":
            key = (c["metric_id"], c["area"], c["breakdown"], c["period_type"])
            pairs.setdefault(key, set()).update({c["kept"]["source"], c["other"]["source"]})
    if not pairs:
        return merged
    merged = merged.copy()
    series = ["metric_id", "area", "breakdown", "period_type"]
    for key, sources in pairs.items():
        rows = merged[(merged[series] == pd.Series(key, index=series)).all(axis=1)].sort_values("period_start")
        previous = rows["source"].shift()
        switch = rows["source"].isin(sources) & previous.isin(sources) & rows["source"].ne(previous)
        merged.loc[switch[switch].index, "series_break"] = True
    return merged


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
