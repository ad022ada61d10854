"""Detail pages planned but not yet requested, kept compact until the crawl has room.

A listing page names 12 products, each a detail page to fetch once the listing is read
(the listing comes first: issue 11). Turned into Scrapy requests at once, a catalogue's
worth waited in the scheduler, 2.3 KB each with headers, meta and callback arguments
(tracemalloc); a tuple of the card's values, sharing the card's url and the names every
run meets on many cards, is about 0.1 KB.
"""

from collections import deque

import scrapy
from scrapy.exceptions import DontCloseSpider

from matter_certis.listing.steps import CardRef

# A card's values and its slot, in the order a pending detail keeps them.
REF_FIELDS = (*CardRef._fields, "page_id", "index_in_page")


class PendingDetails:
    """First in, first out; pickled with the spider's ``state`` when a JOBDIR run stops."""

    def __init__(self):
        self.waiting = deque()

    def __len__(self):
        return len(self.waiting)

    def add(self, ref, known_missing=False):
        """``ref``: a card's values (a ``ProductRef`` or a dict with ``REF_FIELDS``)."""
        slot = (ref.get("page_id"), ref.get("index_in_page"))
        self.waiting.append((*CardRef.of(ref), *slot, known_missing))  # its names shared

    def take(self):
        """The oldest: its ref (every ``REF_FIELDS`` key) and whether the database is known
        to lack its detail."""
        *values, known_missing = self.waiting.popleft()
        return dict(zip(REF_FIELDS, values)), known_missing


class DetailRequests:
    """Mixed into the spider: its detail requests, pending until the scheduler has room.
    The spider has ``state`` (a dict JOBDIR keeps), ``mode``, ``parse_detail`` and
    ``record_failure``."""

    @property
    def pending_details(self):
        """Detail pages planned, not yet requested (``PendingDetails``), kept in ``state``
        with the planner."""
        return self.state.setdefault("pending_details", PendingDetails())

    def released_details(self):
        """Requests for pending detail pages, as many as fill the scheduler to twice
        CONCURRENT_REQUESTS: yielded by every callback (so that spider middlewares such as
        deltafetch see them), they keep the downloader busy without a catalogue's worth of
        requests in memory. The listing's own pages, queued first, go first."""
        room = 2 * self.settings.getint("CONCURRENT_REQUESTS") - len(self.crawler.engine.scheduler)
        while room > 0 and self.pending_details:  # other callbacks take from it meanwhile
            room -= 1
            ref, known_missing = self.pending_details.take()
            yield self.detail_request(ref, known_missing=known_missing)

    def release_when_idle(self):
        """Nothing left to answer, details still pending (those last released were all
        skipped, or failed): request them from the engine, and keep the spider open."""
        for request in self.released_details():
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def detail_request(self, ref, known_missing=False, priority=0):
        """A detail page; deltafetch may skip it only in incremental mode, for a card whose
        detail the database is not known to lack. One the database lacks is fetched once a
        run, even if a resumed job directory remembers it as seen (its item may have been
        lost): the dupefilter's rule for ``from_database``."""
        return scrapy.Request(
            ref["url"],
            callback=self.parse_detail,
            errback=self.record_failure,
            cb_kwargs={"ref": ref},
            priority=priority,
            meta={
                "kind": "detail",
                "from_database": known_missing,  # a stored product, not a card seen now
                "deltafetch_key": ref["url"],
                "deltafetch_enabled": self.mode == "incremental" and not known_missing,
            },
        )
