"""Spider middleware that refuses pages no callback can use, before any callback runs."""

from matter_certis.exceptions import UnusablePage
from matter_certis.parsing.pages import page_problem, redirected_away
from matter_certis.run import stat_keys


class PageCheckMiddleware:
    """Refuses a listing or detail response that is not a whole page of its kind (see
    ``pages.page_problem``: not HTML, empty, cut short, unparseable, parts missing) after the
    retry middleware has read it again, or a detail page that was redirected away from the
    product pages (to a home or search page, say). The request's errback then lists it in
    ``failed_requests``; the stats count ``matter/unusable/<kind>``.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_spider_input(self, response):
        kind = response.meta.get("kind")
        if redirected_away(response.request, response):
            reason = f"redirected to {response.url}"
        else:
            reason = page_problem(response.request, response)
        if reason is None:
            return
        self.stats.inc_value(stat_keys.unusable(kind))
        raise UnusablePage(reason)
