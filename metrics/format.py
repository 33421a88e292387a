"""How values and periods read: the one formatter for pages, downloads, the report and the public edition.

`style` is "board" or "public" (the audience's style, from metrics.vocabulary): the public style spells periods
without abbreviations ("July to September 2026", not "Q3 2026").
"""
from __future__ import annotations

import math

import pandas as pd

from metrics.schemas import STATUSES, TERM_STARTS

UNIT_SUFFIX = {"percent": "%", "days": " days", "weeks": " weeks"}
DEFAULT_DECIMALS = {"count": 0, "percent": 1, "rate": 1, "days": 0, "weeks": 1, "score": 1, "ratio": 2}

STATUS_TEXT = {
    "suppressed": "Suppressed to protect confidentiality",
    "not_available": "Not available",
    "not_applicable": "Not applicable",
    "low": "Fewer than 0.5 (rounds to zero)",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def decimals(unit: str, override: int | None = None) -> int:
    """The precision a unit is shown at; a metric's own published precision (catalogue `decimals`) wins."""
    return override if override is not None else DEFAULT_DECIMALS.get(unit, 1)


def value(x, unit: str, status: str = "ok", digits: int | None = None, label: str | None = None) -> str:
    """A value as a person reads it: '62.5%', '1,234', '12.3 weeks', '28.0 per 100 pupils'; a status in words.

    `label` is the unit's words where the unit alone does not say it (catalogue `unit_label`)."""
    if status != "ok":
        return STATUS_TEXT.get(status, "Not available")
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "No data"
    x = float(x)
    if not math.isfinite(x):  # never reaches a page through validation; if it does, it must not break one
        return "Not available"
    d = decimals(unit, digits)
    text = f"{x:,.{d}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]  # no "-0.0"
    if label:
        return f"{text} {label}"
    return text + UNIT_SUFFIX.get(unit, "")


def symbol(x, status: str = "ok", digits: int = 1) -> str:
    """A value for a CSV download: the number, or the GSS symbol for a typed status (c, x, z, low)."""
    if status != "ok":
        return STATUSES.get(status, "x")
    if x is None or (isinstance(x, float) and math.isnan(x)) or not math.isfinite(float(x)):
        return "x"
    return f"{x:.{digits}f}".rstrip("0").rstrip(".") if digits else f"{x:.0f}"


def period(date, period_type: str, style: str = "board") -> str:
    """A period by its type: board 'March 2025', 'Q1 2025', 'Autumn term 2024/25', '2024/25' (academic),
    'FY 2024/25' (financial), '2024'; public 'March 2025', 'January to March 2025', 'Autumn term 2024',
    '2024/25 school year', 'April 2024 to March 2025', '2024'."""
    if date is None or pd.isna(date):
        return "—"
    d = pd.Timestamp(date)
    if period_type == "month":
        return f"{MONTHS[d.month - 1]} {d.year}"
    if period_type == "quarter":
        q = (d.month - 1) // 3
        if style == "public":
            return f"{MONTHS[3 * q]} to {MONTHS[3 * q + 2]} {d.year}"
        return f"Q{q + 1} {d.year}"
    years = f"{d.year}/{(d.year + 1) % 100:02d}"
    if period_type == "academic_year":
        return f"{years} school year" if style == "public" else years
    if period_type == "term":  # school terms start in September, January and April (metrics.schemas)
        name = next(t for t, month in TERM_STARTS.items() if month == d.month)
        first = d.year - (d.month < TERM_STARTS["Autumn term"])
        return f"{name} {d.year}" if style == "public" else f"{name} {first}/{(first + 1) % 100:02d}"
    if period_type == "financial_year":
        return f"April {d.year} to March {d.year + 1}" if style == "public" else f"FY {years}"
    return str(d.year)


def span(first, last, period_type: str, style: str = "board") -> str:
    """'April 2022 to September 2026' between two periods (one period: just it)."""
    a, b = period(first, period_type, style), period(last, period_type, style)
    return a if a == b else f"{a} to {b}"
