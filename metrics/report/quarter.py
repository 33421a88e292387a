"""Report periods: calendar quarters written `YYYY-Qn` (Q1 = January to March), as in `/report?quarter=2025-Q2`.

A quarter's report covers every period that starts on or before the quarter's last day, so a Q2 2025 report
shows monthly data to June 2025 and an annual series up to the year that started by then.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

_PATTERN = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int  # 1-4

    @classmethod
    def parse(cls, text: str) -> Quarter:
        m = _PATTERN.match(str(text).strip().upper()) if text is not None else None
        if not m:
            raise ValueError(f"quarter: expected YYYY-Qn with n from 1 to 4 (e.g. 2025-Q2), got {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def containing(cls, date) -> Quarter:
        d = pd.Timestamp(date)
        return cls(d.year, (d.month - 1) // 3 + 1)

    @property
    def start(self) -> pd.Timestamp:
        return pd.Timestamp(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> pd.Timestamp:
        """The quarter's last day: the report includes every period starting on or before it."""
        return self.start + pd.offsets.QuarterEnd(0)

    @property
    def months(self) -> str:
        """'April to June 2025'."""
        return f"{self.start:%B} to {self.end:%B %Y}"

    @property
    def label(self) -> str:
        """'Quarter 2 2025 (April to June 2025)'."""
        return f"Quarter {self.number} {self.year} ({self.months})"

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)


def quarters_between(first, last) -> list[Quarter]:
    """Every quarter from the one containing `first` to the one containing `last`, in order."""
    q, end = Quarter.containing(first), Quarter.containing(last)
    out = []
    while q <= end:
        out.append(q)
        q = q.next()
    return out
