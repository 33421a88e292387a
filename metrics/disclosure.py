"""Disclosure control for everything the public edition shows or downloads.

Primary suppression hides small counts (1 to min_count - 1), values whose numerator is such a count, and values
resting on a denominator below min_denominator. Secondary suppression then makes sure no hidden figure can be
worked out by subtraction: wherever parts add up to a published total (the localities to the whole area, the
breakdown values to `All`), a group with exactly one hidden cell gets a second one hidden, the smallest other
non-zero part (or the total when no part is left), repeated until no group has exactly one. The thresholds are
configuration (`data/disclosure.toml`, documented there).

Hidden cells get status `suppressed` (symbol `c`), which stays distinct from `not_available` (`x`), and a reason
in the `suppression` column so pages can say "fewer than 6" for a small count and "not shown" for the rest.

Limits, deliberately accepted: only the two additive structures above are protected (not sums across periods or
across different metrics), and medians, averages and scores are not treated as additive, since a part cannot be
worked out from a whole of those.
"""
from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from metrics.area import DATA_DIR

DEFAULT_PATH = DATA_DIR / "disclosure.toml"
SUPPRESSED = "suppressed"
REASON = "suppression"  # the column saying why a cell is hidden ("" when it is shown)
SMALL_COUNT, SMALL_DENOMINATOR, SECONDARY, AT_SOURCE = "small_count", "small_denominator", "secondary", "source"
TOTAL_BREAKDOWN = "All"
# Units whose parts add up to a total (counts, and percentages/rates through their numerators and denominators).
# Medians, averages and scores do not add up, so a hidden one cannot be recovered from the others.
NON_ADDITIVE_UNITS = frozenset({"days", "weeks", "score"})


@dataclass(frozen=True)
class Thresholds:
    min_count: int = 6  # smallest count shown: 1-5 are hidden
    min_denominator: int = 10  # smallest denominator a percentage, rate or average is shown for


# setting -> inclusive range allowed; outside it the file is refused (fail closed, never open)
LIMITS = {"min_count": (2, 100), "min_denominator": (1, 1000)}


def load_thresholds(path: str | Path | None = None) -> Thresholds:
    """The thresholds in `data/disclosure.toml`; the safe defaults when the file does not exist."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Thresholds()
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not valid TOML: {exc}") from None
    for key in raw:
        if key not in LIMITS:
            raise ValueError(f"{path}: unknown setting {key!r} (expected {', '.join(LIMITS)})")
    settings = {}
    for key, (low, high) in LIMITS.items():
        if key not in raw:
            continue
        v = raw[key]
        if isinstance(v, bool) or not isinstance(v, int) or not low <= v <= high:
            raise ValueError(f"{path}: setting {key!r} = {v!r} must be a whole number from {low} to {high}")
        settings[key] = v
    return Thresholds(**settings)


def describe(reason: str, unit: str, thresholds: Thresholds | None = None) -> str:
    """Why a cell is hidden, in words for a page: 'fewer than 6' for a small count, 'not shown (...)' otherwise."""
    t = thresholds or Thresholds()
    if reason == SMALL_COUNT:
        return f"fewer than {t.min_count}" if unit == "count" else f"not shown (fewer than {t.min_count} children)"
    if reason == SMALL_DENOMINATOR:
        return f"not shown (fewer than {t.min_denominator} children)"
    if reason == SECONDARY:
        return "not shown (so that a small number elsewhere cannot be worked out)"
    return "not shown (to protect confidentiality)"


def _primary(value, numerator, denominator, count_like, t: Thresholds) -> np.ndarray:
    """The primary reason for each ok row ("" to show it)."""
    def small(x):
        return (x > 0) & (x < t.min_count)  # NaN compares False: missing is not small
    reason = np.full(len(value), "", dtype=object)
    reason[(denominator > 0) & (denominator < t.min_denominator)] = SMALL_DENOMINATOR
    reason[small(numerator) | (count_like & small(value))] = SMALL_COUNT
    return reason


def _magnitude(numbers: dict[str, np.ndarray]) -> np.ndarray:
    """The size of each cell's contribution to a total: its numerator, else its value, else its denominator."""
    size = numbers["numerator"]
    for col in ("value", "denominator"):
        size = np.where(np.isnan(size), numbers[col], size)
    return size


def _determined(lines: list[tuple[int | None, list[int]]], hidden: list[int]) -> list[int]:
    """Hidden cells whose value follows exactly from the shown ones through the lines (total = sum of parts).

    Each line gives one linear equation in the hidden cells; a cell is determined when every solution of the
    equations agrees on it, i.e. the null space of the equations is zero at that cell.
    """
    col = {cell: j for j, cell in enumerate(hidden)}
    rows = []
    for total, parts in lines:
        if total is not None and total not in col and not any(p in col for p in parts):
            continue
        row = np.zeros(len(hidden))
        for p in parts:
            if p in col:
                row[col[p]] = 1.0
        if total is not None and total in col:
            row[col[total]] = -1.0
        if row.any():
            rows.append(row)
    if not rows:
        return []
    a = np.array(rows)
    _, sv, vt = np.linalg.svd(a)
    rank = int((sv > 1e-9).sum())
    null = vt[rank:]
    return [cell for cell, j in col.items() if null.size == 0 or np.abs(null[:, j]).max() < 1e-9]


def _protect(lines: list[tuple[int | None, list[int]]], status: np.ndarray, sensitive: set[int],
             size: np.ndarray, label: np.ndarray) -> list[int]:
    """Rows to hide so that no sensitive cell can be worked out from the shown ones; updates `status` in place.

    `lines` are (total row, part rows), the total row None when the total is known but not a cell here. First
    the usual rule: no line may have exactly one hidden cell; the cell hidden is the line's smallest shown
    non-zero part (costs readers least; zeros are often known anyway, so they protect little), else its total,
    else a zero part. That can still leave a sensitive cell determined through several lines at once (a bridge
    between two blocks of hidden cells), so an exact check follows and hides the smallest cell that stops it.
    """
    added: list[int] = []

    def hide(i: int) -> None:
        status[i] = SUPPRESSED
        added.append(i)

    while True:
        changed = True
        while changed:
            changed = False
            for line in lines:
                if sum(status[i] == SUPPRESSED for i in _cells(line)) == 1:
                    pick = _pick(line, status, size, label)
                    if pick is not None:
                        hide(pick)
                        changed = True
        hidden = [i for i in range(len(status)) if status[i] == SUPPRESSED]
        exposed = [i for i in _determined(lines, hidden) if i in sensitive]
        if not exposed:
            return added
        cell = exposed[0]
        shown = sorted((i for i in range(len(status)) if status[i] == "ok" and not np.isnan(size[i])),
                       key=lambda i: (size[i] <= 0, size[i], label[i]))
        pick = next((i for i in shown if cell not in _determined(lines, [*hidden, i])), None)
        if pick is None:  # nothing left to hide would help: every other cell is hidden or not a number
            sensitive.discard(cell)
        else:
            hide(pick)


def _cells(line) -> list[int]:
    total, parts = line
    return parts if total is None else [total, *parts]


def _pick(line, status, size, label) -> int | None:
    total, parts = line
    shown = sorted((i for i in parts if status[i] == "ok" and not np.isnan(size[i])),
                   key=lambda i: (size[i], label[i]))
    nonzero = [i for i in shown if size[i] > 0]
    if nonzero:
        return nonzero[0]
    if total is not None and status[total] == "ok":
        return total
    return shown[0] if shown else None


def suppress(values: pd.DataFrame, units: Mapping[str, str], *, area: str, localities: Sequence[str],
             thresholds: Thresholds | None = None) -> pd.DataFrame:
    """The long metric-values frame made safe to publish (a new frame; the input is not changed).

    `units` maps metric id -> catalogue unit; a metric missing from it is treated as a count (fail closed).
    `area` is the whole local area and `localities` its parts. Comparator rows (England, neighbours) get the
    primary rules only. Applying this twice changes nothing more.
    """
    t = thresholds or Thresholds()
    n = len(values)
    unit = values["metric_id"].map(lambda m: units.get(m, "count")).to_numpy(object)
    numbers = {c: values[c].to_numpy(float, na_value=np.nan) for c in ("value", "numerator", "denominator")}
    status = values["status"].to_numpy(object).copy()
    reason = (values[REASON].fillna("").to_numpy(object).copy() if REASON in values
              else np.full(n, "", dtype=object))
    # Hidden at source (a `c` in a published file) keeps its status and says so.
    reason[(status == SUPPRESSED) & (reason == "")] = AT_SOURCE

    primary = _primary(numbers["value"], numbers["numerator"], numbers["denominator"], unit == "count", t)
    primary[status != "ok"] = ""
    status[primary != ""] = SUPPRESSED
    reason[primary != ""] = primary[primary != ""]

    # Secondary: one small table per metric and period (places x breakdowns) holding a sensitive hidden cell.
    sensitive = (status == SUPPRESSED) & (reason != SECONDARY)
    size = _magnitude(numbers)  # original sizes: hidden cells are never picked anyway
    place, breakdown = values["area"].to_numpy(object), values["breakdown"].to_numpy(object)
    keep = np.isin(place, [area, *localities]) & ~np.isin(unit, list(NON_ADDITIVE_UNITS))
    keys = values.loc[keep, ["metric_id", "period_start", "period_type"]]
    positions = np.flatnonzero(keep)
    for members in keys.groupby(list(keys.columns), sort=False).indices.values():
        rows = positions[members]
        if not sensitive[rows].any():
            continue
        local = status[rows].copy()
        picked = _protect(_lines(place[rows], breakdown[rows], area), local,
                          set(np.flatnonzero(sensitive[rows]).tolist()), size[rows],
                          place[rows] + "\x00" + breakdown[rows])
        status[rows[picked]] = SUPPRESSED
        reason[rows[picked]] = SECONDARY

    out = values.copy()
    hidden = status == SUPPRESSED
    for c, x in numbers.items():
        out[c] = np.where(hidden, np.nan, x)
    out["status"] = pd.Series(status, index=values.index, dtype=values["status"].dtype)
    out[REASON] = pd.Series(reason, index=values.index, dtype=str)
    return out


def _lines(place: np.ndarray, breakdown: np.ndarray, area: str) -> list[tuple[int, list[int]]]:
    """(total, parts) positions of one table's additive lines: localities within the area, breakdowns in `All`."""
    lines = []
    for across, within, total_key in ((place, breakdown, area), (breakdown, place, TOTAL_BREAKDOWN)):
        for value in dict.fromkeys(within):
            members = np.flatnonzero(within == value)
            is_total = across[members] == total_key
            if is_total.sum() == 1 and (~is_total).any():
                lines.append((int(members[is_total][0]), members[~is_total].tolist()))
    return lines


def suppress_counts(table: pd.DataFrame, columns: Sequence[str],
                    thresholds: Thresholds | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A small table of counts (rows are parts; each column's total is taken as known) made safe to show.

    Returns the table with hidden cells as NaN, and a same-shaped frame of reasons ("" where shown).
    """
    t = thresholds or Thresholds()
    out = table.copy()
    reasons = pd.DataFrame("", index=table.index, columns=list(columns), dtype=object)
    rows = list(range(len(table)))
    for col in columns:
        x = out[col].to_numpy(float, na_value=np.nan)
        primary = (x > 0) & (x < t.min_count)
        status = np.where(primary, SUPPRESSED, np.where(np.isnan(x), "not_available", "ok")).astype(object)
        added = _protect([(None, rows)], status, set(np.flatnonzero(primary).tolist()), x,
                         np.array([str(i) for i in rows], dtype=object))
        reason = np.where(primary, SMALL_COUNT, "").astype(object)
        reason[added] = SECONDARY
        reasons[col] = reason
        out[col] = np.where(reason != "", np.nan, x)
    return out, reasons
