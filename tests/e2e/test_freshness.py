"""Freshness end to end: a database whose every stored fact is past its max age is verified
again by one incremental run, which finds what changed in the middle of the listing and on
a detail page (no full run needed), and dbcheck says so before and not after."""

import time

from replica import Catalog, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    by_url,
    crawl,
    database_in,
    execute,
    last_run,
    rows,
    scrapy_command,
    stored_details,
    stored_products,
)

PRODUCTS = 120  # 10 listing pages


def test_an_incremental_run_verifies_again_what_is_past_its_max_age(tmp_path):
    catalog = Catalog(products=PRODUCTS, seed=5)
    with ReplicaServer(catalog) as replica:
        assert crawl(replica, tmp_path).returncode == 0
        database = database_in(tmp_path)
        for table in ("products", "product_details"):
            execute(database, f"UPDATE {table} SET verified_at = '2020-01-01 00:00:00'")
        assert scrapy_command(tmp_path, "dbcheck").returncode == 1
        middle = catalog.listed()[60]
        catalog.change(catalog.listed()[50].path, firmware_version="9.9.9")
        catalog.delist([middle.path])
        replica.clear_log()
        assert crawl(replica, tmp_path).returncode == 0
        assert last_run(tmp_path)["status"] == "completed"
        assert replica.count("list") >= PRODUCTS // 12  # every page, overdue
        assert_mirrors(replica, database)
        (change,) = rows(database, "SELECT field, new_value FROM product_changes")
        assert (change["field"], change["new_value"]) == ("firmware_version", "9.9.9")
    assert scrapy_command(tmp_path, "dbcheck").returncode == 0
    (oldest,) = rows(
        database, "SELECT min(verified_at) AS at FROM products WHERE delisted_at IS NULL"
    )
    assert oldest["at"] > "2020-01-02"


def mirrors(replica, database):
    expected = replica.catalog
    return stored_products(database) == by_url(
        expected.expected_products(replica.base_url)
    ) and stored_details(database) == by_url(expected.expected_details(replica.base_url))


def test_incremental_runs_over_time_repair_a_moving_listing_each_within_its_share(tmp_path):
    """Max ages of seconds stand for a week and a month: incremental runs a second apart,
    never a full run, find a product back and another gone in the middle of the listing, a
    changed detail page, a rename and a delisting, the details a share at a time."""
    catalog = Catalog(products=PRODUCTS, seed=6)
    ages = {"MATTER_LISTING_MAX_AGE": "6s", "MATTER_DETAIL_MAX_AGE": "12s"}
    with ReplicaServer(catalog) as replica:
        back = catalog.listed()[70]
        catalog.delist([back.path])
        assert crawl(replica, tmp_path, **ages).returncode == 0
        catalog.relist([back.path])
        catalog.delist([catalog.listed()[40].path, catalog.listed()[90].path])
        catalog.change(catalog.listed()[30].path, firmware_version="9.9.9")
        catalog.rename(catalog.listed()[60].path)
        details = []
        for _ in range(12):
            time.sleep(1)
            replica.clear_log()
            assert crawl(replica, tmp_path, **ages).returncode == 0
            details.append(replica.count("detail"))
            if mirrors(replica, database_in(tmp_path)):
                break
        assert_mirrors(replica, database_in(tmp_path))
        changed = rows(database_in(tmp_path), "SELECT field FROM product_changes ORDER BY field")
        assert {"firmware_version", "url"} <= {row["field"] for row in changed}
    # The details verified again a share at a time (a run a few seconds after the last
    # reads a fraction of 12 s worth), never all 120 at once.
    assert len(details) > 1
    assert max(details) < PRODUCTS
