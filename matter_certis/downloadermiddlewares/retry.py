"""Retries that wait: exponential backoff with jitter, capped, honouring Retry-After; a
page that is not whole is read again like a server error."""

import asyncio
import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware, get_retry_request
from scrapy.utils.response import response_status_message

from matter_certis import signals
from matter_certis.parsing.pages import page_problem, redirected_away
from matter_certis.run import stat_keys, verdict

# How often a waiting retry looks whether the run is ending (``verdict.ending``: Ctrl-C, a
# Scrapyd cancel, a close by ``verdict.fail``): the wait ends within this many seconds of it.
WAIT_STEP = 0.25


def backoff_delay(attempt, base, cap, rng, retry_after=None):
    """Seconds to wait before retry number ``attempt`` (0 for the first retry).

    ``base * 2**attempt`` plus up to as much again of random jitter (so that many failed
    requests do not come back at the same moment), never more than ``cap``; a server's
    ``Retry-After`` is honoured when it asks for longer, up to ``cap`` too.
    """
    exponential = base * 2**attempt
    delay = min(cap, exponential + rng.uniform(0, exponential))
    if retry_after is not None:
        delay = max(delay, min(cap, retry_after))
    return delay


def retry_after_seconds(value, now=None):
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds, or ``None``."""
    if not value:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    text = text.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (same RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), but
    each retry waits ``backoff_delay`` first instead of being re-queued at once. A listing or
    detail page that answered 200 but is not whole (``pages.page_problem``) is retried too.

    The wait is an ``asyncio.sleep``: the reactor keeps serving other requests; the waiting
    one keeps its place among CONCURRENT_REQUESTS, which also slows a crawl whose site is
    failing. A run that stops (Ctrl-C, a close) ends the wait at once and drops the retry:
    the request fails with its last answer, since the engine waits for every request in
    progress before it closes. Settings: MATTER_RETRY_BASE_DELAY, MATTER_RETRY_MAX_DELAY,
    MATTER_RETRY_SEED (fixes the jitter, for tests).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("MATTER_RETRY_BASE_DELAY")
        self.cap = settings.getfloat("MATTER_RETRY_MAX_DELAY")
        self.rng = random.Random(settings.get("MATTER_RETRY_SEED"))

    async def process_response(self, request, response):
        if request.meta.get("dont_retry"):
            return response
        if response.status in self.retry_http_codes:
            reason = response_status_message(response.status)
        else:
            problem = (
                None if redirected_away(request, response) else page_problem(request, response)
            )
            if problem is None:
                return response
            self.crawler.stats.inc_value(stat_keys.INCOMPLETE_PAGES)
            reason = f"page not whole: {problem}"
        retry = self.next_try(request, reason)
        if retry is None:
            return response
        retry_after = retry_after_seconds(response.headers.get("Retry-After"))
        waited = await self.wait(request, f"answered {reason}", retry_after)
        return retry if waited else response

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self.next_try(request, exception)
        if retry is None:
            return None
        return retry if await self.wait(request, f"failed: {type(exception).__name__}") else None

    def next_try(self, request, reason):
        """The retry of ``request`` as Scrapy's RetryMiddleware builds it (its per-request
        meta ``max_retry_times``, ``priority_adjust`` and ``give_up_log_level`` included), or
        ``None`` once the tries are used up."""
        meta = request.meta
        return get_retry_request(
            request,
            reason=reason,
            spider=self.crawler.spider,
            max_retry_times=meta.get("max_retry_times", self.max_retry_times),
            priority_adjust=meta.get("priority_adjust", self.priority_adjust),
            give_up_log_level=meta.get("give_up_log_level", self.give_up_log_level),
        )

    async def wait(self, request, reason, retry_after=None):
        """Wait before a retry; ``False`` when the run began to stop meanwhile. ``reason``
        (what answered) goes to ``signals.retry_waiting``, for Progress."""
        delay = backoff_delay(
            request.meta.get("retry_times", 0), self.base, self.cap, self.rng, retry_after
        )
        self.crawler.stats.inc_value(stat_keys.RETRY_WAIT_SECONDS, round(delay, 3))
        send = self.crawler.signals.send_catch_log
        send(signals.retry_waiting, request=request, reason=reason, delay=delay)
        try:
            return await self.sleep(delay)
        finally:
            send(signals.retry_waited, request=request)

    async def sleep(self, delay):
        """Sleep ``delay`` seconds; ``False`` as soon as the run begins to stop."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + delay
        while (left := deadline - loop.time()) > 0:
            if verdict.ending(self.crawler):
                self.crawler.stats.inc_value(stat_keys.RETRIES_DROPPED_AT_STOP)
                return False
            await asyncio.sleep(min(WAIT_STEP, left))
        return not verdict.ending(self.crawler)
