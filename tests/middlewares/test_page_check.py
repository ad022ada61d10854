"""Whole pages only: a listing or detail page counts only when the document ends and the parts
a page of its kind always has are there. One that is not whole, or no usable page at all, is
read again with backoff, then goes to the errback and the dead-letter list with its reason."""

import asyncio
import time

import pytest
import pytest_twisted
from scrapy import Request
from scrapy.http import Response
from scrapy.responsetypes import responsetypes
from twisted.internet.defer import Deferred
from twisted.python.failure import Failure

from matter_certis.dupefilter import RedirectHopsPassDupeFilter
from matter_certis.items import RequestFailure
from matter_certis.middlewares.page_check import PageCheckMiddleware, UnusablePage
from matter_certis.middlewares.retry import BackoffRetryMiddleware
from matter_certis.pages import page_problem
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import FILES, response_from

LIST_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14"
DETAIL_URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"


def listing(fixture, page):
    return response_from(fixture, LIST_URL, meta={"kind": "list", "page": page})


def detail(fixture):
    return response_from(fixture, DETAIL_URL, meta={"kind": "detail"})


def answered(url, body, content_type, status=200, **meta):
    """A response of the class Scrapy's downloader picks for these headers and body."""
    headers = {"Content-Type": content_type}
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url, status=status, headers=headers, body=body, request=Request(url, meta=meta))


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


# --- the retry middleware reads a page again ----------------------------------------------


class Engine:
    """Just what the retry middleware asks of the engine."""

    running = True
    _slot = None


@pytest.fixture
def retry(make_crawler):
    def make(**settings):
        crawler = make_crawler(
            MatterProductsSpider,
            **{"MATTER_RETRY_BASE_DELAY": 0.0, "MATTER_RETRY_SEED": 1, **settings},
        )
        crawler.spider = MatterProductsSpider.from_crawler(crawler)
        crawler.engine = Engine()
        return BackoffRetryMiddleware.from_crawler(crawler)

    return make


def run(coroutine):
    return Deferred.fromFuture(asyncio.ensure_future(coroutine))


@pytest_twisted.ensureDeferred
async def test_a_page_that_is_not_whole_is_read_again(retry):
    middleware = retry()
    response = listing("matter_products_list_cut_short.html", page=1)
    request, untied = response.request, response.replace(request=None)  # as downloaded
    again = await run(middleware.process_response(request, untied))
    assert isinstance(again, Request) and again.url == LIST_URL
    assert again.meta["retry_times"] == 1
    assert middleware.crawler.stats.get_value("matter/incomplete_pages") == 1


@pytest_twisted.ensureDeferred
async def test_a_page_still_not_whole_after_the_retries_goes_on_to_the_page_check(retry):
    middleware = retry(RETRY_TIMES=2)
    response = listing("matter_products_list_cut_short.html", page=1)
    response.request.meta["retry_times"] = 2
    assert await run(middleware.process_response(response.request, response)) is response


@pytest_twisted.ensureDeferred
async def test_a_whole_page_is_not_read_again(retry):
    response = listing("matter_products_list_live.html", page=5)
    assert await run(retry().process_response(response.request, response)) is response


@pytest_twisted.ensureDeferred
async def test_a_detail_redirected_away_is_not_read_again(retry):
    request = Request(DETAIL_URL, meta={"kind": "detail"})
    response = answered("https://csa-iot.org/", b"<html></html>", "text/html")
    response.request = request
    assert await run(retry().process_response(request, response)) is response


@pytest_twisted.ensureDeferred
async def test_a_waiting_retry_ends_when_the_run_stops(retry):
    middleware = retry(MATTER_RETRY_BASE_DELAY=30.0)
    request = Request(LIST_URL, meta={"kind": "list", "page": 1})
    response = Response(LIST_URL, status=503, request=request)

    async def stop_soon():
        await asyncio.sleep(0.2)
        middleware.crawler.engine.running = False

    stopper = asyncio.ensure_future(stop_soon())
    started = time.monotonic()
    answer = await run(middleware.process_response(request, response))
    await run(stopper)
    assert answer is response  # the retry is dropped: the request fails with its last answer
    assert time.monotonic() - started < 1.0
    assert middleware.crawler.stats.get_value("matter/retry/dropped_at_stop") == 1


# --- redirect hops are never filtered as duplicates ---------------------------------------


def test_a_redirect_hop_back_to_a_fetched_address_is_not_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    assert not dupefilter.request_seen(Request(DETAIL_URL))
    assert not dupefilter.request_seen(Request(DETAIL_URL, meta={"redirect_times": 2}))


def test_a_request_made_twice_is_still_a_duplicate():
    dupefilter = RedirectHopsPassDupeFilter()
    dupefilter.request_seen(Request(DETAIL_URL))
    assert dupefilter.request_seen(Request(DETAIL_URL))
