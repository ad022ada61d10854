"""scrapy-deltafetch for Scrapy 2.19, storing a key only once its detail row is committed."""

import dbm
import fcntl
import logging
import time
from contextlib import contextmanager
from pathlib import Path

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy.utils.conf import closest_scrapy_cfg
from scrapy.utils.project import data_path
from scrapy_deltafetch import DeltaFetch

from matter_certis import models, signals

logger = logging.getLogger(__name__)

WRITE_EVERY = 1000


class CommittedDeltaFetch(DeltaFetch):
    """Skips detail requests whose page is already stored, as ``DeltaFetch`` does, with
    these changes:

    - ``process_spider_output`` is asynchronous (Scrapy 2.19 refuses the sync original);
    - a key is stored when ``DatabasePipeline`` has committed the detail row, not when the
      callback yields the item: a process killed with items still in the batch buffer then
      fetches them again instead of skipping them forever;
    - a relative ``DELTAFETCH_DIR`` works without a ``scrapy.cfg`` (``store_dir``);
    - jobs running at once (Scrapyd jobs over page ranges) share the store, and dbm files
      take one writer at a time: it is read into memory at the start and opened again,
      under an exclusive lock, to add every ``WRITE_EVERY`` committed keys and at the end.
      (Opening a dbm.dumb store reads its whole index: once per database batch made a
      6,000-product crawl quadratic.) A killed run loses at most that many keys, whose
      pages the next run fetches again: the safe direction.

    The store is emptied when the database holds no product (a new database file).
    """

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("DELTAFETCH_ENABLED"):
            raise NotConfigured("DELTAFETCH_ENABLED is off")
        middleware = cls(store_dir(settings), settings.getbool("DELTAFETCH_RESET"), crawler.stats)
        middleware.fingerprint = crawler.request_fingerprinter.fingerprint
        crawler.signals.connect(middleware.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(middleware.spider_closed, signal=scrapy_signals.spider_closed)
        crawler.signals.connect(middleware.details_stored, signal=signals.details_stored)
        return middleware

    def spider_opened(self, spider):
        if not models.Product.select().exists():
            self.reset = True
        self.path = Path(self.dir) / f"{spider.name}.db"
        with self.locked():
            super().spider_opened(spider)  # opens, resets or recreates the store
            self.keys = set(self.db.keys())
            self.db.close()
        self.pending = []

    def spider_closed(self, spider):
        """The store is open only inside ``locked()``: write what is pending."""
        self.write_pending()

    @contextmanager
    def locked(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    async def process_spider_output(self, response, result):
        async for output in result:
            if (
                isinstance(output, Request)
                and self._is_enabled_for_request(output)
                and self._get_key(output) in self.keys
            ):
                logger.debug("Skipping a detail page already stored: %s", output.url)
                self.stats.inc_value("deltafetch/skipped")
                continue
            yield output

    def details_stored(self, urls):
        keys = [url.encode() for url in urls]
        self.keys.update(keys)
        self.pending.extend(keys)
        if len(self.pending) >= WRITE_EVERY:
            self.write_pending()

    def write_pending(self):
        if not self.pending:
            return
        with self.locked(), dbm.open(str(self.path), "c") as store:  # closing writes to disk
            for key in self.pending:
                store[key] = str(time.time())
        self.stats.inc_value("deltafetch/stored", len(self.pending))
        self.pending = []


def store_dir(settings):
    """Where the store lives: ``DELTAFETCH_DIR`` if absolute, else under the project's
    ``.scrapy`` directory (beside ``scrapy.cfg``, as scrapy-deltafetch does).

    Under Scrapyd the code runs from an egg with no ``scrapy.cfg``: scrapy-deltafetch then
    switches itself off with a warning, so here a relative directory goes under ``.scrapy``
    in the working directory (Scrapyd's, beside the default SQLite database), as Scrapy
    does outside a project.
    """
    path = Path(settings.get("DELTAFETCH_DIR") or "deltafetch")
    if path.is_absolute():
        return str(path)
    if closest_scrapy_cfg():
        return data_path(path)
    return str(Path.cwd() / ".scrapy" / path)
