"""Aligned tables on the terminal (``dbsearch``, ``dbfirmware``): a header, a rule, a line a
row; long cells cut so that a row fits a screen, links never, so they stay clickable. A
module without a command: Scrapy lists only the commands defined in a module."""

WIDEST_CELL = 32


def cut(text, width):
    return text if len(text) <= width else text[: width - 1] + "…"


def table(rows, columns, uncut=()):
    """Lines of an aligned table of ``rows`` (dicts of texts) in ``columns`` (pairs of key
    and heading): every cell cut at ``WIDEST_CELL`` characters but those of ``uncut`` keys
    (links)."""
    keys = [key for key, _ in columns]
    headings = dict(columns)
    shown = [
        {key: row[key] if key in uncut else cut(row[key], WIDEST_CELL) for key in keys}
        for row in rows
    ]
    widths = {key: max([len(headings[key]), *(len(row[key]) for row in shown)]) for key in keys}

    def line(texts):
        return "  ".join(texts[key].ljust(widths[key]) for key in keys).rstrip()

    return [line(headings), line({key: "-" * widths[key] for key in keys})] + [
        line(row) for row in shown
    ]
