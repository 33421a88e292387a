"""data/published_map.toml: checked against the catalogue, and refused with a clear message when wrong."""
import pytest

from metrics.catalogue import load_catalogue
from metrics.ingest.mapping import load_map


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def test_committed_map_agrees_with_the_catalogue(catalogue):
    m = load_map(catalogue=catalogue)
    assert len(m.indicators) >= 40
    for ind in m.indicators:
        metric = catalogue.get(ind.metric_id)
        assert metric.unit == ind.unit
        assert metric.record_level or metric.frequency == ind.period_type, ind.label


def test_comparator_metrics_have_a_published_source(catalogue):
    """Every catalogue metric promising comparators is fed by the map."""
    mapped = {i.metric_id for i in load_map(catalogue=catalogue).indicators}
    promised = {m.id for m in catalogue.metrics if m.comparators}
    assert promised - mapped == set()


GOOD = '''
[[indicator]]
kind = "ees"
metric_id = "ehcp_caseload"
column = "ehcplans"
period_type = "calendar_year"
unit = "count"
'''


@pytest.mark.parametrize("text, message", [
    (GOOD.replace('"ehcp_caseload"', '"no_such_metric"'), "metric_id 'no_such_metric' is not in data/catalogue.toml"),
    (GOOD.replace('unit = "count"', 'unit = "percent"'), "unit 'percent' differs from the catalogue's 'count'"),
    (GOOD.replace('"calendar_year"', '"academic_year"'), "differs from the catalogue's frequency 'calendar_year'"),
    (GOOD.replace('"calendar_year"', '"fortnight"'), "period_type 'fortnight' is not one of"),
    (GOOD.replace('column = "ehcplans"', ''), "give a column, or a numerator and denominator"),
    (GOOD + 'colum = "x"\n', "unknown setting(s) colum"),
    (GOOD + 'year_label = "middle"\n', "year_label must be 'start' or 'end'"),
    (GOOD + 'numerator = "a"\nnumerator_sum = ["a", "b"]\n', "give numerator or numerator_sum, not both"),
    (GOOD.replace('kind = "ees"\n', ''), "missing setting 'kind'"),
    (GOOD + '[[series_break]]\nmetric_id = "nope"\nperiod_start = 2023-01-01\n', "[[series_break]] #1: metric_id"),
    (GOOD + '[[caution]]\nmetric_id = "ehcp_caseload"\narea = "Blackpool"\nperiod_start = 2023-01-01\n'
            'note = "x"\nflag = "dodgy"\n', "[[caution]]: flag 'dodgy' is not one of provisional"),
])
def test_bad_map_is_refused(tmp_path, catalogue, text, message):
    path = tmp_path / "published_map.toml"
    path.write_text(text)
    with pytest.raises(ValueError) as exc:
        load_map(path, catalogue=catalogue)
    assert message in str(exc.value)
    assert "published_map.toml" in str(exc.value)



def test_release_publication_and_caution_flag(tmp_path, catalogue):
    path = tmp_path / "published_map.toml"
    path.write_text(GOOD + '[[release]]\nfiles = ["a_*.csv"]\nsource = "A 2025"\npublication = "A"\n'
                    '[[release]]\nfiles = ["b_*.csv"]\nsource = "B"\n'
                    '[[caution]]\nmetric_id = "ehcp_caseload"\narea = "Blackpool"\nperiod_start = 2023-01-01\n'
                    'note = "internal: check it"\n')
    m = load_map(path, catalogue=catalogue)
    assert m.publications() == {"A 2025": "A", "B": "B"}
    assert m.cautions[0].flag == "doubtful"  # the default: the note itself never reaches the value
