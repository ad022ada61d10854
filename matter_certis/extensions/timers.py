"""Twisted's timed calls, purged while a crawl runs.

Every response cancels two timed calls (its download timeout and, when its connection goes
back to the pool, the idle connection's timeout). Twisted forgets a cancelled call only
when one of its timed calls comes due, and with the asyncio reactor Scrapy's own timers
(looping calls, ``call_later``) are asyncio's, not Twisted's: nothing came due during a
crawl, and every cancelled call stayed in memory to the end (about 190 bytes each: 14 MB
of a 30,000-product crawl's peak, measured). A Twisted looping call that does nothing,
once a second, lets the reactor drop them as it goes.
"""

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.reactor import is_asyncio_reactor_installed
from twisted.internet import task

#: Seconds between purges: the cancelled calls of a second's responses at most are kept.
PURGE_INTERVAL = 1.0


class TimerPurge:
    """Runs a Twisted timed call every ``interval`` seconds while the spider is open, so
    that the reactor drops the timed calls cancelled meanwhile (other reactors do at every
    turn of their loop: it is off there)."""

    def __init__(self, interval=PURGE_INTERVAL):
        self.interval = interval
        self.task = task.LoopingCall(lambda: None)

    @classmethod
    def from_crawler(cls, crawler):
        if not is_asyncio_reactor_installed():
            raise NotConfigured
        extension = cls()
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        return extension

    def spider_opened(self):
        self.task.start(self.interval, now=False)

    def spider_closed(self):
        if self.task.running:
            self.task.stop()
