"""Read back the sheets of an XLSX download (the "all measures" spreadsheet) without a spreadsheet library: the file is
a zip of XML parts (ECMA-376), and xlsxwriter writes plain cells (numbers, and strings in the shared-string table)."""
from __future__ import annotations

import io
import re
import zipfile
from xml.etree import ElementTree

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def _column(ref: str) -> int:
    """0-based column of a cell reference ("C7" -> 2)."""
    n = 0
    for ch in re.match(r"[A-Z]+", ref).group():
        n = n * 26 + ord(ch) - 64
    return n - 1


def sheets(data: bytes) -> dict[str, list[list[str]]]:
    """{sheet name: rows of cell texts}, in workbook order."""
    book = zipfile.ZipFile(io.BytesIO(data))
    shared = []
    if "xl/sharedStrings.xml" in book.namelist():
        root = ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t")) for si in root.findall("m:si", NS)]
    rels = {r.get("Id"): r.get("Target") for r in
            ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels")).iter(REL)}
    out = {}
    for sheet in ElementTree.fromstring(book.read("xl/workbook.xml")).find("m:sheets", NS):
        target = rels[sheet.get(f"{{{NS['r']}}}id")].lstrip("/")
        root = ElementTree.fromstring(book.read(target if target.startswith("xl/") else "xl/" + target))
        rows = []
        for row in root.iter(f"{{{NS['m']}}}row"):
            cells = {}
            for c in row.findall("m:c", NS):
                v = c.find("m:v", NS)
                text = "" if v is None else v.text or ""
                if c.get("t") == "s" and text:
                    text = shared[int(text)]
                elif c.get("t") == "inlineStr":
                    text = "".join(t.text or "" for t in c.iter(f"{{{NS['m']}}}t"))
                cells[_column(c.get("r"))] = text
            rows.append([cells.get(i, "") for i in range(max(cells) + 1)] if cells else [])
        out[sheet.get("name")] = rows
    return out
