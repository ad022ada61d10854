"""Markup drift: a field the database usually has, found empty on most pages of a run."""

import pytest

from matter_certis.db import connection, models
from matter_certis.db.drift import MIN_PAGES, FieldCoverage
from matter_certis.db.models import Product, ProductDetail
from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, rows, stored_details


@pytest.fixture
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'drift.db'}")
    yield
    connection.close()


def store_products(count, **values):
    for number in range(count):
        url = f"https://csa-iot.org/csa_product/p-{number}/"
        Product.create(url=url)
        ProductDetail.create(url=url, vid=0x1552, family_id="FAM1", **values)


def detail_rows(count, **values):
    return [{"url": f"u{n}", "vid": 0x1552, "family_id": None, **values} for n in range(count)]


def test_a_field_usually_stored_and_now_missing_on_most_pages_is_drifting(database):
    store_products(MIN_PAGES)
    coverage = FieldCoverage.from_database()
    coverage.observe(detail_rows(MIN_PAGES))
    assert coverage.drifting() == ["family_id"]
    assert coverage.describe("family_id") == (
        f"family_id (found on 0 of {MIN_PAGES} pages, the database has it for 100% of its products)"
    )


def test_a_field_found_on_most_pages_is_not_drifting(database):
    store_products(MIN_PAGES)
    coverage = FieldCoverage.from_database()
    coverage.observe(detail_rows(MIN_PAGES, family_id="FAM2"))
    assert coverage.drifting() == []


def test_a_field_the_database_rarely_has_is_never_drifting(database):
    store_products(MIN_PAGES)  # no family_sku stored
    coverage = FieldCoverage.from_database()
    coverage.observe(detail_rows(MIN_PAGES, family_id="FAM2"))
    assert "family_sku" not in coverage.drifting()


def test_too_few_pages_say_nothing(database):
    store_products(MIN_PAGES)
    coverage = FieldCoverage.from_database()
    coverage.observe(detail_rows(MIN_PAGES - 1))
    assert coverage.drifting() == []


def test_a_small_database_is_no_baseline(database):
    store_products(MIN_PAGES - 1)
    coverage = FieldCoverage.from_database()
    coverage.observe(detail_rows(MIN_PAGES))
    assert coverage.drifting() == []


def test_delisted_products_do_not_count_in_the_baseline(database):
    store_products(MIN_PAGES)
    Product.update(delisted_at=models.utc_now()).execute()
    assert FieldCoverage.from_database().baseline == {}


def test_a_full_run_after_a_theme_change_is_degraded_and_keeps_the_stored_values(tmp_path):
    """The site stops showing a field every product had: the full run names it, says
    ``degraded`` and leaves the stored values alone."""
    catalog = Catalog(products=60, seed=3)
    database = tmp_path / "matter_certis.db"
    with ReplicaServer(catalog) as replica:
        assert crawl(replica, tmp_path).returncode == 0
        before = stored_details(database)
        for product in catalog.listed():
            catalog.change(product.path, specification_version=None)
        result = crawl(replica, tmp_path, "mode=full")
    assert result.returncode == EXIT_CODES["degraded"]
    (run,) = rows(
        database, "SELECT status, error_details FROM crawling_results WHERE mode = 'full'"
    )
    assert run["status"] == "degraded"
    assert run["error_details"].startswith(
        "markup drift, fields usually stored came back empty: specification_version "
        "(found on 0 of 60 pages, the database has it for 100% of its products)"
    )
    assert stored_details(database) == before
    assert "Markup drift" in (tmp_path / "crawl.log").read_text()
