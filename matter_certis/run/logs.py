"""What a run prints. Scrapy opens every run with some 75 lines of listings (versions, enabled
components, overridden settings) and ends it with a 60-line stats dump; they help whoever
debugs Scrapy itself, not whoever runs a sync, whose summary is RunRecord's closing line.
They are demoted to DEBUG, so ``-s LOG_LEVEL=DEBUG`` still shows them. The line per
response and per item (DEBUG too) is not even made unless DEBUG is logged
(``QuietLogFormatter``)."""

import logging

from scrapy.logformatter import LogFormatter

#: Logger name -> the start of the INFO messages (unformatted) that are demoted.
DEMOTED = {
    "scrapy.utils.log": ("Scrapy %(version)s started", "Versions:"),
    "scrapy.addons": ("Enabled addons",),
    "scrapy.middleware": ("Enabled ",),
    "scrapy.crawler": ("Overridden settings",),
    "scrapy.statscollectors": ("Dumping Scrapy stats",),
    # RunRecord's closing line names the close reason and what the run did.
    "scrapy.core.engine": ("Spider opened", "Closing spider", "Spider closed"),
}


class DemoteToDebug(logging.Filter):
    """A logger filter: INFO records whose message starts with one of ``prefixes`` become
    DEBUG records, which handlers then show or not by their level (``LOG_LEVEL``)."""

    def __init__(self, prefixes):
        super().__init__()
        self.prefixes = prefixes

    def filter(self, record):
        if record.levelno == logging.INFO and str(record.msg).startswith(self.prefixes):
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return True


def quiet_scrapy_startup():
    """Install the filters; idempotent. Call before Scrapy logs its first line (before the
    crawler process is made)."""
    for name, prefixes in DEMOTED.items():
        logger = logging.getLogger(name)
        if not any(isinstance(existing, DemoteToDebug) for existing in logger.filters):
            logger.addFilter(DemoteToDebug(prefixes))


class QuietLogFormatter(LogFormatter):
    """Scrapy's log formatter (``LOG_FORMATTER``), but a run that does not log DEBUG makes
    no "Crawled (200)" and "Scraped from" records: Scrapy makes one per response and per
    item at DEBUG, which the handlers then drop (measured: about 2% of a crawl's CPU).
    With ``LOG_LEVEL=DEBUG`` they are Scrapy's own lines."""

    def __init__(self, debug=True):
        self.debug = debug

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        level = settings.get("LOG_LEVEL")
        if isinstance(level, str):
            level = logging.getLevelName(level.upper())
        logged = settings.getbool("LOG_ENABLED") and (
            not isinstance(level, int) or level <= logging.DEBUG
        )
        return cls(debug=logged)

    def crawled(self, request, response, spider):
        return super().crawled(request, response, spider) if self.debug else None

    def scraped(self, item, response, spider):
        return super().scraped(item, response, spider) if self.debug else None
