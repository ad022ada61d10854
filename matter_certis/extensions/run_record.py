"""One ``crawling_results`` row per run, written when the spider closes."""

import json
import logging
import time

from peewee import chunked
from scrapy import signals

from matter_certis import verdict
from matter_certis.db import connection, models
from matter_certis.db.models import CrawlingResult, FailedRequest, Product, utc_now
from matter_certis.items import ProductDetail, ProductRef, RequestFailure

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
    ``audit()`` of what it stored against what it planned.

    A completed run that placed the whole listing (``spider.listed_urls()``) also judges
    delisting: listed products the listing does not show get ``delisted_at`` and give up
    their slot.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.started_at = None
        self.started = None
        self.seen_urls = set()
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
            self.seen_urls.add(item["url"])
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
            connection.reopen()  # the pipeline closed it; never created anew
            try:
                with models.database.atomic():
                    status, reasons = verdict.judge(reason, self.problems(spider, reason))
                    delisted = self.judge_delisting(spider, status)
                    if (
                        status == "completed"
                        and getattr(spider, "total_pages", None)
                        and not getattr(spider, "sliced", False)
                    ):
                        self.clear_superseded_list_failures(spider)
                    failures = [f"{f['kind']} {f['url']}: {f['error_type']}" for f in self.failures]
                    row = self.row(spider, status, reasons + failures + self.errors)
                    self.write(row)
            finally:
                models.database.close()
        except (connection.DatabaseUnavailable, connection.PeeweeException) as error:
            message = " ".join(str(error).split())
            status, reasons = verdict.judge(reason, [verdict.Problem("failed", message)])
            delisted = 0
            row = self.row(spider, status, reasons)
            if message not in (self.crawler.stats.get_value(verdict.CLOSE_MESSAGE_STAT) or ""):
                logger.error("No run record written: %s", message)
        self.status = status
        self.crawler.stats.set_value("matter/status", status)
        self.crawler.stats.set_value("matter/status_reason", reasons[0] if reasons else None)
        pages_read = self.crawler.stats.get_value("matter/pages/read", 0)
        self.summary = summary(
            row, reason, reasons, delisted=delisted, pages_read=pages_read, records=self.records
        )

    def problems(self, spider, reason):
        """What keeps this run from ``completed``, besides how it closed."""
        stats = self.crawler.stats
        problems = []
        message = stats.get_value(verdict.CLOSE_MESSAGE_STAT)
        if message:
            problems.append(verdict.Problem("failed", message))
        if self.failures:
            first = self.failures[0]
            problems.append(
                verdict.Problem(
                    "partial",
                    f"{len(self.failures)} requests failed and were dead-lettered "
                    f"(failed_requests), first {first['url']}: {first['error_type']}",
                )
            )
        if self.errors:
            problems.append(
                verdict.Problem("partial", f"{len(self.errors)} errors, first: {self.errors[0]}")
            )
        drift = stats.get_value("matter/drift")
        if drift:
            problems.append(
                verdict.Problem(
                    "degraded",
                    f"markup drift, fields usually stored came back empty: {drift}; "
                    "stored values were kept",
                )
            )
        dropped = stats.get_value("item_dropped_count", 0)
        if dropped:
            problems.append(verdict.Problem("partial", f"{dropped} items dropped"))
        if reason == "finished" and hasattr(spider, "audit"):
            problems.extend(spider.audit())
        return problems

    def row(self, spider, status, details):
        stats = self.crawler.stats
        return dict(
            session_id=spider.session_id,
            spider=spider.name,
            status=status,
            mode=getattr(spider, "mode", None),
            total_pages=getattr(spider, "total_pages", None),
            products_found=len(self.seen_urls),
            details_fetched=self.details_fetched,
            products_added=stats.get_value("matter/db/products/added", 0),
            products_updated=stats.get_value("matter/db/product_details/updated", 0),
            products_unchanged=stats.get_value("matter/db/product_details/unchanged", 0)
            + stats.get_value("matter/db/product_details/moved", 0),
            errors_count=len(self.failures) + len(self.errors),
            incomplete_pages=stats.get_value("matter/incomplete_pages", 0),
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
            connection.reopen()
            try:
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
            finally:
                models.database.close()
        except (connection.DatabaseUnavailable, connection.PeeweeException) as error:
            logger.error("No run record written: %s", error)
        logger.info("Run %s (%s) stopped: forced shutdown", spider.session_id, spider.name)
        return self.status

    def engine_stopped(self):
        """The summary is the log's last line, after Scrapy's stats dump."""
        if self.summary:
            logger.info(self.summary)

    def judge_delisting(self, spider, status):
        """After a complete run that read the whole listing (a full run, or an incremental
        one that had to read it all), mark listed products the listing no longer shows. The
        spider names what the listing shows (``listed_urls()``) only when it placed every
        card where the listing is now, so a product that merely moved is never delisted."""
        listed_urls = getattr(spider, "listed_urls", lambda: None)()
        if (
            getattr(spider, "sliced", True)
            or status != "completed"
            or any(failure["kind"] == "list" for failure in self.failures)
            or not listed_urls
        ):
            return 0
        listed = {
            url
            for (url,) in Product.select(Product.url).where(Product.delisted_at.is_null()).tuples()
        }
        gone = sorted(listed - listed_urls)
        now = utc_now()
        for urls in chunked(gone, 100):
            Product.update(delisted_at=now, updated_at=now, page_id=None, index_in_page=None).where(
                Product.url.in_(urls)
            ).execute()
        self.crawler.stats.set_value("matter/db/products/delisted", len(gone))
        return len(gone)

    def clear_superseded_list_failures(self, spider):
        """A completed run that read the listing's page count re-planned the listing from the
        database: older listing failures are answered (a dcl_vendors run answers none, nor
        does a page-range run, whose neighbour job may be recording failures right now)."""
        FailedRequest.delete().where(
            (FailedRequest.kind == "list") & (FailedRequest.session_id != spider.session_id)
        ).execute()

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


def summary(row, reason, reasons, *, delisted, pages_read, records):
    """One line with the numbers of the run's ``crawling_results`` row, and the first reason
    when it is not ``completed``."""
    if row["spider"] == "matter_products":
        on_site = "?" if row["total_pages"] is None else row["total_pages"]
        counts = (
            f"{pages_read} of {on_site} listing pages read, {row['products_found']} products "
            f"seen, {row['details_fetched']} details fetched, {row['products_added']} added, "
            f"{row['products_updated']} updated, {row['products_unchanged']} unchanged, "
            f"{delisted} delisted"
        )
    else:
        counts = f"{records} records read"
    line = (
        f"Run {row['session_id']} ({row['spider']}, {row['mode']}) {row['status']} ({reason}) "
        f"in {row['execution_time_seconds']:.1f} s: {counts}, {row['errors_count']} errors"
    )
    return line if row["status"] == "completed" or not reasons else f"{line}. Why: {reasons[0]}"
