"""Spider ``matter_products``: the CSA-IoT Matter listing and every product's detail page."""

import uuid

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.spidermiddlewares.httperror import HttpError
from w3lib.url import add_or_replace_parameter

from matter_certis import analysis
from matter_certis.items import RequestFailure
from matter_certis.loaders import ProductDetailLoader, ProductRefLoader
from matter_certis.positions import stable_slot, total_products

CARDS = "div.post-feed article, .wp-block-crown-blocks-product-index article.product"
PAGINATION_NUMBERS = (
    "div.pagination-wrapper > nav > div > a > span::text, .page-numbers::text"
)
DETAIL_FIELDS = "div.entry-product-details > div > ul > li"
CERTIFICATES_TABLE_ROWS = ".product-certificates-table tr"
APPLICATION_CATEGORIES = (
    "//h3[normalize-space()='Application Categories']/following-sibling::ul[1]/li"
)
MODES = ("incremental", "full")


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
        detail the database is not known to lack."""
        return scrapy.Request(
            ref["url"],
            callback=self.parse_detail,
            errback=self.record_failure,
            cb_kwargs={"ref": ref},
            priority=priority,
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

    def parse_last_page(self, response, total_pages):
        """The status check is complete: plan the listing pages and details to fetch."""
        total = total_products(total_pages, len(response.css(CARDS)))
        self.total_pages = total_pages
        pages = self.page_range(total_pages)
        if self.mode == "incremental":
            pages = [page for page in analysis.pages_with_missing_slots(total) if page in pages]
            lacking = analysis.products_without_details()
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

    def parse_listing(self, response, page, total):
        """One physical listing page: a ref per card, and a request for its detail page."""
        self.crawler.stats.inc_value("matter/pages/read")
        for index, card in enumerate(response.css(CARDS)):
            page_id, index_in_page = stable_slot(total, page, index)
            loader = ProductRefLoader(selector=card, response=response, spider=self)
            loader.add_css("url", "a[href*='/csa_product/']::attr(href)")
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
            if item.css("span.label"):
                label = item.css("span.label").xpath("string()").get()
                value = item.css("span.value")
                text = value.xpath("string()").get()
            else:
                label, _, text = item.xpath("string()").get().partition(":")
                value = item
            loader.add_labelled(label, text, value.css("a::attr(href)").get())
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
        """A request that failed after all retries goes to the dead-letter list."""
        request = failure.request
        if failure.check(HttpError):
            error_type = f"HTTP {failure.value.response.status}"
        else:
            error_type = failure.type.__name__
        self.logger.warning("Giving up on %s: %s", request.url, error_type)
        yield RequestFailure(
            url=request.meta.get("deltafetch_key", request.url),
            kind=request.meta.get("kind", "list"),
            error_type=error_type,
            error_message=str(failure.value)[:1000],
            attempts=request.meta.get("retry_times", 0) + 1,
            session_id=self.session_id,
        )


class ArgumentError(ValueError):
    """A spider argument with a value the spider cannot use."""


def parse_arguments(mode, start_page, end_page):
    """Check the spider arguments; return ``(mode, start_page, end_page)`` with ints or None."""
    if mode not in MODES:
        raise ArgumentError(f"mode: expected incremental or full, got {mode!r}")
    start_page = _page_number("start_page", start_page)
    end_page = _page_number("end_page", end_page)
    if start_page and end_page and end_page < start_page:
        raise ArgumentError(f"end_page: {end_page} is before start_page {start_page}")
    return mode, start_page, end_page


def _page_number(name, value):
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not text.isdigit() or int(text) < 1:
        raise ArgumentError(f"{name}: expected a page number from 1, got {value!r}")
    return int(text)
