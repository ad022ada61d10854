"""A circuit breaker: stop hammering a site that keeps failing."""

import asyncio
import logging
from urllib.parse import urlsplit

from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy.utils.misc import load_object

from matter_certis.exceptions import SiteUnreachable
from matter_certis.run import stat_keys, verdict

logger = logging.getLogger(__name__)


class CircuitBreakerMiddleware:
    """After MATTER_BREAKER_THRESHOLD consecutive transient failures (a retryable HTTP
    status, a timeout, a dropped connection) the crawl pauses for MATTER_BREAKER_COOLDOWN
    seconds; the first answer after that decides (a failure trips it again at once, a
    success closes the circuit). Past MATTER_BREAKER_MAX_TRIPS trips in a row the spider
    closes with reason ``circuit_open``: a later run (or a JOBDIR resume) continues.

    A host name that does not resolve opens the circuit at once: the run fails with one
    line (``site_unreachable``), without retries or tracebacks (robots.txt included).

    One breaker per crawl: each spider talks to one site.
    """

    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("MATTER_BREAKER_ENABLED"):
            raise NotConfigured
        self.crawler = crawler
        self.threshold = settings.getint("MATTER_BREAKER_THRESHOLD")
        self.cooldown = settings.getfloat("MATTER_BREAKER_COOLDOWN")
        self.max_trips = settings.getint("MATTER_BREAKER_MAX_TRIPS")
        self.retry_codes = {int(code) for code in settings.getlist("RETRY_HTTP_CODES")}
        self.retry_exceptions = tuple(
            load_object(path) if isinstance(path, str) else path
            for path in settings.getlist("RETRY_EXCEPTIONS")
        )
        self.consecutive_failures = 0
        self.trips = 0
        self.open = False

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        if response.status in self.retry_codes:
            self.failed(f"HTTP {response.status} from {request.url}")
        else:
            self.succeeded()
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, CannotResolveHostError):
            host = urlsplit(request.url).hostname
            if not self.open:
                self.open = True
                verdict.fail(
                    self.crawler, "site_unreachable", f"cannot reach {host}: DNS lookup failed"
                )
            raise SiteUnreachable(f"cannot reach {host}: DNS lookup failed")
        if isinstance(exception, self.retry_exceptions):
            self.failed(f"{type(exception).__name__} on {request.url}")

    def succeeded(self):
        if self.trips:
            logger.info("Circuit closed: the site answers again")
        self.consecutive_failures = 0
        self.trips = 0

    def failed(self, what):
        self.consecutive_failures += 1
        if self.open or self.consecutive_failures < self.threshold:
            return
        self.trips += 1
        stats = self.crawler.stats
        stats.inc_value(stat_keys.BREAKER_TRIPS)
        if self.trips > self.max_trips:
            self.open = True
            verdict.fail(
                self.crawler,
                "circuit_open",
                f"the site keeps failing: {self.consecutive_failures} failures in a row (last: "
                f"{what}) after {self.max_trips} cool-downs; a later run will continue",
            )
            return
        logger.warning(
            "Circuit open: %d consecutive failures (last: %s); pausing the crawl for %.0f s",
            self.consecutive_failures,
            what,
            self.cooldown,
        )
        self.open = True
        self.crawler.engine.pause()
        asyncio.get_running_loop().call_later(self.cooldown, self.half_open)

    def half_open(self):
        """Let requests through again; one more failure trips the breaker at once."""
        self.open = False
        self.consecutive_failures = self.threshold - 1
        self.crawler.engine.unpause()
