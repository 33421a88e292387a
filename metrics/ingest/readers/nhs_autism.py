"""NHS England "Autism Statistics" (MHSDS) monthly measures, as kept by DfE's inclusion dashboard.

National rows are broken down by age group in PRIMARY_LEVEL; provider rows put the provider code in
PRIMARY_LEVEL and the age group in SECONDARY_LEVEL. The configured provider stands for the local area;
sub-ICB and other providers' rows are skipped.
"""
from __future__ import annotations

import pandas as pd

from metrics.area import ENGLAND
from metrics.ingest.frame import AREA, PERIOD, TIME_ID, Frame, require, with_rows
from metrics.ingest.geography import Geography

REQUIRED = ("REPORTING_PERIOD_START", "BREAKDOWN", "PRIMARY_LEVEL", "SECONDARY_LEVEL", "METRIC", "METRIC_VALUE")
AGE_GROUP = "_age_group"  # the age group wherever the layout put it


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "nhs_autism", len(df), df, period_column="REPORTING_PERIOD_START")
    breakdown = df["BREAKDOWN"].str.strip()
    national = breakdown.eq("Age Group")
    provider = breakdown.eq("Provider; Age Group") & df["PRIMARY_LEVEL"].str.strip().eq(geo.area.nhs.provider_code)
    areas = pd.Series(None, index=df.index, dtype=object)
    areas[national] = ENGLAND
    areas[provider] = geo.area.name
    age = df["SECONDARY_LEVEL"].where(provider, df["PRIMARY_LEVEL"]).str.strip()
    frame.skipped["rows for other organisations"] += int(areas.isna().sum())
    frame.table = df.assign(**{AREA: areas, AGE_GROUP: age, PERIOD: df["REPORTING_PERIOD_START"].str[:7],
                               TIME_ID: "Month"})[areas.notna()]
    return frame
