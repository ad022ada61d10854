"""Where the cards of a listing read while the site moved really sit.

The site lists newest first, so a product certified during a run pushes every card after it
one place further: a page read after the growth shows cards that the run's page count would
place too low. A run therefore records what it read (``Read``: a page and its cards) and,
when a later status check (``Listing.check``) shows the listing moved, works out by how much
each read was shifted: cards seen twice (by two reads, or by a read and the database before
the run) must sit at one place, and two reads must not put two products at one place. A read
whose shift only one value explains is placed (its cards' slots are known); one that several
values explain, or none, is not, and its page is read again.

Positions here count from the newest product (0-based) in the listing of the latest check;
a slot (``from_oldest``) is ``total - 1 - position``. Only growth is corrected: a check that
finds the listing shrank (a delisting) or changed in a way growth does not explain drops
everything read before it, and the pages are read again. So does a read that no shift
places once the database's slots are set aside: growth alone always leaves a read a place.

A product shown on two cards (the site's error) keeps the newer card: the older one is a
slot with no product (``Read.repeated``), so the product has one place. Two cards of one page
show it at once; across pages, a read whose place the order of reading fixes and that
disagrees with the reads placed only by showing their products at other places shows it too
(growth never puts one product at two places).
"""

import copy
import logging

from matter_certis.exceptions import Conflict
from matter_certis.listing.places import Places, Read, first_url, url_at_position
from matter_certis.listing.positions import (
    PAGE_SIZE,
    from_oldest,
    physical_page,
    spans_cover_exactly,
)

logger = logging.getLogger(__name__)


class Listing:
    """What a run knows of the listing: its size at the latest check, the reads since the
    listing last changed in a way growth does not explain, and the slots the database held
    before the run (``anchors``, url -> slot) when the status check found them right."""

    def __init__(self, total, anchors=None):
        self.total = total
        self.anchors = dict(anchors or {})
        self.reads = []
        self.arrived = 0  # reads recorded so far
        self.top = None  # the newest product's url at the latest check
        self.warned = set()  # urls of products shown twice, warned about once a run

    def read(self, page, refs, known=False, sent_after=0):
        """Record a read; a check's own reads are ``known`` (shift 0)."""
        self.arrived += 1
        refs, repeated = self.first_cards(page, refs)
        read = Read(
            page,
            refs,
            shift=0 if known else None,
            seq=self.arrived,
            sent_after=sent_after,
            repeated=repeated,
        )
        self.reads.append(read)
        return read

    def warn_twice(self, page, url):
        if url not in self.warned:
            self.warned.add(url)
            logger.warning("Page %d shows %s on two cards: stored once, at the newer", page, url)

    def first_cards(self, page, refs):
        """A page's refs with a product shown again by a later card left out there, and
        the indexes of those cards."""
        kept, repeated, seen = [], [], set()
        for index, ref in enumerate(refs):
            if ref is not None and ref["url"] in seen:
                repeated.append(index)
                self.warn_twice(page, ref["url"])
                ref = None
            elif ref is not None:
                seen.add(ref["url"])
            kept.append(ref)
        return kept, tuple(repeated)

    def check(self, total, pages):
        """A new status check found ``total`` products and ``pages`` (page -> card refs, as
        they are now). Returns the growth since the previous check, or ``None`` when growth
        does not explain what it shows (nothing is changed then: the caller looks again,
        or ``restart``s)."""
        trial = copy.deepcopy(self)
        growth = trial.grown(total, pages)
        if growth is not None:
            self.__dict__.update(trial.__dict__)
        return growth

    def grown(self, total, pages):
        growth = total - self.total
        earlier = list(self.reads)
        reads = [self.read(page, refs, known=True) for page, refs in pages.items()]
        if growth < 0 or (self.top is not None and url_at_position(reads, growth) != self.top):
            return None
        self.total, self.top = total, first_url(reads)
        for read in earlier:
            if read.shift is None:
                read.most += growth
            else:
                read.shift += growth
        try:
            self.place()
        except Conflict:
            return None
        return growth

    def restart(self, total, pages):
        """The listing changed in a way growth does not explain: forget every read before
        this check (and the database's slots); its ``pages`` are the listing now. A page of
        the check that disagrees with those before it (the listing moved while the check
        read them) is forgotten too: it is read again."""
        self.reads, self.anchors, self.total = [], {}, total
        places = Places()
        for page, refs in pages.items():
            read = self.read(page, refs, known=True)
            if places.fits(read, 0):
                places.add(read)
            else:
                self.reads.remove(read)
        self.opened(self.reads)

    def opened(self, reads):
        """The first status check: its reads are the listing now."""
        self.top = first_url(reads)

    def places(self):
        """The positions of the placed reads' products (and the database's, before the run);
        raises ``Conflict`` when placed reads disagree."""
        places = Places()
        for read in self.placed():
            places.add(read)
        for url, slot in self.anchors.items():
            places.anchor(url, from_oldest(self.total, slot))
        return places

    def place(self):
        """Give every read the shift that alone agrees with the placed ones, until none
        changes. A read that no shift fits proves the database's slots wrong where it
        shows (a product delisted and another relisted between runs leave the first and the
        last page as they were): they are forgotten and the reads placed without them. One
        that still fits no shift, like placed reads that disagree, raises ``Conflict``: the
        listing changed in a way growth does not explain (reading the page again would only
        show it again)."""
        self.settle()
        if self.anchors and self.misfits():
            self.anchors = {}
            self.settle()
        if self.misfits():
            raise Conflict(f"page {self.misfits()[0].page} fits no place growth explains")

    def misfits(self):
        """Reads not placed that no shift the order of reading leaves them fits."""
        places = self.places()
        return [
            read
            for read in self.unplaced()
            if not any(places.fits(read, shift) for shift in self.possible(read))
        ]

    def settle(self):
        places = self.places()
        open_reads = sorted(self.unplaced(), key=lambda read: read.page)
        changed = True
        while changed and open_reads:
            changed = False
            for read in open_reads + open_reads[::-1]:
                if read.shift is not None:
                    continue
                possible = self.possible(read)
                fitting = [shift for shift in possible if places.fits(read, shift)]
                twice = places.repeats(read, possible[0]) if len(possible) == 1 else []
                if len(fitting) == 1:
                    read.shift = fitting[0]
                    places.add(read)
                    changed = True
                elif twice:
                    read.shift = possible[0]
                    self.show_once(read, twice)
                    places = self.places()
                    changed = True
            open_reads = [read for read in open_reads if read.shift is None]

    def show_once(self, read, twice):
        """Products ``read`` shows where a placed read shows them too: the older card of
        each becomes a repeated one."""
        for url, placed, here in twice:
            older = read if here > placed else self.read_at(max(placed, here), read)
            newer = self.read_at(placed, read) if older is read else read
            older.unsure = newer.unsure = True  # which of the two rows came last is unknown
            index = max(placed, here) - older.start()
            older.without_card(index)
            self.warn_twice(older.page, url)

    def read_at(self, position, other):
        """The placed read (but ``other``) that shows ``position``."""
        return next(
            read
            for read in self.placed()
            if read is not other and 0 <= position - read.start() < len(read.refs)
        )

    def possible(self, read):
        """The shifts the order of reading leaves ``read``: growth only adds, so a page read
        later shows a listing that grew no less."""
        placed = self.placed()
        least = max((other.shift for other in placed if read.before(other)), default=0)
        most = min([other.shift for other in placed if other.before(read)] + [read.most])
        return range(least, most + 1)

    def placed(self):
        return [read for read in self.reads if read.shift is not None]

    def unplaced(self):
        return [read for read in self.reads if read.shift is None]

    def placed_products(self):
        """``(url, (page_id, index_in_page), ref)`` of every product placed, once, where the
        latest placed read that shows it places it, newest read first: no map of every
        product is built (a large crawl's closing check held one). Placed reads agree (a
        product has one position, a position one product), so a product already handed
        back is one whose position was: a byte a position, not a set of every url."""
        placed = list(reversed(self.placed()))
        shown = bytearray(max((read.start() + len(read.refs) for read in placed), default=0))
        for read in placed:
            start = read.start()
            for index, ref in enumerate(read.refs):
                if ref and not shown[start + index]:
                    shown[start + index] = 1
                    place = divmod(from_oldest(self.total, start + index), PAGE_SIZE)
                    yield ref.url, place, ref

    def covered(self):
        """Slots (from the oldest) that placed reads show, product or not."""
        return {
            from_oldest(self.total, read.start() + index)
            for read in self.placed()
            for index in range(len(read.refs))
        }

    def covers_all(self):
        """Whether ``covered()`` is every slot and no other, from each placed read's span of
        slots (the set of every slot was a large crawl's end-of-run peak)."""
        spans = [
            (self.total - read.start() - len(read.refs), self.total - read.start() - 1)
            for read in self.placed()
            if read.refs
        ]
        return spans_cover_exactly(spans, self.total)

    def repeated(self):
        """Slots that placed reads show as a card repeating a product: no product's own."""
        return {
            from_oldest(self.total, read.start() + index)
            for read in self.placed()
            for index in read.repeated
        }

    def undecided(self):
        """Slots that a read not placed might show (at a shift that fits). Reading the
        others first gives those reads something to be placed against."""
        places = self.places()
        return {
            from_oldest(self.total, read.start(shift) + index)
            for read in self.unplaced()
            for shift in self.possible(read)
            if places.fits(read, shift)
            for index in range(len(read.refs))
        }

    def ends_of_unplaced(self):
        """For each run of neighbouring pages not placed, the slot just past its last page at
        its least shift: the page that shows it, once read, places that last page (and the
        run, page by page, from there)."""
        places = self.places()
        ends, previous = set(), None
        for read in sorted(self.unplaced(), key=lambda read: read.page, reverse=True):
            if previous is None or previous.page - read.page > 1:
                least = next(
                    (shift for shift in self.possible(read) if places.fits(read, shift)), 0
                )
                ends.add(from_oldest(self.total, read.page * PAGE_SIZE + least))
            previous = read
        return {slot for slot in ends if slot >= 0}

    def pages_for(self, slots):
        """Physical pages (now) that show these slots."""
        return sorted({physical_page(self.total, slot) for slot in slots if 0 <= slot < self.total})
