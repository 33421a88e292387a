"""Browser tests: one app server and one headless Chromium for the whole session (starting them per test would
cost seconds each), with helpers to open a page and wait until it has drawn.

Runs headless always (`make test` on CI has no display); Chromium is Debian's (/usr/bin/chromium) unless
DASH_TEST_CHROMEPATH says otherwise. Screenshots go to a temporary folder; UPDATE_SCREENSHOTS=1 writes the README's
(docs/screenshots) instead, so a test run changes no tracked file unless asked.
"""
from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DASH_TEST_CHROMEPATH", "/usr/bin/chromium")
PORT = int(os.environ.get("BROWSER_TEST_PORT", "8058"))
README_SCREENSHOTS = ROOT / "docs" / "screenshots"
WINDOW = (1280, 1000)  # the session's usual window; a test that resizes it puts it back

OUTCOME_PATHS = ("/outcome-1", "/outcome-2", "/outcome-3", "/outcome-4")


def page_param(path: str, *more, **kwargs):
    """A pytest.param for a test about page `path`."""
    return pytest.param(path, *more, **kwargs)


def pytest_configure(config):
    config.option.headless = True


# The page is drawn: Dash's renderer has no callback in flight (its redux store, as dash.testing reads it; asking
# WebDriver for `window.store` itself would copy the whole store, seconds on a big page), nothing is loading, every
# HTML body has been put in place (dashboard.js moves `data-html` into the element, a long body's rest a frame after
# its first screen: `data-rest` until then), and every chart *in the window*
# has been drawn from its current address (dashboard.js draws charts when they scroll into view). Returns true, or
# what is still missing; a failed callback or a chart that could not be drawn is reported at once ("FAILED: ...").
DRAWN = """
var s = window.store && window.store.getState();
if (!s) { return 'the Dash renderer has not started'; }
var failed = (s.error && s.error.backEnd) || [];
if (failed.length) { return 'FAILED: ' + failed.map(e => (e.error && e.error.message) || 'callback error').join('; '); }
if (!document.querySelector('#page-content .page')) { return 'no page drawn yet'; }
var pending = Object.assign({}, s.callbacks);
delete pending.stored; delete pending.completed;
if ([].concat.apply([], Object.values(pending)).length) { return 'callbacks pending'; }
if (document.querySelector('[data-dash-is-loading]')) { return 'a component is loading'; }
if (document.querySelector('#page-content [data-html]')) { return 'an HTML body is not in place yet'; }
if (document.querySelector('#page-content [data-rest]')) { return 'the rest of an HTML body is not in place yet'; }
var waiting = [];
document.querySelectorAll('.chart[data-src]').forEach(function (c) {
  var r = c.getBoundingClientRect();
  if (r.width === 0 || r.height === 0 || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 ||
      r.left >= innerWidth) {
    return;
  }
  if (c.getAttribute('data-drawn') !== c.getAttribute('data-src')) { waiting.push(c); }
});
var broken = waiting.filter(c => /could not be drawn/.test(c.textContent));
if (broken.length) { return 'FAILED: chart(s) could not be drawn: ' + broken.map(c => c.id).join(', '); }
return waiting.length ? 'charts in view not drawn yet: ' + waiting.map(c => c.id).join(', ') : true;
"""

# A chart box scrolled to the middle of the window, then drawn from its current address.
CHART_DRAWN = """
var c = arguments[0];
if (/could not be drawn/.test(c.textContent)) { return 'FAILED: ' + c.id + ' could not be drawn'; }
return c.getAttribute('data-drawn') === c.getAttribute('data-src') &&
       (!!c.data || !!c.querySelector('.svg-chart, .chart-empty'));
"""

# A drawn chart's series as the reader sees them: an SVG chart's point groups (components/spc_svg.py: name, and each
# point's period and value), or plotly.js's traces. `kind` is the SVG group's class or the trace's mode.
SERIES = """
var box = arguments[0];
if (box.querySelector('.svg-chart, .chart-empty')) {
  return Array.from(box.querySelectorAll('g[data-name]')).map(function (g) {
    var uses = Array.from(g.querySelectorAll('use'));
    return {name: g.getAttribute('data-name'), kind: g.getAttribute('class'),
            x: uses.map(u => u.getAttribute('data-x')),
            y: uses.map(u => u.getAttribute('data-v') === '' ? null : Number(u.getAttribute('data-v')))};
  });
}
return JSON.parse(JSON.stringify(box.data.map(t => ({name: t.name, kind: t.mode, x: t.x, y: t.y}))));
"""

# The words written on a drawn chart besides its axes: an SVG chart's notes and event numbers, or plotly's
# annotations.
NOTES = """
var box = arguments[0];
if (box.querySelector('.svg-chart')) {
  return Array.from(box.querySelectorAll('text.note, g.event text')).map(t => t.textContent);
}
return (box.layout.annotations || []).map(a => a.text || '');
"""


class Dashboard:
    """The running app in a browser, with what the tests do to it. `dc` is dash[testing]'s DashComposite."""

    def __init__(self, dc, screenshots: Path):
        self.dc = dc
        self.driver = dc.driver
        self.screenshots = screenshots

    def url(self, path: str) -> str:
        return self.dc.server_url + path

    def visit(self, path: str, timeout: float = 30) -> None:
        """A fresh load of `path`, as a pasted link would be, waiting until the page has drawn."""
        self.driver.get(self.url(path))
        self.wait_drawn(timeout)

    def open(self, url: str) -> str | None:
        """Load `url` and wait until it has drawn; what went wrong if it did not (for a sweep that records it)."""
        self.driver.get(url)
        try:
            self.wait_drawn()
        except AssertionError as e:
            return str(e)
        return None

    def wait_for(self, script: str, *args, timeout: float = 30, what: str = "", settle: bool = False):
        """Until `script` returns true. A string it returns says what is missing; one starting 'FAILED' stops the
        wait at once. `settle`: true twice in a row, 0.1 s apart (a callback's new body is put in place by React
        a moment after the callback is done)."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.wait import WebDriverWait
        last = {"state": None, "streak": 0}

        def ready(driver):
            state = driver.execute_script(script, *args)
            last["state"] = state
            if isinstance(state, str) and state.startswith("FAILED"):
                raise AssertionError(f"{what or 'page'} at {driver.current_url}: {state}")
            last["streak"] = last["streak"] + 1 if state is True else 0
            return last["streak"] >= (2 if settle else 1)

        try:
            WebDriverWait(self.driver, timeout, poll_frequency=0.1).until(ready)
        except TimeoutException:
            raise AssertionError(f"{what or 'page'} at {self.driver.current_url} not ready in {timeout}s: "
                                 f"{last['state']}") from None

    def wait_drawn(self, timeout: float = 30) -> None:
        """Until the page is in, no callback is pending, its HTML is in place and every chart in view is drawn."""
        self.wait_for(DRAWN, timeout=timeout, settle=True)

    def chart(self, key: str):
        """The chart box `#chart-<key>`, or None."""
        found = self.find_all(f"#chart-{key}")
        return found[0] if found else None

    def draw(self, box, timeout: float = 30):
        """Scroll a chart box into view and wait until plotly.js has drawn it (dashboard.js draws on sight)."""
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", box)
        self.wait_for(CHART_DRAWN, box, timeout=timeout, what=f"chart {box.get_attribute('id')}")
        return box

    def draw_first_chart(self):
        """The page's first chart box, drawn; None when the page has none."""
        boxes = self.find_all(".chart[data-src]")
        return self.draw(boxes[0]) if boxes else None

    def series(self, box) -> list[dict]:
        """A drawn chart box's series (name, kind, x, y) as drawn (SERIES)."""
        return self.driver.execute_script(SERIES, box)

    def figure_data(self, key: str):
        """A card's chart data as drawn (names, x, y): what the reader sees. The chart is scrolled into view and
        drawn first; None when the page has no such chart."""
        box = self.chart(key)
        if box is None:
            return None
        self.draw(box)
        return self.series(box)

    def notes_of(self, key: str) -> list[str]:
        """The words written on a drawn chart besides its axes (NOTES)."""
        return self.driver.execute_script(NOTES, self.draw(self.chart(key)))

    def severe_logs(self) -> list[dict]:
        return [e for e in self.dc.get_logs() if e.get("level") == "SEVERE"]

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
        self.screenshots.mkdir(parents=True, exist_ok=True)
        path = self.screenshots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    @contextlib.contextmanager
    def viewport(self, width: int, height: int):
        """The page's window (innerWidth × innerHeight) exactly `width` × `height`, as on that screen; the usual
        window again afterwards. (The browser's own frame takes some of a window's size, so the window is sized
        from what the page measures.)"""
        import time
        try:
            window = [width, height]
            for _ in range(3):  # the frame's size is learnt from the first try
                self.driver.set_window_size(*window)
                deadline = time.monotonic() + 3  # a resize reaches the page a moment later
                while True:
                    inner = self.driver.execute_script("return [innerWidth, innerHeight];")
                    if inner == [width, height] or time.monotonic() > deadline:
                        break
                    time.sleep(0.1)
                if inner == [width, height]:
                    break
                window = [window[0] + width - inner[0], window[1] + height - inner[1]]
            assert inner == [width, height], f"the window could not be made {width}×{height}: {inner}"
            yield
        finally:
            self.driver.set_window_size(*WINDOW)


@pytest.fixture(scope="session")
def dashboard(request, tmp_path_factory) -> Dashboard:
    """The real app on the default data, served once for the session, in one headless Chromium."""
    from dash.testing.application_runners import ThreadedRunner
    from dash.testing.composite import DashComposite

    import app as dashboard_app

    screenshots = README_SCREENSHOTS if os.environ.get("UPDATE_SCREENSHOTS") == "1" else \
        tmp_path_factory.mktemp("screenshots")
    with ThreadedRunner() as server:
        with DashComposite(server=server, browser="chrome", headless=True,
                           options=request.config.hook.pytest_setup_options(),
                           download_path=str(tmp_path_factory.mktemp("download")),
                           percy_finalize=False) as dc:
            dc.start_server(dashboard_app.app, port=PORT)
            dc.driver.set_window_size(*WINDOW)
            yield Dashboard(dc, screenshots)


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
from editions import LOCALITIES, board_sweep, public_paths, public_sweep, public_url  # noqa: E402, F401
