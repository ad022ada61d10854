"""A duplicate filter that never swallows a redirect hop, and asks for a detail the database
lacks once a run."""

from scrapy.dupefilters import RFPDupeFilter

from matter_certis.run.url_tally import UrlTally, url_tally


class RedirectHopsPassDupeFilter(RFPDupeFilter):
    """Scrapy's filter, except that a request the redirect middleware made is never a
    duplicate. Scrapy's own filter drops a redirect to an address already fetched without a
    word, so a redirect loop (or a product whose page redirects to another product's) simply
    disappeared. Passed on, a loop ends at REDIRECT_MAX_TIMES with ``IgnoreRequest("max
    redirections reached")`` in the request's errback, which lists it as failed.

    A detail the database lacks (meta ``from_database``: failed in an earlier run, or never
    stored) is a duplicate only of a request this run made: a resumed job's
    ``requests.seen`` must not hide it (its item may have been lost with the killed run),
    but a page that fails for good (404, 410) is asked once, not again at each step that
    finds its product still without details.

    So the fingerprints a resumed job read from ``requests.seen`` are kept apart
    (``earlier_runs``) from this run's. This run's detail pages (meta ``deltafetch_key``:
    their product's url) are marked ``ASKED`` in the run's ``UrlTally``, which holds every
    product url already; other requests' fingerprints (listing pages, redirect hops) go in
    Scrapy's own set: a set of every detail's fingerprint cost a large catalogue 3.7 MB.
    Every request let through, unless the database asked for it, goes to ``requests.seen``
    as Scrapy writes it there.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier_runs, self._fingerprints = self._fingerprints, set()
        self.crawler = None
        self.own_tally = UrlTally()  # while there is no spider

    @classmethod
    def from_crawler(cls, crawler):
        dupefilter = super().from_crawler(crawler)
        dupefilter.crawler = crawler
        return dupefilter

    @property
    def tally(self):
        spider = self.crawler and self.crawler.spider
        return self.own_tally if spider is None else url_tally(spider)

    def request_seen(self, request):
        fingerprint = self._fingerprint(request)
        hop = request.meta.get("redirect_times")
        detail = None if hop else request.meta.get("deltafetch_key")
        from_database = request.meta.get("from_database")
        asked = fingerprint in self._fingerprints or (
            detail is not None and self.tally.has(detail, UrlTally.ASKED)
        )
        if detail is None:
            self._fingerprints.add(fingerprint)
        else:
            self.tally.mark(detail, UrlTally.ASKED)
        seen = asked or (not from_database and fingerprint in self.earlier_runs)
        if not (seen or from_database) and self.file:
            # RFPDupeFilter's record: the fingerprint's length in 2 bytes, big-endian, then it.
            self.file.write(len(fingerprint).to_bytes(2, "big") + fingerprint)
        return seen and not hop
