"""One listing page as a run read it (``Read``), the positions of the products placed so far
(``Places``): one product, one position, which is how ``movement`` places reads; and whether
the database's slots agree with a status check's pages (``trusted``)."""

from bisect import bisect_left
from dataclasses import dataclass
from itertools import groupby

from matter_certis.exceptions import Conflict
from matter_certis.listing.positions import PAGE_SIZE, from_oldest
from matter_certis.listing.steps import CardRef


@dataclass
class Read:
    """One listing page as read: ``refs`` are its cards' product refs in page order
    (``CardRef``, ``None`` for a card that is no product). ``shift``: how many places
    further down the latest listing shows its cards than its page number says (``None``
    while unknown); ``most``: the largest shift possible (the growth since the read)."""

    page: int
    refs: list
    shift: int | None = None
    most: int = 0
    seq: int = 0  # reads are numbered as their pages arrive
    sent_after: int = 0  # the last read that had arrived when this page was asked for
    repeated: tuple = ()  # indexes of cards showing a product an earlier card of it showed
    # The listing's size its cards were stored for (their slots then), ``None`` when the
    # run did not store them; ``unsure`` once a card of it turned out to repeat another's.
    stored_for: int | None = None
    unsure: bool = False

    def __post_init__(self):
        self.refs = compact(self.refs)

    def __setstate__(self, state):
        """A read a JOBDIR run saved before reads kept ``CardRef``s (dicts then)."""
        self.__dict__.update(state)
        self.refs = compact(self.refs)

    def __deepcopy__(self, memo):
        """A copy for a trial (``Listing.check``) sharing the list of cards: a trial that
        leaves a card out gives its read a new list (``without_card``). Copying every ref,
        then every list, was most of the memory a run's closing check took."""
        clone = object.__new__(type(self))  # as it is: not through __setstate__
        vars(clone).update(vars(self))
        return clone

    def without_card(self, index):
        """Leave out the card at ``index`` (it repeats a product a newer card shows)."""
        self.refs = [None if at == index else ref for at, ref in enumerate(self.refs)]
        self.repeated += (index,)

    def start(self, shift=None):
        return (self.page - 1) * PAGE_SIZE + (self.shift if shift is None else shift)

    def urls(self):
        return [ref.url if ref else None for ref in self.refs]

    def before(self, other):
        """Whether this page was read before ``other`` was asked for: the site then showed
        it no later growth than ``other``, so its shift is no smaller."""
        return self.seq <= other.sent_after


def compact(refs):
    """A read's cards as it keeps them (``CardRef``, ``None`` for no product)."""
    return [None if ref is None else CardRef.of(ref) for ref in refs]


class Places:
    """Positions of the products placed so far: position -> url (``url_at``, a list: the
    positions a run places are the listing's first ones, a dict of them was most of a large
    crawl's closing check) and url -> position (``position``): worked out from the read that
    placed it (``read_of``; a dict of url -> position held an int a product, 0.8 MB at
    30,000), or the database's, for a product only the database places (``anchored``)."""

    def __init__(self):
        self.url_at = []
        self.read_of = {}
        self.anchored = {}

    def held(self, position):
        """The url placed at ``position``, ``None`` for none."""
        return self.url_at[position] if 0 <= position < len(self.url_at) else None

    def position(self, url, default=None):
        """Where ``url`` is placed, ``default`` when nowhere."""
        read = self.read_of.get(url)
        if read is None:
            return self.anchored.get(url, default)
        return read.start() + read.urls().index(url)

    def fits(self, read, shift):
        """Whether ``read`` shifted by ``shift`` agrees with every product placed."""
        start = read.start(shift)
        for index, url in enumerate(read.urls()):
            if url is None:
                continue
            held = self.held(start + index)
            if (held is not None and held != url) or self.position(
                url, start + index
            ) != start + index:
                return False
        return True

    def add(self, read):
        if not self.fits(read, read.shift):
            raise Conflict(f"page {read.page} disagrees with the pages placed before it")
        start = read.start()
        self.url_at.extend([None] * (start + len(read.refs) - len(self.url_at)))
        for index, url in enumerate(read.urls()):
            if url is not None:
                self.url_at[start + index] = url
                self.read_of[url] = read

    def repeats(self, read, shift):
        """``(url, position placed, position here)`` of each product ``read`` at ``shift``
        shows at another place than a placed read, when nothing else disagrees (no place
        held by another product, no product only the database places); ``[]`` otherwise."""
        start, found = read.start(shift), []
        for index, url in enumerate(read.urls()):
            here = start + index
            if url is None:
                continue
            placed = self.position(url, here)
            if self.held(here) not in (url, None) or self.held(placed) not in (url, None):
                return []
            if placed != here:
                if self.held(placed) != url:
                    return []
                found.append((url, placed, here))
        return found

    def anchor(self, url, position):
        """A product whose place is known from elsewhere (the database before the run)."""
        self.anchored.setdefault(url, position)


class SortedUrls:
    """A set of urls as a sorted list, asked by bisection: a set of every url the listing
    showed, or the run stored, was a large crawl's closing peak (2 MB at 30,000 products,
    built four times as the run ends), this list an eighth of it."""

    def __init__(self, urls):
        self.urls = [url for url, _ in groupby(sorted(urls))]

    def __contains__(self, url):
        at = bisect_left(self.urls, url)
        return at < len(self.urls) and self.urls[at] == url

    def __iter__(self):
        return iter(self.urls)

    def __len__(self):
        return len(self.urls)


def stored_where_placed(reads, total):
    """The urls whose rows this run already wrote at the slot their placed read gives them
    now: every read that stored them is placed at the shift the listing grew by since (so
    its slots then are its slots now), and no read that stored them is unsure or unplaced."""
    kept, stale = [], set()  # stale: the few reads stored before the listing moved
    for read in reads:
        if read.stored_for is None:
            continue
        urls = filter(None, read.urls())
        right = read.shift is not None and not read.unsure
        if right and read.stored_for == total - read.shift:
            kept.extend(urls)
        else:
            stale.update(urls)
    return SortedUrls(url for url in kept if url not in stale)


def first_url(reads):
    return url_at_position(reads, 0)


def url_at_position(reads, position):
    for read in reads:
        index = position - read.start()
        if 0 <= index < len(read.refs) and read.refs[index]:
            return read.refs[index].url
    return None


def trusted(anchors, total, reads):
    """Whether the database's slots (``anchors``, url -> slot) agree with what ``reads`` (a
    status check's pages) show: every slot within the listing's ``total``, every product
    seen at the slot the database gives it, and no slot seen held there by another product.
    (A slot past the end is a newest product the listing no longer shows: only a run that
    reads every page may delist it.)"""
    if any(slot >= total for slot in anchors.values()):
        return False
    holders = {slot: url for url, slot in anchors.items()}
    for read in reads:
        for index, url in enumerate(read.urls()):
            slot = from_oldest(total, read.start() + index)
            if url is not None and (
                anchors.get(url, slot) != slot or holders.get(slot, url) != url
            ):
                return False
    return True
