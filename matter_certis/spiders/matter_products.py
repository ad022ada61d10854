"""Spider ``matter_products``: the CSA-IoT Matter listing and every product's detail page."""

from datetime import timedelta
from functools import cache, partial

import scrapy
from scrapy import signals
from scrapy.downloadermiddlewares.retry import get_retry_request
from scrapy.exceptions import DontCloseSpider
from scrapy.spidermiddlewares.httperror import HttpError

from matter_certis.base_spiders import setting_checks
from matter_certis.base_spiders.arguments import parse_arguments
from matter_certis.base_spiders.base import ProjectSpider
from matter_certis.base_spiders.dead_letters import DeadLetters
from matter_certis.base_spiders.detail_page import DetailPage
from matter_certis.base_spiders.listing_page import ListingPage
from matter_certis.base_spiders.pending_details import DetailRequests
from matter_certis.db import analysis
from matter_certis.db.models import utc_now
from matter_certis.exceptions import SiteUnreachable
from matter_certis.items import ProductDetail, ProductRef
from matter_certis.listing import freshness
from matter_certis.listing.audit import audit, unsettled
from matter_certis.listing.planner import ListingPlanner
from matter_certis.listing.steps import PageRead
from matter_certis.run import stat_keys, verdict

PERMANENT_STATUSES = (404, 410)
LISTING_PRIORITY = 1_000_000
MAX_AGES = ("MATTER_LISTING_MAX_AGE", "MATTER_DETAIL_MAX_AGE")


class MatterProductsSpider(ListingPage, DetailPage, DetailRequests, DeadLetters, ProjectSpider):
    """Syncs the local database with the CSA-IoT Matter listing.

    What to read, and where each card sits while the site moves, is decided by the
    ``ListingPlanner`` (``listing/planner.py``); this spider turns its steps into requests
    and items, and reads the pages (the selectors). By mode:

    - ``incremental`` (default): the listing pages holding slots the database lacks and the
      products without details; detail pages already stored are skipped (deltafetch).
    - ``full``: every listing page and every detail page, changes recorded.

    Arguments (``-a name=value``): ``mode`` (incremental | full), ``start_page`` and
    ``end_page`` (the physical listing pages to read, 1-based, inclusive); unknown ones
    (Scrapyd's ``_job``, which names the session) are accepted. Where a listing page is
    (``MATTER_LIST_URL``): ``ListingPage``.
    """

    name = "matter_products"
    # The rows of a feed (-o/-O, exporters.FeedRows): one per product's details.
    item_class = ProductDetail

    @classmethod
    def check_arguments(cls, mode="incremental", start_page=None, end_page=None, **others):
        mode, start_page, end_page = parse_arguments(mode, start_page, end_page)
        checked = super().check_arguments(**others)
        return {**checked, "mode": mode, "start_page": start_page, "end_page": end_page}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.state = {}  # replaced by the saved state when a JOBDIR run resumes

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_sent, signal=signals.request_reached_downloader)
        return spider

    @property
    def planner(self):
        """The run's ``ListingPlanner``, kept in ``state`` so a resumed JOBDIR run goes on."""
        if "planner" not in self.state:
            self.state["planner"] = ListingPlanner(self.mode, self.start_page, self.end_page)
        return self.state["planner"]

    @property
    def sliced(self):
        return self.planner.sliced

    @property
    def total_pages(self):
        return self.planner.total_pages

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)  # MATTER_LIST_URL: ListingPage's
        for name in ("MATTER_INCOMPLETE_PAGE_RETRIES", "MATTER_MOVEMENT_CHECKS"):
            setting_checks.whole_number(settings, name, 0)
        for name in MAX_AGES:
            freshness.seconds(name, settings.get(name))

    async def start(self):
        self.planner.max_moves = self.settings.getint("MATTER_MOVEMENT_CHECKS")
        if self.planner.listing is None:
            self.plan_freshness()
        step = self.planner.start()
        if not step.reads:
            self.logger.info(
                "Resuming: the job directory's queue and pending detail pages hold the rest "
                "of the run"
            )
        for output in self.follow(step):
            yield output
        if step.reads:
            for ref in analysis.failed_details():
                yield self.detail_request(ref, known_missing=True, priority=1)

    def plan_freshness(self):
        """This run's share of the stored pages and details to verify again: the time
        since the previous run over each max age."""
        previous = analysis.last_run_start(self.name)
        now = utc_now()
        since = None if previous is None else (now - previous).total_seconds()
        planner = self.planner
        listing_age, detail_age = (freshness.seconds(n, self.settings.get(n)) for n in MAX_AGES)
        planner.listing_share = freshness.share(since, listing_age)
        planner.detail_share = freshness.share(since, detail_age)
        planner.listing_overdue_before = now - timedelta(seconds=listing_age)
        planner.detail_overdue_before = now - timedelta(seconds=detail_age)

    def spider_idle(self):
        """Detail pages still pending (those last released were all skipped, or failed):
        request them. Else, listing pages were read since the last status check: look
        again."""
        if self.pending_details:
            self.release_when_idle()
        step = self.planner.idle()
        if step is not None:
            for request in self.follow(step):
                self.crawler.engine.crawl(request)
            raise DontCloseSpider

    def request_sent(self, request, spider):
        """A listing page is asked for: note how many pages had arrived by then (a page
        read after another shows the site no earlier than that one)."""
        if request.meta.get("kind") == "list":
            request.meta["sent_after"] = self.planner.arrived

    # --- listing answers ------------------------------------------------------------------

    def parse_status(self, response):
        """Page 1 of a status check: the page count."""
        step = self.planner.first_page(
            self.page_cards(response), self.page_count(response), self.stored()
        )
        yield from self.follow(step, response)

    def parse_last_page(self, response, total_pages, earlier_count=None):
        read = PageRead("last", total_pages, total_pages, earlier_count=earlier_count)
        step = self.planner.last_page(read, self.page_cards(response), self.stored())
        yield from self.follow(step, response)

    def parse_probe(self, response, total_pages, total):
        read = PageRead("probe", response.meta["page"], total_pages, total)
        step = self.planner.probe(read, self.page_cards(response), self.stored())
        yield from self.follow(step, response)

    def parse_listing(self, response, page, total):
        """A listing page whose cards are stored (a whole one: ``pages.page_problem``). One
        showing fewer cards than its place implies is read again (at most
        MATTER_INCOMPLETE_PAGE_RETRIES times), then given up."""
        read = PageRead("listing", page, total=total)
        step = self.planner.page(
            read, self.page_cards(response), response.meta.get("sent_after", 0)
        )
        if step.short:
            self.crawler.stats.inc_value(stat_keys.INCOMPLETE_PAGES)
            retry = step.fewer and get_retry_request(
                response.request,
                spider=self,
                reason="incomplete listing page",
                max_retry_times=self.settings.getint("MATTER_INCOMPLETE_PAGE_RETRIES"),
            )
            if retry:
                self.logger.info("%s; reading it again", step.short.capitalize())
                yield retry
                return
            step.give_up = step.short
        yield from self.follow(step, response)

    def follow(self, step, response=None):
        """The requests and items of a planner's ``Step``."""
        if step.past_listing:
            raise verdict.fail(self.crawler, verdict.BAD_ARGUMENT, step.past_listing)
        self.planner.count(step)  # the run's figures, for Progress and the run record
        self.crawler.stats.set_value(stat_keys.PAGES_READ, self.planner.pages_read)
        if self.planner.pages_planned is not None:
            self.crawler.stats.set_value(stat_keys.PAGES_PLANNED, self.planner.pages_planned)
        if step.reverified_pages:
            self.crawler.stats.inc_value(stat_keys.PAGES_REVERIFIED, step.reverified_pages)
        if step.reverified_details:
            self.crawler.stats.inc_value(stat_keys.DETAILS_REVERIFIED, step.reverified_details)
        for page, index, reason in step.bad_cards:
            answered = response is not None and response.meta.get("page") == page
            yield self.bad_card_letter(
                response.request.url if answered else self.page_url(page), index, reason
            )
        for placement in step.placements:
            ref = ProductRef(
                placement.ref, page_id=placement.page_id, index_in_page=placement.index_in_page
            )
            yield ref
            if placement.detail:
                self.pending_details.add(ref)
        for read in step.reads:
            yield self.listing_request(read)
        for ref in step.details:
            self.pending_details.add(ref, known_missing=True)
        if step.give_up:
            yield self.give_up(response, "list", step.give_up)
        yield from self.released_details()

    def stored(self):
        """What the database holds, read at most once per answer and only if the planner
        asks (a status check may need it two or three times, a page read never); every
        stored slot only for the plan (the first status check), the stored cards' and
        details' ages only for an incremental run's plan."""
        first = self.planner.listing is None
        asked = {"ages": self.mode == "incremental" and first, "every_slot": first}
        return cache(partial(analysis.stored_listing, **asked))

    # --- the run record's questions -------------------------------------------------------

    def audit(self):
        return [verdict.Problem(*found) for found in audit(self.planner, analysis.StoredSlots())]

    def listed_urls(self):
        return self.planner.listed_urls()

    def unsettled(self, failures):
        """All but the failed details of products the whole listing no longer shows."""
        return unsettled(self.planner, failures)

    # --- requests ---------------------------------------------------------------------------

    def listing_request(self, read):
        """A listing page the planner asked for. Pages whose cards are stored go in page
        order and before the details (priority 0 and 1), so that growth shows as cards seen
        twice; a status check's pages wait for what is in flight."""
        callback, arguments = {
            "status": (self.parse_status, {}),
            "last": (
                self.parse_last_page,
                {"total_pages": read.total_pages, "earlier_count": read.earlier_count},
            ),
            "probe": (self.parse_probe, {"total_pages": read.total_pages, "total": read.total}),
            "listing": (self.parse_listing, {"page": read.page, "total": read.total}),
        }[read.role]
        stored_pages = read.role in ("probe", "listing")
        return scrapy.Request(
            self.page_url(read.page),
            callback=callback,
            errback=self.record_failure,
            cb_kwargs={name: value for name, value in arguments.items() if value is not None},
            priority=LISTING_PRIORITY - read.page if stored_pages else 0,
            meta={"kind": "list", "page": read.page, "deltafetch_enabled": False},
            dont_filter=True,
        )

    # --- what is given up -------------------------------------------------------------------

    def record_failure(self, failure):
        """Errback: a request that failed after all retries goes to the dead-letter list.

        404 and 410 are permanent (never retried); an unusable page (not HTML, redirected
        away from the product) says why.
        """
        if failure.check(SiteUnreachable):  # the run is failing: nothing reached the site
            return None
        if failure.check(HttpError):
            status = failure.value.response.status
            error_type = f"HTTP {status}" + (" (permanent)" if status in PERMANENT_STATUSES else "")
        else:
            error_type = failure.type.__name__
        self.page_failed(failure.request)
        return self.dead_letter(failure.request, error_type, str(failure.value))

    def give_up(self, response, kind, reason):
        """A page that answered but cannot be used goes to the dead-letter list too."""
        self.crawler.stats.inc_value(stat_keys.unusable(kind))
        self.page_failed(response.request)
        return self.dead_letter(response.request, "unusable page", reason)

    def page_failed(self, request):
        """A listing page given up: its slots are not read again in this run."""
        arguments = request.cb_kwargs
        if "total" in arguments:
            self.planner.page_failed(
                PageRead("listing", request.meta["page"], total=arguments["total"])
            )
