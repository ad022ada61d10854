"""Spider arguments of ``matter_products``, checked before anything is opened."""

from matter_certis.exceptions import SpiderArgumentError

MODES = ("incremental", "full")


def parse_arguments(mode, start_page, end_page):
    """Check the spider arguments; return ``(mode, start_page, end_page)`` with ints or None."""
    if mode not in MODES:
        raise SpiderArgumentError(f"mode: expected incremental or full, got {mode!r}")
    start_page = _page_number("start_page", start_page)
    end_page = _page_number("end_page", end_page)
    if start_page and end_page and end_page < start_page:
        raise SpiderArgumentError(f"end_page: {end_page} is before start_page {start_page}")
    return mode, start_page, end_page


def _page_number(name, value):
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise SpiderArgumentError(f"{name}: expected a page number from 1, got {value!r}")
    return int(text)
