"""How far a run is: listing pages and detail pages done against the plan, items per second,
an ETA and the retries it waits for, logged every ``MATTER_PROGRESS_INTERVAL`` seconds (the
lines Scrapyd keeps) or, when the log is shown on a terminal, drawn there as a live bar
instead."""

import logging
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call
from scrapy.utils.httpobj import urlparse_cached

from matter_certis import signals as project_signals
from matter_certis.items import ProductDetail, RequestFailure
from matter_certis.listing.positions import PAGE_SIZE
from matter_certis.run import stat_keys
from matter_certis.run.url_tally import UrlTally, url_tally

logger = logging.getLogger(__name__)

#: Seconds between redraws of the terminal bar.
BAR_REFRESH = 0.5


def eta_seconds(done, planned, elapsed):
    """Seconds left if the rest goes at the average pace so far; None while there is no plan
    or no pace yet."""
    if planned is None or done <= 0 or elapsed <= 0:
        return None
    return max(planned - done, 0) * elapsed / done


def format_duration(seconds):
    """``1h02m``, ``3m05s`` or ``42s``; ``?`` when unknown."""
    if seconds is None:
        return "?"
    minutes, seconds = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h{minutes:02d}m"
    if minutes:
        return f"{minutes}m{seconds:02d}s"
    return f"{seconds}s"


@dataclass
class Counts:
    """Work done against the plan; the planned figures are None before the plan, and the
    details planned are an estimate while listing pages are left to read. ``units`` name
    the pages and the details (a spider's ``progress_units``)."""

    pages_done: int
    pages_planned: int | None
    details_done: int
    details_planned: int | None
    estimated: bool
    units: tuple = ("listing pages", "details")

    @property
    def done(self):
        return self.pages_done + self.details_done

    @property
    def planned(self):
        if self.pages_planned is None:
            return None
        return self.pages_planned + self.details_planned

    def __str__(self):
        def of(planned, prefix=""):
            return "?" if planned is None else f"{prefix}{planned}"

        pages, details = self.units
        return (
            f"{pages} {self.pages_done}/{of(self.pages_planned)}, {details} "
            f"{self.details_done}/{of(self.details_planned, '~' if self.estimated else '')}"
        )


# The name a JOBDIR state saved before the tally was shared pickled it under.
DetailTally = UrlTally


class Progress:
    """Counts work against the spider's plan and reports it.

    The plan comes from the stats the spider keeps: ``matter/plan/pages`` (listing pages it
    decided to read) and ``matter/pages/read``. Detail pages planned are those requested so
    far (a retried or redirected page counts once) plus a page's worth of cards for each
    listing page still to read. A detail is done when its item is stored or dropped, or when
    the spider gives up on it. A spider names its pages, details, their request kind and
    item otherwise with ``progress_units``, ``detail_kind`` and ``detail_item`` (the DCL
    model versions: model lists and versions). The ETA goes by the pace since the plan was made (the status
    check's slow start would skew it), from the first request or item after the plan. The
    details requested and done are kept in the spider's ``state``: a resumed JOBDIR run's
    queued requests are never scheduled again, and would be missing from the plan. While
    requests wait for their retry (``signals.retry_waiting``) the line says what answered,
    how many wait and when the next goes. The closing summary is RunRecord's line.
    """

    def __init__(self, crawler, interval, bar):
        self.crawler = crawler
        self.interval = interval
        self.show_bar = bar
        self.own_tally = UrlTally()  # while there is no spider
        self.waiting = {}  # request -> (host, what it answered, when its retry goes)
        self.last_tick = None
        self.last_items = 0
        self.baseline = None  # (time, work done) when the plan was first seen
        self.tasks = []
        self.bar = None
        self.terminal = ExitStack()

    @classmethod
    def from_crawler(cls, crawler):
        interval = crawler.settings.getfloat("MATTER_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured  # no message: turned off on purpose, no warning
        extension = cls(crawler, interval, bar=sys.stderr.isatty())
        connect = crawler.signals.connect
        connect(extension.spider_opened, signal=signals.spider_opened)
        connect(extension.spider_closed, signal=signals.spider_closed)
        connect(extension.request_scheduled, signal=signals.request_scheduled)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            connect(extension.item_done, signal=signal)
        connect(extension.retry_waiting, signal=project_signals.retry_waiting)
        connect(extension.retry_waited, signal=project_signals.retry_waited)
        return extension

    @property
    def tally(self):
        """The detail urls requested and done: the run's ``UrlTally``."""
        spider = self.crawler.spider
        return self.own_tally if spider is None else url_tally(spider)

    def request_scheduled(self, request):
        if request.meta.get("kind") == self.unit("detail_kind", "detail"):
            url = request.meta.get("deltafetch_key", request.url)
            self.tally.mark(url, UrlTally.REQUESTED)
        self.note_plan()

    def item_done(self, item):
        if isinstance(item, self.unit("detail_item", ProductDetail)) or (
            isinstance(item, RequestFailure)
            and item.get("kind") == self.unit("detail_kind", "detail")
        ):
            url = item.get("url") or self.crawler.spider.record_url(item)
            self.tally.mark(url, UrlTally.DONE)
        self.note_plan()

    def note_plan(self):
        """The ETA's starting point: the first request or item once there is a plan."""
        planned = self.crawler.stats.get_value(stat_keys.PAGES_PLANNED)
        if self.baseline is None and planned is not None:
            self.baseline = (time.monotonic(), self.counts().done)

    def retry_waiting(self, request, reason, delay):
        host = urlparse_cached(request).netloc
        self.waiting[request] = (host, reason, time.monotonic() + delay)

    def retry_waited(self, request):
        self.waiting.pop(request, None)

    def waits(self, now):
        """``waiting for 3 retries (127.0.0.1:8000 answered 503 Service Unavailable), next
        in 12s``: what answered last, while requests wait for their retry; else ``""``."""
        if not self.waiting:
            return ""
        host, reason, _ = list(self.waiting.values())[-1]
        soonest = min(until for _, _, until in self.waiting.values())
        count = len(self.waiting)
        return (
            f"waiting for {count} {'retry' if count == 1 else 'retries'} ({host} {reason}), "
            f"next in {format_duration(max(soonest - now, 0))}"
        )

    def unit(self, name, default):
        """What the spider calls its details (``detail_kind``, ``detail_item``...), else the
        listing's."""
        return getattr(self.crawler.spider, name, default)

    def counts(self):
        stats = self.crawler.stats
        pages_planned = stats.get_value(stat_keys.PAGES_PLANNED)
        pages_done = stats.get_value(stat_keys.PAGES_READ, 0)
        details_done = self.tally.count(UrlTally.DONE)
        units = self.unit("progress_units", Counts.units)
        if pages_planned is None:
            return Counts(pages_done, None, details_done, None, True, units)
        pages_left = max(pages_planned - pages_done, 0)
        per_page = self.unit("details_per_page", PAGE_SIZE)
        details_planned = max(
            self.tally.count(UrlTally.REQUESTED) + per_page * pages_left, details_done
        )
        return Counts(
            pages_done, pages_planned, details_done, details_planned, pages_left > 0, units
        )

    def spider_opened(self):
        self.last_tick = time.monotonic()
        consoles = [handler for handler in logging.root.handlers if _is_console(handler)]
        if not (self.show_bar and consoles):  # a terminal's log has the bar below it instead
            self.every(self.interval, self.log)
        if self.show_bar:
            from tqdm import tqdm  # here: most runs log to a file (Scrapyd's), with no bar

            self.bar = tqdm(
                desc=self.crawler.spider.name, unit=" pages", file=sys.stderr, dynamic_ncols=True
            )
            for handler in consoles:  # log lines go above the bar, not through it
                stream = AboveTheBar(self.bar)
                self.terminal.callback(handler.setStream, handler.setStream(stream))
            self.every(BAR_REFRESH, self.draw)

    def every(self, interval, function):
        task = create_looping_call(function)
        task.start(interval, now=False)
        self.tasks.append(task)

    def log(self):
        now = time.monotonic()
        items = self.crawler.stats.get_value("item_scraped_count", 0)
        rate = (items - self.last_items) / (now - self.last_tick)
        self.last_items, self.last_tick = items, now
        self.note_plan()
        counts = self.counts()
        eta = None
        if self.baseline and counts.planned is not None:
            since, done_before = self.baseline
            eta = eta_seconds(counts.done - done_before, counts.planned - done_before, now - since)
        waits = self.waits(now)
        logger.info(
            "Progress: %s, %.1f items/s, ETA %s%s",
            counts,
            rate,
            format_duration(eta),
            f"; {waits}" if waits else "",
        )

    def draw(self):
        counts = self.counts()
        if counts.planned is not None:
            self.bar.total = counts.planned
        waits = self.waits(time.monotonic())
        self.bar.set_postfix_str(f"{counts}; {waits}" if waits else str(counts), refresh=False)
        self.bar.update(counts.done - self.bar.n)

    def spider_closed(self):
        for task in self.tasks:
            if task.running:
                task.stop()
        if self.bar is not None:  # a bar without a total refuses bool()
            self.draw()
            self.bar.close()
        self.terminal.close()


class AboveTheBar:
    """A stream for a console log handler: each line is printed above the bar."""

    def __init__(self, bar):
        self.bar = bar

    def write(self, text):
        self.bar.write(text, file=sys.stderr, end="")

    def flush(self):
        sys.stderr.flush()


def _is_console(handler):
    """Whether a logging handler writes to the terminal (not to ``LOG_FILE``)."""
    return isinstance(handler, logging.StreamHandler) and handler.stream in (sys.stdout, sys.stderr)
