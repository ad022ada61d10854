"""scrapy-deltafetch for Scrapy 2.19, storing a key only once its detail row is committed."""

import logging
import time

from scrapy.http import Request
from scrapy_deltafetch import DeltaFetch

from matter_certis import models, signals

logger = logging.getLogger(__name__)


class CommittedDeltaFetch(DeltaFetch):
    """Skips detail requests whose page is already stored, as ``DeltaFetch`` does, with two
    changes:

    - ``process_spider_output`` is asynchronous (Scrapy 2.19 refuses the sync original);
    - a key is stored when ``DatabasePipeline`` has committed the detail row, not when the
      callback yields the item: a process killed with items still in the batch buffer then
      fetches them again instead of skipping them forever.

    The store is emptied when the database holds no product (a new database file).
    """

    @classmethod
    def from_crawler(cls, crawler):
        middleware = super().from_crawler(crawler)
        crawler.signals.connect(middleware.details_stored, signal=signals.details_stored)
        return middleware

    def spider_opened(self, spider):
        if not models.Product.select().exists():
            self.reset = True
        super().spider_opened(spider)

    async def process_spider_output(self, response, result):
        async for output in result:
            if (
                isinstance(output, Request)
                and self._is_enabled_for_request(output)
                and self._get_key(output) in self.db
            ):
                logger.debug("Skipping a detail page already stored: %s", output.url)
                self.stats.inc_value("deltafetch/skipped")
                continue
            yield output

    def details_stored(self, urls):
        for url in urls:
            self.db[url.encode()] = str(time.time())
        if urls:
            if hasattr(self.db, "sync"):  # dbm.dumb and dbm.gnu: make the keys survive a kill
                self.db.sync()
            self.stats.inc_value("deltafetch/stored", len(urls))
