"""``scrapy dbreconcile FILE``: where the site's listing and the DCL ledger disagree."""

from pathlib import Path

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from matter_certis.db import connection, reconcile
from matter_certis.items import Finding
from matter_certis.output.exporters import exporter_for


class Command(ScrapyCommand):
    """Writes one row per finding (``reconcile.FINDINGS``) through the same exporters as
    ``dbexport``, and prints how many of each kind there are. Needs both sides in the
    database: the listing (``scrapy crawl matter_products``) and the ledger (``scrapy crawl
    dcl_models`` and ``scrapy crawl dcl_compliance``)."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self):
        return "[options] FILE.csv|FILE.json|FILE.jsonl|FILE.xlsx"

    def short_desc(self):
        return "Write where the site's listing and the DCL ledger disagree, one row a finding"

    def run(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. findings.json")
        path = Path(args[0])
        try:
            exporter_class = exporter_for(self.settings, path.suffix.lstrip(".").lower())
            with connection.reading(self.settings["DATABASE_URL"]):
                if not reconcile.has_ledger():
                    raise UsageError(
                        "the database holds no DCL compliance records: run "
                        "`scrapy crawl dcl_models` and `scrapy crawl "
                        "dcl_compliance` first"
                    )
                found = reconcile.findings()
        except ValueError as error:
            raise UsageError(str(error)) from None
        with path.open("wb") as file:
            exporter = exporter_class(
                file,
                encoding=self.settings["FEED_EXPORT_ENCODING"],
                indent=self.settings.getint("FEED_EXPORT_INDENT"),
                export_empty_fields=True,
            )
            exporter.start_exporting()
            for finding in found:
                exporter.export_item(Finding(**finding))
            exporter.finish_exporting()
        print_summary(found)
        print(f"\n{len(found)} findings written to {path}")


def print_summary(found):
    """How many findings of each kind, and what each means, as a table."""
    width = max(map(len, reconcile.FINDINGS))
    print(f"{'finding':<{width}}  {'count':>6}  meaning")
    for name, count in reconcile.finding_counts(found):
        print(f"{name:<{width}}  {count:>6}  {reconcile.FINDINGS[name]}")
