"""What a whole listing or detail page holds, and ``page_problem``: the one judgement, shared
by the retry middleware (a page that is not whole is read again, with backoff) and the page
check (a page still not whole after the retries goes to the errback, then the dead-letter list).

A page counts only when it is whole: the document ends (the site's pages always end with
``</html>``) and the parts a page of its kind always has are there. A page cut short in
transit keeps whatever it got that far, so "has some cards" proves nothing.
"""

from weakref import WeakKeyDictionary

from lxml import etree
from parsel import Selector
from parsel.csstranslator import css2xpath
from scrapy.http import HtmlResponse, TextResponse
from scrapy.utils.response import get_base_url

from matter_certis.listing.positions import PAGE_SIZE
from matter_certis.parsing.normalize import canonical_url

CARD_CONTAINERS = "div.post-feed, .wp-block-crown-blocks-product-index"
CARDS = "div.post-feed article, .wp-block-crown-blocks-product-index article.product"
PAGINATION = "div.pagination-wrapper, .page-numbers"
CURRENT_PAGE = "div.pagination-wrapper .current ::text, .page-numbers.current::text"
# A listing page's parts, compiled: asked of every listing page, as yes or no or a count.
HAS_CARD_CONTAINER = etree.XPath(f"boolean({css2xpath(CARD_CONTAINERS)})")
CARD_COUNT = etree.XPath(f"count({css2xpath(CARDS)})")
HAS_PAGINATION = etree.XPath(f"boolean({css2xpath(PAGINATION)})")
# A detail page's parts, compiled: asked of every detail page, as yes or no.
HAS_DETAIL_TITLE = etree.XPath(f"boolean({css2xpath('h1')})")
HAS_DETAIL_FIELDS_BLOCK = etree.XPath(f"boolean({css2xpath('div.entry-product-details')})")
HAS_DETAIL_FIELD_ITEMS = etree.XPath(f"boolean({css2xpath('div.entry-product-details li')})")
# A real page nests a few dozen elements deep. libxml2 stops parsing where a document nests
# past its limit (2048 elements with huge_tree), silently dropping everything after: the
# last element it kept is then the deepest one.
MAX_LAST_ELEMENT_DEPTH = 256
LAST_ELEMENT_DEPTH = etree.XPath("count(/descendant::*[last()]/ancestor::*)")
DOCUMENT_END = b"</html>"


# Each page's parsed document, for as long as its response lives. Scrapy's
# ``response.selector`` and its response refer to each other, so a page read through it
# stayed in memory, its lxml tree with it, until Python's cyclic garbage collector ran: some
# 350 pages at a time, 25 MB more at 6,000 products. This selector does not refer to the
# response, so the page goes as soon as Scrapy is done with the response.
_SELECTORS = WeakKeyDictionary()


def page_selector(response):
    """The parsed page of an HTML ``response`` (parsel's ``Selector``), parsed once; use it,
    never ``response.selector`` (see ``_SELECTORS``)."""
    selector = _SELECTORS.get(response)
    if selector is None:
        selector = Selector(text=response.text, type="html", base_url=get_base_url(response))
        _SELECTORS[response] = selector
    return selector


# Each response's verdict with the request it was judged for: the retry middleware and
# the page check judge the same response (the whole-page check once cost as much as
# Scrapy's own work per response), and the entry goes with the response.
_VERDICTS = WeakKeyDictionary()


def page_problem(request, response):
    """Why ``response`` is not a whole page of the kind ``request`` asked for
    (``meta["kind"]``: ``list`` or ``detail``), or ``None`` when it is (or is no page of
    ours, or is an HTTP error, which the status-code handling judges). The request is passed
    on its own: downloader middlewares see responses not yet tied to theirs. Judged once per
    response and request."""
    judged = _VERDICTS.get(response)
    if judged is not None and judged[0] is request:
        return judged[1]
    problem = _judge(request, response)
    _VERDICTS[response] = (request, problem)
    return problem


def _judge(request, response):
    kind = request.meta.get("kind")
    if kind not in ("list", "detail") or not 200 <= response.status < 300:
        return None
    if not response.body.strip():
        return "empty body"
    if not isinstance(response, HtmlResponse):
        content_type = response.headers.get("Content-Type", b"no content type").decode("latin-1")
        if not isinstance(response, TextResponse) and content_type.startswith("text/"):
            return f"binary body (sent as {content_type})"
        return f"not HTML ({content_type})"
    if not response.body[-256:].rstrip().lower().endswith(DOCUMENT_END):
        return "the document does not end (no </html>): cut short"
    if LAST_ELEMENT_DEPTH(page_selector(response).root) > MAX_LAST_ELEMENT_DEPTH:
        return "nested too deep for the HTML parser: the rest of the page is lost"
    if kind == "list":
        return listing_problem(response, request.meta.get("page"))
    return detail_problem(response)


def redirected_away(request, response):
    """Whether a detail request was answered from outside the product pages (a redirect to
    the home or search page, say): not worth reading again."""
    return request.meta.get("kind") == "detail" and "/csa_product/" not in response.url


def redirected_to(url, response):
    """The address a detail request for ``url`` was answered from, when it is another one
    (another product's page, or the product's new address after a rename); ``None`` when
    it is ``url`` (query, fragment and trailing slash aside)."""
    if response.url == url:  # the common case, without parsing either address
        return None
    answered = canonical_url(response.url)
    return None if answered.rstrip("/") == canonical_url(url).rstrip("/") else answered


def permanently_redirected(response):
    """Whether every redirect on the way to ``response`` was permanent (301 or 308)."""
    reasons = response.meta.get("redirect_reasons") or [None]
    return all(reason in (301, 308) for reason in reasons)


def listing_problem(response, number):
    """A listing page has its card container, at most 12 cards, and a pagination block
    unless it is the only page (page 1 without one: its document ended, so nothing was cut
    from it, and a listing of up to 12 products has no pages to link). Its pagination marks
    the page asked for (``number``) as the current one."""
    page = page_selector(response)
    if not HAS_CARD_CONTAINER(page.root):
        return "no card container"
    cards = int(CARD_COUNT(page.root))
    if cards > PAGE_SIZE:
        return f"{cards} cards: a page holds at most {PAGE_SIZE}"
    if not HAS_PAGINATION(page.root):
        return None if number == 1 else "no pagination"
    current = page.css(CURRENT_PAGE).re(r"\d+")
    if number is not None and current and int(current[0]) != number:
        return f"shows page {current[0]}, not page {number}"
    return None


def detail_problem(response):
    """A detail page has its title and its block of labelled fields."""
    root = page_selector(response).root
    if not HAS_DETAIL_TITLE(root):
        return "no title (h1)"
    if not HAS_DETAIL_FIELD_ITEMS(root):
        what = "no fields in" if HAS_DETAIL_FIELDS_BLOCK(root) else "no"
        return f"{what} product details block"
    return None
