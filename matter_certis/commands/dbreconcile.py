"""``scrapy dbreconcile FILE``: where the site's listing and the DCL ledger disagree."""

import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from matter_certis.cli.command import DatabaseCommand
from matter_certis.db import reconcile
from matter_certis.exceptions import MissingWalk
from matter_certis.items import Finding


class Command(DatabaseCommand):
    """Writes one row per finding (``reconcile.FINDINGS``) through the same exporters as
    ``dbexport``, and prints how many of each kind there are. Needs a completed walk of each
    side (``reconcile.SOURCES``): the listing (``scrapy crawl matter_products``) and the
    ledger (``scrapy crawl dcl_models`` and ``scrapy crawl dcl_compliance``); without one it
    names the crawl to run, exit code 1. The firmware findings need a completed
    ``dcl_versions`` walk too: without one they are left out, as one line on stderr says."""

    def syntax(self):
        return "[options] FILE.csv|FILE.json|FILE.jsonl|FILE.xlsx"

    def short_desc(self):
        return "Write where the site's listing and the DCL ledger disagree, one row a finding"

    def execute(self, args, opts):
        if len(args) != 1:
            raise UsageError("give one output file, e.g. findings.json")
        path = Path(args[0])
        exporter_class = self.exporter_class(path)
        with self.reading():
            missing = reconcile.missing_walks()
            if missing:
                raise MissingWalk(reconcile.missing_walks_message(missing))
            with_firmware = reconcile.has_versions()
            found = reconcile.findings(with_firmware)
        self.write_items(path, exporter_class, (Finding(**finding) for finding in found))
        if not with_firmware:
            print(f"scrapy dbreconcile: {reconcile.WITHOUT_VERSIONS}", file=sys.stderr)
        print_summary(found, with_firmware)
        print(f"\n{len(found)} findings written to {path}")


def print_summary(found, with_firmware):
    """How many findings of each kind, and what each means, as a table."""
    width = max(map(len, reconcile.FINDINGS))
    print(f"{'finding':<{width}}  {'count':>6}  meaning")
    for name, count in reconcile.finding_counts(found, with_firmware):
        print(f"{name:<{width}}  {count:>6}  {reconcile.FINDINGS[name]}")
