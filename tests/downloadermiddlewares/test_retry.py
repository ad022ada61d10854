"""The retry middleware: its backoff schedule, Retry-After parsing, and the middleware itself
reading again (after the wait) a transient error or a page that is not whole, and dropping
a waiting retry when the run stops."""

import asyncio
import random
import time
from datetime import UTC, datetime

import pytest
import pytest_twisted
import scrapy
from scrapy import Request
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.http import Response
from twisted.internet.defer import Deferred

from matter_certis import signals
from matter_certis.downloadermiddlewares.retry import (
    BackoffRetryMiddleware,
    backoff_delay,
    retry_after_seconds,
)
from matter_certis.run import stat_keys, verdict
from matter_certis.spiders.matter_products import MatterProductsSpider
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import DETAIL_URL, LIST_URL, TEST_SETTINGS, answered, listing


def schedule(seed, attempts=6, base=1.0, cap=1000.0):
    rng = random.Random(seed)
    return [backoff_delay(attempt, base, cap, rng) for attempt in range(attempts)]


def test_backoff_doubles_with_jitter_up_to_as_much_again():
    for attempt, delay in enumerate(schedule(seed=7)):
        assert 2**attempt <= delay <= 2 * 2**attempt


def test_backoff_is_repeatable_for_a_seed():
    assert schedule(seed=3) == schedule(seed=3)
    assert schedule(seed=3) != schedule(seed=4)
    assert [round(delay, 3) for delay in schedule(seed=3, attempts=4, base=0.5)] == SEED_3_SCHEDULE


SEED_3_SCHEDULE = [0.619, 1.544, 2.74, 6.416]


def test_backoff_is_capped():
    assert backoff_delay(20, base=1.0, cap=30.0, rng=random.Random(1)) == 30.0


@pytest.mark.parametrize(("retry_after", "expected"), [(10.0, 10.0), (0.1, None), (500.0, 30.0)])
def test_retry_after_is_honoured_up_to_the_cap(retry_after, expected):
    delay = backoff_delay(0, base=1.0, cap=30.0, rng=random.Random(2), retry_after=retry_after)
    if expected is None:
        assert 1.0 <= delay <= 2.0
    else:
        assert delay == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"120", 120.0),
        ("7", 7.0),
        (b"Tue, 24 Nov 2026 10:00:30 GMT", 30.0),
        (b"soon", None),
        (None, None),
        (b"Tue, 24 Nov 2026 09:00:00 GMT", 0.0),
    ],
)
def test_retry_after_seconds(header, expected):
    now = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == expected


# --- the retry middleware reads a page again ----------------------------------------------


class Engine:
    """Just what the retry middleware and ``verdict.fail`` ask of the engine."""

    running = True
    spider = "open"

    async def close_spider_async(self, reason):
        self.closed_by = reason


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
async def test_a_503_is_read_again_after_the_wait(retry):
    middleware = retry(MATTER_RETRY_BASE_DELAY=0.05)
    request = Request(LIST_URL, meta={"kind": "list", "page": 1})
    started = time.monotonic()
    again = await run(middleware.process_response(request, Response(LIST_URL, status=503)))
    assert isinstance(again, Request) and again.url == LIST_URL
    assert again.meta["retry_times"] == 1
    assert time.monotonic() - started >= 0.05
    assert middleware.crawler.stats.get_value("matter/retry/wait_seconds") >= 0.05


@pytest_twisted.ensureDeferred
async def test_a_waiting_retry_is_announced_with_what_answered_and_its_delay(retry):
    middleware = retry(MATTER_RETRY_BASE_DELAY=0.05)
    heard = []

    def waiting(request, reason, delay):
        heard.append(("waiting", request.url, reason, delay))

    def waited(request):
        heard.append(("waited", request.url))

    middleware.crawler.signals.connect(waiting, signal=signals.retry_waiting)
    middleware.crawler.signals.connect(waited, signal=signals.retry_waited)
    request = Request(LIST_URL, meta={"kind": "list", "page": 1})
    await run(middleware.process_response(request, Response(LIST_URL, status=503)))
    (_, url, reason, delay), done = heard
    assert (url, reason) == (LIST_URL, "answered 503 Service Unavailable")
    assert 0.05 <= delay <= 0.1
    assert done == ("waited", LIST_URL)


@pytest_twisted.ensureDeferred
async def test_a_503_still_failing_after_the_retries_is_returned_as_is(retry):
    middleware = retry(RETRY_TIMES=2)
    request = Request(LIST_URL, meta={"kind": "list", "page": 1, "retry_times": 2})
    response = Response(LIST_URL, status=503, request=request)
    assert await run(middleware.process_response(request, response)) is response


@pytest_twisted.ensureDeferred
async def test_a_request_s_own_max_retry_times_caps_its_tries(retry):
    middleware = retry(RETRY_TIMES=5)
    meta = {"kind": "list", "page": 1, "retry_times": 1, "max_retry_times": 1}
    request = Request(LIST_URL, meta=meta)
    response = Response(LIST_URL, status=503, request=request)
    assert await run(middleware.process_response(request, response)) is response


@pytest_twisted.ensureDeferred
async def test_a_request_marked_dont_retry_is_never_read_again(retry):
    request = Request(LIST_URL, meta={"kind": "list", "page": 1, "dont_retry": True})
    response = Response(LIST_URL, status=503, request=request)
    assert await run(retry().process_response(request, response)) is response


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


@pytest_twisted.ensureDeferred
async def test_a_waiting_retry_ends_when_the_run_fails(retry):
    middleware = retry(MATTER_RETRY_BASE_DELAY=30.0)
    request = Request(LIST_URL, meta={"kind": "list", "page": 1})
    response = Response(LIST_URL, status=503, request=request)

    async def fail_soon():
        await asyncio.sleep(0.2)
        verdict.fail(middleware.crawler, "database_failed", "the disk is full")

    failer = asyncio.ensure_future(fail_soon())
    started = time.monotonic()
    answer = await run(middleware.process_response(request, response))
    await run(failer)
    assert answer is response
    assert time.monotonic() - started < 1.0
    assert middleware.crawler.engine.closed_by == "database_failed"


class OnePageSpider(scrapy.Spider):
    """Asks for one page of a site that answers 503 to everything."""

    name = "one_page"

    def __init__(self, url, **kwargs):
        super().__init__(**kwargs)
        self.url = url

    async def start(self):
        yield scrapy.Request(self.url)

    def parse(self, response):
        return None


async def eventually(condition, timeout=10.0):
    """Wait until ``condition()`` holds (looked at every 50 ms), at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.05)


@pytest_twisted.ensureDeferred
async def test_a_real_crawl_stopped_like_ctrl_c_drops_its_waiting_retry_at_once():
    """Scrapy's stop (Ctrl-C, a Scrapyd cancel) marks the engine no longer running before it
    closes the spider, and the close waits for the request whose retry is waiting."""
    settings = {
        **TEST_SETTINGS,
        "ROBOTSTXT_OBEY": False,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "matter_certis.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
        },
        "MATTER_RETRY_BASE_DELAY": 30.0,
        "MATTER_RETRY_MAX_DELAY": 60.0,
    }
    runner = AsyncCrawlerRunner(settings)
    crawler = runner.create_crawler(OnePageSpider)

    async def stop_while_the_retry_waits(url):
        crawl = asyncio.ensure_future(runner.crawl(crawler, url=url))
        await eventually(
            lambda: crawler.crawling and crawler.stats.get_value(stat_keys.RETRY_WAIT_SECONDS)
        )
        started = time.monotonic()
        await crawler.stop_async()
        await crawl
        return time.monotonic() - started

    with ReplicaServer(Catalog(products=12, seed=1), faults=Faults(down=True)) as replica:
        stopping_took = await run(stop_while_the_retry_waits(replica.base_url + "/"))
    assert stopping_took < 1.0
    assert crawler.stats.get_value("finish_reason") == "shutdown"
    assert crawler.stats.get_value(stat_keys.RETRIES_DROPPED_AT_STOP) == 1
