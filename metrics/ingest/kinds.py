"""Recognise a published file's layout from its header: the first signature whose columns are all present."""
from __future__ import annotations

# kind -> columns that identify it (checked in this order: the more specific layouts first).
SIGNATURES = {
    "lait": ({"measure_short", "years", "la_number", "value"}, {"Short Desc", "Years", "LA Number", "Values"}),
    "nhs_chs": ({"data_month", "org_code", "service", "total_waiting_list"},),
    "nhs_chs_dfe": ({"Organisation Type", "Organisation Name", "Therapy", "Total waiting list"},),
    "nhs_autism": ({"REPORTING_PERIOD_START", "PRIMARY_LEVEL", "METRIC", "METRIC_VALUE"},),
    "d2i": ({"new_la_code", "metric", "send_group", "send_value", "no_sen_value"},),
    "tribunal": ({"la_name", "year", "measure", "value_as_published"},),
    "ees": ({"time_period", "time_identifier", "geographic_level"},),
    "dfe_dashboard": ({"time_period", "geographic_level", "academic_year"},),
}
# Reference files that describe the others rather than hold statistics: recognised, never ingested.
NOT_STATISTICS = {
    "statistical_neighbour_list": {"sn_model", "neighbour_old_code", "neighbour_name"},
    "lait_dictionary": {"measure_short", "measure_description", "year_type"},
}
KINDS = tuple(SIGNATURES)


def detect(columns) -> str | None:
    cols = {c.strip() for c in columns}
    for kind, signatures in SIGNATURES.items():
        if any(sig <= cols for sig in signatures):
            return kind
    for kind, sig in NOT_STATISTICS.items():
        if sig <= cols:
            return kind
    return None


def closest(columns) -> tuple[str, list[str]] | None:
    """For a file no signature matches: the layout it most resembles (most signature columns present, at
    least half) and the signature columns it lacks - usually a required column renamed or dropped."""
    cols = {c.strip() for c in columns}
    best = max(((len(sig & cols) / len(sig), kind, sorted(sig - cols))
                for kind, sigs in SIGNATURES.items() for sig in sigs), key=lambda t: t[0])
    return (best[1], best[2]) if best[0] >= 0.5 else None
