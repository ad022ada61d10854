"""Whole pages only: a listing or detail page counts only when the document ends and the parts
a page of its kind always has are there. One that is not whole, or no usable page at all, is
read again with backoff, then goes to the errback and the dead-letter list with its reason."""

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response
from twisted.python.failure import Failure

from matter_certis.exceptions import UnusablePage
from matter_certis.items import RequestFailure
from matter_certis.parsing.pages import page_problem
from matter_certis.spidermiddlewares.page_check import PageCheckMiddleware
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import DETAIL_URL, FILES, LIST_URL, answered, detail, listing


def without_pagination(fixture):
    html = (FILES / fixture).read_text()
    start = html.index('<nav class="navigation pagination"')
    end = html.index("</nav>", start) + len("</nav>")
    return (html[:start] + html[end:]).encode()


def judged(response):
    return page_problem(response.request, response)


# --- listing pages ------------------------------------------------------------------------


def test_a_whole_listing_page_passes():
    assert judged(listing("matter_products_list_live.html", page=5)) is None


def test_listing_page_one_cut_short_after_a_few_cards_is_not_whole():
    response = listing("matter_products_list_cut_short.html", page=1)
    assert judged(response) == "the document does not end (no </html>): cut short"


def test_thirteen_cards_are_not_a_whole_page():
    response = listing("matter_products_list_thirteen_cards.html", page=5)
    assert judged(response) == "13 cards: a page holds at most 12"


def test_a_listing_page_after_the_first_needs_its_pagination():
    response = answered(
        LIST_URL,
        without_pagination("matter_products_list_live.html"),
        "text/html",
        kind="list",
        page=5,
    )
    assert judged(response) == "no pagination"


def test_a_whole_first_page_of_twelve_without_pagination_is_the_only_page():
    """A listing of exactly 12 products: the document ends, so nothing was cut from it."""
    response = answered(
        LIST_URL,
        without_pagination("matter_products_list_live.html"),
        "text/html",
        kind="list",
        page=1,
    )
    assert judged(response) is None


def test_a_first_page_with_room_to_spare_and_no_pagination_is_the_only_page():
    assert judged(listing("matter_products_list_empty.html", page=1)) is None


def test_a_page_whose_pagination_marks_another_page_current_is_not_whole():
    response = listing("matter_products_list_live.html", page=7)
    assert judged(response) == "shows page 5, not page 7"


def test_a_listing_page_without_its_card_container_is_not_whole():
    response = listing("matter_products_detail_spans.html", page=1)
    assert judged(response) == "no card container"


# --- detail pages -------------------------------------------------------------------------


def test_a_whole_detail_page_passes():
    assert judged(detail("matter_products_detail_spans.html")) is None


def test_a_detail_page_cut_short_is_not_whole():
    response = detail("matter_products_detail_broken.html")
    assert judged(response) == "the document does not end (no </html>): cut short"


def test_a_detail_page_nested_too_deep_for_lxml_is_not_whole():
    response = detail("matter_products_detail_too_deep.html")
    assert judged(response) == "nested too deep for the HTML parser: the rest of the page is lost"


def test_a_detail_page_without_a_title_is_not_whole():
    response = answered(
        DETAIL_URL,
        b"<html><body><div class='entry-product-details'><ul>"
        b"<li>Vendor ID: 1</li></ul></div></body></html>",
        "text/html",
        kind="detail",
    )
    assert judged(response) == "no title (h1)"


def test_a_detail_page_without_fields_is_not_whole():
    response = answered(
        DETAIL_URL,
        b"<html><body><h1>Plug</h1><div class='entry-product-details'></div></body></html>",
        "text/html",
        kind="detail",
    )
    assert judged(response) == "no fields in product details block"


# --- no usable page at all ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b'{"code": "rest_no_route"}', "application/json", "not HTML (application/json)"),
        (b"", "text/html; charset=UTF-8", "empty body"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff",
            "application/octet-stream",
            "not HTML (application/octet-stream)",
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x01\x02\xff", "text/html", "binary body (sent as text/html)"),
    ],
    ids=["json", "empty", "binary", "binary sent as html"],
)
def test_a_body_that_is_no_page_is_named(body, content_type, reason):
    assert judged(answered(LIST_URL, body, content_type, kind="list", page=1)) == reason


def test_http_errors_are_left_to_the_status_handling():
    assert judged(answered(LIST_URL, b"", "text/html", status=404, kind="list", page=1)) is None


def test_other_requests_are_not_judged():
    assert judged(answered("https://csa-iot.org/robots.txt", b"", "text/plain")) is None


# --- the page check, the errback ----------------------------------------------------------


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def test_the_page_check_sends_a_page_that_is_not_whole_to_the_errback(spider):
    page_check = PageCheckMiddleware(spider.crawler.stats)
    with pytest.raises(UnusablePage, match="cut short"):
        page_check.process_spider_input(listing("matter_products_list_cut_short.html", page=1))
    assert spider.crawler.stats.get_value("matter/unusable/list") == 1


def test_the_errback_dead_letters_an_unusable_page_with_its_reason(spider):
    request = Request(LIST_URL, meta={"kind": "list", "page": 1, "retry_times": 5})
    failure = Failure(UnusablePage("the document does not end (no </html>): cut short"))
    failure.request = request
    dead = spider.record_failure(failure)
    assert isinstance(dead, RequestFailure)
    assert (dead["url"], dead["kind"], dead["error_type"], dead["attempts"]) == (
        LIST_URL,
        "list",
        "UnusablePage",
        6,
    )
    assert dead["error_message"] == "the document does not end (no </html>): cut short"


@pytest.fixture
def page_check(spider):
    return PageCheckMiddleware(spider.crawler.stats)


def test_a_detail_answered_with_a_pdf_goes_to_the_errback(page_check, spider):
    response = Response(
        DETAIL_URL,
        body=b"%PDF-1.7",
        headers={"Content-Type": "application/pdf"},
        request=Request(DETAIL_URL, meta={"kind": "detail"}),
    )
    with pytest.raises(UnusablePage, match=r"not HTML \(application/pdf\)"):
        page_check.process_spider_input(response)
    assert spider.crawler.stats.get_value("matter/unusable/detail") == 1


def test_a_detail_redirected_away_from_the_products_goes_to_the_errback(page_check):
    request = Request(DETAIL_URL, meta={"kind": "detail", "redirect_urls": [DETAIL_URL]})
    response = HtmlResponse("https://csa-iot.org/", body=b"<html></html>", request=request)
    with pytest.raises(UnusablePage, match="redirected to https://csa-iot.org/"):
        page_check.process_spider_input(response)


def test_the_page_check_lets_a_whole_detail_page_through(page_check):
    response = detail("matter_products_detail_spans.html")
    assert page_check.process_spider_input(response) is None
