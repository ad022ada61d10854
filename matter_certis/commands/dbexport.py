"""``scrapy dbexport FILE``: the whole database as one spreadsheet or JSON file."""

from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from matter_certis import normalize, queries, reconcile
from matter_certis.exporters import exporter_for
from matter_certis.items import StoredProduct


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
        parser.add_argument("--since", metavar="DATE",
                            help="only products certified on or after DATE (e.g. 2025-01-31)")
        parser.add_argument("--vendor", metavar="NAME|VID",
                            help="only this vendor: part of its name, or its Vendor ID "
                                 "(0x1552 or 5458)")
        parser.add_argument("--device-type", metavar="TEXT",
                            help="only device types containing TEXT (e.g. Light)")

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. products.xlsx")
        path = Path(args[0])
        try:
            exporter_class = exporter_for(self.settings, path.suffix.lstrip(".").lower())
            since = normalize.parse_date(opts.since) if opts.since else None
            with queries.reading(self.settings["DATABASE_URL"]):
                rows = reconcile.with_ledger_columns(queries.listed_products(
                    since=since, vendor=opts.vendor, device_type=opts.device_type
                ))
        except (ValueError, normalize.InvalidValue) as error:
            raise UsageError(str(error)) from None
        with path.open("wb") as file:
            exporter = exporter_class(
                file,
                encoding=self.settings["FEED_EXPORT_ENCODING"],
                indent=self.settings.getint("FEED_EXPORT_INDENT"),
                export_empty_fields=True,
            )
            exporter.start_exporting()
            for row in rows:
                exporter.export_item(StoredProduct(**row))
            exporter.finish_exporting()
        print(f"{len(rows)} products written to {path}")
