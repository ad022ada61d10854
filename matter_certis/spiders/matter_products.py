"""Spider ``matter_products``: the CSA-IoT Matter listing and every product's detail page."""

import uuid

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from parsel.csstranslator import css2xpath
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import add_or_replace_parameter

from matter_certis import analysis
from matter_certis.arguments import ArgumentError, parse_arguments
from matter_certis.items import RequestFailure
from matter_certis.loaders import ProductDetailLoader, ProductRefLoader
from matter_certis.positions import cards_on_page, stable_slot, total_products

CARDS = "div.post-feed article, .wp-block-crown-blocks-product-index article.product"
PRODUCT_LINK = "a[href*='/csa_product/']::attr(href)"
PERMANENT_STATUSES = (404, 410)
PAGINATION_NUMBERS = (
    "div.pagination-wrapper > nav > div > a > span::text, .page-numbers::text"
)
DETAIL_FIELDS = "div.entry-product-details > div > ul > li"
# As XPath, so that a field costs three selector calls (the detail page's hot loop).
FIELD_LABEL = css2xpath("span.label")
FIELD_VALUE = css2xpath("span.value")
CERTIFICATES_TABLE_ROWS = ".product-certificates-table tr"
APPLICATION_CATEGORIES = (
    "//h3[normalize-space()='Application Categories']/following-sibling::ul[1]/li"
)


class MatterProductsSpider(scrapy.Spider):
    """Syncs the local database with the CSA-IoT Matter listing.

    A status check reads page 1 (the page count) and the last page (how many products are
    on it), which fixes every card's stable slot. Then, by mode:

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

    def __init__(self, *args, mode="incremental", start_page=None, end_page=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id = kwargs.get("_job") or uuid.uuid4().hex
        try:
            self.mode, self.start_page, self.end_page = parse_arguments(mode, start_page, end_page)
        except ArgumentError as error:
            # One clear line and a stop before anything is opened or written.
            self.logger.error("Bad spider argument %s", error)
            raise SystemExit(2) from None
        self.total_pages = None
        self.state = {}  # replaced by the saved state when a JOBDIR run resumes
        self.resuming = False

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.spider_idle, signal=signals.spider_idle)
        return spider

    @property
    def sliced(self):
        """Whether this run reads only a range of listing pages (delisting is then not judged)."""
        return bool(self.start_page or self.end_page)

    def page_range(self, total_pages):
        return range(self.start_page or 1, min(self.end_page or total_pages, total_pages) + 1)

    def page_url(self, number):
        list_url = self.settings["MATTER_LIST_URL"]
        return list_url if number == 1 else add_or_replace_parameter(list_url, "paged", str(number))

    def listing_request(self, number, callback, **cb_kwargs):
        return scrapy.Request(
            self.page_url(number),
            callback=callback,
            errback=self.record_failure,
            cb_kwargs=cb_kwargs,
            meta={"kind": "list", "deltafetch_enabled": False},
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

    async def start(self):
        if self.state.get("planned"):
            self.logger.info("Resuming: the job directory's queue holds the rest of the run")
            self.resuming = True
            return
        yield self.listing_request(1, self.parse_status)
        for ref in analysis.failed_details():
            yield self.detail_request(ref, known_missing=True, priority=1)

    def spider_idle(self):
        """A resumed run that has worked off its saved queue checks with a new status check
        and database analysis that nothing is left (or fetches what is)."""
        if self.resuming:
            self.resuming = False
            self.crawler.engine.crawl(self.listing_request(1, self.parse_status))
            raise DontCloseSpider

    def parse_status(self, response):
        """Page 1: learn the page count; the last page tells how many products there are."""
        numbers = [int(n) for n in response.css(PAGINATION_NUMBERS).re(r"\d+")]
        total_pages = max(numbers, default=1)
        if total_pages == 1:
            yield from self.parse_last_page(response, total_pages=1)
        else:
            yield self.listing_request(total_pages, self.parse_last_page, total_pages=total_pages)

    def parse_last_page(self, response, total_pages, earlier_count=None):
        """The status check is complete: plan the listing pages and details to fetch.

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
            yield self.give_up(response, "list", f"implausible status check: {count} cards on "
                               f"page {total_pages}, {total} products, {listed} in the database")
            return
        self.total_pages = total_pages
        pages = self.page_range(total_pages)
        if self.mode == "incremental":
            lacking = analysis.products_without_details(total, pages if self.sliced else None)
            pages = [page for page in analysis.pages_with_missing_slots(total) if page in pages]
        else:
            lacking = []
        self.logger.info(
            "Status check: %d pages, %d products. Plan (%s): %d listing pages, "
            "%d stored products without details",
            total_pages, total, self.mode, len(pages), len(lacking),
        )
        self.state["planned"] = True
        self.crawler.stats.set_value("matter/plan/pages", len(pages))  # read by Progress
        if total_pages in pages:
            yield from self.parse_listing(response, page=total_pages, total=total)
        for page in pages:
            if page != total_pages:
                yield self.listing_request(page, self.parse_listing, page=page, total=total)
        for ref in lacking:
            yield self.detail_request(ref, known_missing=True)

    def confirmed_oldest(self, response, cards):
        """Whether the last card is the product the database holds at slot (0, 0)."""
        oldest = analysis.oldest_product_url()
        last_link = cards[-1].css(PRODUCT_LINK).get() if cards else None
        return oldest is not None and last_link is not None and response.urljoin(last_link) == oldest

    def parse_listing(self, response, page, total, attempt=0):
        """One physical listing page: a ref per card, and a request for its detail page.

        A page with fewer cards than its place in the listing implies (cut short) is read
        again, up to MATTER_INCOMPLETE_PAGE_RETRIES times, never stored as if complete; one
        with more (the site grew during the run) is left to the next run.
        """
        cards = response.css(CARDS)
        expected = cards_on_page(total, page)
        if len(cards) != expected:
            self.crawler.stats.inc_value("matter/incomplete_pages")
            retries = self.settings.getint("MATTER_INCOMPLETE_PAGE_RETRIES")
            if len(cards) < expected and attempt < retries:
                self.logger.info("Page %d shows %d of %d cards; reading it again", page, len(cards), expected)
                yield self.listing_request(
                    page, self.parse_listing, page=page, total=total, attempt=attempt + 1
                )
            else:
                yield self.give_up(response, "list", f"page {page} shows {len(cards)} cards, expected {expected}")
            return
        self.crawler.stats.inc_value("matter/pages/read")
        for index, card in enumerate(cards):
            page_id, index_in_page = stable_slot(total, page, index)
            loader = ProductRefLoader(selector=card, response=response, spider=self)
            loader.add_css("url", PRODUCT_LINK)
            loader.add_text("manufacturer", "p.entry-company")
            loader.add_text("model", "h3.entry-title")
            loader.add_text("certificate_id", "p.entry-certificate-id")
            loader.add_text("certificate_id", "span.entry-cert-id")
            loader.add_value("page_id", page_id)
            loader.add_value("index_in_page", index_in_page)
            ref = loader.load_item()
            yield ref
            yield self.detail_request(dict(ref))

    def parse_detail(self, response, ref):
        """A product page: labelled fields (span or colon markup), certificates table, extras."""
        loader = ProductDetailLoader(response=response, spider=self)
        loader.add_value("url", ref["url"])
        loader.add_value("page_id", ref["page_id"])
        loader.add_value("index_in_page", ref["index_in_page"])
        loader.add_text("model", "h1.entry-title")
        loader.add_text("model", "h1")
        for item in response.css(DETAIL_FIELDS):
            label = item.xpath(f"string({FIELD_LABEL})").get()
            if label:  # <span class="label">Vendor ID</span><span class="value">0x1552</span>
                text = item.xpath(f"string({FIELD_VALUE})").get()
                link = item.xpath(f"{FIELD_VALUE}//a/@href").get()
            else:  # older markup: "Vendor ID: 0x1552"
                label, _, text = item.xpath("string()").get().partition(":")
                link = item.xpath(".//a/@href").get()
            loader.add_labelled(label, text, link)
        for row in response.css(CERTIFICATES_TABLE_ROWS):
            cells = row.css("td")
            if len(cells) == 2:
                loader.add_labelled(
                    cells[0].xpath("string()").get(),
                    cells[1].xpath("string()").get(),
                    cells[1].css("a::attr(href)").get(),
                )
        for category in response.xpath(APPLICATION_CATEGORIES):
            loader.add_value("application_categories", category.xpath("string()").get())
        for paragraph in response.css("div.entry-content p"):
            loader.add_value("description", paragraph.xpath("string()").get())
        loader.add_css("compliance_document_url", "a[href$='.zip']::attr(href)")
        loader.add_value("manufacturer", ref.get("manufacturer"))
        loader.add_value("model", ref.get("model"))
        yield loader.load_item()

    def record_failure(self, failure):
        """Errback: a request that failed after all retries goes to the dead-letter list.

        404 and 410 are permanent (never retried); an unusable page (not HTML, redirected
        away from the product) says why.
        """
        if failure.check(HttpError):
            status = failure.value.response.status
            error_type = f"HTTP {status}" + (" (permanent)" if status in PERMANENT_STATUSES else "")
        else:
            error_type = failure.type.__name__
        return self.dead_letter(failure.request, error_type, str(failure.value))

    def give_up(self, response, kind, reason):
        """A page that answered but cannot be used goes to the dead-letter list too."""
        self.crawler.stats.inc_value(f"matter/unusable/{kind}")
        return self.dead_letter(response.request, "unusable page", reason)

    def dead_letter(self, request, error_type, message):
        self.logger.warning("Giving up on %s: %s: %s", request.url, error_type, message)
        return RequestFailure(
            url=request.meta.get("deltafetch_key", request.url),
            kind=request.meta.get("kind", "list"),
            error_type=error_type,
            error_message=message[:1000],
            attempts=request.meta.get("retry_times", 0) + 1,
            session_id=self.session_id,
        )
