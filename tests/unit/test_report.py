"""The quarterly report: its SVG charts (valid XML, one marker of the right shape per point, dashed limits, targets,
interventions, text escaped); and on the default data: every metric appears, the sentences agree with the SPC
results they were written from, exceptions are exactly the concerns and failures, the PDF is a real A4 document
with page numbers and a contents list, the command writes both formats whole or not at all, and the page shows the
same document."""
from __future__ import annotations

import dataclasses
import importlib
import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import numpy as np
import pandas as pd
import pytest

from metrics import format as fmt
from metrics.analysis import latest
from metrics.narrative import KINDS, change_after
from metrics.report import build_report, default_quarter, render_html, render_pdf, report_quarters
from metrics.report.__main__ import main
from metrics.report.html import assurance_icon, variation_icon
from metrics.report.model import LogEntry
from metrics.report.quarter import Quarter, quarters_between
from metrics.report.svg import LIMIT_DASH, TARGET_DASH, ChartEvent, nice_ticks, spc_svg
from metrics.spc import run_chart, xmr
from metrics.store import build_store

LOCALITIES = ("area", "north", "central", "south")


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
BASE = [50, 52, 48, 51, 49, 50, 53, 47, 50, 52, 48, 50]
DATES = pd.date_range("2023-01-01", periods=19, freq="MS")


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root, cls: str) -> list[ET.Element]:
    return [e for e in root.iter() if cls in (e.get("class") or "").split()]


# Where a marker's path starts relative to its centre (svg.marker_path with size 4): circle at (x - 3.6, y),
# square at (x - 4, y - 4), diamond at (x, y - 5.4).
START_DY = {"common_cause": 0.0, "special_cause_improvement": -4.0, "special_cause_concern": -5.4}


def markers(root, kind: str) -> list[tuple[float, float]]:
    """Centres (x, y) of the markers of one point type: one subpath per point in the kind's <path>."""
    paths = by_class(root, kind)
    if not paths:
        return []
    (path,) = paths
    assert path.tag == "{http://www.w3.org/2000/svg}path" and "points" in path.get("class").split()
    starts = re.findall(r"M(-?[\d.]+),(-?[\d.]+)", path.get("d"))
    dx = 3.6 if kind == "common_cause" else 4.0 if kind == "special_cause_improvement" else 0.0
    return [(float(x) + dx, float(y) - START_DY[kind]) for x, y in starts]


@pytest.fixture(scope="module")
def shifted():
    # 12 months around 50 then 7 above the mean: the last 7 are special cause improvement (see test_narrative).
    return xmr(DATES, BASE + [55, 56, 57, 55, 56, 58, 57]).points


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


def test_one_marker_per_point_with_its_shape(shifted):
    root = parse(spc_svg(shifted, unit="percent", period_type="month", label="Chart"))
    # Shapes differ so the chart reads in greyscale: squares for improvement, circles (arcs) for common cause.
    (improvement,), (common,) = by_class(root, "special_cause_improvement"), by_class(root, "common_cause")
    assert improvement.get("d").count("M") == 7 and "h" in improvement.get("d") and "a" not in improvement.get("d")
    assert common.get("d").count("M") == 12 and "a" in common.get("d")
    assert not by_class(root, "special_cause_concern")


def test_limits_dashed_centre_solid_and_legend(shifted):
    svg = spc_svg(shifted, unit="percent", period_type="month", label="Chart")
    root = parse(svg)
    (upper,), (lower,), (centre,) = by_class(root, "upper"), by_class(root, "lower"), by_class(root, "centre")
    assert upper.get("stroke-dasharray") == LIMIT_DASH == lower.get("stroke-dasharray")
    assert centre.get("stroke-dasharray") is None
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Expected range (control limits)" in texts and "Special cause improvement" in texts
    assert "Special cause concern" not in texts  # only kinds present on the chart are in the legend
    # Under two years of months: every third month is labelled (19 points, at most 8 labels).
    assert [t for t in texts if t[:3] in ("Jan", "Apr", "Jul", "Oct")] == [
        "Jan 2023", "Apr 2023", "Jul 2023", "Oct 2023", "Jan 2024", "Apr 2024", "Jul 2024"]


def test_marker_heights_follow_values(shifted):
    root = parse(spc_svg(shifted, unit="percent", period_type="month", label="Chart"))
    drawn = sorted(markers(root, "common_cause") + markers(root, "special_cause_improvement"))  # by x: date order
    assert len(drawn) == 19
    ys = [y for _, y in drawn]
    # SVG y grows downwards: the highest value (58, June 2024, index 17) is topmost, the lowest (47, index 7)
    # lowest; and values 50 (index 0) and 50 (index 5) are drawn at the same height.
    assert int(np.argmin(ys)) == 17 and int(np.argmax(ys)) == 7
    assert ys[0] == pytest.approx(ys[5])


def test_long_monthly_series_labels_years():
    dates = pd.date_range("2020-04-01", periods=60, freq="MS")
    pts = xmr(dates, np.tile(BASE, 5)).points
    texts = [t.text for t in parse(spc_svg(pts, unit="count", period_type="month", label="x")).iter(
        "{http://www.w3.org/2000/svg}text")]
    assert [t for t in texts if t.isdigit() and len(t) == 4] == ["2021", "2022", "2023", "2024", "2025"]


def test_run_chart_has_no_limits_and_a_median():
    pts = run_chart(DATES[:8], [3, 4, 5, 4, 6, 5, 4, 5]).points
    root = parse(spc_svg(pts, unit="count", period_type="month", label="Run", centre_name="Median"))
    assert not by_class(root, "upper") and not by_class(root, "lower")
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Median" in texts and "Expected range (control limits)" not in texts


def test_target_and_events(shifted):
    events = (ChartEvent(pd.Timestamp("2023-06-01"), "1"), ChartEvent(pd.Timestamp("2024-01-01"), "2", rebase=True),
              ChartEvent(pd.Timestamp("2030-01-01"), "3"))  # after the data: not drawn
    root = parse(spc_svg(shifted, unit="percent", period_type="month", label="Chart", target=60.0, events=events))
    (target,) = by_class(root, "target")
    assert target.get("stroke-dasharray") == TARGET_DASH
    lines = by_class(root, "event")
    assert len(lines) == 2
    assert lines[0].get("stroke-dasharray") and lines[1].get("stroke-dasharray") is None  # a rebase is solid
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "Target 60%" in texts and "1" in texts and "2" in texts and "3" not in texts


def test_rebase_restarts_the_lines():
    pts = xmr(DATES[:14], BASE + [40, 41], rebase=["2024-01-01"]).points
    root = parse(spc_svg(pts, unit="count", period_type="month", label="Chart"))
    assert len(by_class(root, "centre")) == 2


def test_missing_values_are_skipped():
    pts = xmr(DATES[:14], BASE + [np.nan, 51]).points
    root = parse(spc_svg(pts, unit="count", period_type="month", label="Chart"))
    assert len(markers(root, "common_cause")) == 13


def test_text_is_escaped_and_named_for_screen_readers(shifted):
    svg = spc_svg(shifted, unit="percent", period_type="month", label="<script>x</script>", description="A & B",
                  id_prefix="m1")
    assert "<script>" not in svg
    root = parse(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "m1-t m1-d"
    assert root.find("s:title", NS).text == "<script>x</script>" and root.find("s:desc", NS).text == "A & B"


def test_empty_points_rejected():
    with pytest.raises(ValueError, match="points"):
        spc_svg(xmr(DATES[:3], [1, 2, 3]).points.iloc[0:0], unit="count", period_type="month", label="x")


# -- the report on the default data -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store():
    return build_store(precompute=False)


@pytest.fixture(scope="module")
def latest_q(store):
    return default_quarter(store)


@pytest.fixture(scope="module")
def area_report(store, latest_q):
    return build_report(store, latest_q, "area")


@pytest.fixture(scope="module")
def area_html(area_report):
    return render_html(area_report)


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


def test_default_quarter_is_the_latest_complete_one(store, latest_q):
    covered = report_quarters(store)
    v = store.values
    last_month = v.loc[(v["period_type"] == "month") & v["area"].isin(store.areas), "period_start"].max()
    assert latest_q in covered and latest_q.end <= last_month + pd.offsets.MonthEnd(0)
    assert latest_q.next() > Quarter.containing(last_month) or latest_q.next().end > last_month


def test_every_metric_appears(store, area_report, area_html):
    ids = [m.id for m in store.catalogue.metrics]
    assert [r.metric_id for r in area_report.summary] == ids
    assert [b.metric_id for b in area_report.blocks] == [m.id for p in store.catalogue.pages
                                                          for m in store.catalogue.by_page(p.id)]
    s = structure(area_html)
    for metric_id in ids:
        assert f"metric-{metric_id}" in s.ids
        assert f"metric-{metric_id}" in s.links  # the summary table links to it
    assert set(s.links) <= set(s.ids)  # no dangling contents or summary link


def test_sentences_match_spc(store, area_report, latest_q):
    """Each metric's narrative says what its SPC result says, read independently from the store."""
    area = store.area.name
    expected_kind = {"improvement": "special_cause_improvement", "concern": "special_cause_concern",
                     "neutral": "special_cause_neutral"}
    for b in area_report.blocks:
        metric = store.catalogue.get(b.metric_id)
        a = store.analysis(b.metric_id, area, "All", None, latest_q.end)
        kinds = [s.kind for s in b.sentences]
        assert set(kinds) <= set(KINDS), b.metric_id
        if a.spc is None:
            assert kinds == ["no_data"], b.metric_id
            continue
        family = a.spc.variation.rsplit("_", 1)[0]
        if family in expected_kind:
            signal = a.spc.last_signal()
            (text,) = [s.text for s in b.sentences if s.kind == expected_kind[family]]
            start = fmt.period(signal.first_date, str(a.series["period_type"].iloc[-1]))
            assert (f"since {start}" if signal.n_points > 1 else f"in {start}") in text, b.metric_id
        else:
            assert "common_cause" in kinds or "runs_signal" in kinds, b.metric_id
        assurance = {k.removeprefix("assurance_") for k in kinds if k.startswith("assurance_")}
        assert assurance == ({a.spc.assurance} if a.spc.assurance else set()), b.metric_id
        now = latest(a)
        (latest_text,) = [s.text for s in b.sentences if s.kind == "latest"]
        assert fmt.value(now["value"], metric.unit, now["status"]) in latest_text
        if metric.plan_refs and any(k in kinds for k in ("special_cause_concern", "assurance_fail")):
            assert "plan_objectives" in kinds, b.metric_id


def test_exceptions_are_exactly_the_concerns_and_failures(store, area_report, latest_q):
    area = store.area.name
    expected = []
    for metric in store.catalogue.metrics:
        parts = [store.analysis(metric.id, area, b, None, latest_q.end) for b in store.breakdowns(metric.id, area)]
        total = store.analysis(metric.id, area, "All", None, latest_q.end)
        concern = any(p.spc is not None and p.spc.variation.startswith("concern") for p in parts + [total])
        failing = total.spc is not None and total.spc.assurance == "fail"
        missing = False
        if total.spc is not None and total.spc.assurance is None and metric.target is not None:
            now = latest(total)
            if now["status"] == "ok" and metric.improvement != "neutral":
                missing = (now["value"] < metric.target) if metric.improvement == "increase" else (
                    now["value"] > metric.target)
        if concern or failing or missing:
            expected.append(metric.id)
    assert [x.metric_id for x in area_report.exceptions] == expected
    assert expected, "the default data should give the board at least one exception to read"


def test_owners_and_targets(store, area_report):
    for row, metric in zip(area_report.summary, store.catalogue.metrics):
        assert row.owner == (metric.owner or "No owner named")
        assert row.target == ("None set" if metric.target is None else row.target)
    assert any(m.owner is None for m in store.catalogue.metrics)  # the case is exercised


def test_cover_names_period_place_and_synthetic_series(store, area_report, area_html, latest_q):
    assert area_report.place == f"{store.area.name} (whole area)"
    assert latest_q.label in area_html and f"{latest_q.end:%-d %B %Y}" in area_html
    synthetic = {r.title for r in area_report.summary if r.synthetic}
    assert set(area_report.synthetic_metrics) == synthetic
    assert "synthetic demonstration data" in area_html


def test_intervention_log(store, area_report, latest_q):
    """Every event up to the quarter's end that is not for one locality, and each change it lists is what the SPC
    of that series says: a signal starting within 12 months, or limits restarting at the event."""
    shown = sorted((a for a in store.annotations if pd.Timestamp(a.date) <= latest_q.end and not a.localities),
                   key=lambda a: (pd.Timestamp(a.date), a.title))
    assert [e.title for e in area_report.log] == [a.title for a in shown]
    assert any(e.rebase for e in area_report.log) and any(e.changes for e in area_report.log)
    for entry, a in zip(area_report.log, shown):
        assert entry.rebase == bool(a.rebase)
        for change in entry.changes:
            analysis = store.analysis(change.metric_id, store.area.name, change.breakdown, None, latest_q.end)
            ptype = str(analysis.series["period_type"].iloc[-1])
            if a.rebase:
                pts = analysis.spc.points.dropna(subset=["value"])
                first = pts[pts["date"] >= pd.Timestamp(a.date)].iloc[0]
                assert first["group"] > pts[pts["date"] < pd.Timestamp(a.date)]["group"].iloc[-1]
                assert change.text.startswith(f"limits recalculated from {fmt.period(first['date'], ptype)}")
            else:
                found = change_after(analysis, a.date)
                assert change.text == f"{found.words} from {fmt.period(found.first_date, ptype)}"


def test_analyst_text_is_escaped(area_report):
    """Titles and descriptions come from files analysts edit: nothing in them becomes markup."""
    hostile = LogEntry("1", "June 2025", "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "everywhere",
                       True, ())
    html = render_html(dataclasses.replace(area_report, log=(hostile,)))
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("variation, assurance, letters", [("concern_high", "fail", ["H", "F"]),
                                                          ("improvement_low", "pass", ["L", "P"]),
                                                          ("common_cause", "inconsistent", ["~", "?"]),
                                                          ("neutral_high", None, ["H"])])
def test_icons_carry_letters_and_words(variation, assurance, letters):
    html = variation_icon(variation) + assurance_icon(assurance)
    assert re.findall(r'<span class="mdc [^"]*"[^>]*>([^<]*)</span>', html) == letters
    assert f'aria-label="{fmt.VARIATION_TEXT[variation]}"' in html
    assert assurance_icon(None) == "" and variation_icon(None) == ""


@pytest.mark.parametrize("locality", LOCALITIES)
def test_every_quarter_renders(store, locality):
    """The full matrix, HTML only: every quarter the data covers, for this locality."""
    quarters = report_quarters(store)
    assert len(quarters) >= 8
    ids = {f"metric-{m.id}" for m in store.catalogue.metrics}
    for q in quarters:
        r = build_report(store, q, locality)
        html = render_html(r)
        s = structure(html)
        assert ids <= set(s.ids), q
        assert q.label in html
        assert len(r.summary) == len(store.catalogue.metrics)


# -- PDF ----------------------------------------------------------------------------------------------------

def pdf_pages(pdf: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(pdf)).pages


def test_pdf_opens_a4_numbered_with_contents(store, area_report, area_html, latest_q):
    pdf = render_pdf(area_html)
    assert pdf.startswith(b"%PDF-")
    pages = pdf_pages(pdf)
    n = len(pages)
    assert n > 10
    box = pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    first, last = pages[0].extract_text(), pages[-1].extract_text()
    assert "Quarterly performance report" in first and latest_q.label in first
    assert f"Page 1 of {n}" in first and f"Page {n} of {n}" in last
    # The contents list gives the page each part starts on (target-counter); check the intervention log's.
    contents = next(t for t in (p.extract_text() for p in pages[1:4]) if "Contents" in t)
    m = re.search(r"Intervention log[ .]*(\d+)", contents)
    assert m, contents
    log_page = pages[int(m.group(1)) - 1].extract_text()
    assert "Intervention log" in log_page and area_report.log[0].title[:20] in log_page.replace("\n", " ")
    # Charts stay vector: the chart pages carry no raster images.
    assert not any(p.images for p in pages[int(m.group(1)) - 12:int(m.group(1))])


# -- the command --------------------------------------------------------------------------------------------

def test_command_writes_html_and_pdf(tmp_path, store, latest_q, capsys):
    out = tmp_path / "report.html"
    assert main(["--quarter", str(latest_q), "--locality", "north", "--out", str(out)]) == 0
    html = out.read_text()
    assert "North locality" in html and latest_q.label in html
    assert "Wrote" in capsys.readouterr().out
    # The second PDF of the suite: the earliest quarter, for a locality, through the command.
    first = report_quarters(store)[0]
    pdf = tmp_path / "report.pdf"
    assert main(["--quarter", str(first), "--locality", "central", "--out", str(pdf)]) == 0
    pages = pdf_pages(pdf.read_bytes())
    assert len(pages) > 10 and round(float(pages[0].mediabox.height)) == 842
    assert "Central locality" in pages[0].extract_text() and first.label in pages[0].extract_text()
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
def report_page():
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


def test_page_shows_the_same_document(report_page):
    from metrics import urlstate
    from metrics.edition import get_store
    from metrics.report import report_html

    body = report_page.body(urlstate.State(page="report", locality="south", quarter="2025-Q2"))
    frame = next(_find(c, "report-frame") for c in body if _find(c, "report-frame") is not None)
    assert frame.srcDoc == report_html(get_store(), Quarter(2025, 2), "south")
    assert "allow-scripts" not in frame.sandbox  # the document needs no script; the frame runs none
    assert frame.title == "Quarterly board report: Quarter 2 2025 (April to June 2025), South locality"


def test_page_falls_back_for_a_quarter_the_report_does_not_cover(report_page, store):
    from metrics import urlstate

    before = report_quarters(store)[0].previous()
    body = report_page.body(urlstate.State(page="report", quarter=str(before)))
    assert body[0].children == urlstate.FALLBACK["quarter"]
    assert _find(body[1], "report-key").data == {"quarter": str(default_quarter(store)), "locality": "area"}


@pytest.mark.parametrize("key", [{"quarter": "<script>", "locality": "south"}, {"quarter": "2025-Q2", "locality": "x"},
                                 "junk", {"quarter": "1990-Q1", "locality": "area"}, {}])
def test_download_refuses_forged_keys(report_page, key):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict
    from dash.exceptions import PreventUpdate

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "report-html.n_clicks", "value": 1}]))
    with pytest.raises(PreventUpdate):
        report_page.download(None, 1, key)


def test_download_html(report_page):
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": "report-html.n_clicks", "value": 1}]))
    out = report_page.download(None, 1, {"quarter": "2025-Q2", "locality": "north"})
    assert out["filename"] == "send-board-report-2025-Q2-north.html"
    assert "North locality" in out["content"] and "Quarter 2 2025" in out["content"]
