"""components.routes: the one path for a chart's CSV, figure and table, and the overview's CSV and XLSX, served from
the small data folder (tests/unit/builders.py) on a bare Flask app, in each edition. The data are the view's own:
what a download holds is the table the card shows."""
import csv
import io

import flask
import orjson
import pytest

from components import routes
from metrics.edition import public_store
from metrics.view.measure import Scope, measure_view
from metrics.view.tables import to_csv

from builders import sheet_cells


@pytest.fixture(params=["board", "public"])
def edition(request):
    return request.param


@pytest.fixture
def client(small_store, edition, monkeypatch):
    served = small_store if edition == "board" else public_store(small_store)
    monkeypatch.setattr(routes, "get_store", lambda: served)
    monkeypatch.setattr(routes, "APP_EDITION", edition)
    app = flask.Flask("routes_test")
    routes.register(app)
    return app.test_client()


def lines(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_charts_csv_is_its_table(client, small_store, edition):
    r = client.get("/download/pct_on_time.csv?locality=central&to=2023-06")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    store = small_store if edition == "board" else public_store(small_store)
    view = measure_view(store, "pct_on_time", Scope("central", None, "2023-06"), "All", edition)
    assert r.get_data(as_text=True) == to_csv(view.charts[0].table)
    assert r.headers["Content-Disposition"] == 'attachment; filename="pct_on_time_central_2023-06.csv"'
    assert lines(r)[-1][:3] == ["June 2023", "2023-06-01", "80"]


def test_a_part_and_a_chart_by_number(client, edition):
    r = client.get("/download/waits.csv?part=Speech+and+language+therapy")
    # Public: January 2024's 20 is hidden (c) because physiotherapy's 5 is, and the total would give it back.
    assert r.status_code == 200 and lines(r)[-1][2] == ("20" if edition == "board" else "c")
    assert client.get("/download/waits.csv?part=Plumbing").status_code == 404  # a part the data does not have
    assert client.get("/download/waits.csv?chart=1").status_code == 404  # the card has one chart
    assert client.get("/download/waits.csv?chart=-1").status_code == 404
    for hostile in ("9" * 5000, "٣", "01" * 2):  # thousands of digits, a non-ASCII digit, a long index: no chart
        assert client.get(f"/download/waits.csv?chart={hostile}").status_code == 404, hostile[:10]


def test_figure_and_table_of_a_chart(client, edition):
    r = client.get("/figure/complaints.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    body = orjson.loads(r.data)
    assert body["config"]["toImageButtonOptions"]["filename"] == "complaints"
    names = [t.get("name") for t in body["figure"]["data"]]
    # The board sees the process limits; families see the values and their words, no SPC lines.
    assert ("Process limits" in names) is (edition == "board")
    table = client.get("/table/complaints.html").get_data(as_text=True)
    assert table.startswith('<div class="table-responsive"') and "<caption>Complaints, Blackpool" in table
    assert '<th scope="row">January 2024</th><td>2024-01-01</td><td>20</td>' in table


def test_an_spc_chart_is_served_drawn_as_the_view_links_it(client, small_store, edition):
    # The card links its chart at /chart/ and the route answers with the SVG of that very view's spec.
    from components.spc_svg import spc_svg
    store = small_store if edition == "board" else public_store(small_store)
    chart = measure_view(store, "complaints", Scope("central"), "All", edition).charts[0]
    assert chart.figure_href == "/chart/complaints.html?locality=central"
    r = client.get(chart.figure_href)
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.get_data(as_text=True) == spc_svg(chart.spec, chart.key)
    assert ("Process limits" in r.get_data(as_text=True)) is (edition == "board")
    # Only a measure's SPC charts are drawn so: anything else is not found.
    for path in ("/chart/no_such_measure.html", "/chart/overview.html", "/chart/complaints.html?chart=7",
                 "/chart/complaints.json"):
        assert client.get(path).status_code == 404, path


def test_the_neighbour_table(client):
    r = client.get("/table/pct_on_time.html?table=neighbours")
    assert r.status_code == 200 and '<th scope="row">Hartlepool</th>' in r.get_data(as_text=True)
    assert client.get("/table/complaints.html?table=neighbours").status_code == 404  # no comparators


def test_what_the_edition_does_not_serve_is_not_found(client, edition):
    # A board-only measure and the record-level views are not there for the public.
    assert client.get("/download/requests.csv").status_code == (200 if edition == "board" else 404)
    for path in ("/download/no_such_measure.csv", "/figure/overview.json", "/download/overview.pdf",
                 "/download/pct_on_time.csv?service=nonsense"):
        assert client.get(path).status_code == 404, path


@pytest.fixture
def board_client(small_store, monkeypatch):
    monkeypatch.setattr(routes, "get_store", lambda: small_store)
    monkeypatch.setattr(routes, "APP_EDITION", "board")
    app = flask.Flask("routes_overview_test")
    routes.register(app)
    return app.test_client()


@pytest.mark.parametrize("query, ids", [
    ("", ["pct_on_time", "complaints", "attendance", "requests", "waits", "waiting"]),
    ("?variation=concern", ["complaints", "waits"]),  # waits: by its speech and language therapy part
    ("?assurance=inconsistent", ["pct_on_time", "attendance"]),
    ("?plan=3.1", ["pct_on_time"]),
    ("?outcome=outcome-1", ["pct_on_time", "complaints", "attendance", "requests"]),
    ("?variation=improvement", ["attendance"]),
])
def test_the_overview_csv_is_every_measure_the_filters_keep(board_client, query, ids):
    got = lines(board_client.get("/download/overview.csv" + query))
    assert [row[0] for row in got[1:]] == ids
    header = got[0]
    assert header[:4] == ["metric_id", "measure", "page", "place"] and "exceptions" in header
    if not query:
        by = {row[0]: dict(zip(header, row)) for row in got[1:]}
        assert (by["complaints"]["latest"], by["complaints"]["reading"], by["complaints"]["exceptions"]) == \
            ("20", "Concern (high); No target", "concern: total")
        assert by["waits"]["exceptions"] == "concern: Speech and language therapy"
        assert by["pct_on_time"]["england"] == "50.2% (January 2023)"
        assert by["waiting"]["latest"].startswith("Not available")


def test_the_overview_csv_follows_the_pages_order(board_client):
    got = lines(board_client.get("/download/overview.csv?sort=title&outcome=outcome-1"))
    # By title, as the page lists them.
    assert [row[0] for row in got[1:]] == ["complaints", "pct_on_time", "requests", "attendance"]


def test_the_public_overview_csv_has_public_measures_and_words(client, edition):
    got = lines(client.get("/download/overview.csv?variation=concern"))
    ids = [row[0] for row in got[1:]]
    if edition == "public":
        # The public page offers no variation filter, so the link's one does not filter it either.
        assert ids == ["pct_on_time", "complaints", "attendance", "waits", "waiting"] and "exceptions" not in got[0]
        assert got[0][-1] == "example_figures"
        assert dict(zip(got[0], got[2]))["reading"] == "Getting worse"
    else:
        assert ids == ["complaints", "waits"]


def test_the_overview_xlsx_has_every_measures_rows(client, edition):
    r = client.get("/download/overview.xlsx")
    assert r.status_code == 200 and r.headers["Content-Disposition"] == 'attachment; filename="all_measures_area.xlsx"'
    sheets = sheet_cells(r.data)
    # The summary, then a sheet for each measure with a chart (waiting has none: it is unavailable; requests is
    # the board's only).
    assert list(sheets) == ["All measures", "pct_on_time", "complaints", "attendance",
                            *(["requests"] if edition == "board" else []), "waits"]
    assert sheets["complaints"][:3] == ["Period", "Period start", "Value"] and "January 2024" in sheets["complaints"]
