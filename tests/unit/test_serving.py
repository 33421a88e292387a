"""components.serving on the real app (through Flask's test client): the page loads no plotly.js, names the partial
bundle for dashboard.js to load when a chart needs it, and the full one is not served; responses are compressed with each encoding a browser may ask for and decompress to
the very bytes; fingerprinted files are cached for good, anything else is not."""
import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from backports import zstd
from plotly.offline import get_plotlyjs_version

from components import serving

ROOT = Path(__file__).resolve().parents[2]
CHROME = "gzip, deflate, br, zstd"
FULL = "/_dash-component-suites/plotly/package_data/plotly.min.js"


@pytest.fixture(scope="module")
def client():
    import app
    return app.server.test_client()


@pytest.fixture(scope="module")
def scripts(client) -> list[str]:
    return re.findall(r'<script src="([^"]+)"', client.get("/").get_data(as_text=True))


@pytest.fixture(scope="module")
def plotly_src(client) -> str:
    return re.search(r'<meta name="plotly-src" content="([^"]+)">', client.get("/").get_data(as_text=True)).group(1)


def test_the_page_names_the_partial_bundle_and_loads_no_plotly(client, scripts, plotly_src):
    # SPC charts come drawn as SVG: plotly.js is not a script of the page, only an address dashboard.js loads from.
    assert [s for s in scripts if "plotly" in s] == []
    assert plotly_src == f"/assets/vendor/plotly-basic-{get_plotlyjs_version()}.min.js?m=" + plotly_src.split("?m=")[1]
    sent = client.get(plotly_src)
    assert sent.status_code == 200 and sent.headers["Cache-Control"] == serving.IMMUTABLE
    assert sent.get_data()[:200].decode().find(get_plotlyjs_version()) > 0
    # The renderer would fetch the full bundle only if window.Plotly were missing; it is never served.
    assert client.get(FULL).status_code == 404
    # Nothing in the page names it either (dcc's resource list is process-wide and any other Dash() in the
    # same test worker adds it back, so the page is what is checked, not that list).
    assert "package_data/plotly.min.js" not in client.get("/").get_data(as_text=True)


def test_the_vendored_bundle_is_the_plotly_js_that_plotly_py_bundles():
    # The same plotly.js version as the full bundle it replaces, so figures mean the same to both; the very file
    # `make vendor-plotly` fetches (its version and checksum are pinned in the Makefile).
    (bundle,) = (ROOT / "assets" / "vendor").glob("plotly-basic-*.min.js")
    data = bundle.read_bytes()
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in data[:200].decode()
    pins = dict(re.findall(r"^(PLOTLY_JS|PLOTLY_BASIC_SHA256) := (\S+)$", (ROOT / "Makefile").read_text(), re.M))
    assert pins["PLOTLY_JS"] == get_plotlyjs_version() and bundle.name == f"plotly-basic-{pins['PLOTLY_JS']}.min.js"
    assert hashlib.sha256(data).hexdigest() == pins["PLOTLY_BASIC_SHA256"]
    assert len(data) < 1_300_000  # the full bundle is 4.8 MB


@pytest.mark.parametrize("accept, encoding, decode", [
    (CHROME, "zstd", zstd.decompress),
    ("gzip, deflate, br", "br", brotli.decompress),
    ("gzip", "gzip", gzip.decompress),
    ("identity", None, lambda b: b),
])
def test_responses_are_compressed_as_asked_and_decompress_to_the_same_bytes(client, scripts, plotly_src, accept,
                                                                             encoding, decode):
    for path in [scripts[-1], plotly_src, "/_dash-layout", "/_dash-dependencies"]:
        plain = client.get(path, headers={"Accept-Encoding": "identity"}).get_data()
        sent = client.get(path, headers={"Accept-Encoding": accept})
        assert sent.headers.get("Content-Encoding") == encoding, path
        assert "Accept-Encoding" in sent.headers["Vary"]
        body = sent.get_data()
        assert decode(body) == plain
        if encoding:
            assert len(body) < len(plain) / 2, path


@pytest.mark.parametrize("path, query, expected", [
    ("_dash-component-suites/dash/dcc/dash_core_components.v4_4_1m1796418181.js", {}, True),
    ("_dash-component-suites/dash/dcc/async-graph.js", {}, False),
    ("assets/vendor/plotly-basic-4.1.1.min.js", {"m": "1796418921.02"}, True),
    ("assets/style.css", {}, False),
    ("_dash-layout", {"m": "1"}, False),
    ("", {}, False),
])
def test_what_counts_as_fingerprinted(path, query, expected):
    assert serving.fingerprinted(path, query) is expected


def test_fingerprinted_files_are_cached_for_good_and_the_rest_revalidated(client, scripts):
    for src in scripts:
        assert client.get(src).headers["Cache-Control"] == serving.IMMUTABLE, src
    for path in ["/", "/_dash-layout", "/_dash-dependencies", "/assets/style.css"]:
        assert "immutable" not in client.get(path).headers.get("Cache-Control", ""), path
