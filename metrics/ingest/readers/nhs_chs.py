"""NHS England "Community Health Services Waiting Lists" (CYP services), and DfE's derived copy of it.

NHS England publishes by organisation: the provider that runs the area's children's community services
(`[nhs] provider_code` in area.toml) stands for the local area, the NHS region for the region, the area's ICB
(`icb_code`) is a comparator under its own name, and the national row is England; other organisations' rows are
skipped. A blank cell means the organisation submitted nothing for that service line (read as not available);
`*` is NHS England's small-number suppression.

NHS files are monthly management information, and a provider sometimes resubmits the previous month: a
month whose every service repeats the month before exactly is kept as published, reported as a warning and
flagged `repeated_month`.
"""
from __future__ import annotations

import pandas as pd

from metrics.area import ENGLAND
from metrics.ingest.errors import IngestError
from metrics.ingest.frame import AREA, PERIOD, QUALITY, ROW, TIME_ID, Frame, require, with_rows
from metrics.ingest.geography import Geography, normalise_name

REQUIRED = ("data_month", "org_type", "org_code", "org_name", "service", "total_waiting_list")
BANDS = ("waiting_0_1_weeks", "waiting_1_2_weeks", "waiting_2_4_weeks", "waiting_4_12_weeks",
         "waiting_12_18_weeks", "waiting_18_52_weeks", "waiting_over_52_weeks")


def read(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    require(df, file, REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "nhs_chs", len(df), df, period_column="data_month")
    nhs = geo.area.nhs
    org_type, code = df["org_type"].str.strip(), df["org_code"].str.strip()
    areas = pd.Series(None, index=df.index, dtype=object)
    areas[org_type.eq("National")] = ENGLAND
    areas[org_type.eq("Region") & code.eq(nhs.region_code)] = geo.area.region
    areas[org_type.eq("Provider") & code.eq(nhs.provider_code)] = geo.area.name
    if nhs.icb_code:
        areas[org_type.eq("ICB") & code.eq(nhs.icb_code)] = nhs.icb_name
    _check_org_names(df, areas, geo, file)
    return _finish(frame, df, areas, "data_month", [c for c in ("total_waiting_list", *BANDS) if c in df.columns],
                   "service")


def _finish(frame: Frame, df: pd.DataFrame, areas: pd.Series, month: str, values: list[str], line: str) -> Frame:
    """Keep the configured organisations' rows and flag months that repeat the month before."""
    frame.skipped["rows for other organisations"] += int(areas.isna().sum())
    table = df.assign(**{AREA: areas, PERIOD: df[month], TIME_ID: "Month"})[areas.notna()]
    repeats = repeated_months(table, values, line)
    for area, m in repeats:
        frame.warnings.append(f"{area}: every service's figures for {m:%Y-%m} repeat the month before exactly "
                              "(possible resubmission of the previous month; kept as published, flagged "
                              "repeated_month)")
    when = pd.to_datetime(table[PERIOD].str.strip(), format="mixed").dt.to_period("M")
    hit = pd.Series(list(zip(table[AREA], when)), index=table.index).isin(
        {(a, pd.Period(m, "M")) for a, m in repeats})
    frame.table = table.assign(**{QUALITY: hit.map({True: "repeated_month", False: None})})
    return frame


def _check_org_names(df: pd.DataFrame, areas: pd.Series, geo: Geography, file: str) -> None:
    """The provider code must name the configured provider: a recycled or mistyped code is an error."""
    provider = areas.eq(geo.area.name)
    wrong = provider & df["org_name"].map(normalise_name).ne(normalise_name(geo.area.nhs.provider_name))
    if wrong.any():
        bad = df[wrong].iloc[0]
        raise IngestError(file, f"org_code {bad['org_code']!r} is named {bad['org_name']!r}, expected "
                                f"{geo.area.nhs.provider_name!r} (area.toml [nhs])", column="org_name",
                          row=int(bad[ROW]))


def repeated_months(table: pd.DataFrame, value_columns: list[str], line: str) -> list[tuple]:
    """(area, month) for months in which an area's every service line repeats its previous month exactly."""
    found = []
    for area, t in table.groupby(AREA, sort=True):
        months = t.assign(_m=pd.to_datetime(t[PERIOD].str.strip(), format="mixed")).sort_values(["_m", line])
        snapshots = {m: g.set_index(line)[value_columns] for m, g in months.groupby("_m")}
        ordered = sorted(snapshots)
        for before, after in zip(ordered, ordered[1:]):
            a, b = snapshots[before], snapshots[after]
            submitted = (b != "").any(axis=None)
            if submitted and a.index.equals(b.index) and a.equals(b):
                found.append((area, after))
    return found


DFE_REQUIRED = ("Organisation Type", "Organisation Name", "formattedDate", "Therapy", "Total waiting list")


def read_dfe_derived(df: pd.DataFrame, geo: Geography, file: str) -> Frame:
    """DfE's derivation (SEND and AP Inclusion Dashboard) of the same NHS files: four therapies, names not codes,
    and DfE's own `Percentage waiting more than 18 weeks`."""
    require(df, file, DFE_REQUIRED)
    df = with_rows(df)
    frame = Frame(file, "nhs_chs_dfe", len(df), df, period_column="formattedDate")
    org_type = df["Organisation Type"].str.strip()
    name = df["Organisation Name"].map(normalise_name)
    areas = pd.Series(None, index=df.index, dtype=object)
    areas[org_type.eq("National")] = ENGLAND
    areas[org_type.isin(["Provider", "Organisation"])
          & name.eq(normalise_name(geo.area.nhs.provider_name))] = geo.area.name
    icb = geo.area.nhs.icb_name
    if icb:  # DfE names the ICB without its suffix ("Lancashire and South Cumbria")
        areas[org_type.eq("ICB") & name.eq(normalise_name(icb).removesuffix(" icb"))] = icb
    return _finish(frame, df, areas, "formattedDate",
                   [c for c in df.columns if c.startswith(("Total", "Waiting"))], "Therapy")
