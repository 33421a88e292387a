"""The intervention log (`data/annotations.csv`): dated events drawn on charts, some marking where SPC limits restart.

Columns: `date` (YYYY-MM-DD), `title`, `description`, `services` (';'-separated service slugs), `metric_ids`
(';'-separated catalogue ids), `localities` (';'-separated locality names), `rebase` (true / false); optionally
`id` (the event's number, a whole number unique in the log: charts, lists and the report all show it, whatever
the window) and `transition_months` (for a rebase: how many months after it a before/after comparison leaves out
while the change beds in; default 3). Without `id`, events are numbered by date order over the whole log. An empty
`services`, `metric_ids` or `localities` means "not restricted". An event restricted to some services or
localities shows only on those services' and localities' series, not on the all-services or whole-area series, so a
change in one service never restarts the limits of a total it is only part of. SPC limits restart at an event only
when the analyst has marked it `rebase = true`.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

COLUMNS = ("date", "title", "description", "services", "metric_ids", "localities", "rebase")
OPTIONAL = ("id", "transition_months")
DEFAULT_TRANSITION_MONTHS = 3
BOOLEANS = {"true": True, "false": False}
LIST_NOUNS = {"services": "service slug(s)", "metric_ids": "metric id(s)", "localities": "locality(ies)"}


@dataclass(frozen=True)
class Annotation:
    date: date
    title: str
    description: str
    services: tuple[str, ...]  # service slugs; empty = every service (and metrics with no service)
    metric_ids: tuple[str, ...]  # empty = every metric (of the services named, if any)
    localities: tuple[str, ...]  # empty = the whole area and every locality
    rebase: bool  # SPC limits restart at this date
    number: int = 0  # the event's number in the log (stable across views)
    transition_months: int = DEFAULT_TRANSITION_MONTHS

    def applies_to(self, metric_id: str, service_slug: str | None = None, locality: str | None = None) -> bool:
        """Whether the event belongs on the series of `metric_id` for one service (None: all services or a metric
        without services) in one locality (None: the whole area)."""
        return ((not self.metric_ids or metric_id in self.metric_ids)
                and (not self.services or service_slug in self.services)
                and (not self.localities or locality in self.localities))


def _split(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(";") if part.strip())


def load_annotations(path: str | Path, *, catalogue=None, localities=None) -> list[Annotation]:
    """Read the intervention log, sorted by date. Raise ValueError listing every bad cell by file, column and row
    (row 1 is the first line under the header). With `catalogue` (and `localities`), unknown service slugs,
    metric ids and localities are errors too, since an event naming them would silently never be drawn."""
    path = Path(path)
    problems: list[str] = []
    annotations: list[Annotation] = []
    numbers: dict[int, int] = {}
    known = {
        "services": {s.slug for s in catalogue.services} if catalogue is not None else None,
        "metric_ids": {m.id for m in catalogue.metrics} if catalogue is not None else None,
        "localities": set(localities) if localities is not None else None,
    }
    with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: spreadsheets often save a byte-order mark
        reader = csv.DictReader(f)
        header = reader.fieldnames or []
        missing = [c for c in COLUMNS if c not in header]
        unknown = [c for c in header if c not in COLUMNS + OPTIONAL]
        if missing or unknown:
            raise ValueError(f"{path}: header must be {','.join(COLUMNS)}"
                             + (f"; missing column(s): {', '.join(missing)}" if missing else "")
                             + (f"; unknown column(s): {', '.join(unknown)}" if unknown else ""))
        for row_number, row in enumerate(reader, start=1):
            def bad(column: str, message: str) -> None:
                problems.append(f"{path}, column '{column}', row {row_number}: {message}")

            if None in row:  # more cells than header columns
                bad(header[-1], f"{len(row[None])} cell(s) beyond the {len(header)} columns (unquoted comma?)")
                continue
            cells = {c: (row.get(c) or "").strip() for c in COLUMNS + OPTIONAL}
            try:
                when = date.fromisoformat(cells["date"]) if len(cells["date"]) == 10 else None
            except ValueError:
                when = None
            if when is None:
                bad("date", f"{cells['date']!r} is not a date in the form YYYY-MM-DD")
            if not cells["title"]:
                bad("title", "empty: every event needs a title")
            rebase = BOOLEANS.get(cells["rebase"].lower())
            if rebase is None:
                bad("rebase", f"{cells['rebase']!r} is not true or false")
            lists = {c: _split(cells[c]) for c in ("services", "metric_ids", "localities")}
            for column, values in lists.items():
                strange = [v for v in values if known[column] is not None and v not in known[column]]
                if strange:
                    bad(column, f"unknown {LIST_NOUNS[column]}: {', '.join(strange)}")
            number = _whole(cells["id"], 1, 10_000)
            if cells["id"] and number is None:
                bad("id", f"{cells['id']!r} is not a whole number from 1 to 10000")
            elif number is not None and number in numbers:
                bad("id", f"{number} is already the id of row {numbers[number]}: ids must be unique")
            elif number is not None:
                numbers[number] = row_number
            months = _whole(cells["transition_months"], 0, 36)
            if cells["transition_months"] and months is None:
                bad("transition_months", f"{cells['transition_months']!r} is not a whole number from 0 to 36")
            annotations.append(Annotation(when, cells["title"], cells["description"], lists["services"],
                                          lists["metric_ids"], lists["localities"], bool(rebase), number or 0,
                                          DEFAULT_TRANSITION_MONTHS if months is None else months))
    if problems:
        raise ValueError(f"{path}: {len(problems)} problem(s) in the intervention log:\n"
                         + "\n".join(f"  - {p}" for p in problems))
    annotations.sort(key=lambda a: (a.date, a.title))
    # Events without an id are numbered after the highest id, in date order: stable whatever a view shows.
    next_number = max(numbers, default=0)
    for i, a in enumerate(annotations):
        if not a.number:
            next_number += 1
            annotations[i] = replace(a, number=next_number)
    return annotations


def _whole(text: str, low: int, high: int) -> int | None:
    return int(text) if text.isdigit() and low <= int(text) <= high else None


def annotations_for(annotations: list[Annotation], metric_id: str, service_slug: str | None = None,
                    locality: str | None = None) -> list[Annotation]:
    """The events to draw on one series, in date order (see `Annotation.applies_to`)."""
    return [a for a in annotations if a.applies_to(metric_id, service_slug, locality)]
