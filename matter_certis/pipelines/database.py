"""Store items in the database in batches, one transaction per batch."""

import logging

from itemadapter import ItemAdapter

from matter_certis import models, store
from matter_certis.items import ProductDetail, ProductRef

logger = logging.getLogger(__name__)


class DatabasePipeline:
    """Buffers items and upserts each batch of ``MATTER_DB_BATCH_SIZE`` in one transaction.

    Product refs are written before details (details reference products). Counts go to the
    stats as ``matter/db/<table>/<added|updated|unchanged>``; a full run records changed
    fields in ``product_changes``.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.database_url = crawler.settings["DATABASE_URL"]
        self.batch_size = crawler.settings.getint("MATTER_DB_BATCH_SIZE")
        self.refs = []
        self.details = []

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self):
        models.open_database(self.database_url)

    def close_spider(self):
        self.flush()
        models.database.close()

    def process_item(self, item):
        if isinstance(item, ProductRef):
            self.refs.append(ItemAdapter(item).asdict())
        elif isinstance(item, ProductDetail):
            self.details.append(ItemAdapter(item).asdict())
        if len(self.refs) + len(self.details) >= self.batch_size:
            self.flush()
        return item

    def flush(self):
        """Write what is buffered in one transaction."""
        if not self.refs and not self.details:
            return
        refs = [{**store.row_for(models.Product, ref), "delisted_at": None} for ref in self.refs]
        details = [store.row_for(models.ProductDetail, detail) for detail in self.details]
        session_id = getattr(self.crawler.spider, "session_id", None)
        track_changes = getattr(self.crawler.spider, "mode", None) == "full"
        with models.database.atomic():
            store.release_slots(refs)
            products = store.save_rows(models.Product, refs)
            saved_details = store.save_rows(
                models.ProductDetail, details, session_id=session_id, track_changes=track_changes
            )
        self.refs, self.details = [], []
        self.count("products", products)
        self.count("product_details", saved_details)

    def count(self, table, outcome):
        stats = self.crawler.stats
        for name in ("added", "updated", "unchanged"):
            stats.inc_value(f"matter/db/{table}/{name}", len(getattr(outcome, name)))
        stats.inc_value("matter/db/changes", len(outcome.changes))
