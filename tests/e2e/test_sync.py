"""Incremental and full syncs against a growing, changing replica: request counts by kind
(from the replica's own log), stored rows, changes and delistings, run records."""

import math

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    copy_database,
    crawl,
    database_in,
    execute,
    free_port,
    last_run,
    rows,
    stored_details,
)

PRODUCTS = 120  # 10 listing pages


@pytest.fixture(scope="module")
def port():
    """Every replica of this module answers on one port, so that they all hold the same URLs."""
    return free_port()


@pytest.fixture(scope="module")
def first_crawl(port, tmp_path_factory):
    """The database of one crawl of the module's replica, copied by every test that needs a
    synced database (a crawl of its own would store the same rows)."""
    workdir = tmp_path_factory.mktemp("first-crawl")
    with ReplicaServer(Catalog(products=PRODUCTS, seed=3), port=port) as replica:
        assert crawl(replica, workdir).returncode == 0
    return database_in(workdir)


@pytest.fixture
def replica(port):
    """A replica of its own for each test, which changes it."""
    with ReplicaServer(Catalog(products=PRODUCTS, seed=3), port=port) as server:
        yield server


@pytest.fixture
def synced(replica, first_crawl, tmp_path):
    """A database that mirrors the replica, after one crawl."""
    copy_database(first_crawl, database_in(tmp_path))
    return tmp_path


def sync(replica, workdir, *arguments):
    replica.clear_log()
    result = crawl(replica, workdir, *arguments)
    assert result.returncode == 0, (workdir / "crawl.log").read_text()[-3000:]
    return {"list": replica.count("list"), "detail": replica.count("detail")}


def test_a_rerun_with_no_change_costs_two_listing_requests_and_no_detail(replica, synced):
    assert sync(replica, synced) == {"list": 2, "detail": 0}
    assert_mirrors(replica, database_in(synced))


@pytest.mark.parametrize("new", [1, 30])
def test_new_products_cost_their_pages_plus_the_status_check(replica, synced, new):
    created = {
        row["url"]: row["created_at"]
        for row in rows(database_in(synced), "SELECT url, created_at FROM products")
    }
    replica.catalog.add_products(new)
    # the status check (page 1, whose cards it stores, and the last page), the other pages
    # with new products, and a second status check after them
    other_pages = math.ceil(new / 12) - 1
    assert sync(replica, synced) == {
        "list": 2 + other_pages + (2 if other_pages else 0),
        "detail": new,
    }
    assert_mirrors(replica, database_in(synced))
    after = {
        row["url"]: row["created_at"]
        for row in rows(database_in(synced), "SELECT url, created_at FROM products")
    }
    assert {url: after[url] for url in created} == created
    assert last_run(synced)["products_added"] == new


def test_a_product_without_details_is_fetched_by_the_next_run(replica, synced):
    (url,) = [p["url"] for p in replica.catalog.expected_products(replica.base_url)[5:6]]
    execute(database_in(synced), "DELETE FROM product_details WHERE url = ?", url)
    assert sync(replica, synced) == {"list": 2, "detail": 1}
    assert_mirrors(replica, database_in(synced))


def test_full_mode_records_changes_and_delistings(replica, synced):
    listed = replica.catalog.expected_products(replica.base_url)
    changed, renamed, gone = listed[10]["url"], listed[100]["url"], listed[50]["url"]
    replica.catalog.change(changed, software_version="9.9.9", certification_date="2026-01-02")
    replica.catalog.change(renamed, model="Renamed Plug")
    replica.catalog.delist([gone])
    before = {row["url"]: row for row in stored_details(database_in(synced))}

    counts = sync(replica, synced, "mode=full")

    # the status check (page 1 and the last page, both stored from it), the pages between,
    # a second status check, the page where the delisted product was (read again to
    # confirm it is gone) and a third status check
    assert counts == {"list": 2 + (PRODUCTS // 12 - 2) + 2 + 1 + 2, "detail": PRODUCTS - 1}
    changes = rows(
        database_in(synced), "SELECT url, field, old_value, new_value FROM product_changes"
    )
    assert sorted(changes, key=lambda change: (change["url"], change["field"])) == sorted(
        [
            {
                "url": changed,
                "field": "certification_date",
                "old_value": before[changed]["certification_date"],
                "new_value": "2026-01-02",
            },
            {
                "url": changed,
                "field": "software_version",
                "old_value": before[changed]["software_version"],
                "new_value": "9.9.9",
            },
            {
                "url": renamed,
                "field": "model",
                "old_value": before[renamed]["model"],
                "new_value": "Renamed Plug",
            },
        ],
        key=lambda change: (change["url"], change["field"]),
    )
    (delisted,) = rows(
        database_in(synced), "SELECT url, page_id FROM products WHERE delisted_at IS NOT NULL"
    )
    assert delisted == {"url": gone, "page_id": None}
    assert_mirrors(replica, database_in(synced))
    run = last_run(synced)
    assert (run["status"], run["mode"], run["products_updated"]) == ("completed", "full", 2)
    assert run["products_unchanged"] == PRODUCTS - 1 - 2


def test_a_relisted_product_loses_its_delisted_at(replica, synced):
    gone = replica.catalog.expected_products(replica.base_url)[7]["url"]
    replica.catalog.delist([gone])
    sync(replica, synced, "mode=full")
    replica.catalog.relist([gone])
    sync(replica, synced, "mode=full")
    assert rows(
        database_in(synced), "SELECT count(*) AS n FROM products WHERE delisted_at IS NOT NULL"
    ) == [{"n": 0}]
    assert_mirrors(replica, database_in(synced))


def test_a_full_run_over_a_page_range_judges_no_delisting(replica, synced):
    gone = replica.catalog.expected_products(replica.base_url)[-1]["url"]
    replica.catalog.delist([gone])
    # status check (page 1, the last page twice: its last card is no longer the oldest
    # product the database knows), the two pages, and the second status check (the same 3)
    assert sync(replica, synced, "mode=full", "start_page=2", "end_page=3") == {
        "list": 3 + 2 + 3,
        "detail": 24,
    }
    summary = (synced / "crawl.log").read_text().strip().splitlines()[-1]
    assert "2 of 2 planned listing pages read (" in summary
    assert rows(
        database_in(synced), "SELECT count(*) AS n FROM products WHERE delisted_at IS NOT NULL"
    ) == [{"n": 0}]


def test_a_page_range_past_the_listing_ends_failed_in_one_line_with_exit_code_2(replica, synced):
    """It can only be known once the status check has read the page count: the run then
    ends there, never ``completed`` having read nothing."""
    database = database_in(synced)
    products = rows(database, "SELECT * FROM products ORDER BY url")
    replica.clear_log()
    result = crawl(replica, synced, "start_page=999")
    log = (synced / "crawl.log").read_text()
    errors = [line for line in log.splitlines() if " ERROR: " in line]
    assert result.returncode == 2
    assert len(errors) == 1 and errors[0].endswith("start_page 999 is past the listing's 10 pages")
    assert "Traceback" not in log + result.stderr
    assert replica.count("detail") == 0 and replica.count("list") <= 3  # the status check
    run = rows(database, "SELECT * FROM crawling_results ORDER BY started_at DESC")[0]
    assert run["status"] == "failed"
    assert run["error_details"].startswith("start_page 999 is past the listing's 10 pages")
    assert rows(database, "SELECT * FROM products ORDER BY url") == products


def test_a_renamed_product_keeps_one_row_at_its_new_address(replica, synced):
    old = next(
        p for p in replica.catalog.expected_products(replica.base_url) if p["certificate_id"]
    )
    (before,) = rows(database_in(synced), "SELECT * FROM products WHERE url = ?", old["url"])
    product = replica.catalog.rename(old["url"])
    new_url = replica.base_url + product.path

    sync(replica, synced)  # its page 1 shows a card the database lacks: every page is read

    assert_mirrors(replica, database_in(synced))
    (after,) = rows(database_in(synced), "SELECT * FROM products WHERE url = ?", new_url)
    assert after["created_at"] == before["created_at"]
    assert rows(database_in(synced), "SELECT count(*) AS n FROM products") == [{"n": PRODUCTS}]
    assert rows(database_in(synced), "SELECT url, old_value, new_value FROM product_changes") == [
        {"url": new_url, "old_value": old["url"], "new_value": new_url}
    ]
    assert last_run(synced)["status"] == "completed"


def test_a_page_redirected_to_another_products_page_lends_it_no_values(replica, synced):
    source, target = replica.catalog.expected_products(replica.base_url)[20:22]
    replica.catalog.redirect(source["url"], target["url"])
    before = stored_details(database_in(synced))

    result = crawl(replica, synced, "mode=full")

    assert result.returncode != 0
    assert stored_details(database_in(synced)) == before
    (failure,) = rows(database_in(synced), "SELECT url, kind, error_message FROM failed_requests")
    assert failure == {
        "url": source["url"],
        "kind": "detail",
        "error_message": f"redirected to {target['url']}",
    }
    assert last_run(synced)["status"] == "partial"
