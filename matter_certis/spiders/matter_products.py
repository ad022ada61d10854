"""Spider ``matter_products``: the CSA-IoT Matter listing and every product's detail page."""

from urllib.parse import urlsplit

import scrapy
from scrapy import signals
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import add_or_replace_parameter

from matter_certis.base_spiders.arguments import parse_arguments
from matter_certis.base_spiders.base import ProjectSpider
from matter_certis.base_spiders.detail_page import DetailPage
from matter_certis.base_spiders.listing_sync import ListingSync
from matter_certis.exceptions import SiteUnreachable
from matter_certis.items import ProductDetail, RequestFailure
from matter_certis.listing.positions import PAGE_SIZE, cards_on_page, page_slots
from matter_certis.parsing.loaders import ProductRefLoader
from matter_certis.parsing.pages import CARDS

# A card's first link to a product page: inside the card, or the link the whole card sits in.
PRODUCT_LINK = (
    "(ancestor::a[contains(@href, '/csa_product/')] | .//a[contains(@href, '/csa_product/')])"
    "[1]/@href"
)
PERMANENT_STATUSES = (404, 410)
LISTING_PRIORITY = 1_000_000


class MatterProductsSpider(ListingSync, DetailPage, ProjectSpider):
    """Syncs the local database with the CSA-IoT Matter listing.

    A status check reads page 1 (the page count) and the last page (how many products are
    on it), which fixes every card's stable slot; another after the pages are read tells
    whether the site moved meanwhile (``ListingSync``). Then, by mode:

    - ``incremental`` (default): the database analysis picks the listing pages holding
      slots the database lacks and the products without details; detail pages already
      stored are skipped (deltafetch).
    - ``full``: every listing page and every detail page, changes recorded.

    Arguments (``-a name=value``):
      mode        incremental | full
      start_page  first physical listing page to read (1-based, inclusive)
      end_page    last physical listing page to read (inclusive)
    Unknown arguments (Scrapyd's ``_job``) are accepted; ``_job`` names the session.
    Setting ``MATTER_LIST_URL`` is listing page 1; page N adds ``paged=N``.
    """

    name = "matter_products"
    PRODUCT_LINK = PRODUCT_LINK
    # The rows of a feed (-o/-O, exporters.FeedRows): one per product's details.
    item_class = ProductDetail

    @classmethod
    def check_arguments(cls, mode="incremental", start_page=None, end_page=None, **others):
        mode, start_page, end_page = parse_arguments(mode, start_page, end_page)
        checked = super().check_arguments(**others)
        return {**checked, "mode": mode, "start_page": start_page, "end_page": end_page}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.total_products = None
        self.state = {}  # replaced by the saved state when a JOBDIR run resumes
        self.resumed = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(spider.request_sent, signal=signals.request_reached_downloader)
        return spider

    @property
    def sliced(self):
        """Whether this run reads only a range of listing pages (delisting is then not judged)."""
        return bool(self.start_page or self.end_page)

    def page_range(self, total_pages):
        return range(self.start_page or 1, min(self.end_page or total_pages, total_pages) + 1)

    @staticmethod
    def listing_priority(page):
        """Listing pages go before details (priority 0 and 1), lower page numbers first."""
        return LISTING_PRIORITY - page

    def page_url(self, number):
        list_url = self.settings["MATTER_LIST_URL"]
        return list_url if number == 1 else add_or_replace_parameter(list_url, "paged", str(number))

    def listing_request(self, number, callback, priority=0, **cb_kwargs):
        return scrapy.Request(
            self.page_url(number),
            callback=callback,
            errback=self.record_failure,
            cb_kwargs=cb_kwargs,
            priority=priority,
            meta={"kind": "list", "page": number, "deltafetch_enabled": False},
            dont_filter=True,
        )

    def detail_request(self, ref, known_missing=False, priority=0):
        """A detail page; deltafetch may skip it only in incremental mode, for a card whose
        detail the database is not known to lack. One the database lacks is fetched even if
        a resumed job directory remembers it as seen (its item may have been lost)."""
        return scrapy.Request(
            ref["url"],
            callback=self.parse_detail,
            errback=self.record_failure,
            cb_kwargs={"ref": ref},
            priority=priority,
            dont_filter=known_missing,
            meta={
                "kind": "detail",
                "deltafetch_key": ref["url"],
                "deltafetch_enabled": self.mode == "incremental" and not known_missing,
            },
        )

    def parse_listing(self, response, page, total, attempt=0):
        """One physical listing page (a whole one: ``pages.page_problem``): a ref per card,
        and a request for its detail page; a card that is no product costs only itself.

        A whole page with fewer cards than its place in the listing implies (served short)
        is read again, up to MATTER_INCOMPLETE_PAGE_RETRIES times, never stored as if
        complete. The last page may show more or fewer (the site moved): the next status
        check places it.
        """
        cards = self.page_cards(response)
        expected = cards_on_page(total, page)
        if len(cards) != expected and page != -(-total // PAGE_SIZE):
            self.crawler.stats.inc_value("matter/incomplete_pages")
            retries = self.settings.getint("MATTER_INCOMPLETE_PAGE_RETRIES")
            if len(cards) < expected and attempt < retries:
                self.logger.info(
                    "Page %d shows %d of %d cards; reading it again", page, len(cards), expected
                )
                yield self.listing_request(
                    page,
                    self.parse_listing,
                    priority=self.listing_priority(page),
                    page=page,
                    total=total,
                    attempt=attempt + 1,
                )
            else:
                yield self.give_up(
                    response, "list", f"page {page} shows {len(cards)} cards, expected {expected}"
                )
            return
        if self.listing is not None:
            self.listing.read(
                page, [ref for ref, _ in cards], sent_after=response.meta.get("sent_after", 0)
            )
        yield from self.page_items(cards, page, total, response.request.url)

    def page_cards(self, response):
        """Each card's product ref without its slot (a dict) and ``None``, or ``None`` and
        why the card is no product."""
        cards = []
        for card in response.css(CARDS):
            ref = self.card_ref(response, card)
            problem = self.card_problem(response, ref)
            cards.append((None, problem) if problem else (dict(ref), None))
        return cards

    def page_of(self, response):
        return response.request.meta["page"]

    def card_ref(self, response, card):
        loader = ProductRefLoader(selector=card, response=response, spider=self)
        loader.add_xpath("url", PRODUCT_LINK)
        loader.add_text("manufacturer", "p.entry-company")
        loader.add_text("model", "h3.entry-title")
        loader.add_text("certificate_id", "p.entry-certificate-id")
        loader.add_text("certificate_id", "span.entry-cert-id")
        return loader.load_item()

    @staticmethod
    def card_problem(response, ref):
        """Why a card is no product of this listing: no product link, or one to another site."""
        url = ref.get("url")
        if url is None:
            return "no /csa_product/ link"
        if urlsplit(url).netloc != urlsplit(response.url).netloc:
            return f"links to another site: {url}"
        return None

    def bad_card_letter(self, page_url, index, reason):
        """A card that is no product costs that card, not its page: it goes to the dead-letter
        list as ``<page url>#card-<n>`` (n from 1), kind ``list``."""
        self.crawler.stats.inc_value("matter/unusable/card")
        url = f"{page_url}#card-{index + 1}"
        self.logger.warning("Giving up on %s: bad card: %s", url, reason)
        return RequestFailure(
            url=url,
            kind="list",
            error_type="bad card",
            error_message=reason[:1000],
            attempts=1,
            session_id=self.session_id,
        )

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
        self.crawler.stats.inc_value(f"matter/unusable/{kind}")
        self.page_failed(response.request)
        return self.dead_letter(response.request, "unusable page", reason)

    def page_failed(self, request):
        """A listing page given up: its slots are not read again in this run."""
        arguments = request.cb_kwargs
        if "page" in arguments and "total" in arguments and "failed" in self.state:
            self.state["failed"] |= page_slots(arguments["total"], arguments["page"])

    def dead_letter(self, request, error_type, message, url=None):
        """A row of the dead-letter list for ``request`` (or for ``url``, a part of its page)."""
        url = url or request.meta.get("deltafetch_key", request.url)
        self.logger.warning("Giving up on %s: %s: %s", url, error_type, message)
        return RequestFailure(
            url=url,
            kind=request.meta.get("kind", "list"),
            error_type=error_type,
            error_message=message[:1000],
            attempts=request.meta.get("retry_times", 0) + 1,
            session_id=self.session_id,
        )
