"""``scrapy dbstats``: what the local database holds, at a glance."""

from matter_certis.cli.command import DatabaseCommand
from matter_certis.db import reconcile, stats
from matter_certis.db.models import ProductDetail

TOP = 10


class Command(DatabaseCommand):
    """Prints totals, the last run of each spider and what it added, how the listed
    products split by specification version, device type and transport interface, and
    the ledger's counts with how many findings ``dbreconcile`` has of each kind."""

    def short_desc(self):
        return "Summarise the local database: totals, last runs, products by kind"

    def execute(self, args, opts):
        with self.reading():
            self.print_stats()

    def print_stats(self):
        print("Totals")
        for name, count in stats.totals().items():
            print(f"  {name:<34}{count:>8}")
        print("\nFreshness (when the site last confirmed them)")
        for kind in self.freshness():
            oldest = "never" if kind.oldest is None else f"{kind.oldest:%Y-%m-%d %H:%M} UTC"
            print(
                f"  {kind.name:<16}oldest {oldest}, {kind.past} of {kind.count} past "
                f"{kind.max_age}, {kind.never} never verified"
            )
        print("\nLast run of each spider")
        for run in stats.last_runs():
            self.print_run(run)
        for title, counts in (
            ("specification version", stats.counts_by(ProductDetail.specification_version)),
            ("device type", stats.counts_by(ProductDetail.device_type)),
            ("transport interface", stats.counts_by_transport()),
        ):
            more = f" (top {TOP} of {len(counts)})" if len(counts) > TOP else ""
            print(f"\nListed products by {title}{more}")
            for value, count in counts[:TOP]:
                print(f"  {value:<34}{count:>8}")
        self.print_ledger()

    def print_ledger(self):
        print("\nThe DCL ledger")
        for name, count in reconcile.ledger_totals().items():
            print(f"  {name:<34}{count:>8}")
        missing = reconcile.missing_walks()
        if missing:
            print(f"  ({reconcile.missing_walks_message(missing)})")
            return
        print("\nListing vs ledger (scrapy dbreconcile)")
        with_firmware = reconcile.has_versions()
        found = reconcile.findings(with_firmware)
        for name, count in reconcile.finding_counts(found, with_firmware):
            print(f"  {name:<34}{count:>8}")
        if not with_firmware:
            print(f"  ({reconcile.WITHOUT_VERSIONS})")

    def print_run(self, run):
        print(
            f"  {run['spider']:<16}{run['status']:<10}{run['mode'] or '':<12}"
            f"started {run['started_at']:%Y-%m-%d %H:%M} UTC, "
            f"{run['execution_time_seconds'] or 0:.0f} s, {run['errors_count']} errors"
        )
        if run["spider"] == "matter_products":
            print(
                f"    added {run['products_added']} products, updated "
                f"{run['products_updated']}, fetched {run['details_fetched']} details"
            )
            for product in stats.added_during(run):
                print(f"    + {product['model']} ({product['manufacturer']}) {product['url']}")
