"""The listing side of ``matter_products``: status checks, the plan, and keeping every slot
exact while the site moves (``movement``).

A status check reads page 1 (the page count) and the last page (how many products are on
it), which fixes every card's stable slot. Pages read after it store their cards at the
slots that check implies. Once they are read (the spider goes idle) another status check
looks again: if the listing grew, each page read is placed by the cards it shares with the
others and with the database, the cards of the pages placed are stored again at their true
slots, and pages no single shift explains (or slots no page showed) are read again. If the
listing changed in a way growth does not explain (a delisting), every page is read again.
The run ends when a check finds nothing left to read; after ``MATTER_MOVEMENT_CHECKS``
checks that found the listing moved, or at a check that neither found it moved nor placed
more than the one before, it stops and says ``partial``: the products it could not place
lose their slot, so the next incremental run reads their pages.
"""

from scrapy.exceptions import DontCloseSpider

from matter_certis.db import analysis
from matter_certis.items import ProductRef
from matter_certis.listing import movement
from matter_certis.listing.positions import PAGE_SIZE, page_slots, total_products
from matter_certis.parsing import normalize
from matter_certis.parsing.pages import CARDS
from matter_certis.run.verdict import Problem

PAGINATION_NUMBERS = "div.pagination-wrapper > nav > div > a > span::text, .page-numbers::text"


class ListingSync:
    """Mixed into the spider: its ``state`` (kept in JOBDIR) holds ``listing`` (a
    ``movement.Listing``), ``target`` (slots the run must show, ``None`` for all), ``range``
    (a page-range run's slots), ``stored`` (slots written since the last check), ``failed``
    (slots of pages given up), ``check`` and ``probes`` (the pages of the check under way),
    ``unchecked`` (pages read since the last check), ``looked_again``, ``moves``, ``left``
    (how many slots the latest check left to read), ``before`` (the database's slots when
    the run began) and ``confirming`` (pages are read again to confirm that products
    missing from the listing are gone)."""

    @property
    def listing(self):
        return self.state.get("listing")

    async def start(self):
        if self.listing is not None:
            self.logger.info("Resuming: the job directory's queue holds the rest of the run")
            self.resumed = self.state["unchecked"] = True
            return
        yield self.listing_request(1, self.parse_status)
        for ref in analysis.failed_details():
            yield self.detail_request(ref, known_missing=True, priority=1)

    def spider_idle(self):
        """Listing pages were read since the last status check: look again."""
        if self.state.get("unchecked"):
            self.state["unchecked"] = False
            self.crawler.engine.crawl(self.listing_request(1, self.parse_status))
            raise DontCloseSpider

    def request_sent(self, request, spider):
        """A listing page is asked for: note how many pages had arrived by then (a page
        read after another shows the site no earlier than that one)."""
        if request.meta.get("kind") == "list" and self.listing is not None:
            request.meta["sent_after"] = self.listing.arrived

    def parse_status(self, response):
        """Page 1: learn the page count; the last page tells how many products there are."""
        numbers = [int(n) for n in response.css(PAGINATION_NUMBERS).re(r"\d+")]
        total_pages = max(numbers, default=1)
        self.state["check"] = {1: self.page_cards(response)}
        if total_pages == 1:
            yield from self.parse_last_page(response, total_pages=1)
        else:
            yield self.listing_request(total_pages, self.parse_last_page, total_pages=total_pages)

    def parse_last_page(self, response, total_pages, earlier_count=None):
        """The status check is complete: plan the run, or judge how the listing moved.

        A last page cut short would shift every slot, so unless the database confirms it
        (its last card is the oldest product we know), it is read twice and the larger
        count kept: a truncated page only ever loses cards.
        """
        cards = response.css(CARDS)
        if earlier_count is None and not self.confirmed_oldest(response, cards):
            yield self.listing_request(
                total_pages, self.parse_last_page, total_pages=total_pages, earlier_count=len(cards)
            )
            return
        count = max(len(cards), earlier_count or 0)
        total = total_products(total_pages, count)
        listed = analysis.listed_products().count()
        if count == 0 or total < listed * 0.9:
            yield self.give_up(
                response,
                "list",
                f"implausible status check: {count} cards on "
                f"page {total_pages}, {total} products, {listed} in the database",
            )
            return
        check = self.state.setdefault("check", {})
        if len(cards) == count:
            check[total_pages] = self.page_cards(response)
        growth = total - self.listing.total if self.listing else 0
        if PAGE_SIZE <= growth < total:
            # The newest product of the last check is past page 1: read the new products'
            # pages (the run needs them anyway) up to the one where it should be.
            self.state["probes"] = set(range(2, growth // PAGE_SIZE + 2))
            for page in sorted(self.state["probes"]):
                yield self.listing_request(
                    page,
                    self.parse_probe,
                    priority=self.listing_priority(page),
                    total_pages=total_pages,
                    total=total,
                )
            return
        yield from self.checked(total_pages, total)

    def parse_probe(self, response, total_pages, total):
        page = self.page_of(response)
        self.state["check"][page] = self.page_cards(response)
        self.state["probes"].discard(page)
        if not self.state["probes"]:
            yield from self.checked(total_pages, total)

    def confirmed_oldest(self, response, cards):
        """Whether the last card is the product the database holds at slot (0, 0)."""
        oldest = analysis.oldest_product_url()
        last_link = cards[-1].xpath(self.PRODUCT_LINK).get() if cards else None
        return (
            oldest is not None
            and last_link is not None
            and normalize.canonical_url(response.urljoin(last_link)) == oldest
        )

    def checked(self, total_pages, total):
        check = self.state.pop("check", {})
        self.total_pages, self.total_products = total_pages, total
        if self.listing is None:
            yield from self.plan(total, check)
        else:
            yield from self.recheck(total, check)

    def plan(self, total, check):
        """The first status check: which pages and details to fetch."""
        listing = movement.Listing(total)
        reads = [
            listing.read(page, [ref for ref, _ in cards], known=True)
            for page, cards in check.items()
        ]
        listing.opened(reads)
        anchors = analysis.listed_slots()
        trusted = movement.trusted(anchors, total, reads)
        listing.anchors = anchors if trusted else {}
        self.state.update(listing=listing, stored=set(), failed=set(), moves=0, before=anchors)
        pages = list(self.page_range(self.total_pages))
        lacking = []
        if self.mode == "incremental":
            lacking = analysis.products_without_details(total, pages if self.sliced else None)
            unplaced = analysis.products_without_slots()
            if trusted and not unplaced:
                pages = [page for page in analysis.pages_with_missing_slots(total) if page in pages]
            elif trusted:
                self.logger.warning(
                    "%d listed products have no slot (they moved, or left the "
                    "listing): reading every page of the range",
                    unplaced,
                )
            else:
                self.logger.warning(
                    "The database's slots disagree with the listing's first or "
                    "last page: reading every page of the range again"
                )
        self.state["range"] = self.scope(total) if self.sliced else None
        self.state["target"] = (
            None
            if self.mode == "full" and not self.sliced
            else set().union(set(), *(page_slots(total, page) for page in pages))
        )
        self.logger.info(
            "Status check: %d pages, %d products. Plan (%s): %d listing pages, "
            "%d stored products without details",
            self.total_pages,
            total,
            self.mode,
            len(pages),
            len(lacking),
        )
        self.crawler.stats.set_value("matter/plan/pages", len(pages))  # read by Progress
        for page, cards in check.items():
            if page in pages:
                yield from self.page_items(cards, page, total, self.page_url(page))
        yield from self.read_pages([page for page in pages if page not in check], total)
        for ref in lacking:
            yield self.detail_request(ref, known_missing=True)

    def recheck(self, total, check):
        """A later status check: if the listing moved, store what the pages read really
        showed where it is now, and read again what cannot be placed."""
        listing = self.listing
        unplaced = len(listing.unplaced())
        anchored = bool(listing.anchors)
        pages = {page: [ref for ref, _ in cards] for page, cards in check.items()}
        growth = listing.check(total, pages)
        if growth is None and not self.state.get("looked_again"):
            self.logger.info(
                "The status check does not agree with the pages read (the listing "
                "moved while it was read?): looking again"
            )
            self.state["looked_again"] = self.state["unchecked"] = True
            return
        self.state["looked_again"] = False
        if anchored and not listing.anchors and growth is not None:
            self.distrust_database(total)
        moved = self.moved(growth, total, pages)
        if moved or len(listing.unplaced()) < unplaced:
            if self.state["target"] is not None:
                self.state["target"] |= self.state["stored"] - listing.covered()
            self.state["stored"] = set()
            yield from self.corrections(self.state["target"])
        yield from self.read_again(moved, total)
        if self.resumed:  # details in flight when the run was stopped
            self.resumed = False
            for ref in analysis.products_without_details():
                yield self.detail_request(ref, known_missing=True)

    def distrust_database(self, total):
        """A page read shows the database's slots wrong (the status check's pages agreed
        with them): a plan made from them is not enough, the run reads every page of its
        range."""
        self.logger.warning(
            "A listing page read disagrees with the database's slots: reading "
            "every page of the range"
        )
        self.state.pop("left", None)  # more to read now is no lack of progress
        if self.state["target"] is not None:
            self.state["target"] = self.scope(total)

    def moved(self, growth, total, pages):
        """Whether the listing moved since the last check (``growth`` is ``None`` when
        growth does not explain how): the slots the run must show follow it."""
        listing, target = self.listing, self.state["target"]
        if growth is None:
            self.logger.warning(
                "The listing changed during the run in a way new products do "
                "not explain (%d products, %d before): reading it again",
                total,
                listing.total,
            )
            listing.restart(total, pages)
            self.state["confirming"] = False  # what the reads forgotten missed is unconfirmed
            self.state["target"] = None if target is None else self.scope(total)
        elif growth:
            self.logger.info("The listing grew by %d products during the run", growth)
            if target is not None and not self.sliced:
                target |= set(range(total - growth, total))
        self.state["moves"] += growth != 0
        return growth != 0

    def read_again(self, moved, total):
        """The pages that show the slots this run must show and no page read placed. Once
        after a move, first those no page read may show and those just past pages not
        placed: once read, they place the pages around them."""
        listing, target = self.listing, self.state["target"]
        wanted = (
            (set(range(total)) if target is None else target)
            - listing.covered()
            - self.state["failed"]
        )
        first = set()
        if moved:
            first = (wanted - listing.undecided()) | (wanted & listing.ends_of_unplaced())
        pages = listing.pages_for(first or wanted)
        # A check that saw no move yet placed nothing more would only send the same pages
        # again: every check either moved (at most MATTER_MOVEMENT_CHECKS) or made progress.
        stuck = not moved and len(wanted) >= self.state.get("left", len(wanted) + 1)
        self.state["left"] = len(wanted)
        if pages and stuck:
            self.logger.warning(
                "A status check placed no page more than the one before: %d pages left unread",
                len(pages),
            )
            return
        if pages and self.state["moves"] >= self.settings.getint("MATTER_MOVEMENT_CHECKS"):
            self.logger.warning("The listing kept moving: %d pages left unread", len(pages))
            return
        if not pages and not self.state.get("confirming"):
            pages = self.confirmation(total)
        self.logger.info(
            "Status check: %d products; %d listing pages to read%s",
            total,
            len(pages),
            " again" if moved else "",
        )
        self.crawler.stats.inc_value("matter/plan/pages", len(pages))
        yield from self.read_pages(pages, total)

    def confirmation(self, total):
        """When the listing is placed whole but misses products the database lists, the
        pages between each one's neighbours (in the database's order before the run, where
        the listing now shows them), again: a product that moved while those pages were read
        (one delisted, another back, between two pages) is missed without the listing
        looking moved at its first and last page, and would be delisted. A second reading
        shows such a move (its pages disagree with the first), so what both miss is gone."""
        placed = self.listed_urls()
        if placed is None:
            return []
        unseen = analysis.listed_urls() - placed
        if not unseen:
            return []
        self.state["confirming"] = True
        self.logger.info(
            "%d listed products are not on the listing: reading the pages where "
            "they were again to confirm",
            len(unseen),
        )
        before = self.state.get("before", {})  # a job directory saved before it was kept
        order = sorted(before, key=before.get)  # oldest first
        slots = {
            url: page_id * PAGE_SIZE + index
            for url, ((page_id, index), _) in self.listing.slots().items()
        }
        pages = set()
        for url in unseen:
            if url not in before:
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

    def scope(self, total):
        """All the slots a run over the whole listing must show, or a page range's now."""
        pages = self.page_range(self.total_pages) if self.sliced else range(1, self.total_pages + 1)
        return set().union(set(), *(page_slots(total, page) for page in pages))

    def corrections(self, target):
        """Every product placed on the slots this run is to show (``target``, ``None`` for
        all), at its slot now (with its detail request, which the duplicate filter drops
        when already made); products seen only on pages not placed lose their slot until a
        page shows them again."""
        placed = self.listing.slots()
        for (page_id, index_in_page), ref in placed.values():
            if target is not None and page_id * PAGE_SIZE + index_in_page not in target:
                continue
            yield ProductRef(ref, page_id=page_id, index_in_page=index_in_page)
            yield self.detail_request(dict(ref, page_id=page_id, index_in_page=index_in_page))
        for read in self.listing.unplaced():
            for ref in filter(None, read.refs):
                if ref["url"] not in placed:
                    yield ProductRef(ref, page_id=None, index_in_page=None)

    def read_pages(self, pages, total):
        """Listing requests for ``pages``, read in page order and before the details, so
        that growth shows as cards seen twice, which places the pages read after it."""
        if pages:
            self.state["unchecked"] = True
        for page in sorted(pages):
            yield self.listing_request(
                page,
                self.parse_listing,
                priority=self.listing_priority(page),
                page=page,
                total=total,
            )

    def page_items(self, cards, page, total, url):
        """The refs of a page's cards at their slots, their detail requests, and a dead
        letter per card that is no product."""
        self.crawler.stats.inc_value("matter/pages/read")
        self.state.setdefault("stored", set()).update(page_slots(total, page))
        for index, (ref, problem) in enumerate(cards):
            if problem:
                yield self.bad_card_letter(url, index, problem)
                continue
            page_id, index_in_page = divmod(total - 1 - (page - 1) * PAGE_SIZE - index, PAGE_SIZE)
            ref = ProductRef(ref, page_id=page_id, index_in_page=index_in_page)
            yield ref
            yield self.detail_request(dict(ref))

    def listed_urls(self):
        """The products the listing shows, when this run placed every one of them (a
        complete full run), with those a page read again showed but could not place (they
        are listed, wherever they are); ``None`` otherwise."""
        listing = self.listing
        if listing is None or self.sliced or listing.covered() != set(range(listing.total)):
            return None
        return set(listing.slots()).union(
            *(filter(None, read.urls()) for read in listing.unplaced())
        )

    def audit(self):
        """What this run was to store but the database lacks (read by the run record at
        close): the listing's size unknown, slots it had to read left unread (it kept
        moving), slots on its pages left empty or held by another product than the listing
        showed there, listed products on them without details."""
        if self.total_pages is None or self.listing is None:
            return [
                Problem(
                    "failed",
                    "the status check did not complete: listing page 1 or "
                    "the last page could not be read",
                )
            ]
        problems = []
        total = self.total_products
        scope = self.state["range"] if self.sliced else set(range(total))
        target = scope if self.state["target"] is None else self.state["target"] & scope
        unread = target - self.listing.covered() - self.state["failed"]
        if unread:
            problems.append(
                Problem(
                    "partial",
                    f"{len(unread)} slots the run was to read are not "
                    "confirmed (the listing moved, or its last check "
                    "failed); the next run reads them",
                )
            )
        empty = analysis.missing_slots(total) & scope
        if empty:
            problems.append(
                Problem(
                    "partial",
                    f"{len(empty)} slots the database lacks (first: "
                    f"page {self.listing.pages_for(empty)[0]})",
                )
            )
        stored = analysis.listed_slots()
        wrong = sorted(
            url
            for url, ((page_id, index), _) in self.listing.slots().items()
            if page_id * PAGE_SIZE + index in scope
            and stored.get(url) != page_id * PAGE_SIZE + index
        )
        if wrong:
            problems.append(
                Problem(
                    "partial",
                    f"{len(wrong)} products stored at another slot "
                    f"than the listing shows (first: {wrong[0]})",
                )
            )
        lacking = [
            ref
            for ref in analysis.products_without_details()
            if ref["page_id"] is not None
            and ref["page_id"] * PAGE_SIZE + ref["index_in_page"] in scope
        ]
        if lacking:
            problems.append(
                Problem(
                    "partial",
                    f"{len(lacking)} listed products have no stored "
                    f"details (first: {lacking[0]['url']})",
                )
            )
        return problems
