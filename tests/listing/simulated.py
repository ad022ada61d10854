"""A run of the listing planner in process, against a simulated site and database: what the
moving-site tests check without a crawl (tests/e2e/test_moving_site.py keeps a few crawls as
the proof that the spider does what this does).

``Site`` is the listing, newest first, changing when a number of requests of a kind has
reached it (as the replica's ``change_after``); a product's detail page may fail, and a card
may show the product before it again (a duplicated card). ``Database`` keeps what the
pipeline would: each product's slot (one product a slot), whether it is listed, whether its
details are stored, the dead-letter list of details. ``Run`` plays the spider and Scrapy's
scheduler: requests by priority (last in, first out among equals, as Scrapy's queues), up to
``concurrency`` in flight, each answered by the site as it is when the request reaches it and
handed to the planner when it completes, then a status check whenever nothing is left
(``spider_idle``), and at the end the verdict and the delistings of a completed run (which
close the dead letters of the products delisted).
"""

import pickle
import random
from dataclasses import dataclass, field

from matter_certis.listing.audit import audit, unsettled
from matter_certis.listing.planner import ListingPlanner
from matter_certis.listing.positions import PAGE_SIZE, slot_of
from matter_certis.listing.steps import Card, PageRead
from matter_certis.listing.stored import StoredListing

LISTING_PRIORITY = 1_000_000
INCOMPLETE_PAGE_RETRIES = 3


def url(product):
    return f"https://csa-iot.org/csa_product/p{product}/"


class Site:
    """Products ``0..size-1`` (0 the oldest), listed newest first."""

    def __init__(self, size):
        self.listed = set(range(size))
        self.next_product = size
        self.changes = []  # (kind, requests, change)
        self.requests = {"list": 0, "detail": 0}
        self.failing = set()  # urls whose detail page fails
        self.duplicated = set()  # products whose card shows the product listed before it

    def duplicate(self, position):
        """The card at ``position`` (0: the newest) links to the product of the card before it."""
        self.duplicated.add(self.products()[position])

    def products(self):
        return sorted(self.listed, reverse=True)

    def urls(self):
        """The product each card links to, newest first."""
        products = self.products()
        return [
            url(products[at - 1] if product in self.duplicated and at else product)
            for at, product in enumerate(products)
        ]

    def grow(self, count):
        self.listed |= set(range(self.next_product, self.next_product + count))
        self.next_product += count

    def delist(self, *positions):
        """Take the products at these positions (0: the newest) off the listing."""
        products = self.products()
        self.listed -= {products[position] for position in positions}

    def relist(self, *products):
        self.listed |= set(products)

    def change_after(self, requests, change, kind="list"):
        """``change`` the site just before it answers request number ``requests + 1`` of
        ``kind``: that request and every later one see it changed."""
        self.changes.append((kind, requests, change))

    def answer(self, kind, page=None):
        """The cards of listing ``page`` and the page count, as the site shows them now."""
        due = [c for c in self.changes if c[0] == kind and c[1] <= self.requests[kind]]
        self.changes = [c for c in self.changes if c not in due]
        for _, _, change in due:
            change()
        self.requests[kind] += 1
        if kind == "detail":
            return None
        urls = self.urls()
        cards = [Card({"url": u}) for u in urls[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]]
        return cards, max(1, -(-len(urls) // PAGE_SIZE))

    def slots(self):
        """url -> slot of every listed product: where the database must hold it (a product
        shown twice, at its first card's)."""
        urls = self.urls()
        slots = {}
        for position, u in enumerate(urls):
            slots.setdefault(u, len(urls) - 1 - position)
        return slots


@dataclass
class Database:
    slots: dict = field(default_factory=dict)  # url -> slot (listed products with one)
    listed: set = field(default_factory=set)
    details: set = field(default_factory=set)
    verified: dict = field(default_factory=dict)  # url -> the run (a day) that last saw it
    day: int = 0
    dead_letters: set = field(default_factory=set)  # urls of details that failed

    def stored(self):
        lacking = tuple(
            dict(zip(("url", "page_id", "index_in_page"), (u, *self.place(u))))
            for u in sorted(self.listed - self.details)
        )
        verified = {u: self.verified.get(u) for u in self.slots}
        return StoredListing(dict(self.slots), frozenset(self.listed), lacking, verified)

    def place(self, url):
        slot = self.slots.get(url)
        return (None, None) if slot is None else divmod(slot, PAGE_SIZE)

    def store(self, placement):
        """A product ref: listed, at its slot, which no other product keeps."""
        self.listed.add(placement.ref["url"])
        self.verified[placement.ref["url"]] = self.day
        if placement.page_id is None:
            self.slots.pop(placement.ref["url"], None)
            return
        slot = slot_of(placement.page_id, placement.index_in_page)
        for other in [u for u, held in self.slots.items() if held == slot]:
            del self.slots[other]
        self.slots[placement.ref["url"]] = slot

    def delist_all_but(self, listed):
        listed = set(listed)
        for gone in self.listed - listed:
            self.slots.pop(gone, None)
            self.dead_letters.discard(gone)
        self.listed &= listed

    def mirrors(self, site):
        listed = set(site.urls())
        return self.slots == site.slots() and self.listed == listed and listed <= self.details


@dataclass
class Request:
    kind: str  # list | detail
    priority: int
    read: PageRead | None = None
    ref: dict | None = None
    retries: int = 0
    sent_after: int = 0
    answer: tuple | None = None


class Run:
    """One run of the planner: ``run()`` returns its status (``completed``, ``partial``,
    ``failed`` or ``stopped``)."""

    def __init__(self, site, database, mode="full", start_page=None, end_page=None, **options):
        self.site, self.database = site, database
        self.planner = ListingPlanner(
            mode, start_page, end_page, options.get("max_moves", 5), **options.get("fresh", {})
        )
        self.concurrency = options.get("concurrency", 4)
        self.shuffle = random.Random(options.get("seed")) if "seed" in options else None
        self.queue, self.flight, self.seen_details, self.failed_pages = [], [], set(), 0
        self.failures = []  # this run's dead letters
        self.stop_after = options.get("stop_after")  # listing requests, then a Ctrl-C

    def run(self):
        step = self.planner.start()
        self.follow(step)
        if step.reads:  # the details of earlier runs' dead letters, first
            for failed in sorted(self.database.dead_letters & self.database.listed):
                self.detail({"url": failed}, known_missing=True)
        while True:
            while self.queue or self.flight:
                if self.stop_after is not None and self.site.requests["list"] >= self.stop_after:
                    return self.stop()
                self.send()
                at = self.shuffle.randrange(len(self.flight)) if self.shuffle else 0
                self.complete(self.flight.pop(at))
            step = self.planner.idle()
            if step is None:
                break
            self.follow(step)
        problems = audit(self.planner, self.database.stored())
        if self.failed_pages:
            problems.append(("partial", "listing pages given up"))
        if unsettled(self.planner, self.failures):
            problems.append(("partial", "detail requests failed"))
        statuses = {status for status, _ in problems}
        status = "failed" if "failed" in statuses else "partial" if statuses else "completed"
        listed = self.planner.listed_urls()
        if status == "completed" and listed is not None:
            self.database.delist_all_but(listed)
        return status

    def stop(self):
        """Ctrl-C: what is in flight completes, the queue is kept (a JOBDIR)."""
        while self.flight:
            self.complete(self.flight.pop(0))
        return "stopped"

    def resumed(self):
        """The same job directory again: the planner as pickled, the queue as saved."""
        planner = pickle.loads(pickle.dumps(self.planner))
        again = Run(self.site, self.database, concurrency=self.concurrency)
        again.planner, again.queue = planner, list(self.queue)
        return again

    def send(self):
        while self.queue and len(self.flight) < self.concurrency:
            best = max(request.priority for request in self.queue)
            request = [r for r in self.queue if r.priority == best][-1]  # last in, first out
            self.queue.remove(request)
            request.sent_after = self.planner.arrived
            request.answer = self.site.answer(
                request.kind, request.read.page if request.read else None
            )
            self.flight.append(request)

    def complete(self, request):
        if request.kind == "detail":
            detail = request.ref["url"]
            if detail in self.site.failing:
                self.failures.append({"url": detail, "kind": "detail"})
                self.database.dead_letters.add(detail)
            else:
                self.database.details.add(detail)
                self.database.dead_letters.discard(detail)
            return
        cards, total_pages = request.answer
        read, planner, stored = request.read, self.planner, self.database.stored
        if read.role == "status":
            step = planner.first_page(cards, total_pages, stored)
        elif read.role == "last":
            step = planner.last_page(read, cards, stored)
        elif read.role == "probe":
            step = planner.probe(read, cards, stored)
        else:
            step = planner.page(read, cards, request.sent_after)
            if step.short:
                if step.fewer and request.retries < INCOMPLETE_PAGE_RETRIES:
                    retry = Request("list", request.priority - 1, read, retries=request.retries + 1)
                    self.queue.append(retry)
                    return
                planner.page_failed(read)
                self.failed_pages += 1
                return
        if step.give_up:
            planner.page_failed(read)
            self.failed_pages += 1
        self.follow(step)

    def follow(self, step):
        self.planner.count(step)  # as the spider does, for its run record
        for placement in step.placements:
            self.database.store(placement)
            if placement.detail:
                self.detail(placement.ref)
        for read in step.reads:
            stored_pages = read.role in ("probe", "listing")
            priority = LISTING_PRIORITY - read.page if stored_pages else 0
            self.queue.append(Request("list", priority, read))
        for ref in step.details:
            self.detail(ref, known_missing=True)

    def detail(self, ref, known_missing=False):
        """A detail request, dropped as Scrapy's duplicate filter and deltafetch would."""
        if not known_missing and ref["url"] in self.seen_details:
            return
        self.seen_details.add(ref["url"])
        skip = self.planner.mode == "incremental" and not known_missing
        if not (skip and ref["url"] in self.database.details):
            self.queue.append(Request("detail", 0, ref=ref))
