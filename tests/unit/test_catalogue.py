"""The metric catalogue: the real file loads and covers the seed plans; every kind of bad entry is reported."""
from __future__ import annotations

import json

import pytest

from metrics.catalogue import DERIVATIONS, CatalogueError, load_catalogue


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue()


def _cites(metric, ref: str) -> bool:
    """A metric cites an objective directly or through one of its numbered sub-items ("3.2" via "3.2.2")."""
    return any(r == ref or r.startswith(ref + ".") for r in metric.plan_refs)


# -- the real catalogue ---------------------------------------------------------------------------------------

def test_real_catalogue_loads_with_at_least_40_metrics(catalogue):
    assert len(catalogue.metrics) >= 40
    assert len(catalogue.ids) == len(catalogue.metrics)


def test_pages_are_the_six_in_order_and_each_has_metrics(catalogue):
    assert [p.id for p in catalogue.pages] == ["outcome-1", "outcome-2", "outcome-3", "outcome-4", "therapy", "ehcp"]
    for page in catalogue.pages:
        assert catalogue.by_page(page.id), f"page {page.id} has no metrics"
        assert page.title and page.nav and page.intro


def test_services_are_the_seven_from_the_brief(catalogue):
    # slug -> name as fixed in the team brief (the therapy_referrals `service` vocabulary)
    assert {s.slug: s.name for s in catalogue.services} == {
        "slt": "Speech and language therapy", "ot": "Occupational therapy", "physio": "Physiotherapy",
        "paeds": "Community paediatrics", "nd_preschool": "Neurodevelopmental pre-school",
        "nd_school": "Neurodevelopmental school-age", "wheelchair": "Wheelchair service"}
    assert all(s.while_you_wait.startswith("https://") and s.while_you_wait_text for s in catalogue.services)


# Objectives each page must evidence, read from the seeds: strategic plan 2024 areas for improvement 2-4
# (key objectives 2.1-2.3, 3.1-3.3, 4.1-4.3) and the 2022 WSoA focus areas with measures (1.1, 2.1, 3.1-3.3,
# 4.1, 4.2). Outcome 3 has no numbered objective in either plan, so only its having metrics is checked.
EXPECTED_REFS = {
    "outcome-1": ["2.1", "2.1.1", "2.2", "2.3", "2.3.1", "WSoA 3.1", "WSoA 3.2", "WSoA 3.3"],
    "outcome-2": ["4.1", "4.1.1", "4.2", "4.2.1", "4.2.2", "4.3", "WSoA 1.1"],
    "outcome-3": [],
    "outcome-4": ["WSoA 2.1", "WSoA 2.1.1", "WSoA 2.1.3", "WSoA 2.1.4", "WSoA 2.1.5"],
    "therapy": ["WSoA 4.1", "WSoA 4.1.3", "WSoA 4.1.4", "WSoA 4.2", "WSoA 4.2.1", "WSoA 4.2.3", "WSoA 4.2.4"],
    "ehcp": ["3.1", "3.1.1", "3.1.2", "3.1.3", "3.2", "3.2.1", "3.2.2", "3.2.3", "3.2.4", "3.2.5", "3.2.6",
             "3.3", "3.3.1", "3.3.2", "WSoA 1.1"],
}


@pytest.mark.parametrize("page_id, ref", [(p, r) for p, refs in EXPECTED_REFS.items() for r in refs])
def test_each_seed_objective_is_evidenced_on_its_page(catalogue, page_id, ref):
    assert any(_cites(m, ref) for m in catalogue.by_page(page_id)), f"no {page_id} metric cites {ref}"


def test_annual_and_termly_series_use_run_charts_and_others_do_not(catalogue):
    # Annual statistics give fewer than 12 points in the dashboard's span: limits would mislead. Termly rates
    # follow the school year's pattern (and the 2020 closures), which limits would read as special causes.
    run = {"academic_year", "financial_year", "calendar_year", "term"}
    for m in catalogue.metrics:
        assert (m.chart == "run") == (m.frequency in run), m.id


def test_every_rate_says_what_it_is_per(catalogue):
    rates = [m for m in catalogue.metrics if m.unit == "rate"]
    assert rates and all(m.unit_label for m in rates)
    assert catalogue.get("suspension_rate_ehcp").unit_label == "per 100 pupils"  # issue 16: "28.0" shown bare


@pytest.mark.parametrize("metric_id, places", [
    ("ks4_p8_ehcp", 2),            # DfE publishes Progress 8 to 2 decimal places (issue 16)
    ("ks2_rwm_ehcp", 0),           # KS2 percentages are published as whole numbers
    ("suspension_rate_ehcp", 2),   # exclusion rates per 100 pupils, 2 places
    ("ehcp_20wk_excl", 1),         # the default for everything else
    ("ehcp_caseload", 0),          # and for counts
])
def test_published_precision(catalogue, metric_id, places):
    assert catalogue.get(metric_id).precision == places


def test_published_chs_waiting_lists_are_their_own_measures(catalogue):
    ids = ("chs_waiting_list", "chs_over_18wk_pct", "chs_52wk_waiters")
    metrics = [catalogue.get(i) for i in ids]
    assert {(m.page, m.input, m.frequency, m.breakdown, m.public) for m in metrics} == {
        ("therapy", "metric_values", "month", "service", True)}
    assert all("NHS England" in m.source and "RXL" in m.source for m in metrics)
    # only the percentage is compared across areas; the local extract's own measure is never drawn against them
    assert [m.comparators for m in metrics] == [False, True, False]
    assert not catalogue.get("therapy_over_18wk_pct").comparators


def test_titles_are_unique(catalogue):
    titles = [m.title for m in catalogue.metrics]
    assert len(set(titles)) == len(titles)


def test_every_agreed_derivation_is_used(catalogue):
    used = {(m.input, m.derivation) for m in catalogue.metrics if m.record_level}
    assert used == {(i, d) for i, names in DERIVATIONS.items() for d in names}


@pytest.mark.parametrize("metric_id, target", [
    ("ehcp_20wk_excl", 100.0),                # SEND Regulations 2014 reg. 13(2), strategic plan 3.1 (2e)
    ("senco_graduated_training_pct", 75.0),   # WSoA 4.1 "How will we know?": 75% of SENCOs trained
    ("empowerment_forum_coverage", 100.0),    # strategic plan 2.1.1 measure 10: all settings represented
    ("ehcp_20wk_incl", None),                 # exceptions may lawfully exceed 20 weeks: no target
    ("therapy_referrals", None),              # demand: neutral, never a target
])
def test_targets_only_where_the_plans_set_them(catalogue, metric_id, target):
    m = catalogue.get(metric_id)
    assert m.target == target
    assert (m.target_source is not None) == (target is not None)


def test_casework_detail_is_not_public(catalogue):
    # the brief's examples: advice by agency and review paperwork stay in the board edition
    assert not catalogue.get("ehcp_advice_6wk").public
    assert not catalogue.get("ehcp_review_paperwork_on_time").public
    assert catalogue.get("ehcp_20wk_excl").public


def test_comparator_metrics_name_a_published_source(catalogue):
    for m in catalogue.metrics:
        if m.comparators:
            assert any(p in m.source for p in ("DfE", "NHS England")), m.id


# -- accessors -----------------------------------------------------------------------------------------------

def test_lookups(catalogue):
    m = catalogue.get("ehcp_20wk_excl")
    assert (m.input, m.derivation, m.chart, m.unit) == ("ehc_requests", "pct_final_within_20_weeks_excl", "p",
                                                        "percent")
    assert m in catalogue.by_page("ehcp")
    assert [x.id for x in catalogue.by_page("ehcp")] == [x.id for x in catalogue.metrics if x.page == "ehcp"]
    assert catalogue.service_by_slug("slt") is catalogue.service_by_name("Speech and language therapy")
    assert catalogue.page("therapy").title == "Therapy waiting lists"
    assert "ehcp_20wk_excl" in catalogue.ids


@pytest.mark.parametrize("call, arg, fragment", [
    ("get", "no_such_metric", "unknown metric id 'no_such_metric'"),
    ("by_page", "outcome-9", "unknown page id 'outcome-9'"),
    ("service_by_slug", "dentist", "unknown service slug 'dentist'"),
    ("service_by_name", "Dentistry", "unknown service name 'Dentistry'"),
])
def test_unknown_lookups_raise_key_error_naming_the_key(catalogue, call, arg, fragment):
    with pytest.raises(KeyError, match=fragment):
        getattr(catalogue, call)(arg)


@pytest.mark.parametrize("metric_id, higher, text", [
    ("ehcp_20wk_excl", True, "higher is better"),
    ("therapy_waiting_list", False, "lower is better"),
    ("therapy_referrals", None, "neither higher nor lower is better"),
])
def test_good_direction(catalogue, metric_id, higher, text):
    m = catalogue.get(metric_id)
    assert m.higher_is_better is higher
    assert m.good_direction_text == text


# -- validation: small catalogues built in tmp_path ------------------------------------------------------------

PAGES = '[pages.ehcp]\ntitle = "EHCP timeliness"\nnav = "EHC plans"\nintro = "How quickly plans are made."\n'
SERVICE = ('[[service]]\nslug = "slt"\nname = "Speech and language therapy"\n'
           'while_you_wait = "https://www.blackpool.gov.uk/localoffer"\nwhile_you_wait_text = "Ideas."\n')
BASE = {
    "id": "m1", "title": "A measure", "description": "What it measures.",
    "public_text": {"improving": "Better.", "worsening": "Worse.", "no_change": "Same."},
    "page": "ehcp", "unit": "percent", "frequency": "month", "improvement": "increase", "chart": "p",
    "input": "metric_values", "breakdown": "none", "source": "A system", "plan_refs": ["3.1", "WSoA 1.1"],
    "comparators": False, "public": True,
}


def _value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)  # a JSON string is a valid TOML basic string for this plain text
    if isinstance(v, list):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items()) + " }"


def _metric_toml(fields: dict) -> str:
    return "[[metric]]\n" + "".join(f"{k} = {_value(v)}\n" for k, v in fields.items())


def _write(tmp_path, *metrics: dict, pages: str = PAGES, services: str = SERVICE):
    path = tmp_path / "catalogue.toml"
    path.write_text(pages + services + "".join(_metric_toml(m) for m in metrics), encoding="utf-8")
    return path


def _variant(drop=(), **changes) -> dict:
    m = {k: v for k, v in BASE.items() if k not in drop}
    m.update(changes)
    return m


def test_small_valid_catalogue_loads(tmp_path):
    cat = load_catalogue(_write(tmp_path, BASE))
    m = cat.get("m1")
    assert m.plan_refs == ("3.1", "WSoA 1.1")
    assert m.public_text.no_change == "Same."
    assert m.target is None and m.owner is None and m.derivation is None


def test_unit_label_and_decimals_load(tmp_path):
    m = load_catalogue(_write(tmp_path, _variant(unit="rate", chart="xmr", unit_label="per 100 pupils",
                                                 decimals=2))).get("m1")
    assert (m.unit_label, m.decimals, m.precision) == ("per 100 pupils", 2, 2)
    plain = load_catalogue(_write(tmp_path, BASE)).get("m1")
    assert (plain.unit_label, plain.decimals, plain.precision) == (None, None, 1)


THERAPY = dict(input="therapy_referrals", unit="count", chart="xmr", breakdown="service")

# (case, metric fields, field the message must name, fragment of the message)
BAD_METRICS = [
    ("unknown page", _variant(page="outcome-9"), "page", "unknown value 'outcome-9'"),
    ("unknown unit", _variant(unit="percentage"), "unit", "unknown value 'percentage'"),
    ("unknown frequency", _variant(frequency="weekly"), "frequency", "unknown value 'weekly'"),
    ("unknown improvement", _variant(improvement="up"), "improvement", "unknown value 'up'"),
    ("unknown chart", _variant(chart="bar"), "chart", "unknown value 'bar'"),
    ("unknown input", _variant(input="referrals"), "input", "unknown value 'referrals'"),
    ("unknown breakdown", _variant(breakdown="age"), "breakdown", "unknown value 'age'"),
    ("record level without derivation", _variant(**THERAPY), "derivation", "needs one of"),
    ("unknown derivation", _variant(derivation="waiting_time", **THERAPY), "derivation",
     "unknown derivation 'waiting_time'"),
    ("derivation of another input", _variant(input="ehc_requests", derivation="waiting_list_size"), "derivation",
     "unknown derivation 'waiting_list_size' for input 'ehc_requests'"),
    ("metric_values with derivation", _variant(derivation="plans_issued"), "derivation",
     "metric_values metrics are read as they are"),
    ("breakdown not the derivation's", _variant(derivation="waiting_list_size", **{**THERAPY, "breakdown": "none"}),
     "breakdown", "breaks down by 'service'"),
    ("missing required field", _variant(drop=("source",)), "source", "missing required field"),
    ("unknown field", _variant(improvment="increase"), "improvment", "unknown field"),
    ("target on neutral", _variant(improvement="neutral", target=90.0, target_source="A plan"), "target",
     "neutral metric"),
    ("target without source", _variant(target=90.0), "target_source", "say where the target comes from"),
    ("source without target", _variant(target_source="A plan"), "target_source", "without a target"),
    ("percent target out of range", _variant(target=120.0, target_source="A plan"), "target", "between 0 and 100"),
    ("p chart on a count", _variant(unit="count"), "chart", "unit is 'count'"),
    ("bad id format", _variant(id="Bad-Id"), "id", "bad id format"),
    ("bad plan ref", _variant(plan_refs=["Outcome 3"]), "plan_refs", "bad reference 'Outcome 3'"),
    ("public text key missing", _variant(public_text={"improving": "Better.", "worsening": "Worse."}),
     "public_text", "'no_change'"),
    ("comparators not a boolean", _variant(comparators="yes"), "comparators", "true or false"),
    ("rate without unit label", _variant(unit="rate", chart="xmr"), "unit_label", "a rate must say what it is per"),
    ("empty unit label", _variant(unit_label=" "), "unit_label", "non-empty text"),
    ("decimals not a whole number", _variant(decimals=1.5), "decimals", "whole number of decimal places"),
    ("decimals out of range", _variant(decimals=7), "decimals", "from 0 to 4"),
    ("decimals a boolean", _variant(decimals=True), "decimals", "whole number"),
    ("unknown frequency term name", _variant(frequency="autumn"), "frequency", "unknown value 'autumn'"),
]


@pytest.mark.parametrize("fields, field, fragment", [c[1:] for c in BAD_METRICS], ids=[c[0] for c in BAD_METRICS])
def test_each_bad_metric_is_reported_with_id_and_field(tmp_path, fields, field, fragment):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, fields))
    matching = [p for p in err.value.problems if f"field '{field}'" in p and fragment in p]
    assert matching, err.value.problems
    expected_id = fields.get("id", "m1")
    assert all(f"metric '{expected_id}'" in p for p in matching)


def test_duplicate_ids_are_reported(tmp_path):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, BASE, BASE))
    assert err.value.problems == ("metric 'm1' (entry 2), field 'id': duplicate id 'm1'",)


def test_every_problem_is_reported_at_once(tmp_path):
    bad_one = _variant(unit="percentage", frequency="weekly")
    bad_two = _variant(id="m2", drop=("title",))
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, bad_one, BASE | {"id": "m3"}, bad_two))
    problems = err.value.problems
    assert len(problems) == 3, problems
    assert any("metric 'm1' (entry 1), field 'unit'" in p for p in problems)
    assert any("metric 'm1' (entry 1), field 'frequency'" in p for p in problems)
    assert any("metric 'm2' (entry 3), field 'title': missing required field" in p for p in problems)
    assert "3 problem(s)" in str(err.value) and str(tmp_path / "catalogue.toml") in str(err.value)


@pytest.mark.parametrize("pages, services, fragment", [
    ('[pages.ehcp]\ntitle = "T"\nintro = "I"\n', SERVICE, "page 'ehcp', field 'nav': missing required field"),
    (PAGES, SERVICE + SERVICE, "service 'slt' (entry 2), field 'slug': duplicate slug 'slt'"),
    (PAGES, SERVICE.replace("https://", "http://"), "service 'slt' (entry 1), field 'while_you_wait': must be an "
                                                    "https:// link"),
])
def test_bad_pages_and_services_are_reported(tmp_path, pages, services, fragment):
    with pytest.raises(CatalogueError) as err:
        load_catalogue(_write(tmp_path, BASE, pages=pages, services=services))
    assert any(fragment in p for p in err.value.problems), err.value.problems


def test_unreadable_files_raise_catalogue_error(tmp_path):
    with pytest.raises(CatalogueError, match="file not found"):
        load_catalogue(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text('[[metric]]\nid = "m1\n', encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid TOML"):
        load_catalogue(broken)
