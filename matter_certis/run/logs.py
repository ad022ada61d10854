"""What a run prints. Scrapy opens every run with some 75 lines of listings (versions, enabled
components, overridden settings) and ends it with a 60-line stats dump; they help whoever
debugs Scrapy itself, not whoever runs a sync, whose summary is RunRecord's closing line.
They are demoted to DEBUG, so ``-s LOG_LEVEL=DEBUG`` still shows them."""

import logging

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
