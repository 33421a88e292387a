"""Frames of DfE's "SEND and AP Inclusion Dashboard" prototype (prepared_data.Rdata exported to CSV).

They are EES extracts with the EES geography columns (`geographic_level`, `region_name`, `la_name`, sometimes
`old_la_code` / `new_la_code`) but no `time_identifier`: `time_period` is always an academic year (`202223`,
repeated as text in `academic_year`), with the dashboard's own presentation columns added.
"""
from __future__ import annotations

import pandas as pd

from metrics.ingest.frame import AREA, PERIOD, TIME_ID, Frame, require, with_rows
from metrics.ingest.geography import Geography
from metrics.ingest.readers.ees import resolve_areas

REQUIRED = ("time_period", "geographic_level", "academic_year")


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "dfe_dashboard", len(df), df)
    areas = resolve_areas(df, geo, file, frame)
    frame.table = df.assign(**{AREA: areas, PERIOD: df["time_period"], TIME_ID: "Academic year"})
    frame.table = frame.table[frame.table[AREA].notna()]
    return frame
