"""The improvement plans' actions: every action of both seed plans is in data/plan.toml (counted from the seed
texts themselves), bad input is reported with file and line, all at once, and the tracker's views."""
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from metrics import plan as plan_module
from metrics.catalogue import load_catalogue
from metrics.plan import PUBLIC_STATUS, STATUSES, PlanError, check, load_plan, tracker

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "data" / "plan.toml"
SEEDS = ROOT.parent / "shared" / "seeds"  # the shared folder sits beside the repository (and CI's clone)
STATUS_DAY = date(2025, 9, 30)


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


@pytest.fixture(scope="module")
def plans(catalogue):
    return load_plan(PLAN, catalogue)


# -- the seed texts, parsed independently of plan.toml --------------------------------------------------------------

def _sip_actions() -> dict[str, dict]:
    """The 2024 plan's table: cells separated by lines of "|"; an action is a cell holding only "N.N.N", followed
    by its activity, "Responsible" and "Timescale" cells."""
    cells, cell = [], []
    for line in (SEEDS / "send-strategic-improvement-plan-2024.txt").read_text().splitlines():
        if re.fullmatch(r"\|[\s|]*", line):
            cells.append("\n".join(cell).strip())
            cell = []
        else:
            cell.append(line)
    cells = [c for c in cells if c]
    return {c: {"lead": cells[i + 2], "timescale": cells[i + 3]}
            for i, c in enumerate(cells) if re.fullmatch(r"\d\.\d\.\d", c)}


def _wsoa_rows() -> list[dict]:
    """The written statement's tab-separated tables: a row starting "N.N.N<tab>" is an action (Ref, What, Lead,
    milestone, completion date); rows starting with a tab continue it."""
    rows = []
    for line in (SEEDS / "written-statement-of-action-2022.txt").read_text().splitlines():
        cols = line.split("\t")
        if re.fullmatch(r"\d\.\d\.\d", cols[0]):
            rows.append({"number": cols[0], "lead": cols[2], "dates": cols[4:5]})
        elif line.startswith("\t") and rows and len(cols) > 2:
            rows[-1]["lead"] += " " + cols[2]
            rows[-1]["dates"] += cols[4:5]
        elif line.startswith(("Area of significant concern", "Focus area")):
            rows.append(None)  # a new section: nothing continues across it
    return [r for r in rows if r]


def _words(text: str) -> str:
    return re.sub(r"[\s;/]+", " ", text).strip()


def test_the_seed_plans_have_27_and_29_numbered_actions():
    assert len(_sip_actions()) == 27
    rows = _wsoa_rows()
    assert len({r["number"] for r in rows}) == 29
    # ...but 30 rows: "3.2.3" is printed twice, the second time for a different action under focus area 3.3.
    assert len(rows) == 30
    assert [r["number"] for r in rows].count("3.2.3") == 2


def test_every_2024_action_is_in_the_data_with_its_lead_and_due_date(plans):
    ours = {a.number: a for a in plans.actions if a.plan == "sip2024"}
    seeds = _sip_actions()
    assert set(ours) == set(seeds)
    for number, seed in seeds.items():
        assert _words(ours[number].lead) == _words(seed["lead"]), number
        due = ours[number].due
        assert f"{due:%B}" in seed["timescale"] and f"{due:%y}" in seed["timescale"], number
        single = re.fullmatch(r"(\d{1,2}) (\w+) (\d{2,4})", seed["timescale"])
        if single:
            assert (ours[number].due.day, f"{ours[number].due:%B}") == (int(single[1]), single[2]), number


def test_every_written_statement_action_is_in_the_data_with_its_lead_and_due_date(plans):
    ours = [a for a in plans.actions if a.plan == "wsoa2022"]
    seeds = _wsoa_rows()
    assert [a.number for a in ours] == [r["number"] for r in seeds]  # every row, in the plan's order
    for action, seed in zip(ours, seeds):
        assert _words(action.lead) == _words(seed["lead"]), action.id
        dates = [date(2000 + int(y[-2:]), int(m), int(d))
                 for text in seed["dates"] for d, m, y in re.findall(r"(\d\d)/(\d\d)/(\d{2,4})", text)]
        if dates:
            assert action.due == max(dates), action.id
        else:  # 4.1.2: "On-going dependent of analysis of data"
            assert action.due_basis and "no date" in action.due_basis
    assert {a.id for a in ours} >= {"WSoA 3.2.3", "WSoA 3.3.3"}


def test_every_action_has_a_lead_a_due_date_a_status_and_a_dated_note(plans):
    assert len(plans.actions) == 57
    for a in plans.actions:
        assert a.lead.strip() and isinstance(a.due, date) and a.status in STATUSES, a.id
        assert a.status_date == STATUS_DAY and a.note.startswith("Illustrative: "), a.id
    assert plans.illustrative


def test_the_shipped_file_checks_clean(catalogue):
    assert [str(p) for p in check(PLAN, catalogue)] == []


def test_measures_point_back_to_the_catalogue(plans, catalogue):
    for a in plans.actions:
        for m in a.measures:
            assert a.id in catalogue.get(m).plan_refs, (a.id, m)
    assert [a.id for a in plans.actions_for_measure("ehcp_20wk_excl")] == ["3.1.2"]
    # Actions without a measure of their own or of their objective: the data and governance actions.
    bare = [a.id for a in plans.actions if not a.measures and not plans.objective_of(a).measures]
    assert bare == ["1.1.1", "1.1.2", "1.1.3", "1.1.4", "1.1.5", "WSoA 1.2.1", "WSoA 1.2.2", "WSoA 1.2.3",
                    "WSoA 1.2.4"]


# -- bad input: every problem at once, with file and line -------------------------------------------------------------

def _line_of(text: str, needle: str) -> int:
    assert text.count(needle) == 1
    return text[:text.index(needle)].count("\n") + 1


def _mutate(text: str, after: str, old: str, new: str) -> str:
    at = text.index(after)
    i = text.index(old, at)
    return text[:i] + new + text[i + len(old):]


ACTION_311 = 'id = "3.1.1"'
BAD = [  # (what is done after `after`, the old text, the new text, the message expected, the line it is on)
    ("status not one of the five", ACTION_311, 'status = "complete"', 'status = "done"',
     "action 3.1.1, status: 'done' is not one of: not started, on track, at risk, off track, complete",
     'status = "done"'),
    ("unknown measure id", 'id = "3.1.2"', 'measures = ["ehcp_advice_6wk"', 'measures = ["ehcp_advise_6wk"',
     "action 3.1.2, measures: unknown measure id 'ehcp_advise_6wk' (not in the catalogue)", "ehcp_advise_6wk"),
    ("due date not a date", ACTION_311, "due = 2024-12-31", 'due = "December 2024"',
     "action 3.1.1, due: 'December 2024' is not a date; write it as YYYY-MM-DD, unquoted", 'due = "December'),
    ("missing lead", ACTION_311, 'lead = "Bertie Goffe – Workforce Development Lead; Clair Martin – DCO"\n', "",
     "action 3.1.1: missing lead", "[[action]]\nplan = \"sip2024\"\nid = \"3.1.1\""),
    ("empty lead", ACTION_311, 'lead = "Bertie Goffe – Workforce Development Lead; Clair Martin – DCO"',
     'lead = " "', "action 3.1.1, lead: expected non-empty text, got ' '", 'lead = " "'),
    ("unknown plan", ACTION_311, 'plan = "sip2024"', 'plan = "sip2025"',
     "action 3.1.2: unknown plan 'sip2025'", 'plan = "sip2025"'),
    ("duplicate id", 'id = "3.1.2"', 'id = "3.1.2"', 'id = "3.1.1"', "duplicate action id '3.1.1'", None),
    ("unknown outcome", 'number = "2"', 'outcome = "outcome-1"', 'outcome = "outcome-9"',
     "area 2, outcome: unknown outcome 'outcome-9'", 'outcome = "outcome-9"'),
    ("unknown field", ACTION_311, "note =", "notes =", "action 3.1.1: unknown field 'notes'", "notes ="),
    ("id in the wrong plan's form", ACTION_311, 'id = "3.1.1"', 'id = "WSoA 9.1.1"',
     "action WSoA 9.1.1: id must be '' followed by a number like 1.2.3", 'id = "WSoA 9.1.1"'),
    ("status dated in the future", ACTION_311, "status_date = 2025-09-30", "status_date = 2099-01-01",
     "action 3.1.1, status_date: 2099-01-01 is in the future", "status_date = 2099"),
    ("not TOML", ACTION_311, 'status = "complete"', 'status = complete', "not valid TOML", None),
]


@pytest.mark.parametrize("what, after, old, new, message, line_text", BAD, ids=[b[0] for b in BAD])
def test_bad_input_names_the_file_and_line(tmp_path, catalogue, what, after, old, new, message, line_text):
    text = _mutate(PLAN.read_text(), after, old, new)
    path = tmp_path / "plan.toml"
    path.write_text(text)
    errors = [p for p in check(path, catalogue) if p.severity == "error"]
    assert len(errors) == 1, [str(e) for e in errors]
    assert message in errors[0].message
    if line_text is not None:
        line = _line_of(text, line_text)
        assert errors[0].file == f"{path}, line {line}"
    else:
        assert str(path) in str(errors[0])
    with pytest.raises(PlanError, match=re.escape(message)):
        load_plan(path, catalogue)


def test_every_problem_is_reported_at_once(tmp_path, catalogue):
    text = PLAN.read_text()
    for what, after, old, new, *_ in BAD[:5]:
        if what != "empty lead":
            text = _mutate(text, after, old, new)
    path = tmp_path / "plan.toml"
    path.write_text(text)
    with pytest.raises(PlanError) as raised:
        load_plan(path, catalogue)
    messages = [p.message for p in raised.value.problems]
    assert len(messages) == 4
    assert any("status: 'done'" in m for m in messages) and any("unknown measure id" in m for m in messages)
    assert any("is not a date" in m for m in messages) and any("missing lead" in m for m in messages)
    assert all(str(path) in str(p) and ", line " in p.file for p in raised.value.problems)


def test_a_measure_list_that_disagrees_with_the_catalogue_is_a_warning(tmp_path, catalogue):
    path = tmp_path / "plan.toml"
    path.write_text(_mutate(PLAN.read_text(), 'id = "3.1.2"', '"ehcp_20wk_excl"', '"ehcp_requests"'))
    problems = check(path, catalogue)
    assert {p.severity for p in problems} == {"warning"}
    assert any("'ehcp_requests' is listed here but its catalogue plan_refs do not name '3.1.2'" in p.message
               for p in problems)
    assert any("the catalogue says 'ehcp_20wk_excl' evidences '3.1.2'" in p.message for p in problems)
    load_plan(path, catalogue)  # warnings do not stop it loading


def test_a_missing_file_is_a_warning(tmp_path, catalogue):
    [problem] = check(tmp_path / "plan.toml", catalogue)
    assert problem.severity == "warning" and "tracker will be empty" in problem.message


# -- the tracker ------------------------------------------------------------------------------------------------------

def _rows(view):
    return [r for o in view.outcomes for a in o.areas for r in a.rows]


def test_tracker_groups_every_action_once_by_outcome_and_area(plans, catalogue):
    view = tracker(plans, STATUS_DAY, catalogue)
    rows = _rows(view)
    assert sorted(r.id for r in rows) == sorted(a.id for a in plans.actions)
    assert [o.outcome for o in view.outcomes] == ["outcome-1", "outcome-2", "outcome-4", "all"]
    assert view.outcomes[0].title == catalogue.page("outcome-1").title
    first = view.outcomes[0].areas
    assert [(a.plan, a.number) for a in first] == [("sip2024", "2"), ("sip2024", "3"), ("wsoa2022", "3"),
                                                   ("wsoa2022", "4")]  # the newer plan first
    assert sum(n for _, n in view.counts) == 57


def test_overdue_actions_come_first(plans, catalogue):
    view = tracker(plans, STATUS_DAY, catalogue)
    ehcp = next(a for a in view.outcomes[0].areas if a.number == "3" and a.plan == "sip2024")
    assert [r.id for r in ehcp.rows[:3]] == ["3.1.3", "3.2.3", "3.2.5"]  # due 31 March, 31 March, 30 June 2025
    assert ehcp.rows[0].days_overdue == (STATUS_DAY - date(2025, 3, 31)).days
    assert view.overdue[:3] == ("WSoA 4.2.4", "WSoA 4.2.2", "WSoA 4.1.2")  # most overdue first
    assert any("Overdue at 30 September 2025" in s for s in view.sentences)


@settings(max_examples=30, deadline=None)
@given(days=st.integers(-1500, 1500))
def test_overdue_is_relative_to_the_date_given(plans, days):
    as_of = STATUS_DAY + timedelta(days=days)
    view = tracker(plans, as_of)
    expected = {a.id for a in plans.actions if a.status != "complete" and a.due < as_of}
    assert set(view.overdue) == expected
    for outcome in view.outcomes:
        for area in outcome.areas:
            flags = [r.overdue for r in area.rows]
            assert flags == sorted(flags, reverse=True)  # every overdue row before every other


def test_the_public_tracker_speaks_plainly_and_keeps_notes_in(plans, catalogue):
    view = tracker(plans, STATUS_DAY, catalogue, public=True)
    rows = _rows(view)
    assert {r.status for r in rows} <= set(PUBLIC_STATUS.values())
    assert all(r.note is None for r in rows)
    public = {m.id for m in catalogue.metrics if m.public}
    assert all(set(r.measures) <= public and set(r.objective_measures) <= public for r in rows)
    assert dict(view.counts)["Done"] == 43
    assert not any("Overdue" in s or "WSoA" in s for s in view.sentences)
    assert any("illustrative" in s for s in view.sentences)
    with pytest.raises(ValueError, match="^catalogue:"):
        tracker(plans, STATUS_DAY, public=True)


def test_plan_lookups(plans):
    action = next(a for a in plans.actions if a.id == "WSoA 3.3.3")
    assert action.number == "3.2.3" and plans.objective_of(action).text == "The local offer"
    assert plans.area_of(action).title == "The poor communication with parents and carers across the area"
    assert plan_module.DEFAULT_PATH == PLAN
