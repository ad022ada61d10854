"""Nothing the site does leaves every later run ``partial``: the proof, end to end, of what
tests/listing/test_moving_site.py runs in process (a detail page that fails and then its
product leaves the listing; a card shown twice)."""

from replica import Catalog, ReplicaServer
from tests.helpers import assert_mirrors, crawl, database_in, last_run, rows

SIZE = 120
FAST_RETRIES = {"MATTER_RETRY_BASE_DELAY": 0.01, "MATTER_RETRY_MAX_DELAY": 0.05}


def run(replica, workdir, *arguments):
    result = crawl(replica, workdir, *arguments, **FAST_RETRIES)
    assert result.returncode in (0, 3), (workdir / "crawl.log").read_text()[-3000:]
    return last_run(workdir)["status"]


def test_a_product_whose_detail_failed_then_left_the_listing_is_delisted(tmp_path):
    """Its detail page fails for good (a delisted product's page may be gone): the next run
    reads the whole listing without it, delists it, closes its dead letter and completes."""
    with ReplicaServer(Catalog(products=SIZE, seed=31)) as replica:
        gone = replica.catalog.expected_products(replica.base_url)[40]["url"]
        replica.break_page("detail", gone, "cut")
        assert run(replica, tmp_path, "mode=full") == "partial"
        replica.catalog.delist([gone])
        assert run(replica, tmp_path) == "completed", last_run(tmp_path)
        database = database_in(tmp_path)
        assert_mirrors(replica, database)
        assert rows(database, "SELECT url FROM failed_requests") == []
        assert rows(database, "SELECT delisted_at FROM products WHERE url = ?", gone)[0][
            "delisted_at"
        ]


def test_a_product_shown_on_two_cards_is_stored_once(tmp_path):
    """Two cards, across a page boundary, link to one product: stored once at the newer card
    (its own values), and the run completes. The next incremental run reads the older card's
    page (the slot the database lacks), which disagrees with the database there: it reads
    the listing again and completes too."""
    with ReplicaServer(Catalog(products=SIZE, seed=32)) as replica:
        listed = replica.catalog.listed()
        replica.catalog.repeat_card(listed[24].path)  # page 3's first card shows page 2's last
        assert run(replica, tmp_path, "mode=full") == "completed", last_run(tmp_path)
        assert replica.count("list") <= 2 * SIZE // 12
        assert "on two cards" in (tmp_path / "crawl.log").read_text()
        assert_mirrors(replica, database_in(tmp_path))
        replica.clear_log()
        assert run(replica, tmp_path) == "completed", last_run(tmp_path)
        assert replica.count("list") <= SIZE // 12 + 4
        assert_mirrors(replica, database_in(tmp_path))
