"""Freshness end to end: a database whose every stored fact is past its max age is verified
again by one incremental run, which finds what changed in the middle of the listing and on
a detail page (no full run needed), and dbcheck says so before and not after."""

from replica import Catalog, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    crawl,
    database_in,
    execute,
    last_run,
    rows,
    scrapy_command,
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
