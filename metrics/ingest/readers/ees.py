"""Explore Education Statistics tidy CSVs (and NCCIS, which publishes in the same layout).

Leading columns `time_period, time_identifier, geographic_level, country_code, ..., old_la_code/new_la_code,
la_name` (old and new code order varies between releases), then filters and indicators.
"""
from __future__ import annotations

import pandas as pd

from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, ROW, TIME_ID, Frame, require, with_rows
from metrics.ingest.geography import BadGeography, Geography

REQUIRED = ("time_period", "time_identifier", "geographic_level")
GEO_COLUMNS = ("geographic_level", "country_code", "region_code", "region_name", "old_la_code", "new_la_code",
               "la_name")


def resolve_areas(df: pd.DataFrame, geo: Geography, file: str, frame: Frame) -> pd.Series:
    """Area name per row (None for geographies outside the comparator set, counted in frame.skipped)."""
    cols = [c for c in GEO_COLUMNS if c in df.columns]
    keys = pd.Series(list(zip(*(df[c].tolist() for c in cols))), index=df.index)
    resolved = {}
    for key, first_row in df.groupby(cols, sort=False)[ROW].first().items():
        key = key if isinstance(key, tuple) else (key,)
        g = dict(zip(cols, key))
        level = g["geographic_level"].strip()
        try:
            if level == "National":
                name = geo.england(g.get("country_code", ""))
            elif level == "Regional":
                name = geo.region(g.get("region_name", ""), g.get("region_code", ""))
            elif level == "Local authority":
                name = geo.local_authority(g.get("old_la_code", ""), g.get("new_la_code", ""), g.get("la_name", ""))
            else:
                name = None  # other geographic levels (e.g. local authority district) are not compared
        except BadGeography as exc:
            raise IngestError(file, exc.message, column=exc.column, row=int(first_row)) from None
        resolved[key] = name
    areas = keys.map(lambda k: resolved[k])
    count_skipped(frame, df.loc[areas.isna(), "geographic_level"])
    return areas


def count_skipped(frame: Frame, levels: pd.Series) -> None:
    for level, n in levels.value_counts().items():
        frame.skipped[f"{level.strip() or 'blank level'} rows for other areas"] += int(n)


def read(df: pd.DataFrame, geo: Geography, file: str, kind: str = "ees") -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, kind, len(df), df)
    areas = resolve_areas(df, geo, file, frame)
    frame.table = df.assign(**{AREA: areas, PERIOD: df["time_period"], TIME_ID: df["time_identifier"]})
    frame.table = frame.table[frame.table[AREA].notna()]
    return frame
