"""The report's charts (output/chart_fonts.py): a vendor name in Chinese, Japanese or Korean
drawn with an installed CJK font, what no font draws replaced, and never matplotlib's
warning per missing glyph."""

import base64
import re
import warnings

import pytest

from matter_certis.output import chart_fonts, report

VENDOR = "深圳市智能科技有限公司"
NO_FONT_DRAWS = "\U000f0000"  # a private-use character


def svg_fonts(uri):
    """The fonts whose glyphs an SVG chart draws (text is drawn as paths named by font)."""
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    return set(re.findall(r'<path id="([A-Za-z-]+)-[0-9a-f]+"', svg))


def chart(*labels):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" fails the test
        return report.bar_chart([(label, 1) for label in labels])


@pytest.fixture
def cjk_font():
    if chart_fonts.cjk_family() is None:
        pytest.skip("no font with CJK glyphs: apt-get install fonts-noto-cjk (.ci/run does)")


@pytest.fixture
def without_cjk_font(monkeypatch):
    monkeypatch.setattr(chart_fonts, "families", lambda: (chart_fonts.BASE,))
    chart_fonts.drawable.cache_clear()
    yield
    chart_fonts.drawable.cache_clear()


def test_a_cjk_vendor_name_is_drawn_with_the_cjk_font(cjk_font):
    assert chart_fonts.drawn(VENDOR) == VENDOR
    assert svg_fonts(chart(VENDOR, "Société Lumière")) == {"DejaVuSans", "NotoSansCJKjp-Regular"}


def test_a_character_no_font_draws_is_replaced(cjk_font):
    assert chart_fonts.drawn(f"Plug{NO_FONT_DRAWS} 株") == "Plug\ufffd 株"
    chart(f"Plug{NO_FONT_DRAWS}")


def test_without_a_cjk_font_cjk_names_are_replaced_without_a_warning(without_cjk_font):
    assert chart_fonts.drawn("株式会社 Lumière") == "\ufffd" * 4 + " Lumière"
    assert svg_fonts(chart(VENDOR)) == {"DejaVuSans"}
