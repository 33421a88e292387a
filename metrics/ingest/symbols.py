"""Turn published cells into (value, status): numbers stay numbers, symbols become typed states.

The GSS/DfE symbols live in `metrics.schemas.SYMBOL_TO_STATUS`; a few layouts add their own conventions (below,
each with where it is documented). A blank cell is not a symbol: nothing was published there, so it yields no row
at all (counted in the ingest log) rather than a claim that overrides another source's value for that period -
except in layouts whose publisher says what a blank means (BLANK_STATUS).
Anything else that is not a number is an error, never a silent 0 or NaN.
"""
from __future__ import annotations

import re

import numpy as np
import pandas as pd

from metrics.schemas import STATUS_OK, SYMBOL_TO_STATUS

BLANK = "blank"  # internal marker only: such cells are dropped, never written

# Layout-specific symbols (see ../shared/reference/SOURCES.md for each file).
KIND_SYMBOLS = {
    # NHS England CHS waiting lists suppress small counts with "*".
    "nhs_chs": {"*": "suppressed"},
    # SEND Tribunal appeal-rate table: ".." not available, "~" suppressed, "x" not available.
    "tribunal": {"..": "not_available"},
}
# Cells that the publisher documents as meaning zero, not "missing": the tribunal table prints " - " for
# LAs with no appeals registered (their appeal rate is published as 0.00%).
ZERO_SYMBOLS = {"tribunal": frozenset({"-"})}
# Layouts where a blank cell has a documented meaning. NHS England CHS waiting lists: "Blank = no organisation
# submitted for that service line" (SOURCES.md; e.g. RXL community paediatrics), kept by DfE's copy too.
BLANK_STATUS = {"nhs_chs": "not_available", "nhs_chs_dfe": "not_available"}

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(\D|$))")


def symbol_table(kind: str) -> dict[str, str]:
    return {**SYMBOL_TO_STATUS, **KIND_SYMBOLS.get(kind, {})}


def parse_cells(cells: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Parse a column of published text. Returns (values, statuses, bad) where `bad` marks cells that are
    neither a number nor a known symbol. Padding (" 83.784"), thousands separators ("1,064") and a trailing
    "%" are published formatting, not meaning, and are stripped."""
    symbols, zeros = symbol_table(kind), ZERO_SYMBOLS.get(kind, frozenset())
    blank = BLANK_STATUS.get(kind, BLANK)
    text = cells.fillna("").astype(str).str.strip()
    values = np.full(len(text), np.nan)
    statuses = np.full(len(text), STATUS_OK, dtype=object)
    bad = np.zeros(len(text), dtype=bool)
    for i, t in enumerate(text.tolist()):
        if t == "":
            statuses[i] = blank
        elif t in zeros:
            values[i] = 0.0
        elif t.lower() in symbols:
            statuses[i] = symbols[t.lower()]
        else:
            number = _THOUSANDS.sub("", t.removesuffix("%").strip())
            if _NUMBER.match(number):
                values[i] = float(number)
            else:
                bad[i] = True
    return values, statuses, bad
