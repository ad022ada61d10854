"""scrapy-deltafetch for Scrapy 2.19, with the keys kept in the database itself."""

import logging

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Request
from scrapy_deltafetch import DeltaFetch

from matter_certis import signals
from matter_certis.db import models
from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)

FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "none"})


class CommittedDeltaFetch(DeltaFetch):
    """Skips detail requests whose detail row the database holds, with scrapy-deltafetch's
    request logic (``deltafetch_key``, ``deltafetch_enabled``, ``DELTAFETCH_ENABLED``,
    ``DELTAFETCH_RESET``, the spider attribute ``deltafetch_reset``) and these changes:

    - the keys are the ``product_details`` rows, read when the spider opens and added to as
      ``DatabasePipeline`` commits details (``signals.details_stored``). A page is skipped
      only once its row is committed, so a killed run fetches again what it had not
      written; and there is no store file for a kill to cut halfway (scrapy-deltafetch's
      ``dbm.dumb`` store, cut mid-write, was half-loaded by every later run). Jobs writing
      one database at once (Scrapyd jobs over page ranges) share it as they share the
      rows; ``DELTAFETCH_DIR`` no longer applies;
    - ``deltafetch_reset=0`` (a string from ``-a``) means no reset;
    - ``process_spider_output`` is asynchronous (Scrapy 2.19 refuses the sync original).
    """

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("DELTAFETCH_ENABLED"):
            raise NotConfigured  # no message: the DCL walks turn it off, that is no warning
        middleware = cls(None, settings.getbool("DELTAFETCH_RESET"), crawler.stats)
        middleware.fingerprint = crawler.request_fingerprinter.fingerprint
        middleware.keys = set()
        crawler.signals.connect(middleware.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(middleware.details_stored, signal=signals.details_stored)
        return middleware

    def spider_opened(self, spider):
        """Read the stored details (the database pipeline has opened the database)."""
        if self.reset or reset_requested(spider):
            logger.info("Deltafetch reset: every detail page is fetched again")
            return
        stored = models.ProductDetail.select(models.ProductDetail.url).tuples()
        self.keys = {url.encode() for (url,) in stored}

    async def process_spider_output(self, response, result):
        async for output in result:
            if (
                isinstance(output, Request)
                and self._is_enabled_for_request(output)
                and self._get_key(output) in self.keys
            ):
                logger.debug("Skipping a detail page already stored: %s", output.url)
                self.stats.inc_value(stat_keys.DELTAFETCH_SKIPPED)
                continue
            yield output

    def details_stored(self, urls):
        self.keys.update(url.encode() for url in urls)
        self.stats.inc_value(stat_keys.DELTAFETCH_STORED, len(urls))


def reset_requested(spider):
    """The spider attribute ``deltafetch_reset``: a bool, or a string from ``-a``."""
    value = getattr(spider, "deltafetch_reset", False)
    return str(value).strip().lower() not in FALSE_WORDS
