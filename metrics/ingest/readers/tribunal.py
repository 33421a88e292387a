"""DfE / HMCTS "SEND Tribunals and appeal rate" supporting table, in the long form of the reference copy
(`la_name, old_la_code, year, measure, value_as_published, value`).

The reader pivots measures into columns (one row per LA and year) so that the appeal rate can carry its
numerator (appeals registered) and denominator (total appealable decisions). `value_as_published` is read,
not the pre-stripped `value`, so that symbols keep their meaning. England's row is labelled with footnote
markers ("England Total4,9").
"""
from __future__ import annotations

import re

import pandas as pd

from metrics.area import ENGLAND
from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, ROW, TIME_ID, Frame, require, row_column, source_column, with_rows
from metrics.ingest.geography import BadGeography, Geography

REQUIRED = ("la_name", "old_la_code", "year", "measure", "value_as_published")
ENGLAND_ROW = re.compile(r"^England Total[\d,]*$", re.IGNORECASE)


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "tribunal", len(df), df, period_column="year")
    resolved = {}
    for (code, name), first_row in df.groupby(["old_la_code", "la_name"], sort=False)[ROW].first().items():
        if not code.strip() and ENGLAND_ROW.match(name.strip()):
            resolved[code, name] = ENGLAND
            continue
        if not code.strip():  # e.g. "England total excluding suppressed": a variant total, not compared
            resolved[code, name] = None
            continue
        try:
            resolved[code, name] = geo.local_authority(old=code, name=name)
        except BadGeography as exc:
            raise IngestError(file, exc.message, column=exc.column, row=int(first_row)) from None
    areas = pd.Series([resolved[k] for k in zip(df["old_la_code"], df["la_name"])], index=df.index, dtype=object)
    frame.skipped["rows for other areas"] += int(areas.isna().sum())
    df = df.assign(**{AREA: areas})[areas.notna()]

    key = [AREA, "year", "measure"]
    dup = df.duplicated(key, keep=False)
    if dup.any():
        clash = df[dup].groupby(key)["value_as_published"].transform("nunique") > 1
        if clash.any():
            bad = df[dup][clash].iloc[-1]
            raise IngestError(file, f"duplicate rows for {bad[AREA]} {bad['year']} {bad['measure']!r} "
                                    "with different values", column="value_as_published", row=int(bad[ROW]))
        for _, d in df[dup].groupby(key):
            frame.warnings.append(f"rows {', '.join(map(str, d[ROW]))} are identical duplicates; one kept")
        df = df.drop_duplicates(key)
    values = df.pivot(index=[AREA, "year"], columns="measure", values="value_as_published")
    rows = df.pivot(index=[AREA, "year"], columns="measure", values=ROW)
    rows.columns = [row_column(c) for c in rows.columns]
    table = values.join(rows).reset_index()
    first = rows.min(axis=1).reset_index(drop=True)
    published_as = {source_column(m): "value_as_published" for m in values.columns}
    frame.table = table.assign(**{ROW: first.astype(int), PERIOD: table["year"], TIME_ID: "Calendar year"},
                               **published_as)
    return frame
