"""WCAG 2.2 AA in a real browser: axe-core (tests/browser/axe.py) on every page of both editions for every
locality, failing on any serious or critical violation; and the chart and icon colours' contrast, which axe cannot
see inside an SVG or behind a symbol. The board edition's pages are checked by
tests/browser/test_pages.py::test_every_page_draws_every_measure on its own visit of each page (one visit, not
two); the public edition's here, from the shared sweep."""
import pytest
from editions import sweep_params

import axe
from metrics import palette, vocabulary


@pytest.mark.parametrize("path, locality", sweep_params())
def test_public_edition_has_no_serious_violations(public_sweep, path, locality):
    page = public_sweep[(path, locality)]
    assert page["error"] is None, page["error"]
    found = page["axe"]
    assert not found, f"{path}?locality={locality}:\n{axe.report(found)}"


def test_axe_is_the_pinned_4x_and_finds_real_problems(board):
    # The checker itself must work: on a page with known failures it has to report them.
    board.visit("/accessibility")
    assert axe.axe_version(board.driver).startswith("4.")
    board.driver.execute_script(
        "var b = document.createElement('button'); b.id = 'axe-canary'; document.body.appendChild(b);"
        "var a = document.createElement('a'); a.id = 'axe-canary-2'; a.href = '#'; a.textContent = 'low';"
        "a.style.color = '#bbbbbb'; document.querySelector('.site-footer p').appendChild(a);")
    found = {v["id"] for v in axe.violations(board.driver)}
    board.driver.execute_script("document.getElementById('axe-canary').remove();"
                                "document.getElementById('axe-canary-2').remove();")
    assert {"button-name", "color-contrast"} <= found


def _luminance(hex_colour: str) -> float:
    # WCAG 2.2 relative luminance: https://www.w3.org/TR/WCAG22/#dfn-relative-luminance
    rgb = [int(hex_colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_contrast_formula():
    # Worked examples: black on white is 21:1; #767676 on white is the classic 4.54:1 (WebAIM's checker).
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#767676", "#FFFFFF") == pytest.approx(4.54, abs=0.01)
    assert contrast("#A6A6A6", "#FFFFFF") < 3  # the usual Making Data Count grey fails, as the issue says
    assert contrast("#00B0F0", "#FFFFFF") < 3  # and so does its light blue


def test_chart_colours_meet_3_to_1_on_the_background():
    # WCAG 1.4.11 (non-text contrast): the marks that carry meaning need 3:1 against the chart background.
    # The one palette (metrics/palette.py) draws the web charts, the CSS and the report's SVG.
    colours = {"improvement": palette.IMPROVEMENT, "concern": palette.CONCERN, "common": palette.COMMON,
               "neutral": palette.NEUTRAL, "target": palette.TARGET, "limit": palette.LIMIT,
               "series": palette.SERIES, "centre": palette.CENTRE, "event": palette.EVENT, "axis": palette.AXIS,
               **{f"comparator {i}": c for i, c in enumerate(palette.COMPARATOR)},
               **{f"category {i}": c for i, c in enumerate(palette.CATEGORY)},
               **{f"point {k}": v[0] for k, v in palette.POINT.items()}}
    low = {name: round(contrast(c, palette.WHITE), 2) for name, c in colours.items()
           if contrast(c, palette.WHITE) < 3}
    assert low == {}


def test_icon_letters_meet_4_5_to_1_on_their_colour():
    # WCAG 1.4.3: the white letter or symbol inside a board or family icon is text.
    icons = [*vocabulary.VARIATION_ICONS.values(), *vocabulary.ASSURANCE_ICONS.values(),
             *vocabulary.PUBLIC_ICONS.values()]
    assert {i.family for i in icons} <= set(palette.FAMILY)  # every icon has its colour
    fills = {f"{i.kind} {i.key}": palette.FAMILY[i.family] for i in icons}
    low = {name: round(contrast(c, palette.WHITE), 2) for name, c in fills.items()
           if contrast(c, palette.WHITE) < 4.5}
    assert low == {}


def test_meaning_never_rests_on_colour_alone():
    # Each point type has its own marker shape, each family icon its own symbol and words.
    shapes = [v[1] for v in palette.POINT.values()]
    assert len(set(shapes)) == len(shapes)
    public = list(vocabulary.PUBLIC_ICONS.values())
    assert len({i.symbol for i in public}) == len(public) and len({i.label for i in public}) == len(public)
    # A board icon's letter is shared (H, L), its words are not.
    board = [*vocabulary.VARIATION_ICONS.values(), *vocabulary.ASSURANCE_ICONS.values()]
    assert len({i.label for i in board}) == len(board)
