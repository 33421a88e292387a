"""WCAG 2.2 AA in a real browser: axe-core (tests/browser/axe.py) on every page of both editions for every
locality, failing on any serious or critical violation; and the chart and icon colours' contrast, which axe cannot
see inside an SVG or behind a symbol. The board edition's pages are checked by
tests/browser/test_pages.py::test_every_page_draws_every_measure_for_every_locality on its own visit of each page
(one visit, not two); the public edition's here, from the shared sweep."""
import pytest
from editions import LOCALITIES

import axe
from components import family, theme


@pytest.mark.parametrize("locality", LOCALITIES)
def test_public_edition_has_no_serious_violations(public_sweep, locality):
    pages = {path: page for (path, loc), page in public_sweep.items() if loc == locality}
    assert "/" in pages and "/therapy" in pages  # the sweep did visit the edition's pages
    failures = {path: axe.report(page["axe"]) for path, page in pages.items() if page["axe"]}
    assert not failures, "\n".join(f"{p}:\n{r}" for p, r in failures.items())


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
    colours = {"improvement": theme.IMPROVEMENT, "concern": theme.CONCERN, "common": theme.COMMON,
               "neutral": theme.NEUTRAL, "target": theme.TARGET, "line": theme.LINE, "series": theme.SERIES,
               **{f"comparator {i}": c for i, c in enumerate(theme.COMPARATOR)},
               **{f"point {k}": v[1] for k, v in theme.POINT_STYLE.items()}}
    low = {name: round(contrast(c, theme.WHITE), 2) for name, c in colours.items() if contrast(c, theme.WHITE) < 3}
    assert low == {}


def test_icon_letters_meet_4_5_to_1_on_their_colour():
    # WCAG 1.4.3: the white letter or symbol inside a board or family icon is text.
    fills = {**{f"variation {k}": c for k, c in theme.VARIATION_COLOUR.items()},
             **{f"assurance {k}": c for k, c in theme.ASSURANCE_COLOUR.items()},
             **{f"family {k}": v[2] for k, v in family.ICONS.items()}}
    low = {name: round(contrast(c, theme.WHITE), 2) for name, c in fills.items() if contrast(c, theme.WHITE) < 4.5}
    assert low == {}


def test_meaning_never_rests_on_colour_alone():
    # Each point type has its own marker shape, each family icon its own symbol and words.
    shapes = [v[2] for v in theme.POINT_STYLE.values()]
    assert len(set(shapes)) == len(shapes)
    symbols = [v[0] for v in family.ICONS.values()]
    assert len(set(symbols)) == len(symbols)
