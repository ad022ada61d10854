"""End to end: ``scrapy crawl matter_products`` against the replica fills the database with
exactly the replica's ground truth, and a second run changes nothing."""

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import by_url, crawl, rows, stored_details, stored_products, unverified


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=600, seed=0)) as server:
        yield server


@pytest.fixture(scope="module")
def first_crawl(replica, tmp_path_factory):
    workdir = tmp_path_factory.mktemp("crawl")
    replica.clear_log()
    result = crawl(replica, workdir)
    return workdir, result, dict(list=replica.count("list"), detail=replica.count("detail"))


@pytest.fixture(scope="module")
def database(first_crawl):
    return first_crawl[0] / "matter_certis.db"


def test_the_crawl_exits_cleanly(first_crawl):
    workdir, result, _ = first_crawl
    assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]


def test_every_product_is_stored_with_its_stable_slot(replica, database):
    assert stored_products(database) == by_url(replica.catalog.expected_products(replica.base_url))


def test_every_detail_field_equals_the_ground_truth(replica, database):
    expected = by_url(replica.catalog.expected_details(replica.base_url))
    stored = stored_details(database)
    assert len(stored) == len(expected) == 600
    for stored_row, expected_row in zip(stored, expected):
        assert stored_row == expected_row


def test_a_first_crawl_reads_each_page_once_plus_the_status_checks(first_crawl):
    # page 1 once for the status check, which stores its cards; the last page twice, since
    # an empty database cannot confirm it was not cut short; the 48 pages between; then a
    # second status check (page 1, the last page, now confirmed) that the listing did not move
    _, _, requests = first_crawl
    assert requests == {"list": 3 + 48 + 2, "detail": 600}


def test_the_run_is_recorded(database):
    (run,) = rows(database, "SELECT * FROM crawling_results")
    assert run["status"] == "completed"
    assert (run["mode"], run["total_pages"]) == ("incremental", 50)
    assert (run["products_found"], run["details_fetched"], run["products_added"]) == (600, 600, 600)
    assert run["errors_count"] == 0


def test_a_second_run_adds_nothing_and_changes_nothing(replica, first_crawl, database):
    workdir = first_crawl[0]
    before = unverified(database, "product_details")
    products_before = unverified(database, "products")
    (verified_before,) = rows(database, "SELECT max(verified_at) AS at FROM products")
    result = crawl(replica, workdir, "mode=full")
    assert result.returncode == 0
    assert unverified(database, "product_details") == before
    assert unverified(database, "products") == products_before
    (oldest,) = rows(database, "SELECT min(verified_at) AS at FROM products")
    assert oldest["at"] > verified_before["at"]  # everything read again is verified again
    assert rows(database, "SELECT count(*) AS n FROM product_changes") == [{"n": 0}]
