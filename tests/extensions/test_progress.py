"""The Progress extension: ETA arithmetic, counts against the spider's plan, the log lines of
a small crawl (plan, progress, one summary as the last line) and the bar on a terminal."""

import fcntl
import io
import logging
import os
import pty
import re
import struct
import subprocess
import termios
import time

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from tqdm import tqdm

from matter_certis.extensions.progress import (
    Counts,
    Progress,
    eta_seconds,
    format_duration,
)
from matter_certis.items import ProductDetail, RequestFailure
from matter_certis.run.url_tally import UrlTally
from replica import Catalog, ReplicaServer
from tests.helpers import PROJECT_ROOT, crawl, crawl_command, rows


@pytest.mark.parametrize(
    ("done", "planned", "elapsed", "expected"),
    [
        (50, 100, 10.0, 10.0),  # half done in 10 s: 10 s to go
        (30, 120, 6.0, 18.0),
        (100, 100, 42.0, 0.0),
        (110, 100, 42.0, 0.0),  # more done than planned (the plan was an estimate)
        (0, 100, 10.0, None),  # no pace yet
        (10, None, 10.0, None),  # no plan yet
        (10, 100, 0.0, None),
    ],
)
def test_eta_seconds(done, planned, elapsed, expected):
    assert eta_seconds(done, planned, elapsed) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(None, "?"), (0, "0s"), (42.4, "42s"), (59.6, "1m00s"), (185, "3m05s"), (3720, "1h02m")],
)
def test_format_duration(seconds, expected):
    assert format_duration(seconds) == expected


def test_counts_read_as_done_over_planned():
    assert str(Counts(3, 50, 30, 600, estimated=True)) == "listing pages 3/50, details 30/~600"
    assert str(Counts(50, 50, 600, 600, estimated=False)) == "listing pages 50/50, details 600/600"
    assert str(Counts(0, None, 0, None, estimated=True)) == "listing pages 0/?, details 0/?"


def detail_request(url, key=None):
    return Request(url, meta={"kind": "detail", "deltafetch_key": key or url})


def test_details_planned_are_requests_made_plus_a_page_of_cards_per_page_left():
    crawler = get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1})
    progress = Progress.from_crawler(crawler)
    assert progress.counts() == Counts(0, None, 0, None, estimated=True)

    crawler.stats.set_value("matter/plan/pages", 3)
    crawler.stats.inc_value("matter/pages/read")
    for url in ("https://a/1/", "https://a/2/"):
        progress.request_scheduled(detail_request(url))
    # A retried or redirected request keeps its key: the same detail.
    progress.request_scheduled(detail_request("https://a/1", key="https://a/1/"))
    progress.request_scheduled(Request("https://a/list?paged=2", meta={"kind": "list"}))
    assert progress.counts() == Counts(1, 3, 0, 2 + 2 * 12, estimated=True)

    progress.item_done(ProductDetail(url="https://a/1/"))
    progress.item_done(RequestFailure(url="https://a/2/", kind="detail"))
    crawler.stats.inc_value("matter/pages/read", 2)
    assert progress.counts() == Counts(3, 3, 2, 2, estimated=False)


def test_a_detail_is_counted_once_as_requested_and_once_as_done():
    tally = UrlTally()
    for url, what in [
        ("https://a/1/", UrlTally.REQUESTED),
        ("https://a/1/", UrlTally.REQUESTED),  # retried
        ("https://a/1/", UrlTally.DONE),
        ("https://a/1/", UrlTally.DONE),  # a failure, then its page after all
        ("https://a/2/", UrlTally.DONE),  # asked for by the job this one resumes
    ]:
        tally.mark(url, what)
    assert (tally.count(UrlTally.REQUESTED), tally.count(UrlTally.DONE)) == (1, 2)


def test_progress_is_off_when_its_interval_is_zero():
    with pytest.raises(NotConfigured):
        Progress.from_crawler(get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 0}))


def test_a_listing_page_given_up_is_not_a_detail_done():
    progress = Progress.from_crawler(get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1}))
    progress.item_done(RequestFailure(url="https://a/list?paged=2", kind="list"))
    assert progress.counts().details_done == 0


def test_a_progress_line_before_the_plan_says_what_is_unknown(caplog):
    progress = Progress.from_crawler(get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1}))
    progress.last_tick = time.monotonic() - 1
    with caplog.at_level(logging.INFO):
        progress.log()
    assert caplog.messages == ["Progress: listing pages 0/?, details 0/?, 0.0 items/s, ETA ?"]


def test_the_eta_goes_by_the_pace_since_the_plan(caplog):
    crawler = get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1})
    progress = Progress.from_crawler(crawler)
    progress.last_tick = time.monotonic() - 1
    crawler.stats.set_value("matter/plan/pages", 4)
    progress.log()  # the plan is seen: the pace is measured from here
    progress.baseline = (progress.baseline[0] - 10, progress.baseline[1])
    crawler.stats.set_value("matter/pages/read", 2)
    with caplog.at_level(logging.INFO):
        progress.log()
    # 2 of 28 planned (4 pages, a page of cards for each of the 2 left) in 10 s: 26 to go.
    assert caplog.messages[-1].endswith("details 0/~24, 0.0 items/s, ETA 2m10s")


def test_the_first_line_after_the_plan_has_an_eta(caplog):
    crawler = get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1})
    progress = Progress.from_crawler(crawler)
    progress.last_tick = time.monotonic() - 1
    crawler.stats.set_value("matter/plan/pages", 4)
    # The plan's first request starts the pace, not the first progress line.
    progress.request_scheduled(Request("https://a/list?paged=1", meta={"kind": "list"}))
    progress.baseline = (progress.baseline[0] - 10, progress.baseline[1])
    crawler.stats.set_value("matter/pages/read", 2)
    with caplog.at_level(logging.INFO):
        progress.log()
    assert caplog.messages == ["Progress: listing pages 2/4, details 0/~24, 0.0 items/s, ETA 2m10s"]


def test_a_line_while_requests_wait_for_their_retry_says_what_answered_and_when(caplog):
    progress = Progress.from_crawler(get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1}))
    progress.last_tick = time.monotonic() - 1
    requests = [Request(f"https://csa-iot.org/csa_product/{n}/") for n in range(3)]
    for delay, request in zip((30, 12.2, 50), requests, strict=True):
        progress.retry_waiting(request, "answered 503 Service Unavailable", delay)
    progress.retry_waited(requests[2])
    caplog.set_level(logging.INFO)
    progress.log()
    assert caplog.messages[-1] == (
        "Progress: listing pages 0/?, details 0/?, 0.0 items/s, ETA ?; waiting for 2 retries "
        "(csa-iot.org answered 503 Service Unavailable), next in 12s"
    )
    for request in requests[:2]:
        progress.retry_waited(request)
    progress.log()
    assert caplog.messages[-1].endswith("ETA ?")


class Resumable:
    """A spider with a JOBDIR's ``state``, as Scrapy's SpiderState keeps it."""

    name = "matter_products"

    def __init__(self, state):
        self.state = state


def test_a_resumed_run_counts_the_details_its_queue_holds(caplog):
    state = {}
    crawler = get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1})
    crawler.spider = Resumable(state)
    before = Progress.from_crawler(crawler)
    for n in range(5):
        before.request_scheduled(detail_request(f"https://a/{n}/"))
    before.item_done(ProductDetail(url="https://a/0/"))

    # The resumed run: its queued detail requests are never scheduled again.
    resumed = get_crawler(settings_dict={"MATTER_PROGRESS_INTERVAL": 1})
    resumed.spider = Resumable(state)
    resumed.stats.set_value("matter/plan/pages", 2)
    resumed.stats.set_value("matter/pages/read", 2)
    progress = Progress.from_crawler(resumed)
    progress.item_done(ProductDetail(url="https://a/1/"))
    assert progress.counts() == Counts(2, 2, 2, 5, estimated=False)


@pytest.fixture(scope="module")
def replica():
    # Slow enough for a few progress lines in a small crawl.
    with ReplicaServer(Catalog(products=120, seed=2), delay=0.05) as server:
        yield server


PROGRESS_LINE = re.compile(
    r"\[matter_certis\.extensions\.progress\] INFO: Progress: listing pages (\d+)/(\d+|\?), "
    r"details (\d+)/~?(\d+|\?), [\d.]+ items/s, ETA (\S+)$"
)

PROJECT_INFO = re.compile(r"\S+ \S+ \[(?!scrapy\.)[^\]]+\] INFO: ")


def test_the_log_shows_plan_progress_and_one_summary_last(replica, tmp_path):
    result = crawl(
        replica, tmp_path, MATTER_PROGRESS_INTERVAL=0.2, CONCURRENT_REQUESTS_PER_DOMAIN=4
    )
    log = (tmp_path / "crawl.log").read_text().splitlines()
    assert result.returncode == 0, "\n".join(log[-30:])

    progress = [match for line in log if (match := PROGRESS_LINE.search(line))]
    assert len(progress) >= 2
    for match in progress:
        pages_done, pages_planned, details_done, _, _ = match.groups()
        assert pages_planned in ("?", "10") and int(pages_done) <= 10
        assert int(details_done) <= 120
    assert any(match.group(2) == "10" and match.group(5) != "?" for match in progress)

    # The project's INFO lines: the database, the plan, progress, and the summary.
    ours = [line for line in log if PROJECT_INFO.match(line)]
    assert "INFO: Database: SQLite file " in ours[0]
    assert all(PROGRESS_LINE.search(line) or "Status check:" in line for line in ours[1:-1])

    (record,) = rows(tmp_path / "matter_certis.db", "SELECT * FROM crawling_results")
    summaries = [line for line in log if "[matter_certis.extensions.run_record] INFO: Run" in line]
    assert summaries == [log[-1]]
    assert log[-1].endswith(
        f"Run {record['session_id']} (matter_products, incremental) completed (finished) in "
        f"{record['execution_time_seconds']:.1f} s: 10 of 10 planned listing pages read "
        "(10 on the site), 120 products seen, 120 details fetched, 120 added, 0 updated, "
        "0 unchanged, 0 delisted, 0 errors"
    )


def test_a_terminal_gets_a_live_bar(replica, tmp_path):
    command = crawl_command(
        replica,
        tmp_path,
        "mode=full",
        MATTER_PROGRESS_INTERVAL=0.2,
        CONCURRENT_REQUESTS_PER_DOMAIN=4,
    )
    terminal, child_end = pty.openpty()
    # A new pseudo-terminal is 0 columns wide: give it the size of a real one.
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=child_end,
        stderr=child_end,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    os.close(child_end)
    shown = b""
    while chunk := _read(terminal):
        shown += chunk
    os.close(terminal)
    assert process.wait(timeout=60) == 0
    # The log goes to LOG_FILE; the terminal shows the bar, complete at the end.
    assert b"matter_products: 100%|" in shown
    assert b"listing pages 10/10, details 120/120" in shown


def test_a_terminal_showing_the_log_gets_the_bar_instead_of_progress_lines(replica, tmp_path):
    command = crawl_command(
        replica,
        tmp_path,
        "mode=full",
        MATTER_PROGRESS_INTERVAL=0.2,
        CONCURRENT_REQUESTS_PER_DOMAIN=4,
    )
    at = command.index(f"LOG_FILE={tmp_path / 'crawl.log'}")
    del command[at - 1 : at + 1]  # the log goes to the terminal
    terminal, child_end = pty.openpty()
    fcntl.ioctl(child_end, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 160, 0, 0))
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=child_end,
        stderr=child_end,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
    )
    os.close(child_end)
    shown = b""
    while chunk := _read(terminal):
        shown += chunk
    os.close(terminal)
    assert process.wait(timeout=60) == 0
    assert re.search(rb"matter_products: +\d+%\|", shown)  # the bar
    assert b"INFO: Database: " in shown and b"completed (finished)" in shown
    assert b"Progress: " not in shown


def test_a_bar_that_never_got_a_plan_closes_cleanly():
    """A no-op sync on a terminal: the bar has no total (tqdm then refuses ``bool()``)."""
    progress = Progress(get_crawler(), interval=10, bar=True)
    progress.bar = tqdm(desc="matter_products", file=io.StringIO())
    progress.spider_closed()
    assert progress.bar.disable  # closed


def _read(terminal):
    """What the crawl wrote to its terminal since the last read; b"" once it has exited."""
    try:
        return os.read(terminal, 65536)
    except OSError:  # Linux answers EIO when the other end is closed
        return b""
