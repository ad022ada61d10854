"""The circuit breaker's state machine: pause after failures in a row, close when the site
stays down, fail at once when the host does not resolve."""

import asyncio

import pytest
import pytest_twisted
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Request, Response
from twisted.internet.defer import Deferred

from matter_certis.downloadermiddlewares.breaker import CircuitBreakerMiddleware
from matter_certis.exceptions import SiteUnreachable
from matter_certis.run import stat_keys


class FakeEngine:
    spider = "the spider"  # open: a close can be scheduled

    def __init__(self):
        self.calls = []

    def pause(self):
        self.calls.append("pause")

    def unpause(self):
        self.calls.append("unpause")

    async def close_spider_async(self, reason):
        self.calls.append(f"close {reason}")


@pytest.fixture
def breaker(make_crawler):
    crawler = make_crawler(
        MATTER_BREAKER_THRESHOLD=3, MATTER_BREAKER_COOLDOWN=0.01, MATTER_BREAKER_MAX_TRIPS=1
    )
    crawler.engine = FakeEngine()
    return CircuitBreakerMiddleware.from_crawler(crawler)


def answer(breaker, status):
    request = Request("https://csa-iot.org/x")
    return breaker.process_response(request, Response(request.url, status=status, request=request))


def test_failures_below_the_threshold_do_not_trip(breaker):
    for status in (503, 503, 200, 503, 503):
        answer(breaker, status)
    assert breaker.crawler.engine.calls == []


@pytest_twisted.ensureDeferred
async def test_threshold_failures_in_a_row_pause_then_the_next_failure_closes(breaker):
    async def scenario():
        for _ in range(3):
            answer(breaker, 503)
        assert breaker.crawler.engine.calls == ["pause"]
        await asyncio.sleep(0.05)
        assert breaker.crawler.engine.calls == ["pause", "unpause"]
        answer(breaker, 429)
        await asyncio.sleep(0)
        assert breaker.crawler.engine.calls == ["pause", "unpause", "close circuit_open"]

    await Deferred.fromFuture(asyncio.ensure_future(scenario()))


def test_a_success_after_a_pause_closes_the_circuit(breaker):
    breaker.consecutive_failures, breaker.trips = 2, 1
    answer(breaker, 200)
    assert (breaker.trips, breaker.consecutive_failures) == (0, 0)


def test_a_404_is_not_a_transient_failure(breaker):
    for _ in range(5):
        answer(breaker, 404)
    assert breaker.crawler.engine.calls == []


@pytest_twisted.ensureDeferred
async def test_a_host_that_does_not_resolve_fails_the_run_at_once_without_retries(breaker):
    request = Request("https://csa-iot.invalid/x")
    with pytest.raises(SiteUnreachable, match="cannot reach csa-iot.invalid: DNS lookup failed"):
        breaker.process_exception(request, CannotResolveHostError("no results"))
    with pytest.raises(SiteUnreachable):  # later requests too, closing only once
        breaker.process_exception(request, CannotResolveHostError("no results"))
    await Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(0)))
    assert breaker.crawler.engine.calls == ["close site_unreachable"]
    assert (
        breaker.crawler.stats.get_value(stat_keys.CLOSE_MESSAGE)
        == "cannot reach csa-iot.invalid: DNS lookup failed"
    )
