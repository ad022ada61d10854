"""Spider middleware that refuses pages no callback can use, before any callback runs."""

from scrapy.http import TextResponse


class UnusablePage(Exception):
    """A response that answered but holds no usable listing or product page."""


class PageCheckMiddleware:
    """Refuses a listing or detail response that is not HTML, or a detail page that was
    redirected away from the product pages (to a home or search page, say). The request's
    errback then lists it in ``failed_requests``; the stats count ``matter/unusable/<kind>``.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_spider_input(self, response):
        kind = response.meta.get("kind")
        if kind not in ("list", "detail"):
            return
        if not isinstance(response, TextResponse):
            content_type = response.headers.get("Content-Type", b"no content type").decode("latin-1")
            reason = f"not HTML ({content_type})"
        elif kind == "detail" and "/csa_product/" not in response.url:
            reason = f"redirected to {response.url}"
        else:
            return
        self.stats.inc_value(f"matter/unusable/{kind}")
        raise UnusablePage(reason)
