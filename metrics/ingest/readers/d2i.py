"""Data to Insight (D2I) SEND attendance dashboard extracts: SEND-vs-no-SEN gaps by LA.

Each row carries the value for one SEND group (`send_group`, `send_value`) and, repeated on every group's row,
the value for pupils with no SEN (`no_sen_value`). The reader reshapes this to one row per group including
`No SEN`, with the published number in column `value`; `gap_to_no_sen` is D2I's own derivation and is not read.
LA rows only (no England or region rows in these files).
"""
from __future__ import annotations

import pandas as pd

from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, ROW, TIME_ID, Frame, require, source_column, with_rows
from metrics.ingest.geography import BadGeography, Geography

REQUIRED = ("new_la_code", "la_name", "metric", "time_period", "time_identifier", "send_group", "send_value",
            "no_sen_value")
NO_SEN = "No SEN"
KEY = ("new_la_code", "metric", "time_period", "time_identifier", "education_phase")


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "d2i", len(df), df)
    resolved = {}
    for (code, name), first_row in df.groupby(["new_la_code", "la_name"], sort=False)[ROW].first().items():
        try:
            resolved[code, name] = geo.local_authority(new=code, name=name)
        except BadGeography as exc:
            raise IngestError(file, exc.message, column=exc.column, row=int(first_row)) from None
    areas = pd.Series([resolved[k] for k in zip(df["new_la_code"], df["la_name"])], index=df.index, dtype=object)
    frame.skipped["rows for other areas"] += int(areas.isna().sum())
    df = df.assign(**{AREA: areas})[areas.notna()]

    groups = df.rename(columns={"send_value": "value"}).drop(columns="no_sen_value")
    groups[source_column("value")] = "send_value"
    key = [c for c in KEY if c in df.columns]
    no_sen = (df.drop(columns="send_value").rename(columns={"no_sen_value": "value"})
              .assign(send_group=NO_SEN, **{source_column("value"): "no_sen_value"}))
    # The no-SEN figure is repeated on each group's row: it must be the same number every time.
    conflicting = no_sen.groupby(key)["value"].transform("nunique") > 1
    if conflicting.any():
        bad = no_sen[conflicting].iloc[0]
        raise IngestError(file, "no_sen_value differs between the SEND groups' rows for the same LA, metric, "
                                "period and phase", column="no_sen_value", row=int(bad[ROW]))
    no_sen = no_sen.drop_duplicates(key)
    table = pd.concat([groups, no_sen], ignore_index=True)
    frame.table = table.assign(**{PERIOD: table["time_period"], TIME_ID: table["time_identifier"]})
    return frame
