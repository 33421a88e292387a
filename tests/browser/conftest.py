"""Browser tests: one app server and one headless Chromium for the whole session (starting them per test would
cost seconds each), with helpers to open a page and wait until it has drawn.

Runs headless always (`make test` on CI has no display); Chromium is Debian's (/usr/bin/chromium) unless
DASH_TEST_CHROMEPATH says otherwise.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
PORT = int(os.environ.get("BROWSER_TEST_PORT", "8058"))
SCREENSHOTS = ROOT / "docs" / "screenshots"


def pytest_configure(config):
    config.option.headless = True


# The page is drawn: Dash's renderer has no callback in flight (its redux store, as dash.testing reads it; asking
# WebDriver for `window.store` itself would copy the whole store, seconds on a big page), nothing is loading, and
# every chart has plotted.
DRAWN = """
var s = window.store && window.store.getState();
if (!s || !document.querySelector('#page-content .page')) { return false; }
var pending = Object.assign({}, s.callbacks);
delete pending.stored; delete pending.completed;
return [].concat.apply([], Object.values(pending)).length === 0
    && !document.querySelector('[data-dash-is-loading]')
    && Array.from(document.querySelectorAll('.chart')).every(c => c.querySelector('.main-svg'));
"""


class Dashboard:
    """The running app in a browser, with what the tests do to it. `dc` is dash[testing]'s DashComposite."""

    def __init__(self, dc):
        self.dc = dc
        self.driver = dc.driver

    def url(self, path: str) -> str:
        return self.dc.server_url + path

    def visit(self, path: str, timeout: float = 30) -> None:
        """A fresh load of `path`, as a pasted link would be, waiting until the page has drawn."""
        self.driver.get(self.url(path))
        self.wait_drawn(timeout)

    def wait_drawn(self, timeout: float = 30) -> None:
        """Until the page is in, no callback is pending, and every chart has plotted."""
        from selenium.webdriver.support.wait import WebDriverWait
        WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(lambda d: d.execute_script(DRAWN))

    def severe_logs(self) -> list[dict]:
        return [e for e in self.dc.get_logs() if e.get("level") == "SEVERE"]

    def figure_data(self, key: str):
        """A card's chart data as plotly.js holds it (names, x, y): what the reader sees."""
        return self.driver.execute_script(
            "var g = document.querySelector('#chart-' + arguments[0] + ' .js-plotly-plot');"
            "return g ? JSON.parse(JSON.stringify(g.data.map(t => ({name: t.name, x: t.x, y: t.y})))) : null;",
            key)

    @property
    def search(self) -> str:
        return self.driver.execute_script("return window.location.search;")

    @property
    def path(self) -> str:
        return self.driver.execute_script("return window.location.pathname;")

    def filter(self, name: str):
        """The <select> bound to URL parameter `name`."""
        return self.driver.find_element("css selector", f"select[id*='\"name\":\"{name}\"']")

    def filter_value(self, name: str) -> str:
        return self.filter(name).get_attribute("value")

    def choose(self, name: str, value: str) -> None:
        """Choose `value` in a filter, as a keyboard or mouse user would, and wait for the page to redraw."""
        from selenium.webdriver.support.ui import Select
        Select(self.filter(name)).select_by_value(value)
        self.wait_drawn()

    def click(self, element) -> None:
        """Scroll `element` to the middle of the window and click it, as a reader would."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", element)
        element.click()

    def find_all(self, css: str) -> list:
        return self.driver.find_elements("css selector", css)

    def attrs(self, css: str, name: str) -> list[str]:
        return [e.get_attribute(name) for e in self.find_all(css)]

    def screenshot(self, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path


@pytest.fixture(scope="session")
def dashboard(request, tmp_path_factory) -> Dashboard:
    """The real app on the default data, served once for the session, in one headless Chromium."""
    from dash.testing.application_runners import ThreadedRunner
    from dash.testing.composite import DashComposite

    import app as dashboard_app

    with ThreadedRunner() as server:
        with DashComposite(server=server, browser="chrome", headless=True,
                           options=request.config.hook.pytest_setup_options(),
                           download_path=str(tmp_path_factory.mktemp("download")),
                           percy_finalize=False) as dc:
            dc.start_server(dashboard_app.app, port=PORT)
            dc.driver.set_window_size(1280, 1000)
            yield Dashboard(dc)


@pytest.fixture
def board(dashboard) -> Dashboard:
    """The session's dashboard with the browser log cleared, so each test sees only its own console errors."""
    dashboard.dc.get_logs()
    dashboard.dc.reset_log_timestamp()
    return dashboard


@pytest.fixture(scope="session")
def store():
    from metrics.store import get_store
    return get_store()


# The public edition's server and its sweep of pages are session fixtures defined once, here: a fixture imported
# into several test modules would be a separate fixture in each, starting a second server.
from editions import LOCALITIES, public_sweep, public_url  # noqa: E402, F401
