"""WCAG 2.2 AA in a real browser: axe-core (tests/browser/axe.py) on every page of both editions for every
locality, failing on any serious or critical violation; and the chart colours' contrast, which axe cannot see
inside an SVG."""
import pytest
from editions import public_url  # noqa: F401  (fixture)

import axe
from components import theme

LOCALITIES = ("area", "north", "central", "south")
# Pages whose content does not depend on the locality: checked once, not four times.
LOCALITY_FREE = ("/accessibility", "/data")


def page_paths(board, base: str) -> list[str]:
    """Every page the edition at `base` serves: its navigation links, plus the statement linked from the footer."""
    board.driver.get(base + "/")
    board.wait_drawn()
    links = board.driver.execute_script(
        "return Array.from(document.querySelectorAll('.site-nav a')).map(a => new URL(a.href).pathname);")
    return sorted(set(links) | {"/accessibility"})


def check(board, base: str, locality: str) -> dict[str, str]:
    failures = {}
    for path in page_paths(board, base):
        if path in LOCALITY_FREE and locality != "area":
            continue
        board.driver.get(f"{base}{path}?locality={locality}" if path not in LOCALITY_FREE else base + path)
        board.wait_drawn()
        found = axe.violations(board.driver)
        if found:
            failures[path] = axe.report(found)
    return failures


@pytest.mark.parametrize("locality", LOCALITIES)
def test_board_edition_has_no_serious_violations(board, locality):
    failures = check(board, board.url(""), locality)
    assert not failures, "\n".join(f"{p}:\n{r}" for p, r in failures.items())


@pytest.mark.parametrize("locality", LOCALITIES)
def test_public_edition_has_no_serious_violations(board, public_url, locality):  # noqa: F811
    failures = check(board, public_url, locality)
    assert not failures, "\n".join(f"{p}:\n{r}" for p, r in failures.items())


def test_axe_is_the_pinned_4x_and_finds_real_problems(board):
    # The checker itself must work: on a page with a known failure it has to report it.
    board.visit("/accessibility")
    assert axe.axe_version(board.driver).startswith("4.")
    board.driver.execute_script(
        "var b = document.createElement('button'); b.id = 'axe-canary'; document.body.appendChild(b);")
    found = axe.violations(board.driver)
    assert any(v["id"] == "button-name" for v in found)
    board.driver.execute_script("document.getElementById('axe-canary').remove();")


def _luminance(hex_colour: str) -> float:
    # WCAG 2.2 relative luminance: https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula():
    # Worked examples: black on white is 21:1; #767676 on white is the classic 4.54:1.
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast("#A6A6A6", "#FFFFFF") < 3  # the usual Making Data Count grey fails, as the issue says


def test_chart_colours_meet_3_to_1_on_the_background():
    # WCAG 1.4.11 (non-text contrast): the marks that carry meaning need 3:1 against the chart background.
    colours = {"improvement": theme.IMPROVEMENT, "concern": theme.CONCERN, "common": theme.COMMON,
               "neutral": theme.NEUTRAL, "target": theme.TARGET, "line": theme.LINE,
               **{f"comparator {i}": c for i, c in enumerate(theme.COMPARATOR)},
               **{f"point {k}": v[1] for k, v in theme.POINT_STYLE.items()}}
    low = {name: round(contrast(c, theme.WHITE), 2) for name, c in colours.items() if contrast(c, theme.WHITE) < 3}
    assert low == {}
