"""The listing planner's state (plain attributes, pickled with a JOBDIR) and what every
part of the planner asks of it: a run's scope, its listing requests, what it saw listed."""

from dataclasses import dataclass, field

from matter_certis.listing.movement import Listing
from matter_certis.listing.places import SortedUrls
from matter_certis.listing.positions import page_slots
from matter_certis.listing.steps import PageRead


@dataclass
class SyncState:
    """What a run knows of the listing so far, kept between answers (and across a resumed
    JOBDIR run): its arguments (``mode``, ``start_page``, ``end_page``: a page-range run is
    ``sliced`` and judges no delisting), its latest status check, the pages it read
    (``listing``, a ``movement.Listing``), and the slots it must still show."""

    mode: str = "incremental"
    start_page: int | None = None
    end_page: int | None = None
    max_moves: int = 5  # checks that may find the listing moved before the run gives up
    total_pages: int | None = None
    total: int | None = None  # products, at the latest check
    listing: Listing | None = None  # the pages read, once the first check is done
    target: set | None = None  # slots the run must show (None: all of them)
    range: set | None = None  # a page-range run's slots at its first check
    stored: set = field(default_factory=set)  # slots stored since the last check (with a target)
    failed: set = field(default_factory=set)  # slots of pages given up
    check: dict = field(default_factory=dict)  # page -> cards of the check under way
    probes: set = field(default_factory=set)  # its pages not yet answered
    unchecked: bool = False  # pages were read since the last check
    looked_again: bool = False  # the last check disagreed with the pages and looked again
    moves: int = 0  # checks that found the listing moved
    left: int | None = None  # slots the latest check left to read
    before: dict = field(default_factory=dict)  # the database's slots when the run began
    confirming: bool = False  # pages are read again to confirm products are gone
    resumed: bool = False  # a JOBDIR run resumed; its next check fetches lost details
    # The part of the stored listing pages and details an incremental run verifies again,
    # and the time before which a verification is overdue (listing/freshness.py); 0 and
    # None verify nothing beyond what the database lacks.
    listing_share: float = 0.0
    detail_share: float = 0.0
    listing_overdue_before: object = None
    detail_overdue_before: object = None
    pages_planned: int | None = None  # listing page reads planned (None: no plan yet)
    pages_read: int = 0  # of them, the reads whose cards were stored

    def count(self, step):
        """Add a step's listing figures to the run's, which a resumed JOBDIR run keeps: the
        reads the plan and the later checks asked for (a page read again after the listing
        moved counts again, in both), and those whose cards were stored."""
        self.pages_read += step.pages_read
        if step.planned_pages is not None:
            self.pages_planned = (self.pages_planned or 0) + step.planned_pages

    @property
    def sliced(self):
        return bool(self.start_page or self.end_page)

    @property
    def arrived(self):
        """How many listing pages have been read so far (a page asked for after that many
        shows the site no earlier than they did)."""
        return 0 if self.listing is None else self.listing.arrived

    def page_range(self, total_pages):
        return range(self.start_page or 1, min(self.end_page or total_pages, total_pages) + 1)

    def scope(self, total):
        """All the slots a run over the whole listing must show, or a page range's now."""
        pages = self.page_range(self.total_pages) if self.sliced else range(1, self.total_pages + 1)
        return set().union(*(page_slots(total, page) for page in pages))

    def listing_reads(self, pages, total):
        """Listing pages to read, in page order: growth then shows as cards seen twice,
        which places the pages read after it."""
        if pages:
            self.unchecked = True
        return [PageRead("listing", page, total=total) for page in sorted(pages)]

    def listed_urls(self):
        """The products the listing shows, when this run placed every one of them (a
        complete full run), with those a page read again showed but could not place (they
        are listed, wherever they are); ``None`` otherwise."""
        listing = self.listing
        if listing is None or self.sliced or not listing.covers_all():
            return None
        # The urls of every read, placed or not: those of ``listing.placed_products()``,
        # without placing each.
        return SortedUrls(url for read in listing.reads for url in read.urls() if url is not None)
