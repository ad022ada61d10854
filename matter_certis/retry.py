"""Retries that wait: exponential backoff with jitter, capped, honouring Retry-After."""

import asyncio
import random
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.utils.response import response_status_message


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
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware (same RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS), but
    each retry waits ``backoff_delay`` first instead of being re-queued at once.

    The wait is an ``asyncio.sleep``: the reactor keeps serving other requests; the waiting
    one keeps its place among CONCURRENT_REQUESTS, which also slows a crawl whose site is
    failing. Settings: MATTER_RETRY_BASE_DELAY, MATTER_RETRY_MAX_DELAY, MATTER_RETRY_SEED
    (fixes the jitter, for tests).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.base = settings.getfloat("MATTER_RETRY_BASE_DELAY")
        self.cap = settings.getfloat("MATTER_RETRY_MAX_DELAY")
        self.rng = random.Random(settings.get("MATTER_RETRY_SEED"))

    async def process_response(self, request, response):
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await self.wait(request, retry_after_seconds(response.headers.get("Retry-After")))
        return retry

    async def process_exception(self, request, exception):
        if request.meta.get("dont_retry") or not isinstance(exception, self.exceptions_to_retry):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        await self.wait(request)
        return retry

    async def wait(self, request, retry_after=None):
        delay = backoff_delay(request.meta.get("retry_times", 0), self.base, self.cap, self.rng, retry_after)
        self.crawler.stats.inc_value("matter/retry/wait_seconds", round(delay, 3))
        await asyncio.sleep(delay)
