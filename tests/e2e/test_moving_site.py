"""A site that moves during a crawl: the proof, end to end, that the spider does what the
listing planner decides (tests/listing/test_moving_site.py runs every case in process).
Products certified (or delisted) while a full, an incremental, or a paused-and-resumed run
reads the listing: every run ends with every slot exact and no false delisting, in that run
(``completed``), or after it (``partial``) plus one incremental run. The replica changes
after a chosen number of requests of a kind (``ReplicaServer.grow_after``, ``delist_after``).
"""

import signal

from replica import Catalog, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    crawl,
    database_in,
    execute,
    interrupt,
    last_run,
    rows,
    start_crawl,
    wait_for,
)

FULL_SIZE = 600
SMALL_SIZE = 240


def delisted(workdir):
    return {
        row["url"]
        for row in rows(
            database_in(workdir), "SELECT url FROM products WHERE delisted_at IS NOT NULL"
        )
    }


def run(replica, workdir, *arguments, **settings):
    result = crawl(replica, workdir, *arguments, **settings)
    assert result.returncode in (0, 3), (workdir / "crawl.log").read_text()[-3000:]
    return last_run(workdir)["status"]


def assert_exact_now_or_after_one_incremental_run(replica, workdir, status, gone=()):
    """``completed`` leaves everything exact; ``partial`` is finished by the next
    incremental run (which then completes)."""
    assert status in ("completed", "partial"), last_run(workdir)
    if status == "partial":
        assert run(replica, workdir) == "completed", last_run(workdir)
    assert_mirrors(replica, database_in(workdir))
    assert delisted(workdir) == set(gone)


def synced(replica, workdir):
    assert run(replica, workdir) == "completed"
    replica.clear_log()


def test_growth_by_5_while_a_full_run_reads_the_listing_costs_a_few_requests(tmp_path):
    """53 listing requests without growth. What a move while the pages are read leaves to
    read again depends on which pages were in flight when it happened: usually one or two
    pages and a second status check (56 or 57 requests), more on a loaded machine."""
    with ReplicaServer(Catalog(products=FULL_SIZE, seed=11)) as replica:
        replica.grow_after(10, 5)
        assert run(replica, tmp_path, "mode=full") == "completed"
        assert 53 <= replica.count("list") <= 63
        assert replica.count("detail") == FULL_SIZE + 5
        assert_mirrors(replica, database_in(tmp_path))


def test_growth_while_a_run_is_paused_then_resumed(tmp_path):
    """Ctrl-C part-way through the listing, new products, then the same job directory: the
    saved queue's slots are stale and are corrected like any move."""
    settings = {"JOBDIR": tmp_path / "job", "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
    with ReplicaServer(Catalog(products=SMALL_SIZE, seed=14), delay=0.05) as replica:
        process = start_crawl(replica, tmp_path, "mode=full", **settings)
        assert wait_for(lambda: replica.count("list") >= 8, timeout=120)
        interrupt(process, signal.SIGINT)
        replica.catalog.add_products(12)
        replica.delay = 0
        status = run(replica, tmp_path, "mode=full", **settings)
        assert "Resuming" in (tmp_path / "crawl.log").read_text()
        assert_exact_now_or_after_one_incremental_run(replica, tmp_path, status)


def test_a_delisting_during_an_incremental_run_delists_that_product_alone(tmp_path):
    with ReplicaServer(Catalog(products=SMALL_SIZE, seed=16)) as replica:
        synced(replica, tmp_path)
        replica.catalog.add_products(30)  # pages for an incremental run to read
        gone = replica.catalog.expected_products(replica.base_url)[150]["url"]
        replica.delist_after(4, [gone])
        status = run(replica, tmp_path)
        assert_exact_now_or_after_one_incremental_run(replica, tmp_path, status, gone=[gone])


def test_a_listing_that_keeps_moving_ends_partial_and_the_next_run_finishes_the_job(tmp_path):
    with ReplicaServer(Catalog(products=FULL_SIZE, seed=18)) as replica:
        replica.grow_after(10, 5)
        replica.grow_after(30, 7)  # two moves while the pages are read: some pages not placed
        assert run(replica, tmp_path, "mode=full", MATTER_MOVEMENT_CHECKS=1) == "partial"
        assert "not confirmed" in last_run(tmp_path)["error_details"]
        assert run(replica, tmp_path) == "completed", last_run(tmp_path)
        assert_mirrors(replica, database_in(tmp_path))
        assert delisted(tmp_path) == set()


def test_an_incremental_run_notices_products_stored_at_the_wrong_slots(tmp_path):
    """A database an earlier run left wrong (the two newest products swapped): every slot
    is filled, but the status check sees page 1 disagree, so the run reads every page."""
    with ReplicaServer(Catalog(products=SMALL_SIZE, seed=19)) as replica:
        synced(replica, tmp_path)
        newest, second = (
            ref["url"] for ref in replica.catalog.expected_products(replica.base_url)[:2]
        )
        execute(
            database_in(tmp_path), "UPDATE products SET index_in_page = -1 WHERE url = ?", newest
        )
        execute(
            database_in(tmp_path), "UPDATE products SET index_in_page = 11 WHERE url = ?", second
        )
        execute(
            database_in(tmp_path), "UPDATE products SET index_in_page = 10 WHERE url = ?", newest
        )
        assert run(replica, tmp_path) == "completed"
        assert replica.count("list") > SMALL_SIZE // 12
        assert_mirrors(replica, database_in(tmp_path))


# Products leaving the listing and coming back (between runs or during one): every run ends,
# and a run that loops fails its test (subprocess.TimeoutExpired) instead of hanging it.
CHURN_SIZE = 120
LOOP_TIMEOUT = 90


def urls_at(replica, *positions):
    """The urls of the products at these positions of the listing now (0: the newest)."""
    listed = replica.catalog.expected_products(replica.base_url)
    return [listed[position]["url"] for position in positions]


def churn(replica, workdir, back=(), gone=()):
    """A complete database that knows ``back`` as delisted; then they are listed again and
    ``gone`` leave the listing."""
    synced(replica, workdir)
    replica.catalog.delist(back)
    assert run(replica, workdir, "mode=full", timeout=LOOP_TIMEOUT) == "completed"
    assert delisted(workdir) == set(back)
    replica.clear_log()  # a change during the next run counts that run's requests
    replica.catalog.relist(back)
    replica.catalog.delist(gone)


def test_a_product_missed_between_two_pages_read_across_a_move_is_not_delisted(tmp_path):
    """Pages read one at a time; between pages 5 and 6 a product on page 4 leaves and one
    further on comes back. Page 6 then starts one card later: the product that was first on
    it is on no page read, and the first and last page look as before. Only reading its
    place again shows the move."""
    with ReplicaServer(Catalog(products=CHURN_SIZE, seed=28)) as replica:
        back, gone = urls_at(replica, 90, 40)
        churn(replica, tmp_path, back=[back])
        replica.catalog.delist([back])
        replica.change_after(
            "list", 6, lambda: (replica.catalog.relist([back]), replica.catalog.delist([gone]))
        )
        status = run(
            replica, tmp_path, "mode=full", timeout=LOOP_TIMEOUT, CONCURRENT_REQUESTS_PER_DOMAIN=1
        )
        assert "again to confirm" in (tmp_path / "crawl.log").read_text()
        assert_exact_now_or_after_one_incremental_run(replica, tmp_path, status, gone=[gone])


def test_a_product_that_leaves_and_comes_back_at_every_listing_request_ends_the_run(tmp_path):
    """Pages read one after another show different listings of the same size: the run
    ends (after MATTER_MOVEMENT_CHECKS checks that found it moved, at the latest). Reads
    can always miss a listing that changes between any two of them, so only the end of
    the run is asserted here."""
    with ReplicaServer(Catalog(products=CHURN_SIZE, seed=27)) as replica:
        synced(replica, tmp_path)
        (flicker,) = urls_at(replica, 50)
        listed = {flicker}

        def toggle():
            if listed:
                listed.clear()
                replica.catalog.delist([flicker])
            else:
                listed.add(flicker)
                replica.catalog.relist([flicker])

        for requests in range(1, 1000):
            replica.change_after("list", requests, toggle)
        assert run(replica, tmp_path, "mode=full", timeout=LOOP_TIMEOUT) in ("completed", "partial")
