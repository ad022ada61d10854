"""The run's verdict: the worst status any problem calls for, with the reasons in words."""

import asyncio

import pytest
import pytest_twisted
import scrapy
from scrapy.crawler import AsyncCrawlerRunner
from scrapy.exceptions import CloseSpider
from scrapy.utils.test import get_crawler
from twisted.internet.defer import Deferred

from matter_certis.run import stat_keys
from matter_certis.run.verdict import BAD_ARGUMENT, EXIT_CODES, Problem, exit_code, fail, judge
from tests.helpers import TEST_SETTINGS


def test_a_finished_run_without_problems_is_completed():
    assert judge("finished", []) == ("completed", [])


@pytest.mark.parametrize("reason", ["shutdown", "cancelled"])
def test_ctrl_c_or_a_scrapyd_cancel_is_stopped(reason):
    status, reasons = judge(reason, [])
    assert status == "stopped"
    assert reasons == [f"stopped ({reason})"]


@pytest.mark.parametrize(
    "reason",
    [
        "circuit_open",
        "site_unreachable",
        "database_failed",
        "dcl_malformed",
        "closespider_errorcount",
    ],
)
def test_any_other_close_reason_is_failed_and_named(reason):
    status, reasons = judge(reason, [])
    assert status == "failed"
    assert reasons == [f"close reason: {reason}"]


def test_the_worst_problem_wins_and_every_reason_is_kept_worst_first():
    problems = [
        Problem("degraded", "drift"),
        Problem("partial", "3 pages failed"),
        Problem("degraded", "more drift"),
    ]
    assert judge("finished", problems) == ("partial", ["3 pages failed", "drift", "more drift"])


def test_a_failed_audit_outranks_a_partial_one():
    status, _ = judge("finished", [Problem("partial", "a"), Problem("failed", "b")])
    assert status == "failed"


def test_a_stopped_run_with_failures_is_still_stopped_not_completed():
    status, reasons = judge("shutdown", [Problem("partial", "2 pages failed")])
    assert status == "stopped"
    assert reasons == ["stopped (shutdown)", "2 pages failed"]


def test_only_completed_exits_zero_and_each_status_has_its_own_code():
    others = {status: code for status, code in EXIT_CODES.items() if status != "completed"}
    assert EXIT_CODES["completed"] == 0
    assert all(code not in (0, 2) for code in others.values())  # 2: bad arguments
    assert len(set(others.values())) == len(others)


def test_a_run_ended_by_an_argument_the_site_refutes_is_failed_with_exit_code_2():
    """A page range past the listing: known only once the status check read the page
    count, and still a bad argument."""
    status, _ = judge(BAD_ARGUMENT, [Problem("failed", "start_page 999 is past the listing")])
    assert (status, exit_code(status, BAD_ARGUMENT)) == ("failed", 2)
    assert exit_code("failed", "circuit_open") == EXIT_CODES["failed"]


def test_fail_before_the_crawl_starts_keeps_the_message_and_returns_the_close(caplog):
    crawler = get_crawler()
    crawler.stats.open_spider()
    close = fail(crawler, "dcl_failed", "the ledger cannot be reached")
    assert isinstance(close, CloseSpider) and close.reason == "dcl_failed"
    assert crawler.stats.get_value(stat_keys.CLOSE_MESSAGE) == "the ledger cannot be reached"
    assert "the ledger cannot be reached" in caplog.text


class FailingSpider(scrapy.Spider):
    """Fails the run from its first page without raising, as a middleware or a pipeline
    would, and would otherwise go on to read ``PAGES`` more pages."""

    name = "failing"
    PAGES = 50

    async def start(self):
        yield scrapy.Request("data:,first")

    def parse(self, response):
        fail(self.crawler, "database_failed", "the disk is full")
        fail(self.crawler, "circuit_open", "a second failure closes nothing more")
        for page in range(self.PAGES):
            yield scrapy.Request(f"data:,{page}", callback=self.read)

    def read(self, response):
        return None


@pytest_twisted.ensureDeferred
async def test_fail_closes_a_running_crawl_named_by_its_first_failure():
    runner = AsyncCrawlerRunner({**TEST_SETTINGS, "CONCURRENT_REQUESTS": 1})
    crawler = runner.create_crawler(FailingSpider)
    await Deferred.fromFuture(asyncio.ensure_future(runner.crawl(crawler)))
    stats = crawler.stats
    assert stats.get_value("finish_reason") == "database_failed"
    assert stats.get_value(stat_keys.CLOSE_MESSAGE) == "the disk is full"
    assert stats.get_value("response_received_count") < 1 + FailingSpider.PAGES
