"""PostgreSQL end to end (a server started for the run, see the ``postgres`` fixture): a
crawl stores the replica's ground truth, a rerun changes nothing, and two crawls over
disjoint page ranges writing at the same time end with the rows of one crawl over all pages."""

import logging
import threading
import time

import pytest

from matter_certis.db import connection, models, store
from replica import Catalog, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    by_url,
    crawl,
    execute,
    rows,
    start_crawl,
    stored_details,
    stored_products,
    unverified,
)

PRODUCTS = 240  # 20 listing pages
FIRST_PAGES = 8  # one job reads pages 1 to 8, another the rest


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=PRODUCTS, seed=5)) as server:
        yield server


@pytest.fixture(scope="module")
def synced(postgres, replica, tmp_path_factory):
    """One crawl over all pages into a new database: its URL and working directory."""
    url = postgres.create_database()
    workdir = tmp_path_factory.mktemp("postgres")
    result = crawl(replica, workdir, DATABASE_URL=url)
    assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]
    return url, workdir


def test_a_crawl_stores_the_ground_truth(replica, synced):
    url, _ = synced
    assert_mirrors(replica, url)
    (run,) = rows(url, "SELECT status, products_added, details_fetched FROM crawling_results")
    assert run == {"status": "completed", "products_added": PRODUCTS, "details_fetched": PRODUCTS}


def test_a_full_rerun_changes_nothing(replica, synced):
    url, workdir = synced
    before = {table: unverified(url, table) for table in ("products", "product_details")}
    result = crawl(replica, workdir, "mode=full", DATABASE_URL=url)
    assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]
    for table, stored in before.items():
        assert unverified(url, table) == stored
    assert rows(url, "SELECT count(*) AS n FROM product_changes") == [{"n": 0}]
    assert rows(
        url, "SELECT status, products_updated FROM crawling_results WHERE mode = 'full'"
    ) == [{"status": "completed", "products_updated": 0}]


def test_two_page_ranges_at_once_equal_one_crawl_over_all_pages(
    postgres, replica, synced, tmp_path
):
    url = postgres.create_database()
    ranges = ((1, FIRST_PAGES), (FIRST_PAGES + 1, PRODUCTS // 12))
    # Small batches, so that the two jobs' transactions interleave many times; deltafetch's
    # keys are the detail rows of the one database both write.
    jobs = [
        start_crawl(
            replica,
            tmp_path,
            f"start_page={first}",
            f"end_page={last}",
            DATABASE_URL=url,
            MATTER_DB_BATCH_SIZE=10,
            LOG_FILE=tmp_path / f"pages-{first}.log",
        )
        for first, last in ranges
    ]
    for job, (first, _) in zip(jobs, ranges):
        job.communicate(timeout=240)
        assert job.returncode == 0, (tmp_path / f"pages-{first}.log").read_text()[-3000:]
    assert stored_products(url) == stored_products(synced[0])
    assert stored_details(url) == stored_details(synced[0])
    # Each job fetched the details of its own pages only.
    runs = rows(
        url,
        "SELECT status, products_found, details_fetched FROM crawling_results "
        "ORDER BY products_found",
    )
    assert runs == [
        {
            "status": "completed",
            "products_found": FIRST_PAGES * 12,
            "details_fetched": FIRST_PAGES * 12,
        },
        {
            "status": "completed",
            "products_found": PRODUCTS - FIRST_PAGES * 12,
            "details_fetched": PRODUCTS - FIRST_PAGES * 12,
        },
    ]


def test_a_page_range_fetches_and_answers_for_its_own_pages_only(replica, synced):
    url, workdir = synced
    newest_first = by_url(replica.catalog.expected_products(replica.base_url))
    newest_first.sort(key=lambda product: (-product["page_id"], -product["index_in_page"]))
    on_page_2, on_page_15 = newest_first[12]["url"], newest_first[14 * 12]["url"]
    execute(url, "DELETE FROM product_details WHERE url IN (?, ?)", on_page_2, on_page_15)
    # A listing failure a job over other pages has just recorded.
    execute(
        url,
        "INSERT INTO failed_requests (url, kind, attempts, first_failed_at, "
        "last_failed_at, session_id) VALUES (?, 'list', 1, now(), now(), 'neighbour')",
        replica.list_url + "&paged=15",
    )
    result = crawl(replica, workdir, "start_page=1", f"end_page={FIRST_PAGES}", DATABASE_URL=url)
    assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]
    missing = rows(
        url,
        "SELECT p.url FROM products p LEFT JOIN product_details d "
        "ON d.url = p.url WHERE d.url IS NULL",
    )
    assert missing == [{"url": on_page_15}]
    assert rows(url, "SELECT session_id FROM failed_requests") == [{"session_id": "neighbour"}]


def test_a_slot_another_job_just_took_is_freed_by_writing_the_batch_again(postgres, caplog):
    """Job A holds a slot in an open transaction when job B writes another product to it: B
    waits, fails on the unique slot once A commits, and its batch is written again, this time
    freeing A's slot (the products after a delisted one move down while A is running)."""
    caplog.set_level(logging.INFO, logger="matter_certis.db.connection")
    connection.open_database(postgres.create_database())
    a_wrote = threading.Event()

    def job_a():
        with models.database.atomic():
            save_products(ref("https://a/older/"))
            a_wrote.set()
            time.sleep(0.5)  # B is now waiting on this transaction
        models.database.close()

    thread = threading.Thread(target=job_a)
    thread.start()
    try:
        assert a_wrote.wait(timeout=10)
        connection.in_transaction(lambda: save_products(ref("https://a/newer/")))
    finally:
        thread.join()
    slots = rows(
        postgres.url(models.database.obj.database),
        "SELECT url, page_id, index_in_page FROM products ORDER BY url",
    )
    models.database.close()
    assert slots == [
        {"url": "https://a/newer/", "page_id": 0, "index_in_page": 0},
        {"url": "https://a/older/", "page_id": None, "index_in_page": None},
    ]
    assert "A concurrent writer got in the way (IntegrityError)" in caplog.text


def ref(url):
    return {
        "url": url,
        "manufacturer": "M",
        "model": "X",
        "certificate_id": None,
        "page_id": 0,
        "index_in_page": 0,
        "delisted_at": None,
    }


def save_products(*rows_):
    store.release_slots(rows_)
    store.save_rows(models.Product, rows_)
