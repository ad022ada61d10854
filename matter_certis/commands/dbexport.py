"""``scrapy dbexport FILE``: the whole database as one spreadsheet or JSON file."""

import shlex
import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from matter_certis.cli.command import DatabaseCommand
from matter_certis.cli.filters import add_filter_options, filters_from
from matter_certis.db import products, reconcile
from matter_certis.items import StoredProduct


class Command(DatabaseCommand):
    """Writes every listed product, joined with its details and vendor name, and the ledger's
    status and part number where it matches a DCL record (``reconcile.with_ledger_columns``),
    through the same exporters as the crawl's feeds (formulas neutralised, ids as
    ``0xXXXX``)."""

    def syntax(self):
        return "[options] FILE.csv|FILE.json|FILE.jsonl|FILE.xlsx"

    def short_desc(self):
        return "Export every listed product with its details and vendor name"

    def add_options(self, parser):
        super().add_options(parser)
        add_filter_options(parser)

    def execute(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. products.xlsx")
        path = Path(args[0])
        exporter_class = self.exporter_class(path)
        filters = filters_from(opts)
        with self.reading():
            rows = reconcile.with_ledger_columns(products.product_rows(**filters))
        self.write_items(
            path,
            exporter_class,
            (StoredProduct(**row) for row in rows),
            fields_to_export=list(StoredProduct.fields),
        )
        if not rows:
            given = [
                f"--{name.replace('_', '-')} {shlex.quote(value)}"
                for name, value in vars(opts).items()
                if name in filters and value
            ]
            print(
                "No listed product matches " + " ".join(given)
                if given
                else "The database lists no product yet",
                file=sys.stderr,
            )
        print(f"{len(rows)} products written to {path}")
