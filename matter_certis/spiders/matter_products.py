"""Spider ``matter_products``: the CSA-IoT Matter listing and every product's detail page."""

import scrapy
from w3lib.url import add_or_replace_parameter

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
LISTING_META = {"deltafetch_enabled": False}


class MatterProductsSpider(scrapy.Spider):
    """Reads the paged listing (status check first: page 1, then the last page to learn the
    product count), yields a ``ProductRef`` per card and a ``ProductDetail`` per detail page.

    Setting ``MATTER_LIST_URL`` is listing page 1; page N adds ``paged=N``.
    """

    name = "matter_products"

    @property
    def list_url(self):
        return self.settings["MATTER_LIST_URL"]

    def page_url(self, number):
        if number == 1:
            return self.list_url
        return add_or_replace_parameter(self.list_url, "paged", str(number))

    def listing_request(self, number, callback, **cb_kwargs):
        return scrapy.Request(
            self.page_url(number),
            callback=callback,
            cb_kwargs=cb_kwargs,
            meta=LISTING_META,
            dont_filter=True,
        )

    async def start(self):
        yield self.listing_request(1, self.parse_status)

    def parse_status(self, response):
        """Page 1: learn the page count; the last page tells how many products there are."""
        numbers = [int(n) for n in response.css(PAGINATION_NUMBERS).re(r"\d+")]
        total_pages = max(numbers, default=1)
        if total_pages == 1:
            total = total_products(1, len(response.css(CARDS)))
            yield from self.parse_listing(response, page=1, total=total)
            return
        yield self.listing_request(total_pages, self.parse_last_page, total_pages=total_pages)

    def parse_last_page(self, response, total_pages):
        total = total_products(total_pages, len(response.css(CARDS)))
        self.logger.info("Status check: %d pages, %d products", total_pages, total)
        yield from self.parse_listing(response, page=total_pages, total=total)
        for page in range(1, total_pages):
            yield self.listing_request(page, self.parse_listing, page=page, total=total)

    def parse_listing(self, response, page, total):
        """One physical listing page: a ref per card, and a request for its detail page."""
        for index, card in enumerate(response.css(CARDS)):
            page_id, index_in_page = stable_slot(total, page, index)
            loader = ProductRefLoader(selector=card, response=response, spider=self)
            loader.add_css("url", "a[href*='/csa_product/']::attr(href)")
            loader.add_css("manufacturer", "p.entry-company::text")
            loader.add_value("model", card.css("h3.entry-title").xpath("string()").get())
            loader.add_css("certificate_id", "p.entry-certificate-id::text")
            loader.add_css("certificate_id", "span.entry-cert-id::text")
            loader.add_value("page_id", page_id)
            loader.add_value("index_in_page", index_in_page)
            ref = loader.load_item()
            yield ref
            yield scrapy.Request(
                ref["url"],
                callback=self.parse_detail,
                cb_kwargs={"ref": dict(ref)},
                meta={"deltafetch_key": ref["url"]},
            )

    def parse_detail(self, response, ref):
        """A product page: labelled fields (span or colon markup), certificates table, extras."""
        loader = ProductDetailLoader(response=response, spider=self)
        loader.add_value("url", ref["url"])
        loader.add_value("page_id", ref["page_id"])
        loader.add_value("index_in_page", ref["index_in_page"])
        title = response.css("h1.entry-title") or response.css("h1")
        loader.add_value("model", title[:1].xpath("string()").get())
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
        loader.add_value("manufacturer", ref["manufacturer"])
        loader.add_value("model", ref["model"])
        yield loader.load_item()
