"""axe-core in a Selenium-driven page: inject the pinned build and return the violations that fail WCAG 2.2 AA.

axe-core comes from the npm registry, pinned exactly in tests/browser/package.json and package-lock.json, and is
installed by `npm ci` in this folder (the Makefile's install-test does it). A Python wrapper was not used: the
common one (axe-selenium-python 3.0.0) bundles axe 3.1.1, which knows no WCAG 2.1 or 2.2 rules.
"""
from __future__ import annotations

import json
from pathlib import Path

AXE_JS = Path(__file__).resolve().parent / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0, 2.1 and 2.2 at levels A and AA: what the public sector accessibility regulations ask for.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")
FAILING_IMPACTS = ("serious", "critical")

_source: str | None = None


def _axe_source() -> str:
    global _source
    if _source is None:
        if not AXE_JS.exists():
            raise FileNotFoundError(f"{AXE_JS} is missing: run `npm ci` in tests/browser (make install-test does)")
        _source = AXE_JS.read_text(encoding="utf-8")
    return _source


def axe_version(driver) -> str:
    _inject(driver)
    return driver.execute_script("return axe.version;")


def _inject(driver) -> None:
    # WebDriver runs this outside the page's Content-Security-Policy, so the app's CSP needs no exception for it.
    if not driver.execute_script("return typeof window.axe !== 'undefined';"):
        driver.execute_script(_axe_source())


def violations(driver, *, tags=WCAG_TAGS, impacts=FAILING_IMPACTS, context: str | None = None) -> list[dict]:
    """The axe violations of the page as it is now, limited to `tags` and `impacts` (serious and critical WCAG
    2.x A/AA by default). `context` is an optional CSS selector to check only part of the page."""
    _inject(driver)
    driver.set_script_timeout(60)
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(arguments[0] ? document.querySelector(arguments[0]) : document,"
        "        {runOnly: {type: 'tag', values: arguments[1]}, resultTypes: ['violations']})"
        "  .then(function (r) { done(JSON.stringify(r.violations)); })"
        "  .catch(function (e) { done(JSON.stringify({error: String(e)})); });",
        context, list(tags))
    found = json.loads(result)
    if isinstance(found, dict):
        raise RuntimeError(f"axe-core failed: {found['error']}")
    return [v for v in found if v.get("impact") in impacts]


def report(found: list[dict]) -> str:
    """Violations as readable lines for an assertion message: rule, impact, what to fix, where."""
    lines = []
    for v in found:
        targets = [", ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"]) for n in v["nodes"]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{v.get('helpUrl', '')}]")
        lines += [f"    at {t}" for t in targets[:5]]
        if len(targets) > 5:
            lines.append(f"    ... and {len(targets) - 5} more")
    return "\n".join(lines)
