"""DfE Local Authority Interactive Tool (LAIT) long extracts: one row per measure x year x LA.

LAIT's own column names (`Short Desc, Years, LA Number, LA and Regions, Values`) are accepted as well as the
renamed ones in the reference copy. England and regions are rows too, identified by name (LAIT numbers them
970, 981... in the same three-digit space as LAs). Years are `2016`, `2015/16` or `2025 (prov)`.
"""
from __future__ import annotations

import pandas as pd

from metrics.area import ENGLAND
from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, ROW, TIME_ID, Frame, require, with_rows
from metrics.ingest.geography import BadGeography, Geography, normalise_name

RENAMES = {"Short Desc": "measure_short", "Years": "years", "LA Number": "la_number",
           "LA and Regions": "la_name", "Values": "value"}
REQUIRED = ("measure_short", "years", "la_number", "la_name", "value")


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    df = with_rows(df.rename(columns=RENAMES))
    require(df, file, REQUIRED)
    frame = Frame(file, "lait", len(df), df, period_column="years")
    resolved = {}
    for (number, name), first_row in df.groupby(["la_number", "la_name"], sort=False)[ROW].first().items():
        if normalise_name(name) == normalise_name(ENGLAND):
            resolved[number, name] = ENGLAND
            continue
        if normalise_name(name) == normalise_name(geo.area.region):
            resolved[number, name] = geo.area.region
            continue
        try:
            resolved[number, name] = geo.local_authority(old=number, name=name)
        except BadGeography as exc:
            column = {"old_la_code": "la_number"}.get(exc.column, exc.column)
            raise IngestError(file, exc.message, column=column, row=int(first_row)) from None
    areas = pd.Series([resolved[k] for k in zip(df["la_number"], df["la_name"])], index=df.index, dtype=object)
    frame.skipped["rows for other areas"] += int(areas.isna().sum())
    frame.table = df.assign(**{AREA: areas, PERIOD: df["years"], TIME_ID: ""})[areas.notna()]
    return frame
