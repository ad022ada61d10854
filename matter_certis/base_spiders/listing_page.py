"""The listing side of ``matter_products``: a listing page's address, its cards and its page
count."""

from urllib.parse import urlsplit

from lxml import etree
from w3lib.url import add_or_replace_parameter

from matter_certis.base_spiders import setting_checks
from matter_certis.listing.steps import Card
from matter_certis.parsing.loaders import ProductRefLoader
from matter_certis.parsing.pages import CARDS, page_selector

# A card's first link to a product page: inside the card, or the link the whole card sits in
# (compiled once: parsel would compile it and wrap its answer for every card).
PRODUCT_LINK = etree.XPath(
    "(ancestor::a[contains(@href, '/csa_product/')] | .//a[contains(@href, '/csa_product/')])"
    "[1]/@href",
    smart_strings=False,
)
PAGINATION_NUMBERS = "div.pagination-wrapper > nav > div > a > span::text, .page-numbers::text"


class ListingPage:
    """Mixed into the spider: where a listing page is, and what it shows, read with its
    selectors."""

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        setting_checks.web_address(settings, "MATTER_LIST_URL")

    def page_url(self, number):
        """Page 1 is ``MATTER_LIST_URL``; page N adds ``paged=N``."""
        list_url = self.settings["MATTER_LIST_URL"]
        return list_url if number == 1 else add_or_replace_parameter(list_url, "paged", str(number))

    @staticmethod
    def page_count(response):
        """The highest page number the pagination links to (1 without pagination)."""
        numbers = page_selector(response).css(PAGINATION_NUMBERS).re(r"\d+")
        return max((int(n) for n in numbers), default=1)

    def page_cards(self, response):
        """Each card of a listing page: its product ref, or why it is no product."""
        cards, site = [], urlsplit(response.url).netloc
        for card in page_selector(response).css(CARDS):
            ref = self.card_ref(response, card)
            problem = self.card_problem(site, ref)
            cards.append(Card(None, problem) if problem else Card(dict(ref)))
        return cards

    def card_ref(self, response, card):
        loader = ProductRefLoader(selector=card, response=response, spider=self)
        loader.add_value("url", PRODUCT_LINK(card.root))
        loader.add_text("manufacturer", "p.entry-company")
        loader.add_text("model", "h3.entry-title")
        loader.add_text("certificate_id", "p.entry-certificate-id", "span.entry-cert-id")
        return loader.load_item()

    @staticmethod
    def card_problem(site, ref):
        """Why a card is no product of this listing (at ``site``, the listing page's host):
        no product link, or one to another site."""
        url = ref.get("url")
        if url is None:
            return "no /csa_product/ link"
        if urlsplit(url).netloc != site:
            return f"links to another site: {url}"
        return None
