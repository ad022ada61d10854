"""Whole pages only, end to end: real crawls of a replica that serves broken pages. A page
broken once is read again and the run is exact and ``completed``; a page broken for good is
dead-lettered with its reason and the run is not ``completed``; a bad card costs that card."""

import signal
import time

import pytest

from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    by_url,
    crawl,
    interrupt,
    rows,
    start_crawl,
    stored_details,
    stored_products,
    wait_for,
)

FAST_RETRIES = {
    "MATTER_RETRY_BASE_DELAY": 0.01,
    "MATTER_RETRY_MAX_DELAY": 0.05,
    "MATTER_RETRY_SEED": 1,
}


def run_of(database):
    (run,) = rows(database, "SELECT status, error_details FROM crawling_results")
    return run


def failures(database):
    return {row["url"]: row for row in rows(database, "SELECT * FROM failed_requests")}


def test_pages_broken_once_are_read_again_and_the_run_is_exact(tmp_path):
    catalog = Catalog(products=60, seed=3)
    with ReplicaServer(catalog) as replica:
        replica.break_page("list", 1, "cut", times=1)
        replica.break_page("list", 5, "cut", times=2)  # the last page: the status check reads it
        replica.break_page("list", 3, "thirteen_cards", times=1)
        replica.break_page("detail", catalog.listed()[7].path, "cut", times=1)
        replica.break_page("detail", catalog.listed()[20].path, "empty", times=1)
        result = crawl(replica, tmp_path, **FAST_RETRIES)
        database = tmp_path / "matter_certis.db"
        assert result.returncode == 0, result.stderr
        assert run_of(database)["status"] == "completed"
        assert_mirrors(replica, database)
        assert failures(database) == {}


def test_a_crawl_of_the_live_markup_is_exact(tmp_path):
    with ReplicaServer(Catalog(products=60, seed=4, live_markup="only")) as replica:
        result = crawl(replica, tmp_path)
        database = tmp_path / "matter_certis.db"
        assert result.returncode == 0, result.stderr
        assert run_of(database)["status"] == "completed"
        assert_mirrors(replica, database)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        ("cut", "the document does not end (no </html>): cut short"),
        ("json", "not HTML (application/json)"),
    ],
)
def test_listing_page_one_broken_for_good_is_dead_lettered_and_the_run_not_completed(
    tmp_path, fault, reason
):
    with ReplicaServer(Catalog(products=60, seed=3)) as replica:
        replica.break_page("list", 1, fault)
        result = crawl(replica, tmp_path, **FAST_RETRIES)
        database = tmp_path / "matter_certis.db"
        (failure,) = failures(database).values()
        assert (failure["url"], failure["kind"], failure["error_message"]) == (
            replica.list_url,
            "list",
            reason,
        )
        assert failure["attempts"] == 6  # RETRY_TIMES 5, then given up
        assert run_of(database)["status"] != "completed"
        assert result.returncode != EXIT_CODES["completed"]
        assert stored_products(database) == []


@pytest.fixture(scope="module")
def broken_for_good(tmp_path_factory):
    """One crawl of a replica with detail pages no retry mends, a listing page with a card too
    many, and cards that are no products."""
    catalog = Catalog(products=60, seed=5)
    listed = catalog.listed()
    catalog.quirk(listed[13].path, "no_link_card")
    catalog.quirk(listed[14].path, "offsite_link")
    catalog.quirk(listed[15].path, "tracking_link")
    workdir = tmp_path_factory.mktemp("broken")
    with ReplicaServer(catalog) as replica:
        broken = {
            fault: listed[25 + n].path
            for n, fault in enumerate(
                ("cut", "json", "empty", "binary", "deep_nesting", "redirect_loop")
            )
        }
        for fault, path in broken.items():
            replica.break_page("detail", path, fault)
        replica.break_page("list", 4, "thirteen_cards")
        result = crawl(replica, workdir, **FAST_RETRIES)
        yield replica, workdir / "matter_certis.db", broken, result


@pytest.mark.parametrize(
    ("fault", "error_type", "reason"),
    [
        ("cut", "UnusablePage", "the document does not end (no </html>): cut short"),
        ("json", "UnusablePage", "not HTML (application/json)"),
        ("empty", "UnusablePage", "empty body"),
        ("binary", "UnusablePage", "not HTML (application/octet-stream)"),
        (
            "deep_nesting",
            "UnusablePage",
            "nested too deep for the HTML parser: the rest of the page is lost",
        ),
        ("redirect_loop", "IgnoreRequest", "max redirections reached"),
    ],
)
def test_a_detail_page_broken_for_good_is_dead_lettered_with_its_reason(
    broken_for_good, fault, error_type, reason
):
    replica, database, broken, _ = broken_for_good
    failure = failures(database)[replica.base_url + broken[fault]]
    assert (failure["kind"], failure["error_type"], failure["error_message"]) == (
        "detail",
        error_type,
        reason,
    )


def test_a_listing_page_with_thirteen_cards_is_dead_lettered(broken_for_good):
    replica, database, _, _ = broken_for_good
    page_4 = [url for url in failures(database) if url.endswith("paged=4")]
    assert [failures(database)[url]["error_message"] for url in page_4] == [
        "13 cards: a page holds at most 12"
    ]


def test_bad_cards_are_dead_lettered_by_page_and_place(broken_for_good):
    replica, database, _, _ = broken_for_good
    cards = sorted(
        (row["url"].rsplit("paged=", 1)[-1], row["error_message"])
        for row in failures(database).values()
        if "#card-" in row["url"]
    )
    assert cards == [
        ("2#card-2", "no /csa_product/ link"),
        (
            "2#card-3",
            "links to another site: https://elsewhere.example" + replica.catalog.listed()[14].path,
        ),
    ]


def test_only_what_could_not_be_read_is_missing(broken_for_good):
    replica, database, broken, _ = broken_for_good
    expected = replica.catalog.expected_products(replica.base_url)
    page_4 = {replica.base_url + product.path for product in replica.catalog.listed()[36:48]}
    assert stored_products(database) == by_url(ref for ref in expected if ref["url"] not in page_4)
    missing_details = page_4 | {replica.base_url + path for path in broken.values()}
    assert stored_details(database) == by_url(
        detail
        for detail in replica.catalog.expected_details(replica.base_url)
        if detail["url"] not in missing_details
    )


def test_a_tracking_link_stores_the_canonical_product_url(broken_for_good):
    replica, database, _, _ = broken_for_good
    url = replica.base_url + replica.catalog.listed()[15].path
    assert [row["url"] for row in stored_products(database) if row["url"].startswith(url)] == [url]


def test_the_off_site_product_is_never_fetched(broken_for_good):
    replica, _, _, _ = broken_for_good
    assert not any("elsewhere" in record.path for record in replica.request_log)


def test_a_run_with_pages_broken_for_good_is_partial(broken_for_good):
    _, database, _, result = broken_for_good
    assert run_of(database)["status"] == "partial"
    assert result.returncode == EXIT_CODES["partial"]


def test_ctrl_c_is_honoured_while_a_retry_waits(tmp_path):
    settings = {
        "MATTER_RETRY_BASE_DELAY": 60,
        "MATTER_RETRY_MAX_DELAY": 60,
        "MATTER_BREAKER_ENABLED": False,
    }
    with ReplicaServer(Catalog(products=24, seed=1), faults=Faults(down=True)) as replica:
        process = start_crawl(replica, tmp_path, **settings)
        assert wait_for(lambda: replica.count("list") >= 1, timeout=60)
        time.sleep(1)  # the first retry is now waiting its 60 s
        started = time.monotonic()
        interrupt(process, signal.SIGINT, timeout=30)
        assert time.monotonic() - started < 5
        assert replica.count("list") == 1  # the retry was dropped, not sent
        assert run_of(tmp_path / "matter_certis.db")["status"] == "stopped"
