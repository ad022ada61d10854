"""RunRecord: the ``crawling_results`` row a run leaves when its spider closes, and the
status it judges from how the run closed, its dead letters and the spider's own audit."""

import logging

import pytest

from matter_certis.base_spiders.base import ProjectSpider
from matter_certis.db import connection
from matter_certis.extensions.run_record import RunRecord, summary
from matter_certis.items import ProductDetail, ProductRef, RequestFailure
from matter_certis.run import stat_keys, verdict
from matter_certis.run.url_tally import UrlTally
from tests.helpers import rows

FAILED_PAGE = "https://csa-iot.org/csa-iot_products/page/3/"


class AuditedSpider(ProjectSpider):
    """A spider whose audit reports ``missing``: what it planned but did not store."""

    name = "audited"
    missing = ()

    def audit(self):
        return list(self.missing)


@pytest.fixture
def database(tmp_path):
    return tmp_path / "test.db"


@pytest.fixture
def opened(make_crawler):
    """A crawler, its spider and the extension, as the spider opens; the database exists
    and is closed again, as the pipeline leaves it at close."""

    def make(**settings):
        crawler = make_crawler(AuditedSpider, **settings)
        crawler.spider = AuditedSpider.from_crawler(crawler, _job="session-1")
        connection.open_database(crawler.settings["DATABASE_URL"])
        connection.close()
        record = RunRecord.from_crawler(crawler)
        record.spider_opened(crawler.spider)
        return crawler, record

    yield make
    connection.close()


def dead_letter():
    return RequestFailure(
        url=FAILED_PAGE, kind="list", error_type="TimeoutError", error_message="", attempts=3
    )


def run_row(database):
    (row,) = rows(database, "SELECT * FROM crawling_results")
    return row


def test_a_finished_run_with_nothing_missing_is_completed(opened, database):
    crawler, record = opened()
    record.spider_closed(crawler.spider, "finished")
    row = run_row(database)
    assert (row["session_id"], row["spider"], row["status"]) == (
        "session-1",
        "audited",
        "completed",
    )
    assert row["error_details"] is None
    assert crawler.stats.get_value("matter/status") == "completed"


def test_the_row_counts_the_products_seen_and_the_details_fetched(opened, database):
    crawler, record = opened()
    for url in ("https://csa-iot.org/csa_product/a/", "https://csa-iot.org/csa_product/b/"):
        record.item_scraped(ProductRef(url=url), crawler.spider)
    record.item_scraped(ProductRef(url="https://csa-iot.org/csa_product/a/"), crawler.spider)
    record.item_scraped(ProductDetail(url="https://csa-iot.org/csa_product/a/"), crawler.spider)
    record.spider_closed(crawler.spider, "finished")
    row = run_row(database)
    assert (row["products_found"], row["details_fetched"]) == (2, 1)


def test_a_resumed_job_counts_the_products_it_found_before_it_stopped(opened, database):
    crawler, record = opened()
    found_before = UrlTally()
    found_before.mark("https://csa-iot.org/csa_product/a/", UrlTally.FOUND)
    crawler.spider.state = {"url_tally": found_before}  # as JOBDIR kept it
    record.item_scraped(ProductRef(url="https://csa-iot.org/csa_product/b/"), crawler.spider)
    record.spider_closed(crawler.spider, "finished")
    assert run_row(database)["products_found"] == 2


def test_a_dead_letter_makes_a_finished_run_partial(opened, database):
    crawler, record = opened()
    record.item_scraped(dead_letter(), crawler.spider)
    record.spider_closed(crawler.spider, "finished")
    row = run_row(database)
    assert row["status"] == "partial"
    assert row["errors_count"] == 1
    assert f"list {FAILED_PAGE}: TimeoutError" in row["error_details"]


def test_what_the_spider_audit_finds_missing_sets_the_status(opened, database):
    crawler, record = opened()
    crawler.spider.missing = [verdict.Problem("partial", "2 planned pages not stored")]
    record.spider_closed(crawler.spider, "finished")
    row = run_row(database)
    assert row["status"] == "partial"
    assert row["error_details"].splitlines()[0] == "2 planned pages not stored"


def test_the_audit_is_not_asked_when_the_run_did_not_finish(opened, database):
    crawler, record = opened()
    crawler.spider.missing = [verdict.Problem("partial", "2 planned pages not stored")]
    record.spider_closed(crawler.spider, "shutdown")
    row = run_row(database)
    assert row["status"] == "stopped"
    assert "planned pages" not in row["error_details"]


def test_a_close_reason_other_than_finished_fails_the_run(opened, database):
    crawler, record = opened()
    record.spider_closed(crawler.spider, "circuit_open")
    row = run_row(database)
    assert row["status"] == "failed"
    assert "close reason: circuit_open" in row["error_details"]


def test_a_failure_a_component_reported_comes_first_among_the_reasons(opened, database):
    crawler, record = opened()
    crawler.stats.set_value(stat_keys.CLOSE_MESSAGE, "cannot reach csa-iot.org")
    record.item_scraped(dead_letter(), crawler.spider)
    record.spider_closed(crawler.spider, "site_unreachable")
    row = run_row(database)
    assert row["status"] == "failed"
    assert row["error_details"].splitlines()[0] == "cannot reach csa-iot.org"


def test_a_rerun_under_the_same_session_replaces_its_row(opened, database):
    crawler, record = opened()
    record.spider_closed(crawler.spider, "shutdown")
    crawler, record = opened()
    record.spider_closed(crawler.spider, "finished")
    assert [row["status"] for row in rows(database, "SELECT * FROM crawling_results")] == [
        "completed"
    ]


def test_a_vanished_database_fails_the_run_and_is_never_recreated(opened, database, caplog):
    crawler, record = opened()
    database.unlink()
    with caplog.at_level(logging.ERROR):
        record.spider_closed(crawler.spider, "finished")
    assert record.status == "failed"
    assert not database.exists()
    assert "No run record written: the SQLite database" in caplog.text


def test_the_summary_line_names_the_first_reason_of_a_run_not_completed(opened):
    crawler, record = opened()
    record.item_scraped(dead_letter(), crawler.spider)
    record.spider_closed(crawler.spider, "finished")
    assert record.summary.startswith("Run session-1 (audited, full) partial (finished)")
    assert record.summary.endswith(
        f"Why: 1 requests failed and were dead-lettered (failed_requests), first {FAILED_PAGE}: "
        "TimeoutError"
    )


def listing_summary(total_pages, pages_read, pages_planned, verified_again=(0, 0)):
    """The summary of a completed ``matter_products`` run with these listing figures."""
    row = dict(
        session_id="session-1",
        spider="matter_products",
        mode="full",
        status="completed",
        total_pages=total_pages,
        products_found=480,
        details_fetched=480,
        products_added=0,
        products_updated=0,
        products_unchanged=480,
        errors_count=0,
        execution_time_seconds=9.0,
    )
    return summary(
        row,
        "finished",
        [],
        delisted=0,
        pages_read=pages_read,
        pages_planned=pages_planned,
        records=0,
        verified_again=verified_again,
    )


def test_the_summary_counts_listing_pages_against_the_plan_beside_the_site():
    """A page-range run of pages 1-40 of a 100-page listing."""
    assert "s: 40 of 40 planned listing pages read (100 on the site), 480 products seen" in (
        listing_summary(100, 40, 40)
    )


def test_the_summary_says_what_an_incremental_run_verified_again():
    line = listing_summary(100, 15, 15, verified_again=(14, 200))
    assert line.endswith(", 14 listing pages and 200 details verified again, 0 errors")


def test_a_run_that_verified_nothing_again_says_nothing_of_it():
    assert "verified again" not in listing_summary(100, 1, 1)


def test_pages_read_again_after_the_listing_moved_count_in_the_plan_too():
    assert "103 of 103 planned listing pages read (100 on the site)" in (
        listing_summary(100, 103, 103)
    )


def test_a_run_that_never_learned_the_page_count_says_so_in_words():
    line = listing_summary(None, 0, 0)
    assert "s: listing page count never learned, 480 products seen" in line
    assert "?" not in line


def test_a_forced_stop_before_the_spider_closes_leaves_a_stopped_row(opened, database):
    crawler, record = opened()
    assert record.forced_stop(crawler.spider) == "stopped"
    row = run_row(database)
    assert row["status"] == "stopped"
    assert row["error_details"].startswith("forced shutdown (a second Ctrl-C)")


def test_a_forced_stop_after_the_spider_closed_keeps_its_row(opened, database):
    crawler, record = opened()
    record.spider_closed(crawler.spider, "finished")
    assert record.forced_stop(crawler.spider) == "completed"
    assert run_row(database)["status"] == "completed"
