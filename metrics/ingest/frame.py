"""What every layout reader returns: the file's rows resolved to areas and time labels, ready for mapping."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from metrics.ingest.errors import IngestError

# Columns a reader adds to the file's own (all file columns stay as text, exactly as published). QUALITY is
# optional: a reader that finds something doubtful about a row puts a `metrics.schemas.QUALITY_FLAGS` flag there.
ROW, AREA, PERIOD, TIME_ID, QUALITY = "_row", "_area", "_period", "_time_identifier", "_quality"


def row_column(column: str) -> str:
    """Readers that reshape a file record, per value column, which published row each cell came from..."""
    return f"_row:{column}"


def source_column(column: str) -> str:
    """... and which published column (so that messages name the column as it is in the file)."""
    return f"_col:{column}"


@dataclass
class Frame:
    file: str
    kind: str
    rows_read: int
    table: pd.DataFrame  # one row per (area, period, filters); only rows for configured areas
    period_column: str = "time_period"  # where the time label was published, for messages
    skipped: Counter = field(default_factory=Counter)  # reason -> rows skipped (other geographies)
    warnings: list[str] = field(default_factory=list)


def read_csv(path: Path) -> pd.DataFrame:
    """Every cell as text, exactly as published (no NA guessing: "NA", "" and symbols are interpreted later)."""
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise IngestError(path.name, f"not a readable CSV file ({exc})") from None
    df.columns = [str(c).strip() for c in df.columns]
    if df.columns.duplicated().any():
        dup = df.columns[df.columns.duplicated()][0]
        raise IngestError(path.name, "column appears twice in the header", column=dup)
    return df


def require(df: pd.DataFrame, file: str, columns) -> None:
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise IngestError(file, f"required column missing (columns found: {', '.join(df.columns)})",
                          column=missing[0])


def with_rows(df: pd.DataFrame) -> pd.DataFrame:
    """Number data rows from 1, as a spreadsheet user counts them below the header."""
    return df.assign(**{ROW: range(1, len(df) + 1)})
