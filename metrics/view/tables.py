"""Tables of the view model, and their one way out as CSV and XLSX.

A chart's accessible table and its download are the same `Table`: the table shows each cell's `text`, the CSV
writes its `value` (numbers at the measure's precision, GSS symbols for hidden or missing figures).
"""
from __future__ import annotations

import csv
import io
import re

from metrics.view.model import Cell, Column, Table

BLANK = Cell("", "")


def cell(value, text: str | None = None) -> Cell:
    return Cell(value, str(value) if text is None else text)


def make_table(caption: str, columns, rows, filename: str) -> Table:
    cols = tuple(c if isinstance(c, Column) else Column(*c) for c in columns)
    body = tuple(tuple(c if isinstance(c, Cell) else cell(c) for c in row) for row in rows)
    for row in body:
        if len(row) != len(cols):
            raise ValueError(f"table {caption!r}: a row has {len(row)} cells for {len(cols)} columns")
    return Table(caption, cols, body, safe_filename(filename))


def to_csv(table: Table) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([c.key for c in table.columns])
    for row in table.rows:
        w.writerow([_csv_value(c.value) for c in row])
    return buf.getvalue()


def _csv_value(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:.6g}" if abs(v) < 1e6 else f"{v:.0f}"
    text = str(v)
    # A cell opening with = + - @ is a formula to a spreadsheet: prefix it so it is read as text (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def safe_filename(name: str) -> str:
    return re.sub(r"[^a-z0-9_.-]+", "-", name.lower()).strip("-")[:120] or "data"


def to_xlsx(sheets: list[tuple[str, Table]]) -> bytes:
    """Several tables, one sheet each (sheet names cut to Excel's 31 characters)."""
    import xlsxwriter  # imported here: only the "all measures" download needs it

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = book.add_format({"bold": True})
    used = set()
    for name, table in sheets:
        sheet_name = re.sub(r"[\[\]:*?/\\]", " ", name)[:31] or "Sheet"
        while sheet_name in used:
            sheet_name = sheet_name[:28] + f"~{len(used)}"
        used.add(sheet_name)
        ws = book.add_worksheet(sheet_name)
        ws.write_row(0, 0, [c.header for c in table.columns], bold)
        for r, row in enumerate(table.rows, start=1):
            for c, value in enumerate(row):
                v = value.value
                if isinstance(v, (int, float)) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
                else:
                    ws.write_string(r, c, "" if v is None else str(v))
    book.close()
    return buf.getvalue()
