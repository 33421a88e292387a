"""Capture the exact requests a browser sends, by driving headless Chromium against a running server.

A script injected before any page script wraps `window.fetch` and records every Dash callback POST
(`/_dash-update-component`, URL and body byte for byte), Dash's layout GET (with the page it was sent from: the
layout carries that page, components/shell.py) and every data GET the page's own script makes (a chart's
`/chart/<id>.html?...` or `/figure/<id>.json?...` when it scrolls into view, a table's `/table/<id>.html?...` when it is opened). A scenario
opens a page, waits until the page has settled (no request in flight and none started for a while), forgets what
loading sent, makes one change the way a person would (choose an option in a <select>, or type into an input) and
returns what that change sent. `chart_sources` lists every chart box's address on the page, drawn or not.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from bench.server import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CALLBACK = "_dash-update-component"
DATA_PREFIXES = ("/chart/", "/figure/", "/table/")  # what assets/dashboard.js fetches (components/routes.py serves)

_RECORDER = """
window.__bench = {posts: [], pending: 0, last: performance.now()};
const _fetch = window.fetch;
window.fetch = function (input, init) {
  const url = typeof input === 'string' ? input : input.url;
  const path = new URL(url, window.location.href).pathname;
  const callback = url.includes('%s');
  const layout = path.endsWith('/_dash-layout');  // it carries the page (its Referer names it)
  if (callback || layout || %s.some(function (p) { return path.startsWith(p); })) {
    const u = new URL(url, window.location.href);
    window.__bench.posts.push({method: callback ? 'POST' : 'GET', url: u.pathname + u.search,
                               body: callback ? (init && init.body) : null,
                               referer: layout ? window.location.pathname + window.location.search : null});
    window.__bench.pending++;
    window.__bench.last = performance.now();
    return _fetch.apply(this, arguments).finally(() => {
      window.__bench.pending--;
      window.__bench.last = performance.now();
    });
  }
  return _fetch.apply(this, arguments);
};
""" % (CALLBACK, json.dumps(list(DATA_PREFIXES)))


@dataclass(frozen=True)
class Change:
    """Open `path`, settle, then set the element at CSS `selector` to `value` ("select" or "type")."""
    path: str
    selector: str
    value: str
    how: str = "select"


def browser() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, port=free_port()), options=options)
    driver.set_script_timeout(120)  # a big page can keep the renderer busy for a while
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": _RECORDER})
    return driver


def _settle(driver, quiet_s: float = 1.0, timeout_s: float = 180.0) -> None:
    """Wait until no request is in flight and none has started or finished for `quiet_s` seconds."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            state = driver.execute_script(
                "return window.__bench && {pending: window.__bench.pending, idle: performance.now() - "
                "window.__bench.last, ready: document.readyState}")
        except TimeoutException:  # the renderer is busy drawing: ask again
            continue
        if state and state["ready"] == "complete" and state["pending"] == 0 and state["idle"] > quiet_s * 1000:
            return
        time.sleep(0.1)
    raise TimeoutError(f"page still busy after {timeout_s} s: {driver.current_url}")


def _posts(driver) -> list[dict]:
    return driver.execute_script("return window.__bench.posts")


def capture(driver, base_url: str, change: Change) -> tuple[list[dict], list[dict]]:
    """(what loading `change.path` sent, what the change then sent): lists of {method, url, body}, body as sent
    (None for a GET)."""
    driver.get(base_url + change.path)
    # The renderer may not have drawn anything yet when the page's own scripts are quiet: wait for the control.
    try:
        WebDriverWait(driver, 90).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                         change.selector)))
    except TimeoutException:
        raise TimeoutError(f"{change.selector} did not appear on {change.path} within 90 s") from None
    _settle(driver)
    on_load = _posts(driver)
    driver.execute_script("window.__bench.posts = []")
    element = driver.find_element(By.CSS_SELECTOR, change.selector)
    if change.how == "select":
        Select(element).select_by_value(change.value)
    elif change.how == "type":
        element.send_keys(change.value)
    else:
        raise ValueError(f"how: expected select or type, got {change.how!r}")
    _settle(driver)
    on_change = _posts(driver)
    if not on_change:
        raise RuntimeError(f"changing {change.selector} to {change.value!r} on {change.path} sent no request")
    return on_load, on_change


def chart_sources(driver) -> list[str]:
    """The address of every chart box on the page as it is now (`.chart[data-src]`, in page order), drawn or not."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.chart[data-src]')).map(function (b) {"
        " return b.getAttribute('data-src'); })")


def css_id(component_id: str | dict) -> str:
    """A CSS selector for a Dash component id (dict ids become the compact sorted JSON Dash puts in the DOM)."""
    if isinstance(component_id, dict):
        component_id = json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return '[id="' + component_id.replace("\\", "\\\\").replace('"', '\\"') + '"]'
