"""A duplicate filter that never swallows a redirect hop."""

from scrapy.dupefilters import RFPDupeFilter


class RedirectHopsPassDupeFilter(RFPDupeFilter):
    """Scrapy's filter, except that a request the redirect middleware made is never a
    duplicate. Scrapy's own filter drops a redirect to an address already fetched without a
    word, so a redirect loop (or a product whose page redirects to another product's) simply
    disappeared. Passed on, a loop ends at REDIRECT_MAX_TIMES with ``IgnoreRequest("max
    redirections reached")`` in the request's errback, which lists it as failed."""

    def request_seen(self, request):
        seen = super().request_seen(request)
        return seen and not request.meta.get("redirect_times")
