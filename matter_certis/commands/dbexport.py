"""``scrapy dbexport FILE``: the whole database as one spreadsheet or JSON file."""

import shlex
import sys
from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from matter_certis.cli import failures
from matter_certis.cli.filters import add_filter_options, filters_from
from matter_certis.db import connection, products, reconcile
from matter_certis.items import StoredProduct
from matter_certis.output.exporters import exporter_for


class Command(ScrapyCommand):
    """Writes every listed product, joined with its details and vendor name, and the ledger's
    status and part number where it matches a DCL record (``reconcile.with_ledger_columns``),
    through the same exporters as the crawl's feeds (formulas neutralised, ids as
    ``0xXXXX``)."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self):
        return "[options] FILE.csv|FILE.json|FILE.jsonl|FILE.xlsx"

    def short_desc(self):
        return "Export every listed product with its details and vendor name"

    def add_options(self, parser):
        super().add_options(parser)
        add_filter_options(parser)

    def run(self, args, opts):
        with failures.in_one_line(self):
            self.export(args, opts)

    def export(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. products.xlsx")
        path = failures.output_path(Path(args[0]))
        exporter_class = exporter_for(self.settings, path.suffix.lstrip(".").lower())
        filters = filters_from(opts)
        with connection.reading(self.settings["DATABASE_URL"]):
            rows = reconcile.with_ledger_columns(products.product_rows(**filters))
        with path.open("wb") as file:
            exporter = exporter_class(
                file,
                encoding=self.settings["FEED_EXPORT_ENCODING"],
                indent=self.settings.getint("FEED_EXPORT_INDENT"),
                export_empty_fields=True,
                fields_to_export=list(StoredProduct.fields),
            )
            exporter.start_exporting()
            for row in rows:
                exporter.export_item(StoredProduct(**row))
            exporter.finish_exporting()
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
