"""What a person feels, measured in headless Chromium (Debian's, through Selenium as the browser tests drive it).

For each page: a cold load (browser cache emptied) and a warm load (cache kept) to every chart of the first screen
drawn, and each filter change from the change to fully redrawn; the trivial Dash app's cold load, warm load and
callback round trip in the same browser and run are the yardstick. For each, from the page itself:
- `ms`: until the page is *drawn*: Dash has its layout (hydrated: a page may open with no callback at all, its body
  inside the layout, components/shell.py), no callback pending, nothing is loading, no callback request is in
  flight, every page body has been put in place (`[data-html]`, assets/dashboard.js), every dcc.Graph has plotted,
  every chart box on the first screen (`.chart[data-src]` within the window) has been drawn from its current
  address (`data-drawn` equal to `data-src`), and no chart the page started to draw is still loading (dashboard.js
  starts a little below the screen: those count too); and it stays so for QUIET_MS (the time is when it last
  became so). Charts further down are drawn when scrolled to, and are not waited for;
- `callbacks_ms`: until the last callback response arrived; `callbacks`: how many callback requests the renderer
  sent; `figures`: how many charts (GET /chart/... or /figure/...) the page fetched in the span;
- `bytes`: bytes transferred (Resource Timing's transferSize: compressed bodies and headers; 0 from cache), of
  which `callback_bytes` and `figure_bytes`;
- `dom`: elements in the document; `long_tasks` and `long_task_ms`: tasks over 50 ms on the main thread;
- `script_ms`, `layout_ms`, `style_ms`, `task_ms`: the renderer's own accounts (CDP Performance.getMetrics) of
  JavaScript, layout, style recalculation and all main-thread tasks over the measured span.
The trivial app is measured first and again just before each page; a page's ratios are to the measurement beside it.
`profile(...)` records a CPU profile (CDP Profiler) of one change or load and sums self time by function, for the
report.
"""
from __future__ import annotations

import itertools
import statistics
import time
from dataclasses import dataclass, field

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from bench.server import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
QUIET_MS = 750
WIDTH, HEIGHT = 1400, 1000

# Runs in every document before its own scripts: counts callback requests and chart figure fetches (and any that
# failed), notes when the person acted (a change or a key press, in the capture phase: before Dash hears of it),
# collects long tasks, and checks on every frame whether the page is drawn, noting when it last became so.
_PROBE = """
(function () {
  var p = window.__perf = {posts: 0, pending: 0, figures: 0, failed: [], lastNet: 0, actedAt: null, postsAtAct: 0,
                           figuresAtAct: 0, drawn: false, drawnAt: null, longtasks: []};
  var _fetch = window.fetch;
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : input.url;
    var callback = url.includes('_dash-update-component'), figure = url.includes('/figure/') || url.includes('/chart/');
    if (!callback && !figure) { return _fetch.apply(this, arguments); }
    if (callback) { p.posts++; p.pending++; } else { p.figures++; }
    return _fetch.apply(this, arguments).then(function (r) {
      if (!r.ok) { p.failed.push(r.status + ' ' + url); }
      return r;
    }).finally(function () { if (callback) { p.pending--; p.lastNet = performance.now(); } });
  };
  try {
    new PerformanceObserver(function (list) {
      list.getEntries().forEach(function (e) { p.longtasks.push([e.startTime, e.duration]); });
    }).observe({type: 'longtask', buffered: true});
  } catch (e) {}
  performance.setResourceTimingBufferSize(100000);
  function acted() {
    p.actedAt = performance.now(); p.postsAtAct = p.posts; p.figuresAtAct = p.figures;
    p.drawn = false; p.drawnAt = null; p.restAt = null;
  }
  document.addEventListener('change', acted, true);
  document.addEventListener('keydown', acted, true);
  // Which chart boxes are on the first screen, from an IntersectionObserver (asking each box for its rectangle on
  // every frame would force layouts the page itself does not do); the DOM is looked at again only after it changed.
  var onScreen = new WeakMap(), dirty = true, domDrawn = false;
  var seen = new IntersectionObserver(function (entries) {
    entries.forEach(function (e) { onScreen.set(e.target, e.isIntersecting); });
    dirty = true;
  });
  new MutationObserver(function () { dirty = true; }).observe(document, {childList: true, subtree: true,
    attributes: true, attributeFilter: ['data-src', 'data-drawn', 'data-loading', 'data-html',
                                        'data-dash-is-loading']});
  function domReady() {
    if (document.querySelector('[data-dash-is-loading], [data-html], .chart[data-loading]')) { return false; }
    var graphs = document.querySelectorAll('.dash-graph');
    for (var i = 0; i < graphs.length; i++) { if (!graphs[i].querySelector('.main-svg')) { return false; } }
    var charts = document.querySelectorAll('.chart[data-src]'), ready = true;
    for (var j = 0; j < charts.length; j++) {
      var c = charts[j];
      if (!c.__perfSeen) { c.__perfSeen = true; seen.observe(c); }
      if (c.getAttribute('data-drawn') === c.getAttribute('data-src')) { continue; }
      // Not yet reported by the observer: where it is decides (the frame lays the page out anyway).
      var on = onScreen.get(c);
      if (on === undefined) {
        var r = c.getBoundingClientRect();
        on = r.bottom > 0 && r.top < innerHeight && r.width > 0;
      }
      if (on) { ready = false; }
    }
    return ready;
  }
  function drawnNow() {
    var s = window.store && window.store.getState();
    if (!s || !document.getElementById('react-entry-point') || p.pending > 0) { return false; }
    var cb = s.callbacks || {};
    for (var k in cb) {
      if (k !== 'stored' && k !== 'completed' && Array.isArray(cb[k]) && cb[k].length) { return false; }
    }
    if (dirty) { dirty = false; domDrawn = domReady(); }
    return domDrawn && s.appLifecycle === 'HYDRATED';  // Dash has its layout (a page may need no callback)
  }
  // When a long body's rest (dashboard.js holds it back until the first screen is painted) has been laid out too.
  new MutationObserver(function (ms) {
    ms.forEach(function (m) {
      if (!m.target.hasAttribute('data-rest')) {
        requestAnimationFrame(function () { setTimeout(function () { p.restAt = performance.now(); }, 0); });
      }
    });
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-rest']});
  function tick() {
    var now = drawnNow();
    if (now && !p.drawn) { p.drawnAt = performance.now(); }
    p.drawn = now;
    requestAnimationFrame(tick);
  }
  requestAnimationFrame(tick);
})();
"""

_STATE = ("return window.__perf && {drawn: __perf.drawn, drawnAt: __perf.drawnAt, now: performance.now(), "
          "failed: __perf.failed}")

_SUMMARY = """
var p = window.__perf, since = arguments[0], until = p.drawnAt;
var entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
var bytes = 0, requests = 0, cbBytes = 0, figBytes = 0, each = [];
entries.forEach(function (e) {
  if (e.startTime >= since && e.startTime <= until) {
    bytes += e.transferSize || 0; requests++;
    if (e.name.includes('_dash-update-component')) { cbBytes += e.transferSize || 0; }
    if (e.name.includes('/figure/') || e.name.includes('/chart/')) { figBytes += e.transferSize || 0; }
    var u = new URL(e.name);
    each.push([u.pathname.split('/').pop() || u.pathname, e.transferSize || 0, e.decodedBodySize || 0,
               Math.round(e.duration)]);
  }
});
each.sort(function (a, b) { return b[2] - a[2]; });
var long = p.longtasks.filter(function (t) { return t[0] >= since && t[0] <= until; });
return {ms: until - since, callbacks_ms: p.lastNet > since ? p.lastNet - since : 0,
        rest_ms: p.restAt && p.restAt > since ? p.restAt - since : null,
        callbacks: p.posts - (since > 0 ? p.postsAtAct : 0), figures: p.figures - (since > 0 ? p.figuresAtAct : 0),
        bytes: bytes, callback_bytes: cbBytes, figure_bytes: figBytes,
        requests: requests, dom: document.getElementsByTagName('*').length,
        charts_drawn: document.querySelectorAll('.chart[data-drawn]').length,
        long_tasks: long.length, long_task_ms: long.reduce(function (a, t) { return a + t[1]; }, 0),
        largest: each.slice(0, 8)};
"""

_METRICS = {"ScriptDuration": "script_ms", "LayoutDuration": "layout_ms", "RecalcStyleDuration": "style_ms",
            "TaskDuration": "task_ms"}


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", f"--window-size={WIDTH},{HEIGHT}",
                "--disable-extensions", "--no-first-run",
                # One renderer process: every navigation reuses it, so the renderer's cumulative accounts (JS, layout,
                # style) before and after a load are of the same process (a swapped-in one made the difference negative).
                "--renderer-process-limit=1"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, port=free_port()), options=options)
    driver.set_script_timeout(120)
    driver.set_page_load_timeout(120)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _PROBE})
    driver.execute_cdp_cmd("Performance.enable", {"timeDomain": "timeTicks"})
    driver.execute_cdp_cmd("Network.enable", {})
    return driver


def _renderer_metrics(driver) -> dict:
    got = driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
    return {_METRICS[m["name"]]: m["value"] * 1000 for m in got if m["name"] in _METRICS}


def _wait_drawn(driver, timeout_s: float) -> None:
    deadline, s = time.monotonic() + timeout_s, None
    while time.monotonic() < deadline:
        try:
            s = driver.execute_script(_STATE)
        except TimeoutException:  # the renderer is busy: ask again
            continue
        if s and s.get("failed"):  # a callback or chart that failed leaves the page as it was: nothing to time
            raise RuntimeError(f"requests failed on {driver.current_url}: {s['failed'][:5]}")
        if s and s["drawn"] and s["drawnAt"] is not None and s["now"] - s["drawnAt"] >= QUIET_MS:
            return
        time.sleep(0.05)
    failed = f"; requests that failed: {s['failed'][:5]}" if s and s.get("failed") else ""
    raise TimeoutError(f"not drawn within {timeout_s} s: {driver.current_url}{failed}")


def _measure(driver, act, since_script: str, timeout_s: float) -> dict:
    before = _renderer_metrics(driver)
    act()
    _wait_drawn(driver, timeout_s)
    since = driver.execute_script(since_script)
    out = driver.execute_script(_SUMMARY, since)
    after = _renderer_metrics(driver)
    # The renderer's accounts cover the quiet wait too (little runs then); they are totals, not just the span.
    out.update({k: after[k] - before.get(k, 0) for k in after})
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in out.items()}


def load(driver, url: str, *, cold: bool, timeout_s: float = 120) -> dict:
    """Open `url` (after emptying the browser's cache if `cold`) and measure until it is drawn."""
    driver.get("about:blank")
    if cold:
        driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    return _measure(driver, lambda: driver.get(url), "return 0", timeout_s)


def _control(driver, name: str):
    return driver.find_element(By.CSS_SELECTOR, f"select[id*='\"name\":\"{name}\"'], input[id='{name}']")


_fresh = itertools.count()


def change(driver, name: str, value: str | None, *, timeout_s: float = 120) -> dict:
    """Choose `value` in the page's <select> for filter `name` (None: an option not chosen before in this run,
    from the middle of the list down, so the server has not drawn that view yet), or type `value` into the input
    whose id is `name`, and measure until redrawn."""
    element = _control(driver, name)

    def act():
        if element.tag_name == "select":
            select = Select(element)
            pick = value if value is not None else \
                select.options[max(0, len(select.options) // 2 - next(_fresh))].get_attribute("value")
            select.select_by_value(pick)
        else:
            element.send_keys(value)

    return _measure(driver, act, "return window.__perf.actedAt", timeout_s)


@dataclass(frozen=True)
class Change:
    """Filter `name` to `value`, starting from `start` (a path), measured on a warm page."""
    label: str
    start: str
    name: str
    value: str | None


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    changes: tuple[Change, ...] = field(default_factory=tuple)


PAGES = (
    Page("Board overview", "/", (
        Change("Locality → Central", "/", "locality", "central"),
        Change("Assurance → any, after failing", "/?assurance=fail", "assurance", "any"),
    )),
    Page("Therapy", "/therapy", (Change("Service → speech and language therapy", "/therapy", "service", "slt"),)),
    Page("EHC plans", "/ehcp", (Change("Locality → Central", "/ehcp", "locality", "central"),)),
    Page("Outcome page 1", "/outcome-1", (
        Change("Locality → whole area, from North", "/outcome-1?locality=north", "locality", "area"),
        Change("From → a month not asked for before", "/outcome-1", "from", None),
    )),
)
TRIVIAL = Page("Trivial Dash app", "/", (Change("Callback round trip (type a letter)", "/", "text", "b"),))


def _median(runs: list[dict]) -> dict:
    """Each number's median over the runs; anything else (the largest resources) as the first run had it."""
    def median(k):
        known = [r[k] for r in runs if isinstance(r.get(k), (int, float))]
        return round(statistics.median(known), 1) if known else None

    return {k: median(k) if isinstance(v, (int, float)) or v is None else v
            for k, v in runs[0].items()} | {"runs": len(runs)}


def measure_page(driver, base: str, page: Page, *, repeat: int) -> dict:
    """Median over `repeat` runs of cold and warm loads and of each change (each from a warm load of its start)."""
    driver.get(base + page.path)  # unmeasured: the server's own caches are warm for every measured load
    _wait_drawn(driver, 180)
    colds, warms, changes = [], [], {c.label: [] for c in page.changes}
    for _ in range(repeat):
        colds.append(load(driver, base + page.path, cold=True))
        warms.append(load(driver, base + page.path, cold=False))
        for c in page.changes:
            load(driver, base + c.start, cold=False)
            changes[c.label].append(change(driver, c.name, c.value))
    return {"path": page.path, "cold": _median(colds), "warm": _median(warms),
            "changes": {label: _median(runs) for label, runs in changes.items()}}


def _self_time(prof: dict, top: int) -> dict:
    """A CDP CPU profile's self time summed by function (and script), the largest first, in ms."""
    nodes = {n["id"]: n for n in prof["nodes"]}
    deltas = prof.get("timeDeltas", [])
    self_us: dict[int, float] = {}
    for node_id, dt in zip(prof.get("samples", []), deltas[1:] + [0]):
        self_us[node_id] = self_us.get(node_id, 0) + dt
    by_function: dict[str, float] = {}
    by_script: dict[str, float] = {}
    for node_id, us in self_us.items():
        frame = nodes[node_id]["callFrame"]
        script = frame.get("url", "").rsplit("/", 1)[-1].split("?")[0]
        script = script.split(".v")[0] if ".v" in script else script
        name = f"{frame.get('functionName') or '(anonymous)'} ({script})" if script else \
            frame.get("functionName") or "(anonymous)"
        by_function[name] = by_function.get(name, 0) + us
        by_script[script or frame["functionName"]] = by_script.get(script or frame["functionName"], 0) + us
    rank = lambda d: [[k, round(v / 1000, 1)] for k, v in sorted(d.items(), key=lambda kv: -kv[1])[:top]]  # noqa
    return {"sampled_ms": round(sum(self_us.values()) / 1000, 1), "by_function": rank(by_function),
            "by_script": rank(by_script)}


def profile(driver, base: str, what: Change | Page, *, top: int = 15) -> dict:
    """A CPU profile of one change (from a warm load of its start) or of one page's cold load."""
    if isinstance(what, Change):
        load(driver, base + what.start, cold=False)
        measure, label, path = (lambda: change(driver, what.name, what.value)), what.label, what.start
    else:
        measure, label, path = (lambda: load(driver, base + what.path, cold=True)), f"{what.label}: cold load", what.path
    driver.execute_cdp_cmd("Profiler.enable", {})
    driver.execute_cdp_cmd("Profiler.setSamplingInterval", {"interval": 200})
    driver.execute_cdp_cmd("Profiler.start", {})
    measured = measure()
    prof = driver.execute_cdp_cmd("Profiler.stop", {})["profile"]
    driver.execute_cdp_cmd("Profiler.disable", {})
    return {"change": label, "path": path, "measured": measured, **_self_time(prof, top)}


def slowest(pages: tuple[Page, ...], measured: dict, top: int) -> list[Change | Page]:
    """The page whose cold load is slowest and the `top` slowest changes, each by its ratio to the trivial app
    measured beside it: what the profiles look into."""
    def ratio(page: Page, m: dict, kind: str) -> float:
        t = measured[page.label]["trivial"]
        base = next(iter(t["changes"].values()))["ms"] if kind == "change" else t[kind]["ms"]
        return m["ms"] / base if base else 0.0

    if not pages or top <= 0:
        return []
    load_page = max(pages, key=lambda pg: ratio(pg, measured[pg.label]["cold"], "cold"))
    changes = sorted(((ratio(pg, measured[pg.label]["changes"][c.label], "change"), c) for pg in pages
                      for c in pg.changes), key=lambda rc: -rc[0])
    return [load_page, *[c for _, c in changes[:top]]]


def run(app_base: str, trivial_base: str, *, repeat: int, pages=PAGES, profile_top: int = 0) -> dict:
    """The browser part of the benchmark: the trivial app, then each page; one browser for all; then CPU profiles
    of the slowest cold load and the `profile_top` slowest changes."""
    driver = browser()
    try:
        out = {"repeat": repeat, "window": f"{WIDTH}x{HEIGHT}", "quiet_ms": QUIET_MS,
               "viewport": driver.execute_script("return window.innerWidth + 'x' + window.innerHeight"),
               "trivial": measure_page(driver, trivial_base, TRIVIAL, repeat=repeat), "pages": {}}
        for page in pages:
            # The yardstick again just before each page: other work on a shared machine comes and goes.
            beside = measure_page(driver, trivial_base, TRIVIAL, repeat=repeat)
            out["pages"][page.label] = {**measure_page(driver, app_base, page, repeat=repeat), "trivial": beside}
        out["profiles"] = [profile(driver, app_base, w) for w in slowest(pages, out["pages"], profile_top)]
        return out
    finally:
        driver.quit()
