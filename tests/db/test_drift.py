"""Markup drift: a field most re-read products had stored comes back empty, however few
products of the catalogue have it."""

import pytest

from matter_certis.db import connection
from matter_certis.db.drift import MIN_PRODUCTS, FieldCoverage
from matter_certis.db.models import Product, ProductDetail
from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, rows, stored_details


@pytest.fixture
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'drift.db'}")
    yield
    connection.close()


def url(number):
    return f"https://csa-iot.org/csa_product/p-{number}/"


def store_products(numbers, **values):
    for number in numbers:
        Product.create(url=url(number))
        ProductDetail.create(url=url(number), vid=0x1552, **values)


def reread(numbers, **values):
    """Detail rows of these products as a run reads them again."""
    return [{"url": url(number), "vid": 0x1552, **values} for number in numbers]


def test_a_field_most_products_that_had_it_lost_is_drifting_however_rare(database):
    """Categories on one product in five: the re-read ones that had them lost them."""
    store_products(range(MIN_PRODUCTS), application_categories='["Lighting"]')
    store_products(range(MIN_PRODUCTS, 5 * MIN_PRODUCTS))
    coverage = FieldCoverage.from_database()
    coverage.observe(reread(range(5 * MIN_PRODUCTS)))
    assert coverage.drifting() == ["application_categories"]
    assert coverage.describe("application_categories") == (
        f"application_categories (missing on {MIN_PRODUCTS} of the {MIN_PRODUCTS} "
        "products re-read that had it)"
    )


def test_a_field_most_products_that_had_it_kept_is_not_drifting(database):
    store_products(range(MIN_PRODUCTS * 2), family_id="FAM1")
    coverage = FieldCoverage.from_database()
    lost = MIN_PRODUCTS  # half of them: products can lose a value, the theme did not
    coverage.observe(reread(range(lost)) + reread(range(lost, 2 * lost), family_id="FAM1"))
    assert coverage.drifting() == []


def test_products_read_for_the_first_time_are_not_judged(database):
    """Nothing is stored for them, so nothing can be lost."""
    coverage = FieldCoverage.from_database()
    coverage.observe(reread(range(5 * MIN_PRODUCTS)))
    assert coverage.drifting() == []


def test_too_few_products_that_had_the_field_say_nothing(database):
    store_products(range(MIN_PRODUCTS - 1), family_id="FAM1")
    coverage = FieldCoverage.from_database()
    coverage.observe(reread(range(MIN_PRODUCTS - 1)))
    assert coverage.drifting() == []


def test_a_product_read_twice_counts_once(database):
    store_products(range(MIN_PRODUCTS - 1), family_id="FAM1")
    coverage = FieldCoverage.from_database()
    coverage.observe(reread(range(MIN_PRODUCTS - 1)))
    coverage.observe(reread([0]))
    assert coverage.drifting() == []


def test_a_renamed_heading_on_half_the_products_degrades_a_full_run_and_keeps_the_values(
    tmp_path,
):
    """The site renames the heading of a field only half the products have: the full run
    names it, says ``degraded`` and leaves the stored categories alone."""
    catalog = Catalog(products=60, seed=3)
    for number, product in enumerate(catalog.listed()):
        catalog.change(product.path, application_categories=["Lighting"] if number % 2 else None)
    database = tmp_path / "matter_certis.db"
    with ReplicaServer(catalog) as replica:
        assert crawl(replica, tmp_path).returncode == 0
        before = stored_details(database)
        catalog.categories_heading = "Use Cases"
        result = crawl(replica, tmp_path, "mode=full")
    assert result.returncode == EXIT_CODES["degraded"]
    (run,) = rows(
        database, "SELECT status, error_details FROM crawling_results WHERE mode = 'full'"
    )
    assert run["status"] == "degraded"
    assert run["error_details"].startswith(
        "markup drift, fields the products had came back empty: application_categories "
        "(missing on 30 of the 30 products re-read that had it)"
    )
    assert stored_details(database) == before
    assert "Markup drift" in (tmp_path / "crawl.log").read_text()
