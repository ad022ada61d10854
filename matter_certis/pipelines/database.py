"""Store items in the database in batches, one transaction per batch."""

import logging

from peewee import PeeweeException
from psycopg2.errors import TransactionRollbackError
from scrapy import signals as scrapy_signals

from matter_certis import signals
from matter_certis.db import connection, dead_letters, models, renames, store
from matter_certis.db import versions as db_versions
from matter_certis.db.drift import FieldCoverage
from matter_certis.exceptions import DatabaseUnavailable
from matter_certis.items import (
    DclCompliance,
    DclModel,
    DclModelVersion,
    ProductDetail,
    ProductMove,
    ProductRef,
    RequestFailure,
    Vendor,
)
from matter_certis.run import stat_keys, verdict

logger = logging.getLogger(__name__)

# The ledger's records whose changes are recorded in dcl_changes: item -> (table, record).
LEDGER = {
    DclModel: (models.DclModel, "model"),
    DclCompliance: (models.DclCompliance, "compliance"),
    DclModelVersion: (models.DclModelVersion, "version"),
}


class DatabasePipeline:
    """Buffers items and upserts each batch of ``MATTER_DB_BATCH_SIZE`` in one transaction.

    Product refs are written before details (details reference products). Counts go to the
    stats as ``matter/db/<table>/<added|updated|moved|unchanged>``; a full run records changed
    detail fields in ``product_changes``. Stored details leave the dead-letter list, and
    ``signals.details_stored`` tells deltafetch they are safe to skip next time. DCL vendors
    are upserted into ``vendors``.

    DCL model, compliance and version records are upserted into ``dcl_models``,
    ``dcl_compliance`` and ``dcl_model_versions`` (``LEDGER``), every changed value recorded
    in ``dcl_changes``. When the spider's walk of the ledger is complete (``walk_complete``:
    read whole, its count plausible) and nothing was refused, the stored records it did not
    see are marked ``removed_at``, never deleted (``settle_ledger``); a ``dcl_versions`` run
    settles the models it read whole (``settle_versions``).

    A write that fails for any reason but a conflict with another writer (a full disk, a
    database deleted or replaced during the run) ends the run ``failed`` with one line, and
    nothing more is written: rows already committed stay, the failed batch is not reported
    to deltafetch, and the next run fetches what is missing.

    Detail fields that most re-read products had stored but came back without (markup drift,
    ``drift.FieldCoverage``) are not overwritten with NULL; they are named in the stats as
    ``matter/drift`` for the run's verdict (``degraded``). A detail that would NULL a stored
    value of a field too few re-read products had yet to judge waits for a later batch (or
    the last), so the first batches of a drifting run lose nothing either.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.database_url = connection.resolve(crawler.settings["DATABASE_URL"])
        self.batch_size = crawler.settings.getint("MATTER_DB_BATCH_SIZE")
        self.buffers = {
            ProductRef: [],
            ProductDetail: [],
            ProductMove: [],
            RequestFailure: [],
            Vendor: [],
            **{item_class: [] for item_class in LEDGER},
        }
        # Keys of the ledger records stored by this run, to find those the ledger lost.
        self.ledger_seen = {item_class: set() for item_class in LEDGER}
        self.failed = False
        self.coverage = None
        self.waiting = []  # detail rows held back until drift is judged (undecided_loss)

    @classmethod
    def from_crawler(cls, crawler):
        pipeline = cls(crawler)
        crawler.signals.connect(pipeline.spider_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(pipeline.run_completed, signal=signals.run_completed)
        return pipeline

    def run_completed(self, spider):
        """What only a complete run may write (RunRecord sends this inside the transaction
        of the run's row): products the listing no longer shows are delisted when the spider
        saw the whole listing, after those that only moved address (``renames``) have
        followed their product, and their failed details leave the dead-letter list; earlier
        listing failures are answered by a run that planned the whole listing."""
        listed = spider.listed_urls()
        if listed:
            self.move_products(renames.renamed_products(listed), spider.session_id)
            delisted = store.mark_delisted(listed)
            self.crawler.stats.set_value(stat_keys.DELISTED, delisted)
            dead_letters.clear_delisted_details()
        if spider.total_pages and not spider.sliced:
            dead_letters.clear_earlier("list", spider.session_id)

    def move_products(self, moves, session_id):
        """Each product row of ``(old url, new url)`` follows its product to the new address."""
        moved = [pair for pair in moves if renames.move_product(*pair, session_id)]
        for old_url, new_url in moved:
            logger.info("Renamed: %s is now %s", old_url, new_url)
        if moved:
            self.crawler.stats.inc_value(stat_keys.RENAMED, len(moved))

    def spider_idle(self):
        """Nothing is in flight: write the buffer, so that a database analysis made now (a
        resumed run's final check) sees every item already parsed."""
        self.flush()

    def open_spider(self):
        # ``scrapy crawl`` refused an unusable database before the crawl started (exit code
        # 2); one that became unusable since (a disk filled) fails the run in one line.
        try:
            connection.open_database(self.database_url)
        except DatabaseUnavailable as error:
            self.give_up(str(error))
            return
        logger.info("Database: %s", connection.describe(self.database_url))
        self.coverage = FieldCoverage.from_database()

    def close_spider(self):
        if self.coverage is None:  # the database never opened
            return
        self.flush(last=True)
        self.settle_ledger()
        self.settle_versions()
        connection.close()
        drifting = self.coverage.drifting()
        if drifting:
            described = "; ".join(map(self.coverage.describe, drifting))
            logger.warning(
                "Markup drift: fields the products had came back empty: %s; stored values were kept",
                described,
            )
            self.crawler.stats.set_value(stat_keys.DRIFT, described)

    def process_item(self, item):
        buffer = self.buffers.get(type(item))
        if buffer is not None and not self.failed:
            # The buffered kinds are flat scrapy Items: a plain copy is what ItemAdapter's
            # recursive asdict() gave, at a thirtieth of its cost.
            buffer.append(dict(item))
            if sum(map(len, self.buffers.values())) >= self.batch_size:
                self.flush()
        return item

    def flush(self, last=False):
        """Write what is buffered in one transaction (run again if a concurrent job's
        transaction got in the way); details whose drift is undecided wait unless ``last``."""
        # A card just seen is listed: row_for leaves its delisted_at NULL (clearing it).
        refs = [store.row_for(models.Product, ref) for ref in self.buffers[ProductRef]]
        details = self.detail_rows(last)
        moves = [(move["url"], move["new_url"]) for move in self.buffers[ProductMove]]
        failures = self.buffers[RequestFailure]
        vendors = [store.row_for(models.Vendor, v) for v in self.buffers[Vendor]]
        ledger = {
            item_class: [store.row_for(table, item) for item in self.buffers[item_class]]
            for item_class, (table, _) in LEDGER.items()
        }
        if self.failed or not (
            refs or details or moves or failures or vendors or any(ledger.values())
        ):
            return
        spider = self.crawler.spider
        drifting = self.coverage.drifting()

        def write():
            store.release_slots(refs)
            products = store.save_rows(models.Product, refs, session_id=spider.session_id)
            self.move_products(moves, spider.session_id)
            saved_details = store.save_rows(
                models.ProductDetail,
                details,
                session_id=spider.session_id,
                track_changes=True,  # a detail read again, in any mode, may have changed
                keep=drifting,
            )
            store.align_detail_slots([row["url"] for row in refs + details])
            dead_letters.clear_failures([detail["url"] for detail in details])
            dead_letters.record_failures(failures)
            saved = {
                "products": products,
                "product_details": saved_details,
                "vendors": store.save_rows(models.Vendor, vendors),
            }
            for item_class, (table, record) in LEDGER.items():
                saved[table._meta.table_name] = store.save_rows(
                    table,
                    ledger[item_class],
                    session_id=spider.session_id,
                    track_changes=True,
                    change_model=models.DclChange,
                    change_row=store.ledger_change(record),
                )
            return saved

        saved = self.write(write)
        if saved is None:
            return
        self.buffers = {kind: [] for kind in self.buffers}
        for item_class, (table, _) in LEDGER.items():
            self.ledger_seen[item_class].update(map(store.key_of(table), ledger[item_class]))
        for table, outcome in saved.items():
            self.count(table, outcome)
        self.crawler.signals.send_catch_log(
            signals.details_stored, urls=[detail["url"] for detail in details]
        )

    def detail_rows(self, last):
        """The detail rows to write now: those buffered and those that waited, but for the
        ones that wait on (``FieldCoverage.undecided_loss``) unless this is the ``last``."""
        rows = self.waiting + [
            store.row_for(models.ProductDetail, d) for d in self.buffers[ProductDetail]
        ]
        self.buffers[ProductDetail] = []
        self.coverage.observe(rows)
        ready, self.waiting = [], []
        for row in rows:
            waits = not last and self.coverage.undecided_loss(row)
            (self.waiting if waits else ready).append(row)
        return ready

    def write(self, work):
        """``work()``'s result, run in one transaction; ``None`` after a failed write, which
        ends the run ``failed``."""
        try:
            connection.check_database()
            return connection.in_transaction(work)
        except DatabaseUnavailable as error:
            self.give_up(str(error))
        except (PeeweeException, TransactionRollbackError) as error:
            self.give_up(
                f"cannot write to {connection.without_password(self.database_url)}: "
                f"{' '.join(str(error).split())}"
            )
        return None

    def settle_ledger(self):
        """After a complete walk of a ledger list: its earlier refused records leave the
        dead-letter list (those still refused were dead-lettered again), and, when it
        refused none, the records it did not see are marked (``store.mark_removed``)."""
        spider = self.crawler.spider
        if self.failed or not getattr(spider, "walk_complete", False):
            return
        self.write(lambda: dead_letters.clear_earlier(spider.name, spider.session_id))
        if spider.refused or spider.item_class not in LEDGER:  # vendors are never removed
            return
        model, record = LEDGER[spider.item_class]
        seen = self.ledger_seen[spider.item_class]
        self.removed(
            model,
            record,
            self.write(lambda: store.mark_removed(model, seen, record, spider.session_id)),
        )

    def settle_versions(self):
        """After a ``dcl_versions`` run: the models it read whole are verified now, and the
        versions their lists no longer name marked (``DclVersionsSpider.versions_gone``)."""
        spider = self.crawler.spider
        if self.failed or not hasattr(spider, "versions_gone"):
            return
        whole, gone = spider.models_read_whole(), spider.versions_gone()

        def settle():
            db_versions.verified(whole, spider.planned_at)
            return db_versions.settle(whole, gone, spider.list_url, spider.session_id)

        self.removed(models.DclModelVersion, "version", self.write(settle))

    def removed(self, model, record, count):
        """Say how many ``record``s left the ledger."""
        if count:
            logger.info(
                "%d %s records are no longer on the ledger: marked removed_at", count, record
            )
            self.crawler.stats.inc_value(stat_keys.rows(model._meta.table_name, "removed"), count)

    def give_up(self, message):
        self.failed = True
        self.buffers = {kind: [] for kind in self.buffers}
        self.waiting = []
        verdict.fail(self.crawler, "database_failed", message)

    def count(self, table, outcome):
        stats = self.crawler.stats
        for name in ("added", "updated", "moved", "unchanged"):
            stats.inc_value(stat_keys.rows(table, name), len(getattr(outcome, name)))
        stats.inc_value(stat_keys.DB_CHANGES, len(outcome.changes))
