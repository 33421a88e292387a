"""The improvement plans' actions (`data/plan.toml`): loaded, validated, and shaped for the tracker page.

An analyst updates an action's status by editing the file and checking it with `python -m metrics.validate DIR`.
Every problem is reported at once, each with the file and line, and nothing is loaded from a file with errors.
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from metrics.validate import Problem

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "data" / "plan.toml"
PLAN_FILE = "plan.toml"

STATUSES = ("not started", "on track", "at risk", "off track", "complete")
COMPLETE = "complete"
# Status words for families (the public edition): plain, and never the internal note.
PUBLIC_STATUS = {"not started": "Not started yet", "on track": "Going to plan", "at risk": "May be late",
                 "off track": "Running late", "complete": "Done"}
ALL_OUTCOMES = "all"  # an area about how the partnership works rather than one outcome
ALL_OUTCOMES_TITLE = "All outcomes – how the partnership works"

FIELDS = {  # table -> (required fields, optional fields)
    "plan": (("id", "title", "published", "ref_prefix", "source"), ()),
    "area": (("plan", "number", "title", "lead", "outcome"), ("text",)),
    "objective": (("plan", "number", "text", "measures"), ()),
    "action": (("plan", "id", "number", "action", "lead", "timescale", "due", "status", "status_date", "measures"),
               ("due_basis", "note")),
}
TOP_LEVEL = {"illustrative", *FIELDS}
NUMBER = {"area": re.compile(r"^\d+$"), "objective": re.compile(r"^\d+\.\d+$")}
ACTION_NUMBER = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Plan:
    id: str
    title: str
    published: date
    ref_prefix: str  # "" or "WSoA ": how the catalogue's plan_refs name this plan's numbers
    source: str


@dataclass(frozen=True)
class Area:
    """An area for improvement (2024 plan) or area of significant concern (written statement of action)."""
    plan: str
    number: str
    title: str
    lead: str
    outcome: str  # a catalogue outcome page id, or ALL_OUTCOMES
    text: str | None = None


@dataclass(frozen=True)
class Objective:
    """A key objective (2024 plan) or focus area (written statement of action)."""
    plan: str
    number: str
    text: str
    measures: tuple[str, ...]  # measures of the objective as a whole (the plan's "what success looks like")


@dataclass(frozen=True)
class Action:
    plan: str
    id: str  # unique, as the catalogue's plan_refs write it: "3.1.2", "WSoA 4.2.2"
    number: str  # as printed in the plan
    action: str
    lead: str
    timescale: str  # the plan's own words
    due: date
    status: str
    status_date: date
    measures: tuple[str, ...]
    due_basis: str | None = None
    note: str | None = None

    @property
    def local_number(self) -> str:
        return self.id.split(" ")[-1]

    @property
    def area_number(self) -> str:
        return self.local_number.split(".")[0]

    @property
    def objective_number(self) -> str:
        return ".".join(self.local_number.split(".")[:2])

    def overdue(self, as_of: date) -> bool:
        return self.status != COMPLETE and self.due < as_of


@dataclass(frozen=True)
class ImprovementPlans:
    path: str
    illustrative: bool
    plans: tuple[Plan, ...]
    areas: tuple[Area, ...]
    objectives: tuple[Objective, ...]
    actions: tuple[Action, ...]

    def plan(self, plan_id: str) -> Plan:
        return next(p for p in self.plans if p.id == plan_id)

    def area_of(self, action: Action) -> Area:
        return next(a for a in self.areas if a.plan == action.plan and a.number == action.area_number)

    def objective_of(self, action: Action) -> Objective:
        return next(o for o in self.objectives if o.plan == action.plan and o.number == action.objective_number)

    def actions_for_measure(self, metric_id: str) -> tuple[Action, ...]:
        """The actions a measure evidences (for the measure's card)."""
        return tuple(a for a in self.actions if metric_id in a.measures)


class PlanError(ValueError):
    """The plan file cannot be used; `problems` lists every error found."""

    def __init__(self, problems: list[Problem]):
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in problems))


# -- reading and checking -------------------------------------------------------------------------------------------

def _lines(text: str) -> dict[tuple[str, int], dict[str, int]]:
    """Where each [[table]] entry and each of its keys is: (table, index) -> {"": header line, key: line}.

    tomllib gives no positions, so the file is scanned: a `[[name]]` header starts an entry, `key =` at the start
    of a line is one of its keys (lines inside a multi-line string are skipped). Top-level keys are ("", 0).
    """
    where: dict[tuple[str, int], dict[str, int]] = {("", 0): {}}
    current, counts, in_string = ("", 0), {}, False
    for n, line in enumerate(text.splitlines(), start=1):
        if in_string:
            in_string = line.count('"""') % 2 == 0
            continue
        header = re.match(r"^\s*\[\[\s*([A-Za-z_]\w*)\s*\]\]", line)
        if header:
            name = header.group(1)
            current = (name, counts.get(name, 0))
            counts[name] = current[1] + 1
            where[current] = {"": n}
            continue
        key = re.match(r"^\s*([A-Za-z_][\w-]*)\s*=", line)
        if key:
            where.setdefault(current, {}).setdefault(key.group(1), n)
        in_string = line.count('"""') % 2 == 1
    return where


class _Checker:
    def __init__(self, path: Path, text: str):
        self.path, self.where, self.problems = str(path), _lines(text), []

    def add(self, table: str, index: int, key: str | None, message: str, severity: str = "error") -> None:
        lines = self.where.get((table, index), {})
        line = (lines.get(key) or lines.get("", 0)) if key else lines.get("", 0)
        file = f"{self.path}, line {line}" if line else self.path
        self.problems.append(Problem(file, None, (), message, 0, severity))


def _is_date(value) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _text(value) -> bool:
    return isinstance(value, str) and value.strip() != ""


def check(path: str | Path, catalogue) -> list[Problem]:
    """Every problem in the plan file (errors and warnings), each naming the file and line. For
    `python -m metrics.validate DIR` (a missing file is a warning: the tracker is then empty)."""
    return _read(Path(path), catalogue)[1]


def load_plan(path: str | Path | None = None, catalogue=None) -> ImprovementPlans:
    """The plan file as frozen objects; PlanError listing every error if there is any."""
    if catalogue is None:
        from metrics.catalogue import load_catalogue
        catalogue = load_catalogue()
    plans, problems = _read(Path(path) if path else DEFAULT_PATH, catalogue)
    errors = [p for p in problems if p.severity == "error"]
    if errors or plans is None:
        raise PlanError(errors or problems)
    return plans


def _read(path: Path, catalogue) -> tuple[ImprovementPlans | None, list[Problem]]:
    if not path.is_file():
        return None, [Problem(str(path), None, (), "no improvement plan file: the action tracker will be empty",
                              0, "warning")]
    text = path.read_text(encoding="utf-8")
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        return None, [Problem(str(path), None, (), f"not valid TOML: {exc}")]
    c = _Checker(path, text)
    for key in raw.keys() - TOP_LEVEL:
        c.add("", 0, key, f"unknown setting '{key}'; expected one of: {', '.join(sorted(TOP_LEVEL))}")
    illustrative = raw.get("illustrative", False)
    if not isinstance(illustrative, bool):
        c.add("", 0, "illustrative", f"illustrative: expected true or false, got {illustrative!r}")
    tables = {name: raw.get(name, []) for name in FIELDS}
    usable = {}  # per table: each entry's fields that are present and well typed (cross-checks use only these)
    for name, entries in tables.items():
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            c.add("", 0, name, f"'{name}' must be a list of [[{name}]] tables")
            tables[name] = usable[name] = []
        else:
            usable[name] = [_check_fields(c, name, i, entry) for i, entry in enumerate(entries)]

    plans = {p["id"]: p for p in usable["plan"] if "id" in p}
    _unique(c, "plan", [p.get("id") for p in usable["plan"]], "plan id")
    outcomes = {p.id for p in catalogue.pages if p.id.startswith("outcome-")} | {ALL_OUTCOMES}
    for i, a in enumerate(usable["area"]):
        _known_plan(c, "area", i, a, plans)
        if "outcome" in a and a["outcome"] not in outcomes:
            c.add("area", i, "outcome", f"area {a.get('number')}, outcome: unknown outcome {a['outcome']!r}; "
                                         f"expected one of: {', '.join(sorted(outcomes))}")
    _unique(c, "area", [(a.get("plan"), a.get("number")) for a in usable["area"]], "area (plan, number)")
    areas = {(a.get("plan"), a.get("number")) for a in usable["area"]}
    for i, o in enumerate(usable["objective"]):
        if _known_plan(c, "objective", i, o, plans) and "number" in o:
            area = o["number"].split(".")[0]
            if (o["plan"], area) not in areas:
                c.add("objective", i, "number", f"objective {o['number']}: no [[area]] {area} in plan {o['plan']!r}")
        _measures(c, "objective", i, f"objective {o.get('number')}", o.get("measures", []), catalogue)
    _unique(c, "objective", [(o.get("plan"), o.get("number")) for o in usable["objective"]],
            "objective (plan, number)")
    objectives = {(o.get("plan"), o.get("number")) for o in usable["objective"]}
    for i, a in enumerate(usable["action"]):
        _check_action(c, i, a, plans, objectives, catalogue)
    _unique(c, "action", [a.get("id") for a in usable["action"]], "action id")
    if any(p.severity == "error" for p in c.problems):
        return None, c.problems
    result = ImprovementPlans(
        path=str(path), illustrative=illustrative,
        plans=tuple(Plan(**p) for p in tables["plan"]),
        areas=tuple(Area(**a) for a in tables["area"]),
        objectives=tuple(Objective(**{**o, "measures": tuple(o["measures"])}) for o in tables["objective"]),
        actions=tuple(Action(**{**a, "measures": tuple(a["measures"])}) for a in tables["action"]))
    _agrees_with_catalogue(c, result, catalogue)
    return result, c.problems


def _check_fields(c: _Checker, table: str, i: int, entry: dict) -> dict:
    """Check presence and type of each field; returns the fields that passed."""
    required, optional = FIELDS[table]
    label = f"{table} {entry.get('id') or entry.get('number') or i + 1}"
    for key in entry.keys() - set(required) - set(optional):
        c.add(table, i, key, f"{label}: unknown field '{key}'; expected: {', '.join(required + optional)}")
    for key in required:
        if key not in entry:
            c.add(table, i, None, f"{label}: missing {key}")
    good = {}
    for key in (*required, *optional):
        if key not in entry:
            continue
        value, problem = entry[key], None
        if key in ("due", "status_date", "published"):
            if not _is_date(value):
                problem = f"{value!r} is not a date; write it as YYYY-MM-DD, unquoted"
        elif key == "measures":
            if not isinstance(value, list) or not all(isinstance(m, str) for m in value):
                problem = 'expected a list of catalogue metric ids, e.g. ["ehcp_20wk_excl"]'
        elif key == "ref_prefix":
            if not isinstance(value, str):
                problem = "expected text (may be empty)"
        elif not _text(value):
            problem = f"expected non-empty text, got {value!r}"
        if problem:
            c.add(table, i, key, f"{label}, {key}: {problem}")
        else:
            good[key] = value
    return good


def _unique(c: _Checker, table: str, keys: list, what: str) -> None:
    seen = {}
    for i, k in enumerate(keys):
        if k in seen:
            c.add(table, i, None, f"duplicate {what} {k!r}: also at entry {seen[k] + 1} of [[{table}]]")
        seen.setdefault(k, i)


def _known_plan(c: _Checker, table: str, i: int, entry: dict, plans: dict) -> bool:
    """The entry's plan exists and its number has the right shape (fields missing here are reported already)."""
    if "number" in entry and not (ACTION_NUMBER if table == "action" else NUMBER[table]).match(entry["number"]):
        example = {"action": "1.2.3", "objective": "1.2", "area": "1"}[table]
        c.add(table, i, "number", f"{table} {entry['number']!r}: number must look like {example}")
    if "plan" not in entry:
        return False
    if entry["plan"] not in plans:
        c.add(table, i, "plan", f"{table} {entry.get('id') or entry.get('number')}: unknown plan "
                                f"{entry['plan']!r}; expected one of: {', '.join(plans)}")
        return False
    return True


def _measures(c: _Checker, table: str, i: int, label: str, measures, catalogue) -> None:
    for m in measures:
        if m not in catalogue.ids:
            c.add(table, i, "measures", f"{label}, measures: unknown measure id {m!r} (not in the catalogue)")


def _check_action(c: _Checker, i: int, a: dict, plans: dict, objectives: set, catalogue) -> None:
    label = f"action {a.get('id') or i + 1}"
    if _known_plan(c, "action", i, a, plans) and "id" in a:
        prefix = plans[a["plan"]].get("ref_prefix", "")
        local = a["id"][len(prefix):] if a["id"].startswith(prefix) else ""
        if not ACTION_NUMBER.match(local):
            c.add("action", i, "id", f"{label}: id must be {prefix!r} followed by a number like 1.2.3")
        elif (a["plan"], ".".join(local.split(".")[:2])) not in objectives:
            c.add("action", i, "id", f"{label}: no [[objective]] {'.'.join(local.split('.')[:2])} in plan "
                                     f"{a['plan']!r}")
    if "status" in a and a["status"] not in STATUSES:
        c.add("action", i, "status", f"{label}, status: {a['status']!r} is not one of: {', '.join(STATUSES)}")
    if "status_date" in a and a["status_date"] > date.today():
        c.add("action", i, "status_date", f"{label}, status_date: {a['status_date']} is in the future")
    _measures(c, "action", i, label, a.get("measures", []), catalogue)


def _agrees_with_catalogue(c: _Checker, plans: ImprovementPlans, catalogue) -> None:
    """Warn where the file's measure lists and the catalogue's plan_refs disagree: the same fact, two places."""
    named = {}
    for metric in catalogue.metrics:
        for ref in metric.plan_refs:
            named.setdefault(ref, set()).add(metric.id)
    for table, entries in (("objective", plans.objectives), ("action", plans.actions)):
        for i, e in enumerate(entries):
            ref = e.id if table == "action" else plans.plan(e.plan).ref_prefix + e.number
            listed, expected = set(e.measures), named.get(ref, set())
            for m in sorted(listed - expected):
                c.add(table, i, "measures", f"{table} {ref}: measure {m!r} is listed here but its catalogue "
                                            f"plan_refs do not name {ref!r}", "warning")
            for m in sorted(expected - listed):
                c.add(table, i, "measures", f"{table} {ref}: the catalogue says {m!r} evidences {ref!r} "
                                            f"(plan_refs) but it is not listed here", "warning")
    known = {a.id for a in plans.actions} | {plans.plan(o.plan).ref_prefix + o.number for o in plans.objectives}
    for ref in sorted(set(named) - known):
        c.add("", 0, None, f"catalogue plan_refs name {ref!r}, which is no action or objective in this file "
                           f"(measures {', '.join(sorted(named[ref]))})", "warning")


# -- the tracker's views --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ActionRow:
    id: str
    plan: str
    number: str
    action: str
    lead: str
    due: date
    timescale: str
    status: str  # one of STATUSES (board) or PUBLIC_STATUS words (public)
    status_date: date
    overdue: bool
    days_overdue: int
    measures: tuple[str, ...]  # the action's own measures
    objective_measures: tuple[str, ...]  # its objective's, as a whole
    note: str | None  # None in the public edition


@dataclass(frozen=True)
class AreaGroup:
    plan: str
    plan_title: str
    number: str
    title: str
    lead: str
    rows: tuple[ActionRow, ...]


@dataclass(frozen=True)
class OutcomeGroup:
    outcome: str  # catalogue page id or ALL_OUTCOMES
    title: str
    areas: tuple[AreaGroup, ...]


@dataclass(frozen=True)
class TrackerView:
    as_of: date
    public: bool
    illustrative: bool
    outcomes: tuple[OutcomeGroup, ...]
    counts: tuple[tuple[str, int], ...]  # (status, or its family words; number of actions), in STATUSES order
    overdue: tuple[str, ...]  # action ids, most overdue first
    sentences: tuple[str, ...]


def _row_order(action: Action, as_of: date, position: int) -> tuple:
    """Overdue first (longest overdue first), then open actions by due date, then completed ones in plan order."""
    if action.overdue(as_of):
        return (0, action.due, position)
    return (1, action.due, position) if action.status != COMPLETE else (2, date.min, position)


def tracker(plans: ImprovementPlans, as_of: date, catalogue=None, *, public: bool = False) -> TrackerView:
    """Actions grouped by outcome and area for improvement, overdue first, each with its measure ids.

    `public`: the families' version: status in plain words, no internal notes, and only measures the catalogue
    publishes (`catalogue` needed then). The newest plan comes first within an outcome.
    """
    if public and catalogue is None:
        raise ValueError("catalogue: needed for the public tracker, to keep only published measures")
    published = {m.id for m in catalogue.metrics if m.public} if public else None
    titles = {p.id: p.title for p in catalogue.pages} if catalogue is not None else {}
    order = {p.id: i for i, p in enumerate(sorted(plans.plans, key=lambda p: p.published, reverse=True))}
    outcome_ids = sorted({a.outcome for a in plans.areas}, key=lambda o: (o == ALL_OUTCOMES, o))

    def keep(ids):
        return tuple(m for m in ids if published is None or m in published)

    def row(a: Action) -> ActionRow:
        late = a.overdue(as_of)
        return ActionRow(
            id=a.id, plan=a.plan, number=a.number, action=a.action, lead=a.lead, due=a.due, timescale=a.timescale,
            status=PUBLIC_STATUS[a.status] if public else a.status, status_date=a.status_date, overdue=late,
            days_overdue=(as_of - a.due).days if late else 0, measures=keep(a.measures),
            objective_measures=keep(plans.objective_of(a).measures), note=None if public else a.note)

    groups = []
    for outcome in outcome_ids:
        areas = sorted((a for a in plans.areas if a.outcome == outcome), key=lambda a: (order[a.plan], int(a.number)))
        area_groups = []
        for area in areas:
            actions = [(i, a) for i, a in enumerate(plans.actions)
                       if a.plan == area.plan and a.area_number == area.number]
            actions.sort(key=lambda ia: _row_order(ia[1], as_of, ia[0]))
            area_groups.append(AreaGroup(area.plan, plans.plan(area.plan).title, area.number, area.title,
                                         area.lead, tuple(row(a) for _, a in actions)))
        title = ALL_OUTCOMES_TITLE if outcome == ALL_OUTCOMES else titles.get(outcome, outcome)
        groups.append(OutcomeGroup(outcome, title, tuple(area_groups)))

    words = (lambda s: PUBLIC_STATUS[s]) if public else (lambda s: s)
    counts = tuple((words(s), sum(a.status == s for a in plans.actions)) for s in STATUSES)
    late = sorted((a for a in plans.actions if a.overdue(as_of)), key=lambda a: a.due)
    return TrackerView(as_of=as_of, public=public, illustrative=plans.illustrative, outcomes=tuple(groups),
                       counts=counts, overdue=tuple(a.id for a in late),
                       sentences=tuple(_sentences(plans, counts, late, as_of, public)))


def _sentences(plans: ImprovementPlans, counts: tuple, late: list[Action], as_of: date, public: bool) -> list[str]:
    total = len(plans.actions)
    titles = " and the ".join(p.title for p in sorted(plans.plans, key=lambda p: p.published, reverse=True))
    out = [f"The {titles} have {total} actions between them."]
    out.append("Where they stand: " + "; ".join(f"{n} {s.lower()}" for s, n in counts if n) + ".")
    if late:
        if public:
            out.append(f"{len(late)} not finished by the date the plan set, at {as_of:%-d %B %Y}.")
        else:
            out.append(f"Overdue at {as_of:%-d %B %Y} (not complete and past the due date): "
                       f"{', '.join(a.id for a in late)}.")
    else:
        out.append(f"No action is overdue at {as_of:%-d %B %Y}.")
    if plans.illustrative:
        out.append("These statuses are illustrative, for demonstration: they are not the partnership's reported "
                   "progress.")
    return out
