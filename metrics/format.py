"""How values, periods and SPC states read in words: one place, used by pages, downloads and the report."""
from __future__ import annotations

import math

import pandas as pd

from metrics.schemas import STATUSES, TERM_STARTS

UNIT_SUFFIX = {"percent": "%", "days": " days", "weeks": " weeks"}

VARIATION_TEXT = {
    "common_cause": "Common cause variation: no significant change",
    "improvement_high": "Special cause improvement: higher than expected",
    "improvement_low": "Special cause improvement: lower than expected",
    "concern_high": "Special cause concern: higher than expected",
    "concern_low": "Special cause concern: lower than expected",
    "neutral_high": "Special cause variation: higher than expected (neither good nor bad)",
    "neutral_low": "Special cause variation: lower than expected (neither good nor bad)",
}
# Making Data Count icon letters, so meaning never depends on colour alone.
VARIATION_LETTER = {"common_cause": "", "improvement_high": "H", "improvement_low": "L", "concern_high": "H",
                    "concern_low": "L", "neutral_high": "H", "neutral_low": "L"}
ASSURANCE_TEXT = {
    "pass": "Consistently meeting the target",
    "fail": "Consistently missing the target",
    "inconsistent": "Will meet the target only some of the time",
    None: "No target set",
}
ASSURANCE_LETTER = {"pass": "P", "fail": "F", "inconsistent": "?", None: ""}

STATUS_TEXT = {
    "suppressed": "Suppressed to protect confidentiality",
    "not_available": "Not available",
    "not_applicable": "Not applicable",
    "low": "Fewer than 0.5 (rounds to zero)",
}


def value(x, unit: str, status: str = "ok", digits: int | None = None) -> str:
    """A value as a person reads it: '62.5%', '1,234', '12.3 weeks'; a typed status in words."""
    if status != "ok":
        return STATUS_TEXT.get(status, "Not available")
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "No data"
    if digits is None:
        digits = 0 if unit == "count" else 1
    text = f"{x:,.{digits}f}"
    return text + UNIT_SUFFIX.get(unit, "")


def symbol(x, status: str = "ok", digits: int = 1) -> str:
    """A value for a CSV download: the number, or the GSS symbol for a typed status (c, x, z, low)."""
    if status != "ok":
        return STATUSES.get(status, "x")
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "x"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


def period(date, period_type: str) -> str:
    """'March 2025', '2024/25', 'Q1 2025', 'Autumn term 2024/25', '2024-25' (financial), '2024' by period type."""
    if date is None or pd.isna(date):
        return "—"
    d = pd.Timestamp(date)
    if period_type == "month":
        return d.strftime("%B %Y")
    if period_type == "quarter":
        return f"Q{(d.month - 1) // 3 + 1} {d.year}"
    if period_type == "academic_year":
        return f"{d.year}/{(d.year + 1) % 100:02d}"
    if period_type == "term":
        first = d.year - (d.month < TERM_STARTS["Autumn term"])
        name = next(t for t, month in TERM_STARTS.items() if month == d.month)
        return f"{name} {first}/{(first + 1) % 100:02d}"
    if period_type == "financial_year":
        return f"{d.year}-{(d.year + 1) % 100:02d}"
    return str(d.year)
