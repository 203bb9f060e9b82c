"""Every colour words are written in keeps a contrast of 4.5:1 or more against its background (WCAG 2.1, 1.4.3)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbook.render import palette
from workbook.render.palette import TEXT_PAIRS, contrast_ratio

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("foreground", "background"), TEXT_PAIRS)
def test_text_colours_keep_a_contrast_of_at_least_4_5(foreground: str, background: str) -> None:
    assert contrast_ratio(foreground, background) >= 4.5, (foreground, background)


def test_contrast_ratio_matches_wcags_worked_values() -> None:
    assert contrast_ratio("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)  # the classic near miss
    assert contrast_ratio("#D55E00", "#FFFFFF") < 4.5  # Okabe–Ito's vermilion itself: too light for text


def test_widgets_and_diagrams_write_words_only_in_palette_colours() -> None:
    """No hex colour in the widget or diagram code that the palette (and so the contrast test) does not know."""
    known = {value.upper() for name, value in vars(palette).items() if name.isupper() and isinstance(value, str)}
    lines_only = {"#999999", "#AAAAAA"}  # lifelines and unplugged cables: lines, never text
    found = {}
    for path in [*(ROOT / "workbook" / "widgets").glob("*.py"), *(ROOT / "workbook" / "render").glob("*.py")]:
        for colour in re.findall(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b", path.read_text()):
            found.setdefault(colour.upper(), path.name)
    unknown = {colour: where for colour, where in found.items() if colour not in known | lines_only}
    assert not unknown, f"colours outside the palette: {unknown}"
