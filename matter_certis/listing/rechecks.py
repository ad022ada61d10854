"""The later status checks of a run: how the listing moved since the pages were read, the
cards stored again at their true slots, and what is read again (``movement`` places the
reads)."""

import logging

from matter_certis.listing.places import stored_where_placed
from matter_certis.listing.positions import slot_of
from matter_certis.listing.state import SyncState
from matter_certis.listing.steps import Placement, Step

logger = logging.getLogger(__name__)


class Rechecks(SyncState):
    """A status check after the first: the listing's movement judged, what follows from it."""

    def recheck(self, total, check, stored):
        """A later status check: if the listing moved, store what the pages read really
        showed where it is now, and read again what cannot be placed."""
        listing = self.listing
        unplaced = len(listing.unplaced())
        anchored = bool(listing.anchors)
        pages = {page: [card.ref for card in cards] for page, cards in check.items()}
        growth = listing.check(total, pages)
        if growth is None and not self.looked_again:
            logger.info(
                "The status check does not agree with the pages read (the listing "
                "moved while it was read?): looking again"
            )
            self.looked_again = self.unchecked = True
            return Step()
        self.looked_again = False
        if anchored and not listing.anchors and growth is not None:
            self.distrust_database(total)
        moved = self.moved(growth, total, pages)
        step = Step()
        if moved or len(listing.unplaced()) < unplaced:
            if self.target is not None:
                self.target |= self.stored - listing.covered()
            self.stored = set()
            step.placements = self.corrections(self.target)
        step.extend(self.read_again(moved, total, stored))
        if self.resumed:  # details in flight when the run was stopped
            self.resumed = False
            step.details += stored().without_details()
        return step

    def distrust_database(self, total):
        """A page read shows the database's slots wrong (the status check's pages agreed
        with them): a plan made from them is not enough, the run reads every page of its
        range."""
        logger.warning(
            "A listing page read disagrees with the database's slots: reading "
            "every page of the range"
        )
        self.left = None  # more to read now is no lack of progress
        if self.target is not None:
            self.target = self.scope(total)

    def moved(self, growth, total, pages):
        """Whether the listing moved since the last check (``growth`` is ``None`` when
        growth does not explain how): the slots the run must show follow it."""
        listing = self.listing
        if growth is None:
            logger.warning(
                "The listing changed during the run in a way new products do "
                "not explain (%d products, %d before): reading it again",
                total,
                listing.total,
            )
            listing.restart(total, pages)
            self.confirming = False  # what the reads forgotten missed is unconfirmed
            self.target = None if self.target is None else self.scope(total)
        elif growth:
            logger.info("The listing grew by %d products during the run", growth)
            if self.target is not None and not self.sliced:
                self.target |= set(range(total - growth, total))
        self.moves += growth != 0
        return growth != 0

    def read_again(self, moved, total, stored):
        """The pages that show the slots this run must show and no page read placed. Once
        after a move, first those no page read may show and those just past pages not
        placed: once read, they place the pages around them."""
        listing = self.listing
        if self.target is None and listing.covers_all():
            wanted = set()  # without building sets of every slot (a large crawl's close)
        else:
            wanted = (
                (set(range(total)) if self.target is None else self.target)
                - listing.covered()
                - self.failed
            )
        first = set()
        if moved:
            first = (wanted - listing.undecided()) | (wanted & listing.ends_of_unplaced())
        pages = listing.pages_for(first or wanted)
        # A check that saw no move yet placed nothing more would only send the same pages
        # again: every check either moved (at most max_moves) or made progress.
        stuck = not moved and self.left is not None and len(wanted) >= self.left
        self.left = len(wanted)
        if pages and stuck:
            logger.warning(
                "A status check placed no page more than the one before: %d pages left unread",
                len(pages),
            )
            return Step()
        if pages and self.moves >= self.max_moves:
            logger.warning("The listing kept moving: %d pages left unread", len(pages))
            return Step()
        if not pages and not self.confirming:
            pages = self.confirmation(total, stored().listed)
        logger.info(
            "Status check: %d products; %d listing pages to read%s",
            total,
            len(pages),
            " again" if moved else "",
        )
        return Step(reads=self.listing_reads(pages, total), planned_pages=len(pages))

    def confirmation(self, total, listed):
        """When the listing is placed whole but misses products the database lists, the
        pages between each one's neighbours (in the database's order before the run, where
        the listing now shows them), again: a product that moved while those pages were read
        (one delisted, another back, between two pages) is missed without the listing
        looking moved at its first and last page, and would be delisted. A second reading
        shows such a move (its pages disagree with the first), so what both miss is gone."""
        placed = self.listed_urls()
        if placed is None:
            return []
        unseen = {url for url in listed if url not in placed}
        if not unseen:
            return []
        self.confirming = True
        logger.info(
            "%d listed products are not on the listing: reading the pages where "
            "they were again to confirm",
            len(unseen),
        )
        order = sorted(self.before, key=self.before.get)  # oldest first
        slots = {url: slot_of(*place) for url, place, _ in self.listing.placed_products()}
        pages = set()
        for url in unseen:
            if url not in self.before:
                return list(range(1, self.total_pages + 1))
            at = order.index(url)
            older = (
                next((slots[other] for other in order[at - 1 :: -1] if other in slots), 0)
                if at
                else 0
            )
            newer = next((slots[other] for other in order[at + 1 :] if other in slots), total - 1)
            pages.update(self.listing.pages_for(range(older, newer + 1)))
        return sorted(pages)

    def corrections(self, target):
        """Every product placed on the slots this run is to show (``target``, ``None`` for
        all) and not yet stored at its slot now by this run (with its detail request, which
        the duplicate filter drops when already made); products seen only on pages not
        placed lose their slot until a page shows them again."""
        kept = stored_where_placed(self.listing.reads, self.listing.total)
        unplaced = [ref for read in self.listing.unplaced() for ref in filter(None, read.refs)]
        lost = {ref.url for ref in unplaced}  # less those a placed read shows
        placements = []
        for url, (page_id, index_in_page), ref in self.listing.placed_products():
            lost.discard(url)
            on_target = target is None or slot_of(page_id, index_in_page) in target
            if on_target and url not in kept:
                placements.append(Placement(ref.as_dict(), page_id, index_in_page))
        placements += [
            Placement(ref.as_dict(), None, None, detail=False)
            for ref in unplaced
            if ref.url in lost
        ]
        return placements
