"""One ``crawling_results`` row per run, written when the spider closes."""

import json
import logging
import time

from scrapy import signals
from twisted.python.failure import Failure

from matter_certis import signals as project_signals
from matter_certis.db import connection
from matter_certis.db.models import CrawlingResult, utc_now
from matter_certis.exceptions import DatabaseUnavailable
from matter_certis.items import ProductDetail, ProductRef, RequestFailure
from matter_certis.run import stat_keys, verdict
from matter_certis.run.url_tally import UrlTally, url_tally

logger = logging.getLogger(__name__)

SNAPSHOT_SETTINGS = (
    "MATTER_LIST_URL",
    "DCL_BASE_URL",
    "DATABASE_URL",
    "JOBDIR",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "AUTOTHROTTLE_ENABLED",
    "DOWNLOAD_TIMEOUT",
    "RETRY_TIMES",
    "MATTER_DB_BATCH_SIZE",
)
MAX_ERROR_DETAILS = 50


class RunRecord:
    """Keeps the run's counts in memory and writes them once, when the spider closes, with
    the run's verdict (``verdict.judge``): how it closed, what failed, and the spider's own
    ``audit()`` of what it stored against what it planned. The products found are counted
    in the run's ``UrlTally`` (a resumed JOBDIR job's include those found before it stopped).

    It writes the run's row only: for a ``completed`` run it sends ``run_completed`` in the
    same transaction, so that the pipeline writes what only a complete run may (delistings).
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = None
        self.started = None
        self.details_fetched = 0
        self.records = 0  # anything else stored: ledger records
        self.failures = []
        self.errors = []
        self.summary = None
        self.status = None

    @classmethod
    def from_crawler(cls, crawler):
        extension = cls(crawler)
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.spider_error, signal=signals.spider_error)
        crawler.signals.connect(extension.item_error, signal=signals.item_error)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider):
        self.started_at = utc_now()
        self.started = time.monotonic()

    def item_scraped(self, item, spider):
        if isinstance(item, ProductRef):
            url_tally(spider).mark(item["url"], UrlTally.FOUND)
        elif isinstance(item, ProductDetail):
            self.details_fetched += 1
        elif isinstance(item, RequestFailure):
            self.failures.append(item)
        else:
            self.records += 1

    def spider_error(self, failure, response, spider):
        self.errors.append(f"{response.url}: {failure.type.__name__}: {failure.value}")

    def item_error(self, item, response, spider, failure):
        self.errors.append(f"item from {response.url}: {failure.type.__name__}: {failure.value}")

    def spider_closed(self, spider, reason):
        if self.started_at is None:
            return
        try:
            # The pipeline closed it; never created anew.
            with connection.reopened() as database, database.atomic():
                status, reasons = verdict.judge(reason, self.problems(spider, reason))
                if status == "completed":
                    self.announce_completed(spider)
                failures = [f"{f['kind']} {f['url']}: {f['error_type']}" for f in self.failures]
                row = self.row(spider, status, reasons + failures + self.errors)
                self.write(row)
        except (DatabaseUnavailable, connection.PeeweeException) as error:
            message = " ".join(str(error).split())
            status, reasons = verdict.judge(reason, [verdict.Problem("failed", message)])
            row = self.row(spider, status, reasons)
            if message not in (self.crawler.stats.get_value(stat_keys.CLOSE_MESSAGE) or ""):
                logger.error("No run record written: %s", message)
        self.status = status
        self.crawler.stats.set_value(stat_keys.STATUS, status)
        self.crawler.stats.set_value(stat_keys.STATUS_REASON, reasons[0] if reasons else None)
        stats = self.crawler.stats
        self.summary = summary(
            row,
            reason,
            reasons,
            delisted=stats.get_value(stat_keys.DELISTED, 0),
            pages_read=stats.get_value(stat_keys.PAGES_READ, 0),
            pages_planned=stats.get_value(stat_keys.PAGES_PLANNED, 0),
            records=self.records,
            verified_again=(
                stats.get_value(stat_keys.PAGES_REVERIFIED, 0),
                stats.get_value(stat_keys.DETAILS_REVERIFIED, 0),
            ),
        )

    def announce_completed(self, spider):
        """Let the pipeline write what only a complete run may (``signals.run_completed``),
        in this transaction: a write that fails there fails the run record too."""
        for _, result in self.crawler.signals.send_catch_log(
            project_signals.run_completed, spider=spider
        ):
            if isinstance(result, Failure):
                result.raiseException()

    def problems(self, spider, reason):
        """What keeps this run from ``completed``, besides how it closed."""
        stats = self.crawler.stats
        problems = []
        message = stats.get_value(stat_keys.CLOSE_MESSAGE)
        if message:
            problems.append(verdict.Problem("failed", message))
        failures = spider.unsettled(self.failures)
        if failures:
            first = failures[0]
            problems.append(
                verdict.Problem(
                    "partial",
                    f"{len(failures)} requests failed and were dead-lettered "
                    f"(failed_requests), first {first['url']}: {first['error_type']}",
                )
            )
        if self.errors:
            problems.append(
                verdict.Problem("partial", f"{len(self.errors)} errors, first: {self.errors[0]}")
            )
        drift = stats.get_value(stat_keys.DRIFT)
        if drift:
            problems.append(
                verdict.Problem(
                    "degraded",
                    f"markup drift, fields the products had came back empty: {drift}; "
                    "stored values were kept",
                )
            )
        feeds_failed = sum(
            count
            for key, count in stats.get_stats().items()
            if key.startswith(stat_keys.FEEDS_FAILED)
        )
        if feeds_failed:
            reason = stats.get_value(stat_keys.FEED_FAILURE) or "a feed was not written"
            if feeds_failed > 1:
                reason = f"{feeds_failed} feeds were not written, first: {reason}"
            problems.append(verdict.Problem("partial", reason))
        dropped = stats.get_value("item_dropped_count", 0)
        if dropped:
            problems.append(verdict.Problem("partial", f"{dropped} items dropped"))
        if reason == "finished":
            problems.extend(spider.audit())
        return problems

    def row(self, spider, status, details):
        stats = self.crawler.stats
        return dict(
            session_id=spider.session_id,
            spider=spider.name,
            status=status,
            mode=spider.mode,
            total_pages=spider.total_pages,
            products_found=url_tally(spider).count(UrlTally.FOUND),
            details_fetched=self.details_fetched,
            products_added=stats.get_value(stat_keys.rows("products", "added"), 0),
            products_updated=stats.get_value(stat_keys.rows("product_details", "updated"), 0),
            products_unchanged=stats.get_value(stat_keys.rows("product_details", "unchanged"), 0)
            + stats.get_value(stat_keys.rows("product_details", "moved"), 0),
            errors_count=len(self.failures) + len(self.errors),
            incomplete_pages=stats.get_value(stat_keys.INCOMPLETE_PAGES, 0),
            started_at=self.started_at,
            completed_at=utc_now(),
            execution_time_seconds=round(time.monotonic() - self.started, 3),
            config_snapshot=json.dumps(self.snapshot(spider), sort_keys=True),
            error_details="\n".join(details[:MAX_ERROR_DETAILS]) or None,
        )

    @staticmethod
    def write(row):
        """Insert the run's row; a rerun under the same session id (a resumed JOBDIR run)
        replaces it (ON CONFLICT DO UPDATE works on SQLite and PostgreSQL alike)."""
        CrawlingResult.insert(row).on_conflict(
            conflict_target=[CrawlingResult.session_id],
            preserve=[
                f for f in CrawlingResult._meta.sorted_fields if f is not CrawlingResult.session_id
            ],
        ).execute()

    def forced_stop(self, spider):
        """The process was stopped before the spider could close (a second Ctrl-C): still
        leave a ``stopped`` row, so the run is not silently missing."""
        if self.started_at is None or self.status is not None:
            return self.status
        self.status = "stopped"
        try:
            with connection.reopened():
                self.write(
                    self.row(
                        spider,
                        "stopped",
                        [
                            "forced shutdown (a second Ctrl-C): "
                            "items not yet written are fetched "
                            "again by the next run"
                        ],
                    )
                )
        except (DatabaseUnavailable, connection.PeeweeException) as error:
            logger.error("No run record written: %s", error)
        logger.info("Run %s (%s) stopped: forced shutdown", spider.session_id, spider.name)
        return self.status

    def engine_stopped(self):
        """The summary is the log's last line, after Scrapy's stats dump."""
        if self.summary:
            logger.info(self.summary)

    def snapshot(self, spider):
        settings = self.crawler.settings
        snapshot = {name: settings.get(name) for name in SNAPSHOT_SETTINGS}
        snapshot["DATABASE_URL"] = connection.without_password(
            connection.resolve(snapshot["DATABASE_URL"])
        )
        snapshot["arguments"] = {
            name: getattr(spider, name, None) for name in ("mode", "start_page", "end_page")
        }
        return snapshot


def summary(
    row, reason, reasons, *, delisted, pages_read, pages_planned, records, verified_again=(0, 0)
):
    """One line with the numbers of the run's ``crawling_results`` row, and the first reason
    when it is not ``completed``. Listing pages are counted against the run's plan (a page
    range's pages, or what the database lacks; pages read again after the listing moved
    count in both figures), the site's page count beside them; what it verified again only
    because its check was the oldest (``verified_again``: listing pages, details)."""
    if row["spider"] == "matter_products":
        if row["total_pages"] is None:
            pages = "listing page count never learned"
        else:
            pages = (
                f"{pages_read} of {pages_planned} planned listing pages read "
                f"({row['total_pages']} on the site)"
            )
        counts = (
            f"{pages}, {row['products_found']} products seen, {row['details_fetched']} details "
            f"fetched, {row['products_added']} added, {row['products_updated']} updated, "
            f"{row['products_unchanged']} unchanged, {delisted} delisted"
        )
        if any(verified_again):
            counts += (
                f", {verified_again[0]} listing pages and {verified_again[1]} details "
                "verified again"
            )
    else:
        counts = f"{records} records read"
    line = (
        f"Run {row['session_id']} ({row['spider']}, {row['mode']}) {row['status']} ({reason}) "
        f"in {row['execution_time_seconds']:.1f} s: {counts}, {row['errors_count']} errors"
    )
    return line if row["status"] == "completed" or not reasons else f"{line}. Why: {reasons[0]}"
