"""What a ``matter_products`` run reads of the listing, and where the cards it read sit.

A status check reads page 1 (the page count) and the last page (how many products are on
it), which fixes every card's stable slot. The first check plans the run (``plan``): which
pages to read, which stored products lack their details. Pages read after it store their
cards at the slots that check implies. Once they are read (the spider goes idle) another
check looks again (``recheck``): if the listing grew, each page read is placed by the cards
it shares with the others and with the database (``movement``), the cards of the pages
placed are stored again at their true slots, and pages no single shift explains (or slots
no page showed) are read again. If the listing changed in a way growth does not explain (a
delisting), every page is read again. The run ends when a check finds nothing left to read;
after ``max_moves`` checks that found the listing moved, or at a check that neither found
it moved nor placed more than the one before, it stops and says ``partial``: the products it
could not place lose their slot, so the next incremental run reads their pages.

Plain data in and out: the spider hands in the cards a page showed (``Card``) and what the
database holds (``StoredListing``), and turns the ``Step`` it gets back into requests and
items. Nothing here knows Scrapy or the database; the planner is kept in the spider's
``state`` (pickled with a JOBDIR).
"""

import logging

from matter_certis.listing import freshness, movement, places
from matter_certis.listing.positions import (
    PAGE_SIZE,
    cards_on_page,
    page_slots,
    stable_slot,
    total_products,
)
from matter_certis.listing.rechecks import Rechecks
from matter_certis.listing.steps import PageRead, Placement, Step

logger = logging.getLogger(__name__)


class ListingPlanner(Rechecks):
    """The listing side of a run: its status checks, its plan, and what the pages it read
    show while the site moves. Each answer the spider hands in returns a ``Step``."""

    # --- answers -------------------------------------------------------------------------

    def start(self):
        """The run opens: a status check, or (a JOBDIR run resumed) nothing yet: the saved
        queue holds the rest, and the next check looks at what it read."""
        if self.listing is not None:
            self.resumed = self.unchecked = True
            return Step()
        return Step(reads=[PageRead("status", 1)])

    def idle(self):
        """Nothing left in flight: a status check if pages were read since the last one."""
        if not self.unchecked:
            return None
        self.unchecked = False
        return Step(reads=[PageRead("status", 1)])

    def first_page(self, cards, total_pages, stored):
        """Page 1 of a status check, and the page count its pagination shows."""
        self.check = {1: cards}
        if total_pages == 1:
            return self.last_page(PageRead("last", 1, total_pages=1), cards, stored)
        return Step(reads=[PageRead("last", total_pages, total_pages=total_pages)])

    def last_page(self, read, cards, stored):
        """The last page: how many products the listing holds. A last page cut short would
        shift every slot, so unless the database confirms it (its last card is the oldest
        product stored) it is read twice and the larger count kept: a truncated page only
        ever loses cards."""
        total_pages, earlier_count = read.total_pages, read.earlier_count
        if earlier_count is None and not self.confirms_oldest(cards, stored()):
            return Step(
                reads=[PageRead("last", total_pages, total_pages, earlier_count=len(cards))]
            )
        count = max(len(cards), earlier_count or 0)
        total = total_products(total_pages, count)
        listed = len(stored().listed)
        if count == 0 or total < listed * 0.9:
            return Step(
                give_up=f"implausible status check: {count} cards on page {total_pages}, "
                f"{total} products, {listed} in the database"
            )
        if len(cards) == count:
            self.check[total_pages] = cards
        growth = total - self.listing.total if self.listing else 0
        if PAGE_SIZE <= growth < total:
            # The newest product of the last check is past page 1: read the new products'
            # pages (the run needs them anyway) up to the one where it should be.
            self.probes = set(range(2, growth // PAGE_SIZE + 2))
            return Step(
                reads=[PageRead("probe", page, total_pages, total) for page in sorted(self.probes)]
            )
        return self.checked(total_pages, total, stored)

    def probe(self, read, cards, stored):
        self.check[read.page] = cards
        self.probes.discard(read.page)
        if self.probes:
            return Step()
        return self.checked(read.total_pages, read.total, stored)

    def page(self, read, cards, sent_after=0):
        """A listing page whose cards the run stores, at the slots its status check implies.
        One with fewer cards than its place implies (served short) is read again, never
        stored as if complete; the last page may show more or fewer (the site moved): the
        next status check places it."""
        page, total = read.page, read.total
        expected = cards_on_page(total, page)
        if len(cards) != expected and page != -(-total // PAGE_SIZE):
            return Step(
                short=f"page {page} shows {len(cards)} cards, expected {expected}",
                fewer=len(cards) < expected,
            )
        if self.listing is not None:
            read = self.listing.read(page, [card.ref for card in cards], sent_after=sent_after)
            read.stored_for = total
        return self.store_page(cards, page, total)

    def page_failed(self, read):
        """A listing page given up: its slots are not read again in this run."""
        if read.total is not None and self.listing is not None:
            self.failed |= page_slots(read.total, read.page)

    # --- the status check's verdict --------------------------------------------------------

    @staticmethod
    def confirms_oldest(cards, stored):
        """Whether the last card is the product the database holds at slot (0, 0)."""
        last = cards[-1].ref if cards else None
        return last is not None and stored.oldest is not None and last["url"] == stored.oldest

    def checked(self, total_pages, total, stored):
        check, self.check = self.check, {}
        self.total_pages, self.total = total_pages, total
        if self.listing is None:
            return self.plan(total, check, stored)
        return self.recheck(total, check, stored)

    def plan(self, total, check, stored):
        """The first status check: which pages and details to fetch; none, and the run
        ended, when its page range starts past the listing's last page."""
        if self.start_page and self.start_page > self.total_pages:
            return Step(
                past_listing=f"start_page {self.start_page} is past the listing's "
                f"{self.total_pages} pages"
            )
        stored = stored()
        listing = movement.Listing(total)
        reads = [
            listing.read(page, [card.ref for card in cards], known=True)
            for page, cards in check.items()
        ]
        listing.opened(reads)
        anchors = stored.slots
        trusted = places.trusted(anchors, total, reads)
        listing.anchors = dict(anchors) if trusted else {}
        self.listing, self.before = listing, dict(anchors)
        pages = list(self.page_range(self.total_pages))
        lacking = []
        if self.mode == "incremental":
            lacking = stored.without_details(total, pages if self.sliced else None)
            if trusted and not stored.unplaced:
                missing = stored.pages_with_missing_slots(total)
                pages = [page for page in missing if page in pages]
            elif trusted:
                logger.warning(
                    "%d listed products have no slot (they moved, or left the "
                    "listing): reading every page of the range",
                    stored.unplaced,
                )
            else:
                logger.warning(
                    "The database's slots disagree with the listing's first or "
                    "last page: reading every page of the range again"
                )
        due_pages, due_details = [], []
        if self.mode == "incremental":
            due_pages, due_details = self.due(total, stored, self.page_range(self.total_pages))
            due_pages = [page for page in due_pages if page not in pages]
            pages = sorted(pages + due_pages)
        self.range = self.scope(total) if self.sliced else None
        self.target = (
            None
            if self.mode == "full" and not self.sliced
            else set().union(*(page_slots(total, page) for page in pages))
        )
        logger.info(
            "Status check: %d pages, %d products. Plan (%s): %d listing pages (%d of them "
            "to verify again), %d stored products without details, %d details to verify again",
            self.total_pages,
            total,
            self.mode,
            len(pages),
            len(due_pages),
            len(lacking),
            len(due_details),
        )
        step = Step(
            planned_pages=len(pages),
            details=list(lacking) + due_details,
            reverified_pages=len(due_pages),
            reverified_details=len(due_details),
        )
        for read, (page, cards) in zip(reads, check.items()):
            if page in pages:
                read.stored_for = total
                step.extend(self.store_page(cards, page, total))
        step.reads = self.listing_reads([page for page in pages if page not in check], total)
        return step

    def due(self, total, stored, pages):
        """The listing pages among ``pages`` and the stored details verified longest ago,
        as many as this run's share of each (``listing_share``, ``detail_share``)."""
        ages = stored.page_ages(total, pages)
        due_pages = freshness.due(ages, self.listing_share, self.listing_overdue_before)
        refs = stored.detail_refs
        if self.sliced:
            refs = {ref["url"]: ref for ref in stored.on_pages(refs.values(), total, set(pages))}
        ages = {url: stored.detail_verified[url] for url in refs}
        return due_pages, [
            refs[url] for url in freshness.due(ages, self.detail_share, self.detail_overdue_before)
        ]

    def store_page(self, cards, page, total):
        """The refs of a page's cards at their slots, and the cards that are no product."""
        if self.target is not None:  # a run of every slot needs no count of them
            self.stored.update(page_slots(total, page))
        step = Step(pages_read=1)
        for index, card in enumerate(cards):
            if card.problem:
                step.bad_cards.append((page, index, card.problem))
            elif card.ref["url"] not in {placed.ref["url"] for placed in step.placements}:
                step.placements.append(Placement(card.ref, *stable_slot(total, page, index)))
        return step
