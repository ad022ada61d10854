"""Deltafetch (skip pages already scraped) for Scrapy 2.19, with the keys kept in the
database itself: scrapy-deltafetch's documented rules on Scrapy's public spider middleware
base, since the package's middleware is synchronous (Scrapy 2.19 refuses it) and keeps a
store file of its own."""

import logging

from scrapy import signals as scrapy_signals
from scrapy.exceptions import NotConfigured
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.utils.python import to_bytes

from matter_certis import signals
from matter_certis.db import models
from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)

FALSE_WORDS = frozenset({"", "0", "false", "no", "off", "none"})


class CommittedDeltaFetch(BaseSpiderMiddleware):
    """Skips detail requests whose detail row the database holds, with scrapy-deltafetch's
    rules: a request's key is its meta ``deltafetch_key``, else its fingerprint; meta
    ``deltafetch_enabled: False`` means never skip it; start requests are never checked;
    ``DELTAFETCH_ENABLED`` turns it on, ``DELTAFETCH_RESET`` or the spider attribute
    ``deltafetch_reset`` fetches every page again; the stats count ``deltafetch/skipped``
    and ``deltafetch/stored``. Changed:

    - the keys are the ``product_details`` rows, read when the spider opens and added to as
      ``DatabasePipeline`` commits details (``signals.details_stored``). A page is skipped
      only once its row is committed, so a killed run fetches again what it had not
      written; and there is no store file for a kill to cut halfway (scrapy-deltafetch's
      ``dbm.dumb`` store, cut mid-write, was half-loaded by every later run). Jobs writing
      one database at once (Scrapyd jobs over page ranges) share it as they share the
      rows; ``DELTAFETCH_DIR`` no longer applies;
    - ``deltafetch_reset=0`` (a string from ``-a``) means no reset;
    - a ``mode=full`` run asks it nothing (its detail requests say ``deltafetch_enabled:
      False``), so it holds no keys: some 140 bytes a product otherwise.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.reset = crawler.settings.getbool("DELTAFETCH_RESET")
        self.fingerprint = crawler.request_fingerprinter.fingerprint
        self.keys = set()
        self.full = False

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("DELTAFETCH_ENABLED"):
            raise NotConfigured  # no message: the DCL walks turn it off, that is no warning
        middleware = cls(crawler)
        crawler.signals.connect(middleware.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(middleware.details_stored, signal=signals.details_stored)
        return middleware

    def spider_opened(self, spider):
        """Read the stored details (the database pipeline has opened the database)."""
        if self.reset or reset_requested(spider):
            logger.info("Deltafetch reset: every detail page is fetched again")
            return
        self.full = getattr(spider, "mode", None) == "full"
        if self.full:
            return
        stored = models.ProductDetail.select(models.ProductDetail.url).tuples().iterator()
        self.keys = {url.encode() for (url,) in stored}

    def get_processed_request(self, request, response):
        """``request``, or ``None`` to skip it; ``response`` is ``None`` for a start request."""
        if response is None or not request.meta.get("deltafetch_enabled", True):
            return request
        if self.key(request) not in self.keys:
            return request
        logger.debug("Skipping a detail page already stored: %s", request.url)
        self.crawler.stats.inc_value(stat_keys.DELTAFETCH_SKIPPED)
        return None

    def key(self, request):
        return to_bytes(request.meta.get("deltafetch_key") or self.fingerprint(request))

    def details_stored(self, urls):
        if not self.full:
            self.keys.update(url.encode() for url in urls)
        self.crawler.stats.inc_value(stat_keys.DELTAFETCH_STORED, len(urls))


def reset_requested(spider):
    """The spider attribute ``deltafetch_reset``: a bool, or a string from ``-a``."""
    value = getattr(spider, "deltafetch_reset", False)
    return str(value).strip().lower() not in FALSE_WORDS
