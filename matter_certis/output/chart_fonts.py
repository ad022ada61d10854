"""The fonts of ``dbreport``'s charts: matplotlib's own DejaVu Sans, then an installed font
with CJK glyphs (Debian's fonts-noto-cjk) for vendor names in Chinese, Japanese or Korean;
what none of them draws is replaced, so matplotlib never draws an empty box (nor warns
once per glyph)."""

from functools import cache
from pathlib import Path

from matplotlib import font_manager

BASE = "DejaVu Sans"
# Fonts with CJK glyphs, preferred first: their family names, and the file names to look
# for when matplotlib's font list was cached before the font was installed.
CJK_FAMILIES = (
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
)
CJK_FILES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSansCJKjp-Regular.otf",
    "SourceHanSans-Regular.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
)
REPLACEMENT = "\ufffd"


@cache
def families():
    """The charts' font families, in fallback order: the CJK one only when installed."""
    cjk = cjk_family()
    return (BASE, cjk) if cjk else (BASE,)


def cjk_family():
    """The first of ``CJK_FAMILIES`` installed, or None. A font installed after matplotlib
    cached its list (``~/.cache/matplotlib``) is found by its file and added."""
    found = installed(CJK_FAMILIES)
    if found is None:
        for path in font_manager.findSystemFonts():
            if Path(path).name in CJK_FILES:
                font_manager.fontManager.addfont(path)
        found = installed(CJK_FAMILIES)
    return found


def installed(names):
    known = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in names if name in known), None)


@cache
def drawable():
    """The code points the charts' fonts draw."""
    points = set()
    for family in families():
        path = font_manager.findfont(
            font_manager.FontProperties(family=family), fallback_to_default=False
        )
        points.update(font_manager.get_font(path).get_charmap())
    return frozenset(points)


def drawn(text):
    """``text`` as a chart shows it: each character no chart font draws replaced by U+FFFD
    (line breaks kept: matplotlib breaks the line there)."""
    points = drawable()
    return "".join(c if c == "\n" or ord(c) in points else REPLACEMENT for c in text)
