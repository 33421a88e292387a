"""The intervention log: reading it strictly, and choosing which events belong on which series."""
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest

from metrics.annotations import Annotation, annotations_for, load_annotations

HEADER = "date,title,description,services,metric_ids,localities,rebase\n"
REPO_LOG = Path(__file__).resolve().parents[2] / "data" / "annotations.csv"


def write(tmp_path, body, header=HEADER, name="annotations.csv"):
    path = tmp_path / name
    path.write_text(header + body, encoding="utf-8")
    return path


def test_reads_rows_sorted_by_date_with_lists_and_booleans(tmp_path):
    path = write(tmp_path,
                 "2023-06-05,OT waiting list initiative,Extra clinics,ot,,,TRUE\n"
                 '2023-01-09,SLT triage clinic,"Triage, then drop-ins",slt; ot ,therapy_waiting_list;therapy_mean_wait,'
                 "Central,false\n")
    first, second = load_annotations(path)
    # Without an id column, events are numbered in date order; without transition_months, a rebase leaves out 3.
    assert first == Annotation(date(2023, 1, 9), "SLT triage clinic", "Triage, then drop-ins", ("slt", "ot"),
                               ("therapy_waiting_list", "therapy_mean_wait"), ("Central",), False, 1, 3)
    assert second.date == date(2023, 6, 5) and second.rebase and second.metric_ids == () and second.localities == ()
    assert (second.number, second.transition_months) == (2, 3)


FULL = "id,date,title,description,services,metric_ids,localities,rebase,transition_months\n"


def test_ids_are_the_events_numbers_and_the_others_follow_the_highest_in_date_order(tmp_path):
    # Ids 7 and 2 are kept whatever the dates; the two events without one get 8 and 9, earliest first.
    path = write(tmp_path, "7,2024-03-01,Late with id,,,,,true,6\n"
                           ",2023-05-01,No id later,,,,,false,\n"
                           "2,2024-01-01,Early id,,,,,false,0\n"
                           ",2022-01-01,No id first,,,,,true,\n", header=FULL)
    log = load_annotations(path)
    assert [(a.title, a.number, a.transition_months) for a in log] == [
        ("No id first", 8, 3), ("No id later", 9, 3), ("Early id", 2, 0), ("Late with id", 7, 6)]


def test_numbers_do_not_depend_on_which_events_a_view_shows(tmp_path):
    # The same log read whole, and the events of one service chosen from it: each keeps its number.
    path = write(tmp_path, "2023-01-01,Area-wide,,,,,false\n2023-02-01,SLT only,,slt,,,false\n"
                           "2023-03-01,OT only,,ot,,,false\n")
    log = load_annotations(path)
    assert [a.number for a in annotations_for(log, "waits", "ot")] == [1, 3]
    assert [a.number for a in annotations_for(log, "waits", "slt")] == [1, 2]


@pytest.mark.parametrize("row,column,message", [
    ("x,2023-03-01,Not a number,,,,,true,", "id", "'x' is not a whole number from 1 to 10000"),
    ("0,2023-03-01,Zero,,,,,true,", "id", "'0' is not a whole number from 1 to 10000"),
    ("1,2023-03-01,Taken,,,,,true,", "id", "1 is already the id of row 1: ids must be unique"),
    ("2,2023-03-01,Too long,,,,,true,37", "transition_months", "'37' is not a whole number from 0 to 36"),
    ("2,2023-03-01,Negative,,,,,true,-1", "transition_months", "'-1' is not a whole number from 0 to 36"),
])
def test_bad_ids_and_transition_months_name_the_cell(tmp_path, row, column, message):
    path = write(tmp_path, "1,2023-01-01,Fine,,,,,false,\n" + row + "\n", header=FULL)
    with pytest.raises(ValueError) as err:
        load_annotations(path)
    assert f"{path}, column '{column}', row 2: {message}" in str(err.value)


def test_an_extra_cell_is_reported_against_the_header_as_written(tmp_path):
    path = write(tmp_path, "1,2023-01-01,Extra,,,,,true,3,surprise\n", header=FULL)
    with pytest.raises(ValueError) as err:
        load_annotations(path)
    assert "column 'transition_months', row 1: 1 cell(s) beyond the 9 columns" in str(err.value)


def test_a_byte_order_mark_from_a_spreadsheet_is_fine(tmp_path):
    path = tmp_path / "annotations.csv"
    path.write_bytes("\ufeff".encode() + (HEADER + "2024-05-24,Inspection,,,,,false\n").encode())
    assert load_annotations(path)[0].title == "Inspection"


def test_header_only_is_an_empty_log(tmp_path):
    assert load_annotations(write(tmp_path, "")) == []


@pytest.mark.parametrize("row,column,message", [
    ("2023-13-01,Bad month,,,,,true", "date", "'2023-13-01' is not a date in the form YYYY-MM-DD"),
    ("01/03/2023,UK order,,,,,true", "date", "'01/03/2023' is not a date"),
    ("2023-3-1,Short,,,,,true", "date", "'2023-3-1' is not a date"),
    (",No date,,,,,true", "date", "'' is not a date"),
    ("2023-03-01,,,,,,true", "title", "empty"),
    ("2023-03-01,Yes is not a boolean,,,,,yes", "rebase", "'yes' is not true or false"),
    ("2023-03-01,Empty rebase,,,,,", "rebase", "'' is not true or false"),
    ("2023-03-01,Extra,cell,,,,true,surprise", "rebase", "beyond the 7 columns"),
])
def test_bad_cells_are_reported_with_file_column_and_row(tmp_path, row, column, message):
    path = write(tmp_path, "2023-01-01,Fine,,,,,false\n" + row + "\n")
    with pytest.raises(ValueError) as err:
        load_annotations(path)
    assert f"{path}, column '{column}', row 2: " in str(err.value)
    assert message in str(err.value)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, "2023-02-30,,,,,,maybe\n")
    with pytest.raises(ValueError, match="3 problem") as err:
        load_annotations(path)
    for column in ("date", "title", "rebase"):
        assert f"column '{column}', row 1" in str(err.value)


@pytest.mark.parametrize("header,message", [
    ("date,title,description,services,metric_ids,rebase\n", "missing column(s): localities"),
    ("date,title,description,services,metric_ids,localities,rebase,owner\n", "unknown column(s): owner"),
    ("", "missing column(s): date"),
])
def test_a_bad_header_names_the_columns(tmp_path, header, message):
    path = write(tmp_path, "2023-01-01,x,,,,,false\n", header=header)
    with pytest.raises(ValueError, match=str(path)) as err:
        load_annotations(path)
    assert message in str(err.value)


def test_unknown_slugs_ids_and_localities_against_the_catalogue(tmp_path):
    catalogue = SimpleNamespace(services=[SimpleNamespace(slug="slt")], metrics=[SimpleNamespace(id="wl")])
    path = write(tmp_path, "2023-01-01,Typos,,slt;salt,wl;wll,Centrl,false\n")
    with pytest.raises(ValueError) as err:
        load_annotations(path, catalogue=catalogue, localities=["North", "Central", "South"])
    text = str(err.value)
    assert "column 'services', row 1: unknown service slug(s): salt" in text
    assert "column 'metric_ids', row 1: unknown metric id(s): wll" in text
    assert "column 'localities', row 1: unknown locality(ies): Centrl" in text


def event(services=(), metric_ids=(), localities=(), rebase=False, day=1):
    return Annotation(date(2024, 1, day), "event", "", tuple(services), tuple(metric_ids), tuple(localities), rebase)


@pytest.mark.parametrize("ann,metric_id,service,locality,shown", [
    (event(), "ehcp_20wk_excl", None, None, True),  # unrestricted: everywhere
    (event(), "therapy_waiting_list", "slt", "Central", True),
    (event(metric_ids=["ehcp_20wk_excl"]), "ehcp_20wk_excl", None, "North", True),
    (event(metric_ids=["ehcp_20wk_excl"]), "ehcp_requests", None, None, False),
    (event(services=["slt"]), "therapy_waiting_list", "slt", None, True),  # all SLT metrics
    (event(services=["slt"]), "therapy_waiting_list", "ot", None, False),
    (event(services=["slt"]), "therapy_waiting_list", None, None, False),  # not on the all-services total
    (event(services=["slt"]), "ehcp_20wk_excl", None, None, False),
    (event(services=["slt"], metric_ids=["therapy_waiting_list"]), "therapy_mean_wait", "slt", None, False),
    (event(localities=["Central"]), "therapy_waiting_list", "slt", "Central", True),
    (event(localities=["Central"]), "therapy_waiting_list", "slt", "North", False),
    (event(localities=["Central"]), "therapy_waiting_list", "slt", None, False),  # not on the whole area
])
def test_which_events_belong_on_a_series(ann, metric_id, service, locality, shown):
    assert (annotations_for([ann], metric_id, service, locality) == [ann]) is shown


def test_annotations_for_keeps_date_order():
    late, early = event(day=20), event(day=2, rebase=True)
    assert annotations_for(sorted([late, early], key=lambda a: a.date), "x") == [early, late]


def test_the_committed_log_loads_against_the_catalogue():
    from metrics.area import load_area
    from metrics.catalogue import load_catalogue
    log = load_annotations(REPO_LOG, catalogue=load_catalogue(), localities=load_area().localities)
    assert len(log) >= 8
    assert any(a.rebase for a in log) and not all(a.rebase for a in log)
    assert all(date(2020, 10, 1) <= a.date <= date(2026, 9, 30) for a in log)
    numbers = [a.number for a in log]
    assert len(set(numbers)) == len(log) and min(numbers) >= 1  # every event has its own number
