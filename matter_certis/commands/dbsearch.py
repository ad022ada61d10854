"""``scrapy dbsearch``: find listed products without SQL, as a table on the terminal."""

import csv
import io
import json
import sys

from scrapy.exceptions import UsageError

from matter_certis.cli import output
from matter_certis.cli.command import DatabaseCommand
from matter_certis.cli.filters import add_filter_options, filters_from
from matter_certis.cli.table import table
from matter_certis.db import products
from matter_certis.output.exporters import neutralise_formula
from matter_certis.parsing import normalize

# (row key, heading) in the order shown; the URL last, never cut, so it stays clickable.
COLUMNS = (
    ("model", "Model"),
    ("manufacturer", "Manufacturer"),
    ("device_type", "Device type"),
    ("certification_date", "Certified"),
    ("certificate_id", "Certificate"),
    ("vid", "VID"),
    ("pid", "PID"),
    ("url", "URL"),
)
HEX_COLUMNS = {"vid", "pid"}
FORMATS = ("table", "csv", "json")
TABLE_LIMIT = 50


def values(row):
    """A product row as the values of ``COLUMNS``: ids as ``0x1552`` (as in the exports)."""
    return {
        key: normalize.format_hex_id(row[key])
        if key in HEX_COLUMNS and row[key] is not None
        else row[key]
        for key, _ in COLUMNS
    }


def cells(row):
    """A product row as the texts of ``COLUMNS``: no value is an empty cell."""
    return {key: "" if value is None else str(value) for key, value in values(row).items()}


def render(output_format, rows, shown):
    """``shown`` (of all ``rows`` found) as a table, CSV or JSON."""
    if output_format == "json":
        return json.dumps(list(map(values, shown)), ensure_ascii=False, indent=2)
    if output_format == "csv":
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=[key for key, _ in COLUMNS], lineterminator="\n")
        writer.writeheader()
        writer.writerows(
            {key: neutralise_formula(value) for key, value in cells(row).items()} for row in shown
        )
        return text.getvalue().rstrip("\n")
    cut_short = len(shown) < len(rows)
    more = f" (the newest {len(shown)} shown: --limit 0 for all)" if cut_short else ""
    return "\n".join(
        [*table(list(map(cells, shown)), COLUMNS, uncut={"url"}), "", f"{len(rows)} products{more}"]
    )


def limit_of(opts):
    """``--limit`` as a number (0: no limit); refused in one line unless a whole number >= 0
    (argparse's own refusal is a page of usage)."""
    if opts.limit is None:
        return TABLE_LIMIT if opts.format == "table" else 0
    if not opts.limit.isdigit():
        raise UsageError(f"--limit must be 0 or more, not {opts.limit}")
    return int(opts.limit)


class Command(DatabaseCommand):
    """Prints the listed products that match ``dbexport``'s filters (and ``--text``,
    ``--certificate``): newest first, as a table, or as CSV or JSON for a pipe."""

    def syntax(self):
        return "[options]"

    def short_desc(self):
        return "Find listed products: a table on the terminal, or CSV/JSON for a pipe"

    def add_options(self, parser):
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument(
            "--limit",
            metavar="N",
            help=f"show at most N products, newest first (0: all; default "
            f"{TABLE_LIMIT} in a table, all in CSV and JSON)",
        )
        parser.add_argument("--format", default="table", help="table (default), csv or json")

    def execute(self, args, opts):
        if args:
            raise UsageError(
                f"unexpected argument {args[0]!r}: filters are options, e.g. --text 'smart plug'"
            )
        if opts.format not in FORMATS:
            raise UsageError(f"unknown format {opts.format!r}: use table, csv or json")
        limit = limit_of(opts)
        filters = filters_from(opts)
        with self.reading():
            rows = products.product_rows(**filters)
        shown = rows[:limit] if limit else rows
        if not rows:
            print("No listed product matches these filters.", file=sys.stderr)
            if opts.format == "table":
                return
        output.write(render(opts.format, rows, shown))
