"""Backoff schedule, Retry-After parsing, and the circuit breaker's state machine."""

import asyncio
import random
from datetime import UTC, datetime

import pytest
import pytest_twisted
from scrapy.exceptions import CannotResolveHostError
from scrapy.http import Request, Response
from twisted.internet.defer import Deferred

from matter_certis.middlewares.breaker import CircuitBreakerMiddleware, SiteUnreachable
from matter_certis.middlewares.retry import backoff_delay, retry_after_seconds
from matter_certis.verdict import CLOSE_MESSAGE_STAT


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
        breaker.crawler.stats.get_value(CLOSE_MESSAGE_STAT)
        == "cannot reach csa-iot.invalid: DNS lookup failed"
    )
