"""Spidermon, loaded only when it is on."""

from scrapy.exceptions import NotConfigured


class SpidermonWhenEnabled:
    """Spidermon's extension (the quiet one of ``run.monitors``) when ``SPIDERMON_ENABLED``
    is on, else none, without importing Spidermon: Scrapy imports every extension it is
    given before asking it whether it is on, and Spidermon's imports (jsonschema, arrow,
    unittest...) cost every run some 5 MB of memory for an extension that is off by
    default."""

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("SPIDERMON_ENABLED"):
            raise NotConfigured  # no message: off by default, that is no warning
        from matter_certis.run.monitors import Spidermon

        return Spidermon.from_crawler(crawler)
