"""The quarterly report: its SVG charts drawn from the same chart specs as the web figures (valid XML, one marker of
the right shape per point, dashed limits, targets, interventions by their log numbers, text escaped); the report
of the small data folder (tests/unit/builders.py), worked by hand: every measure appears, its sentences and
exceptions are the dashboard's own, the parts of a measure are read, the intervention log says what followed; on
the default data: the PDF is a real A4 document with page numbers and a contents list; the command writes both
formats whole or not at all, and the page shows the same document."""
from __future__ import annotations

import dataclasses
import importlib
import io
import re
import xml.etree.ElementTree as ET
from html import escape
from html.parser import HTMLParser

import pandas as pd
import pytest

from metrics import format as fmt
from metrics import urlstate
from metrics.report import build_report, default_quarter, render_html, render_pdf, report_html, report_quarters
from metrics.report.__main__ import main
from metrics.report.build import scope_for
from metrics.report.html import icon_html
from metrics.report.model import LogEntry
from metrics.report.page import report_page
from metrics.report.quarter import Quarter, quarters_between
from metrics.report.svg import LIMIT_DASH, TARGET_DASH, marker_path, nice_ticks, spc_svg
from metrics.store import build_store
from metrics.view.measure import Scope, measure_view
from metrics.view.model import Event
from metrics.view.overview import overview
from metrics.vocabulary import ASSURANCE_ICONS, VARIATION_ICONS

from builders import write_small_data

LOCALITIES = ("area", "north", "central", "south")
Q1_2024 = Quarter(2024, 1)  # the small folder's last quarter: its data run to January 2024


# -- quarters -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, start, end, label", [
    ("2025-Q1", "2025-01-01", "2025-03-31", "Quarter 1 2025 (January to March 2025)"),
    ("2025-Q2", "2025-04-01", "2025-06-30", "Quarter 2 2025 (April to June 2025)"),
    ("2024-Q4", "2024-10-01", "2024-12-31", "Quarter 4 2024 (October to December 2024)"),
    (" 2024-q3 ", "2024-07-01", "2024-09-30", "Quarter 3 2024 (July to September 2024)"),
])
def test_quarter(text, start, end, label):
    q = Quarter.parse(text)
    assert (q.start, q.end, q.label) == (pd.Timestamp(start), pd.Timestamp(end), label)
    assert Quarter.containing(end) == q and str(Quarter.parse(str(q))) == str(q)


@pytest.mark.parametrize("bad", ["2025-Q5", "2025-Q0", "2025Q2", "Q2-2025", "", None, "2025-Q2<script>"])
def test_quarter_rejects(bad):
    with pytest.raises(ValueError, match="quarter: expected YYYY-Qn"):
        Quarter.parse(bad)


def test_quarters_between():
    assert [str(q) for q in quarters_between("2024-11-15", "2025-04-01")] == ["2024-Q4", "2025-Q1", "2025-Q2"]
    assert Quarter(2024, 4).next() == Quarter(2025, 1) and Quarter(2025, 1).previous() == Quarter(2024, 4)


# -- charts -------------------------------------------------------------------------------------------------

NS = {"s": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


def svg_texts(root) -> list[str]:
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]


# Where a marker's path starts relative to its centre (marker_path with size 4): circle at (x - 3.6, y),
# square at (x - 4, y - 4), diamond at (x, y - 5.4).
START = {"common_cause": (3.6, 0.0), "special_cause_improvement": (4.0, -4.0), "special_cause_concern": (0.0, -5.4)}


def markers(root, kind: str) -> list[tuple[float, float]]:
    """Centres (x, y) of the markers of one point type: one subpath per point in the kind's <path>."""
    paths = by_class(root, kind)
    if not paths:
        return []
    (path,) = paths
    assert path.tag == "{http://www.w3.org/2000/svg}path" and "points" in path.get("class").split()
    dx, dy = START[kind]
    return [(float(x) + dx, float(y) - dy) for x, y in re.findall(r"M(-?[\d.]+),(-?[\d.]+)", path.get("d"))]


def spec(store, metric_id, scope=Scope(), breakdown="All"):
    return measure_view(store, metric_id, scope, breakdown, "board").charts[0].spec


@pytest.mark.parametrize("lo, hi, expected", [
    (0, 10, [0, 2.5, 5, 7.5, 10]),  # raw step 10/4 = 2.5
    (42.8, 57.2, [40, 45, 50, 55, 60]),  # raw step 3.6 -> 5
    (0.31, 0.89, [0.2, 0.4, 0.6, 0.8, 1.0]),  # raw step 0.145 -> 0.2 (steps are 1, 2, 2.5, 5 x 10^k)
    (100, 100, [99, 99.5, 100, 100.5, 101]),  # a flat series gets a band around it
])
def test_nice_ticks(lo, hi, expected):
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo and ticks[-1] >= hi
    assert ticks == pytest.approx(expected)


def test_nice_ticks_rejects_nan():
    with pytest.raises(ValueError, match="nice_ticks"):
        nice_ticks(float("nan"), 1)


def test_marker_shapes_start_where_the_markers_are_read():
    assert marker_path("square", 10, 20) == "M6.0,16.0h8.0v8.0h-8.0Z"
    assert marker_path("diamond", 10, 20).startswith("M10.0,14.6L15.4,20.0")
    with pytest.raises(ValueError, match="unknown marker shape"):
        marker_path("star", 0, 0)


def test_one_marker_per_point_with_its_shape(small_store):
    # attendance (builders.COMPLAINTS, higher is better): 12 common cause points, then 20 above the upper limit.
    root = parse(spc_svg(spec(small_store, "attendance"), label="Chart"))
    (improvement,), (common,) = by_class(root, "special_cause_improvement"), by_class(root, "common_cause")
    assert improvement.get("d").count("M") == 1 and "h" in improvement.get("d") and "a" not in improvement.get("d")
    assert common.get("d").count("M") == 12 and "a" in common.get("d")
    assert not by_class(root, "special_cause_concern")
    # pct_on_time: its first 13 months (80%) are 7 or more in a row below the mean (special cause concern, as
    # higher is better); March 2023 is hidden, so 14 markers in all.
    root = parse(spc_svg(spec(small_store, "pct_on_time"), label="Chart"))
    assert len(markers(root, "special_cause_concern")) == 13 and len(markers(root, "common_cause")) == 1


def test_limits_dashed_centre_solid_and_legend(small_store):
    root = parse(spc_svg(spec(small_store, "attendance"), label="Chart"))
    (upper,), (lower,), (centre,) = by_class(root, "upper"), by_class(root, "lower"), by_class(root, "centre")
    assert upper.get("stroke-dasharray") == LIMIT_DASH == lower.get("stroke-dasharray")
    assert centre.get("stroke-dasharray") is None
    texts = svg_texts(root)
    assert {"Mean", "Process limits", "Special cause improvement", "Common cause", "Target 15"} <= set(texts)
    assert "Special cause concern" not in texts  # only kinds present on the chart are in the legend
    # Under two years of months: every second month is labelled (13 points, at most 8 labels).
    assert [t for t in texts if re.fullmatch(r"[A-Z][a-z]{2} \d{4}", t)] == [
        "Jan 2023", "Mar 2023", "May 2023", "Jul 2023", "Sep 2023", "Nov 2023", "Jan 2024"]


def test_marker_heights_follow_values(small_store):
    root = parse(spc_svg(spec(small_store, "attendance"), label="Chart"))
    drawn = sorted(markers(root, "common_cause") + markers(root, "special_cause_improvement"))  # by x: date order
    assert len(drawn) == 13
    ys = [y for _, y in drawn]
    # SVG y grows downwards: the highest value (20, the last) is topmost; the 10s (January, March...) lowest and
    # level with each other.
    assert ys.index(min(ys)) == 12 and ys.index(max(ys)) == 0 and ys[0] == pytest.approx(ys[2])


def test_long_monthly_series_labels_years(default_store):
    root = parse(spc_svg(spec(default_store, "therapy_waiting_list"), label="x"))  # October 2020 to September 2026
    assert [t for t in svg_texts(root) if t.isdigit() and len(t) == 4] == ["2021", "2022", "2023", "2024", "2025",
                                                                          "2026"]


def test_run_chart_has_no_limits_and_a_median(small_store):
    root = parse(spc_svg(spec(small_store, "complaints", Scope(start="2023-10")), label="Run"))  # 4 months
    assert not by_class(root, "upper") and not by_class(root, "lower")
    texts = svg_texts(root)
    assert "Median" in texts and "Process limits" not in texts


def test_target_and_events(small_store, rebased):
    chart = spec(small_store, "attendance")
    events = (Event(1, "2023-06-05", "June 2023", "Clinic", "", False),
              Event(2, "2023-11-06", "November 2023", "Rebase", "", True, "December 2023", "2023-12-01"),
              Event(3, "2030-01-01", "January 2030", "After the data", "", False))  # not drawn
    root = parse(spc_svg(dataclasses.replace(chart, events=events), label="Chart"))
    (target,) = by_class(root, "target")
    assert target.get("stroke-dasharray") == TARGET_DASH
    lines = by_class(root, "event")
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") and lines[1].get("stroke-dasharray") is None  # a rebase is solid
    texts = svg_texts(root)
    assert "Target 15" in texts and "1" in texts and "2" in texts and "3" not in texts
    # A view's own events: the log's rebase (9) drawn where its new limits start, which restart the lines.
    root = parse(spc_svg(spec(rebased, "waits", breakdown="Physiotherapy"), label="Chart"))
    assert "9" in svg_texts(root) and len(by_class(root, "centre")) == 2


def test_text_is_escaped_and_named_for_screen_readers(small_store):
    svg = spc_svg(spec(small_store, "attendance"), label="<script>x</script>", description="A & B", id_prefix="m1")
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "m1-t m1-d"
    assert root.find("s:title", NS).text == "<script>x</script>" and root.find("s:desc", NS).text == "A & B"


def test_a_chart_with_every_value_missing_is_refused(small_store):
    chart = spec(small_store, "attendance")
    empty = dataclasses.replace(chart, points=tuple(dataclasses.replace(p, value=None) for p in chart.points))
    with pytest.raises(ValueError, match="every value is missing"):
        spc_svg(empty, label="x")


# -- the report of the small data folder -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def small_report(small_store):
    return build_report(small_store, Q1_2024, "area")


@pytest.fixture(scope="module")
def small_html(small_report):
    return render_html(small_report)


class Structure(HTMLParser):
    """Collects ids and internal links, and checks every element that is opened is closed in order."""
    VOID = {"meta", "br", "img", "hr", "input", "link"}

    def __init__(self):
        super().__init__()
        self.ids, self.links, self.stack, self.errors = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "a" and a.get("href", "").startswith("#"):
            self.links.append(a["href"][1:])
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
        else:
            self.stack.pop()


def structure(html: str) -> Structure:
    s = Structure()
    s.feed(html)
    s.close()
    assert not s.errors and not s.stack, (s.errors[:3], s.stack[-3:])
    return s


def test_quarters_and_the_default_one(small_store):
    assert [str(q) for q in report_quarters(small_store)] == ["2022-Q4", "2023-Q1", "2023-Q2", "2023-Q3", "2023-Q4",
                                                             "2024-Q1"]
    assert default_quarter(small_store) == Quarter(2023, 4)  # January 2024 does not complete its quarter


def test_every_measure_appears_and_every_link_lands(small_store, small_report, small_html):
    ids = [m.id for m in small_store.catalogue.metrics]
    assert [v.metric_id for v in small_report.summary] == ids
    assert [[b.view.metric_id for b in s.blocks] for s in small_report.sections] == [
        ["pct_on_time", "complaints", "attendance", "requests"], ["waits", "waiting"]]
    s = structure(small_html)
    for metric_id in ids:
        assert f"metric-{metric_id}" in s.ids and f"metric-{metric_id}" in s.links


def test_no_link_dangles(small_html):
    s = structure(small_html)
    assert set(s.links) <= set(s.ids)  # contents, summary, exceptions and the intervention log


def test_the_report_says_what_the_dashboard_says(small_store, small_report, small_html):
    """Each block is the measure's view for the quarter's window: its icons, latest value and sentences."""
    for section in small_report.sections:
        for b in section.blocks:
            view = measure_view(small_store, b.view.metric_id, scope_for(Q1_2024, "area"), "All", "board")
            assert b.view == view
            for sentence in (s.text for c in view.charts for s in c.sentences):
                assert escape(sentence) in small_html


def test_exceptions_are_the_overviews(small_store, small_report, small_html):
    # complaints (lower is better) and speech and language therapy's waits end above their limits: concerns;
    # attendance the same figures where higher is better: improvement (tests/unit/builders.py).
    assert small_report.exceptions == overview(small_store, scope_for(Q1_2024, "area"), "board").exceptions
    assert [(s.metric_id, s.part, s.kind) for s in small_report.exceptions] == [
        ("complaints", "", "concern"), ("waits", "Speech and language therapy", "concern"),
        ("attendance", "", "improvement")]
    assert "3 exceptions across every measure and its parts" in small_html
    # The quarter before: the outliers are not there yet, so nothing to look at first.
    before = build_report(small_store, Quarter(2023, 4), "area")
    assert before.exceptions == () and "No measure, service or other part shows special cause" in render_html(before)


def test_the_parts_of_a_measure_are_read(small_report):
    (waits,) = [b for s in small_report.sections for b in s.blocks if b.view.metric_id == "waits"]
    assert waits.parts_label == "By service"
    physio, slt = waits.parts
    assert (physio.name, physio.latest, [i.key for i in physio.icons]) == (
        "Physiotherapy", "5 (January 2024)", ["common_cause", "none"])
    assert physio.reading.startswith("Children waiting (Physiotherapy) varies within its process limits")
    assert (slt.latest, slt.icons[0].key) == ("20 (January 2024)", "concern_high")
    assert slt.reading.startswith("Children waiting (Speech and language therapy) shows special cause concern")


def test_owners_targets_and_the_cover(small_store, small_report, small_html):
    rows = re.findall(r'<tr><th scope="row"><a href="#metric-([a-z_]+)">.*?</a>.*?</th><td>(.*?)</td><td>(.*?)</td>'
                      r'.*?<td>([^<]*)</td></tr>', small_html)
    by = {m: (latest, target, owner) for m, latest, target, owner in rows}
    assert by["pct_on_time"] == ("84.0% (January 2024)", "80%", "Head of SEND")
    assert by["complaints"] == ("20 (January 2024)", "None set", "Not named in the plans")
    assert small_report.place == "Blackpool (whole area)" and Q1_2024.label in small_html
    assert "This report covers data up to 31 March 2024" in small_html
    assert small_report.synthetic_metrics == ("Complaints",)
    assert ("1 of 6 measures in this report lead with synthetic demonstration data</strong>, not real figures. They "
            "are: Complaints.") in small_html


def test_intervention_log_says_what_followed(small_store, small_report):
    (entry,) = small_report.log
    assert (entry.number, entry.date, entry.title, entry.applies_to, entry.rebase) == (
        4, "5 June 2023", "SLT drop-in clinic", "Speech and language therapy", False)
    (change,) = entry.changes  # on the speech and language therapy part, where the event is drawn
    assert (change.anchor, change.text) == ("metric-waits",
                                            "After “SLT drop-in clinic” (June 2023) special cause concern followed "
                                            "from January 2024.")
    assert build_report(small_store, Quarter(2023, 1), "area").log == ()  # the event came later


def test_nothing_followed_is_said_only_of_the_months_drawn(small_store):
    # The Q4 2023 report draws June to December 2023 after the event of 5 June 2023: 6 months, not 12.
    (entry,) = build_report(small_store, Quarter(2023, 4), "area").log
    (change,) = entry.changes
    assert "no special cause followed" in change.text and "12 months" not in change.text


def test_analyst_text_is_escaped(small_report):
    """Titles and descriptions come from files analysts edit: nothing in them becomes markup."""
    hostile = LogEntry(1, "June 2025", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "everywhere",
                       True, ())
    html = render_html(dataclasses.replace(small_report, log=(hostile,)))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("icon, letter", [(VARIATION_ICONS["concern_high"], "H"), (ASSURANCE_ICONS["fail"], "F"),
                                          (VARIATION_ICONS["improvement_low"], "L"), (ASSURANCE_ICONS["pass"], "P"),
                                          (VARIATION_ICONS["common_cause"], "~"),
                                          (ASSURANCE_ICONS["inconsistent"], "?")])
def test_icons_carry_letters_and_words(icon, letter):
    html = icon_html(icon)
    assert re.findall(r'<span class="mdc [^"]*"[^>]*>([^<]*)</span>', html) == [letter]
    assert f'aria-label="{icon.long}"' in html and f'role="img"' in html


@pytest.mark.parametrize("locality", LOCALITIES)
def test_every_quarter_renders(small_store, locality):
    """The full matrix on the small folder, HTML only: every quarter the data covers, for this locality."""
    ids = {f"metric-{m.id}" for m in small_store.catalogue.metrics}
    for q in report_quarters(small_store):
        r = build_report(small_store, q, locality)
        html = render_html(r)
        assert ids <= set(structure(html).ids), q
        assert q.label in html and len(r.summary) == len(small_store.catalogue.metrics)
        assert r.exceptions == overview(small_store, scope_for(q, locality), "board").exceptions


# -- the default data ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def default_store():
    return build_store(precompute=False)


@pytest.fixture(scope="module")
def latest_q(default_store):
    return default_quarter(default_store)


@pytest.fixture(scope="module")
def area_report(default_store, latest_q):
    return build_report(default_store, latest_q, "area")


@pytest.fixture(scope="module")
def area_html(area_report):
    return render_html(area_report)


def test_default_quarter_is_the_latest_complete_one(default_store, latest_q):
    covered = report_quarters(default_store)
    v = default_store.values
    last_month = v.loc[(v["period_type"] == "month") & v["area"].isin(default_store.areas), "period_start"].max()
    assert latest_q in covered and latest_q.end <= last_month + pd.offsets.MonthEnd(0)
    assert latest_q.next() > Quarter.containing(last_month) or latest_q.next().end > last_month


def test_the_default_report_is_whole(default_store, area_report, area_html):
    s = structure(area_html)  # every element closed in order (links are checked by test_no_link_dangles)
    assert {f"metric-{m.id}" for m in default_store.catalogue.metrics} <= set(s.ids)
    assert area_report.exceptions, "the default data should give the board at least one exception to read"
    assert area_report.exceptions == overview(default_store, scope_for(area_report.quarter, "area"),
                                              "board").exceptions


def test_the_default_reports_sentences_say_what_the_spc_says(default_store, area_report):
    """Each headline chart's signal sentence names the start of the signal its SPC result gives, read again from the
    store for the same series and window."""
    end = pd.Timestamp(f"{area_report.quarter.end:%Y-%m}-01")
    kinds = {"improvement": "special_cause_improvement", "concern": "special_cause_concern",
             "neutral": "special_cause_neutral"}
    checked = 0
    for v in (b.view for s in area_report.sections for b in s.blocks):
        if not v.charts or v.charts[0].heading or getattr(v.charts[0].spec, "chart", "run") == "run":
            continue  # the whole area's own headline SPC chart only
        spec = v.charts[0].spec
        a = default_store.analysis(v.metric_id, default_store.area.name, "All", None, end, spec.period_type)
        signal = a.spc.last_signal()
        said = [s.text for s in v.charts[0].sentences if s.kind.startswith("special_cause")]
        if signal is None:
            assert said == [], v.metric_id
            continue
        (text,) = said
        assert [s.kind for s in v.charts[0].sentences if s.text == text] == [kinds[v.variation.rsplit("_", 1)[0]]]
        start = fmt.period(signal.first_date, spec.period_type)
        assert (f"since {start}" if signal.first_date != signal.last_date else f"in {start}") in text, v.metric_id
        checked += 1
    assert checked >= 5


# -- PDF ----------------------------------------------------------------------------------------------------

def pdf_pages(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages


def test_pdf_opens_a4_numbered_with_contents(small_report, small_html):
    pdf = render_pdf(small_html)
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    n = len(pages)
    assert n > 3
    box = pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    first, last = pages[0].extract_text(), pages[-1].extract_text()
    assert "Quarterly performance report" in first and Q1_2024.label in first
    assert f"Page 1 of {n}" in first and f"Page {n} of {n}" in last
    # The contents list gives the page each part starts on (target-counter); check the intervention log's.
    contents = next(t for t in (p.extract_text() for p in pages[:3]) if "Contents" in t)
    m = re.search(r"Intervention log[ .]*(\d+)", contents)
    assert m, contents
    log_page = pages[int(m.group(1)) - 1].extract_text()
    assert "Intervention log" in log_page and small_report.log[0].title in log_page
    # Charts stay vector: no page carries a raster image.
    assert not any(p.images for p in pages)


# -- the command --------------------------------------------------------------------------------------------

def test_command_writes_html_and_pdf(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    write_small_data(data)
    out = tmp_path / "report.html"
    assert main(["--data-dir", str(data), "--quarter", "2023-Q4", "--locality", "north", "--out", str(out)]) == 0
    html = out.read_text()
    assert "North locality" in html and Quarter(2023, 4).label in html
    assert "Wrote" in capsys.readouterr().out
    # The second PDF of the suite: the earliest quarter, for a locality, through the command.
    pdf = tmp_path / "report.pdf"
    assert main(["--data-dir", str(data), "--quarter", "2022-Q4", "--locality", "central", "--out", str(pdf)]) == 0
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) > 3 and round(float(pages[0].mediabox.height)) == 842
    assert "Central locality" in pages[0].extract_text() and "Quarter 4 2022" in pages[0].extract_text()
    assert not list(tmp_path.glob(".*.tmp"))  # written through a temporary file, which is gone


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2025-Q5"], "--quarter: expected YYYY-Qn"),
    (["--quarter", "1990-Q1"], "--quarter: 1990-Q1 is outside the data"),
    (["--locality", "east"], "--locality: expected one of area, north, central, south"),
    (["--out-suffix", ".txt"], "--out: the file must end in .pdf or .html"),
])
def test_command_rejects_bad_arguments_and_keeps_the_old_file(tmp_path, capsys, args, message):
    out = tmp_path / ("report.txt" if "--out-suffix" in args else "report.html")
    out.write_text("the good report")
    argv = [a for a in args if a not in ("--out-suffix", ".txt")] + ["--out", str(out)]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert out.read_text() == "the good report"


# -- the page -----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def report_module():
    """pages/report.py registered on a bare Dash app (the browser tests run the real one)."""
    import dash

    dash.Dash("report_page_test", use_pages=True, pages_folder="")
    # import_module, not `import pages.report`: once app.py has run (another test module), Dash Pages has put the
    # module in sys.modules without setting it as an attribute of the `pages` package.
    return importlib.import_module("pages.report")


def _find(component, component_id):
    if getattr(component, "id", None) == component_id:
        return component
    children = getattr(component, "children", None)
    for child in children if isinstance(children, (list, tuple)) else [children]:
        if hasattr(child, "to_plotly_json"):
            found = _find(child, component_id)
            if found is not None:
                return found
    return None


def test_page_shows_the_same_document(report_module, small_store):
    pv = report_page(small_store, urlstate.State(page="report", locality="south", quarter="2023-Q3"))
    body = report_module.report_layout(pv)
    frame = next(_find(c, "report-frame") for c in body if _find(c, "report-frame") is not None)
    assert frame.srcDoc == report_html(small_store, Quarter(2023, 3), "south")
    assert "allow-scripts" not in frame.sandbox  # the document needs no script; the frame runs none
    assert frame.title == "Quarterly board report: Quarter 3 2023 (July to September 2023), South locality"
    quarter = next(f for f in pv.filters if f.name == "quarter")
    assert quarter.value == "2023-Q3" and quarter.options[1] == ("2023-Q4", "Quarter 4 2023 (October to December "
                                                                            "2023) (latest complete)")


def test_page_falls_back_for_a_quarter_the_report_does_not_cover(report_module, small_store):
    pv = report_page(small_store, urlstate.State(page="report", quarter="2022-Q3"))
    assert pv.notices == (urlstate.FALLBACK["quarter"],)
    body = report_module.report_layout(pv)
    assert body[0].children == urlstate.FALLBACK["quarter"]
    assert _find(body[1], "report-key").data == {"quarter": "2023-Q4", "locality": "area"}


def download(report_module, monkeypatch, store, key):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    monkeypatch.setattr(report_module, "get_store", lambda: store)
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "report-html.n_clicks", "value": 1}]))
    return report_module.download(None, 1, key)


@pytest.mark.parametrize("key", [{"quarter": "<script>", "locality": "south"}, {"quarter": "2023-Q2", "locality": "x"},
                                 "junk", {"quarter": "1990-Q1", "locality": "area"}, {},
                                 {"quarter": ["2023-Q2"], "locality": "area"}])
def test_download_refuses_forged_keys(report_module, monkeypatch, small_store, key):
    from dash.exceptions import PreventUpdate

    with pytest.raises(PreventUpdate):
        download(report_module, monkeypatch, small_store, key)


def test_download_html(report_module, monkeypatch, small_store):
    out = download(report_module, monkeypatch, small_store, {"quarter": "2023-Q2", "locality": "north"})
    assert out["filename"] == "send-board-report-2023-Q2-north.html"
    assert out["content"] == report_html(small_store, Quarter(2023, 2), "north")
