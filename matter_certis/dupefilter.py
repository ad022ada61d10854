"""A duplicate filter that never swallows a redirect hop, and asks for a detail the database
lacks once a run."""

from scrapy.dupefilters import RFPDupeFilter


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
    (``earlier_runs``) from this run's, in Scrapy's own set: one set of this run's
    fingerprints, not two (a second one cost a large catalogue some megabytes).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.earlier_runs, self._fingerprints = self._fingerprints, set()

    def request_seen(self, request):
        fingerprint = self._fingerprint(request)
        from_database = request.meta.get("from_database")
        seen = fingerprint in self._fingerprints or (
            not from_database and fingerprint in self.earlier_runs
        )
        if seen or from_database:
            self._fingerprints.add(fingerprint)
        else:  # this run's set, and the job's requests.seen
            super().request_seen(request)
        return seen and not request.meta.get("redirect_times")
