"""Published time labels -> (period_start, period_type).

Conventions (see ../shared/reference/SOURCES.md):
- EES `202122` / LAIT `2021/22` / `2021-22`: the academic (or financial) year starting in 2021.
- A four-digit label for an academic or financial year names the year the period ends in: LAIT's `2025`
  for a January-census measure is 2024/25, and the EHC plan caseload published as `2022 / Calendar year`
  (January 2022 census, 2022 release) is the same period as `202122 / Academic year` (2025 release).
- Some series label academic years by the year they start in: LAIT's KS4 destination measures (`2021` =
  EES `202122`). The published map says so per indicator (`year_label = "start"`).
- A January census counted as a calendar year (`january_census`): EES `202122 / Academic year` is January 2022.
- Months: `2023-01`, `2023-01-01` or `January 2023`.
- School terms: the academic year's label with the term in the time identifier (EES / D2I `202324` +
  `Autumn term`): autumn starts 1 September 2023, spring 1 January 2024, summer 1 April 2024
  (`metrics.schemas.TERM_STARTS`).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from metrics.schemas import TERM_STARTS

PERIOD_START_MONTH = {"academic_year": 9, "financial_year": 4, "calendar_year": 1}
_SPAN = re.compile(r"^(\d{4})(?:/|-)?(\d{2})$")  # 202122, 2021/22, 2021-22
_YEAR = re.compile(r"^(\d{4})$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})(?:-01)?$")
PROVISIONAL = " (prov)"  # LAIT marks provisional years "2025 (prov)"


def is_provisional(label: str) -> bool:
    return label.strip().endswith(PROVISIONAL)


def period_start(label: str, period_type: str, *, year_label: str = "end", january_census: bool = False,
                 term: str = "") -> date:
    """The first day of the period `label` denotes, as a period of `period_type` (a school term also needs its
    `term` name, e.g. "Autumn term"). Raises ValueError."""
    text = label.strip().removesuffix(PROVISIONAL).strip()
    if period_type == "term":
        if term.strip() not in TERM_STARTS:
            raise ValueError(f"{term.strip()!r} is not a school term (expected one of: {', '.join(TERM_STARTS)})")
        autumn = period_start(label, "academic_year")
        month = TERM_STARTS[term.strip()]
        return date(autumn.year + (month < autumn.month), month, 1)
    if period_type == "month":
        m = _MONTH.match(text)
        if m:
            return date(int(m[1]), int(m[2]), 1)
        try:
            return datetime.strptime(text, "%B %Y").date()
        except ValueError:
            raise ValueError(f"cannot read {label!r} as a month (expected e.g. 2023-01 or January 2023)") from None
    if period_type not in PERIOD_START_MONTH:
        raise ValueError(f"unsupported period type {period_type!r}")
    month = PERIOD_START_MONTH[period_type]
    m = _SPAN.match(text)
    if m:
        first = int(m[1])
        if (first + 1) % 100 != int(m[2]):
            raise ValueError(f"{label!r} is not a span of consecutive years")
        if period_type == "calendar_year":
            if january_census:  # the census taken in January of the span's second year
                return date(first + 1, 1, 1)
            raise ValueError(f"{label!r} is a two-year span, not a calendar year")
        return date(first, month, 1)
    m = _YEAR.match(text)
    if m:
        year = int(m[1])
        ends = period_type != "calendar_year" and year_label == "end"
        return date(year - 1 if ends else year, month, 1)
    raise ValueError(f"cannot read {label!r} as a {period_type.replace('_', ' ')}")


def period_label(start: date, period_type: str) -> str:
    """How people write the period: 2024, 2024/25 (academic), 2024-25 (financial), 2023-01 (month)."""
    if period_type == "month":
        return f"{start:%Y-%m}"
    if period_type == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    if period_type == "calendar_year":
        return str(start.year)
    if period_type == "term":
        name = next(t for t, m in TERM_STARTS.items() if m == start.month)
        first = start.year - (start.month < PERIOD_START_MONTH["academic_year"])
        return f"{first}/{(first + 1) % 100:02d} {name}"
    sep = "/" if period_type == "academic_year" else "-"
    return f"{start.year}{sep}{(start.year + 1) % 100:02d}"
