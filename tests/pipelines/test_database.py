"""DatabasePipeline, through a test crawler and a temporary SQLite file."""

import pytest

from matter_certis.db import connection, models
from matter_certis.db.drift import MIN_PRODUCTS
from matter_certis.items import ProductDetail, ProductMove, ProductRef, Vendor
from matter_certis.pipelines.database import DatabasePipeline
from matter_certis.run import stat_keys
from matter_certis.spiders.dcl_vendors import DclVendorsSpider
from matter_certis.spiders.matter_products import MatterProductsSpider

URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"


def ref(url=URL, page_id=0, index_in_page=0, **fields):
    return ProductRef(
        url=url,
        manufacturer="Tuya",
        model="Plug",
        page_id=page_id,
        index_in_page=index_in_page,
        **fields,
    )


def detail(url=URL, **fields):
    """A detail as the spider makes it: with its card's slot (that of ``ref()``)."""
    values = {
        "url": url,
        "page_id": 0,
        "index_in_page": 0,
        "certificate_id": "CSA22059MAT40059-24",
        "vid": 0x1552,
        "application_categories": ["Plugs"],
        "tis_trp_tested": False,
    }
    values.update(fields)
    return ProductDetail(**values)


@pytest.fixture
def crawler(make_crawler):
    crawler = make_crawler(MatterProductsSpider)
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    return crawler


def run_pipeline(crawler, items):
    """Feed items through a fresh pipeline, as one crawl would, and close it."""
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    pipeline.close_spider()
    connection.open_database(crawler.settings["DATABASE_URL"])
    return pipeline


def test_rows_are_written_with_integers_and_json_lists(crawler):
    run_pipeline(crawler, [ref(), detail()])
    row = models.ProductDetail.select().dicts().get()
    assert row["vid"] == 0x1552
    assert row["application_categories"] == '["Plugs"]'
    assert row["tis_trp_tested"] is False
    assert models.Product.get_by_id(URL).delisted_at is None


def test_a_batch_is_written_when_full_and_the_rest_on_close(make_crawler):
    crawler = make_crawler(MatterProductsSpider, MATTER_DB_BATCH_SIZE=10)
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    items = [ref(url=f"{URL}{n}", index_in_page=n % 12, page_id=n // 12) for n in range(25)]
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    for item in items:
        pipeline.process_item(item)
    assert models.Product.select().count() == 20
    pipeline.close_spider()
    connection.open_database(crawler.settings["DATABASE_URL"])
    assert models.Product.select().count() == 25


def test_no_statement_of_a_batch_write_scans_a_whole_table(make_crawler):
    """A batch's statements find their rows by an index: a scan per batch grows with the
    database, and a crawl that writes hundreds of batches with the square of it."""
    crawler = make_crawler(MatterProductsSpider, MATTER_DB_BATCH_SIZE=10)
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    statements = []
    connection_ = models.database.connection()
    connection_.set_trace_callback(statements.append)
    for n in range(20):
        pipeline.process_item(ref(url=f"{URL}{n}", page_id=n // 12, index_in_page=n % 12))
        pipeline.process_item(detail(url=f"{URL}{n}", page_id=n // 12, index_in_page=n % 12))
    connection_.set_trace_callback(None)
    queries = [
        sql for sql in statements if sql.split()[0] in ("SELECT", "INSERT", "UPDATE", "DELETE")
    ]
    scans = {
        sql[:120]: step
        for sql in queries
        for *_, step in connection_.execute("EXPLAIN QUERY PLAN " + sql)
        if step.startswith("SCAN") and "CONSTANT ROW" not in step
    }
    pipeline.close_spider()
    assert {sql.split()[0] for sql in queries} >= {"SELECT", "INSERT", "UPDATE"}
    assert scans == {}


def test_rerunning_creates_no_duplicates_and_keeps_timestamps(crawler):
    run_pipeline(crawler, [ref(), detail()])
    before = models.ProductDetail.get_by_id(URL)
    run_pipeline(crawler, [ref(), detail()])
    after = models.ProductDetail.get_by_id(URL)
    assert models.Product.select().count() == 1
    assert models.ProductDetail.select().count() == 1
    assert (after.created_at, after.updated_at) == (before.created_at, before.updated_at)
    assert crawler.stats.get_value("matter/db/product_details/unchanged") == 1


def test_an_update_keeps_created_at_and_moves_updated_at(crawler):
    run_pipeline(crawler, [ref(), detail()])
    before = models.ProductDetail.get_by_id(URL)
    run_pipeline(crawler, [detail(software_version="2.0")])
    after = models.ProductDetail.get_by_id(URL)
    assert after.software_version == "2.0"
    assert after.created_at == before.created_at
    assert after.updated_at > before.updated_at


def products_with_categories(count):
    """Refs and details of ``count`` products, every other one with categories."""
    urls = [f"{URL}{n}" for n in range(count)]
    slots = [{"page_id": n // 12, "index_in_page": n % 12} for n in range(count)]
    categories = [["Plugs"] if n % 2 else None for n in range(count)]
    refs = [ref(url=u, **slot) for u, slot in zip(urls, slots)]
    details = [
        detail(url=u, application_categories=c, **slot)
        for u, c, slot in zip(urls, categories, slots)
    ]
    return refs, details


def stored_categories():
    return [row.application_categories for row in models.ProductDetail.select()]


def without_categories(details):
    return [ProductDetail(detail, application_categories=None) for detail in details]


def test_a_drifting_field_keeps_its_stored_values_from_the_first_batch_on(make_crawler):
    """Half the products have categories; re-read in batches of 10, every one comes back
    without: none is lost before the field is judged, and the stats name it (the run's
    verdict: degraded)."""
    crawler = make_crawler(MatterProductsSpider, MATTER_DB_BATCH_SIZE=10)
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    refs, details = products_with_categories(2 * MIN_PRODUCTS)
    run_pipeline(crawler, refs + details)
    before = stored_categories()
    run_pipeline(crawler, without_categories(details))
    assert stored_categories() == before
    assert crawler.stats.get_value(stat_keys.DRIFT).startswith("application_categories ")


def test_values_too_few_products_lost_to_judge_are_written_at_the_end(crawler):
    refs, details = products_with_categories(MIN_PRODUCTS)
    run_pipeline(crawler, refs + details)
    run_pipeline(crawler, without_categories(details))
    assert stored_categories() == [None] * MIN_PRODUCTS
    assert crawler.stats.get_value(stat_keys.DRIFT) is None


def test_a_slot_taken_by_another_product_is_released(crawler):
    other = "https://csa-iot.org/csa_product/other/"
    run_pipeline(
        crawler, [ref(page_id=0, index_in_page=1), ref(url=other, page_id=0, index_in_page=0)]
    )
    run_pipeline(crawler, [ref(page_id=0, index_in_page=0)])
    assert (models.Product.get_by_id(URL).page_id, models.Product.get_by_id(URL).index_in_page) == (
        0,
        0,
    )
    moved = models.Product.get_by_id(other)
    assert (moved.page_id, moved.index_in_page) == (None, None)


def test_a_slot_claimed_twice_in_one_batch_goes_to_the_later_card(crawler):
    other = "https://csa-iot.org/csa_product/other/"
    run_pipeline(
        crawler, [ref(url=other, page_id=0, index_in_page=0), ref(page_id=0, index_in_page=0)]
    )
    assert models.Product.get_by_id(URL).page_id == 0
    assert models.Product.get_by_id(other).page_id is None


def test_a_completed_run_moves_a_renamed_product_instead_of_delisting_it(crawler):
    renamed = "https://csa-iot.org/csa_product/wi-fi-plug-27-mini/"
    run_pipeline(crawler, [ref(certificate_id="CSA22059MAT40059-24"), detail()])
    created_at = models.Product.get_by_id(URL).created_at
    crawler.spider.listed_urls = lambda: {renamed}
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.process_item(ref(url=renamed, certificate_id="CSA22059MAT40059-24"))
    pipeline.process_item(detail(url=renamed))
    pipeline.flush()
    pipeline.run_completed(crawler.spider)
    pipeline.close_spider()
    connection.open_database(crawler.settings["DATABASE_URL"])
    (row,) = models.Product.select().dicts()
    assert (row["url"], row["created_at"], row["delisted_at"]) == (renamed, created_at, None)
    assert crawler.stats.get_value("matter/db/products/renamed") == 1
    assert crawler.stats.get_value("matter/db/products/delisted") == 0


def test_a_product_move_takes_the_row_to_the_new_address_before_its_details_are_stored(
    crawler,
):
    renamed = "https://csa-iot.org/csa_product/wi-fi-plug-27-mini/"
    run_pipeline(crawler, [ref(), detail(software_version="1.0")])
    run_pipeline(
        crawler,
        [ProductMove(url=URL, new_url=renamed), detail(url=renamed, software_version="2.0")],
    )
    assert list(models.Product.select(models.Product.url, models.Product.page_id).tuples()) == [
        (renamed, 0)
    ]
    assert models.ProductDetail.get_by_id(renamed).software_version == "2.0"
    assert models.ProductChange.get(field="url").old_value == URL


def test_vendors_are_upserted_by_vendor_id(make_crawler):
    crawler = make_crawler(DclVendorsSpider)
    crawler.spider = DclVendorsSpider.from_crawler(crawler)
    run_pipeline(crawler, [Vendor(vendor_id=0x1552, vendor_name="Tuya")])
    run_pipeline(crawler, [Vendor(vendor_id=0x1552, vendor_name="Tuya Smart")])
    assert list(
        models.Vendor.select(models.Vendor.vendor_id, models.Vendor.vendor_name).tuples()
    ) == [(0x1552, "Tuya Smart")]
    assert crawler.stats.get_value("matter/db/vendors/updated") == 1


def test_a_database_unusable_by_the_time_the_pipeline_opens_it_fails_the_run_in_one_line(
    make_crawler, tmp_path
):
    crawler = make_crawler(MatterProductsSpider, DATABASE_URL=f"sqlite:///{tmp_path}/gone/x.db")
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    pipeline = DatabasePipeline.from_crawler(crawler)
    pipeline.open_spider()
    pipeline.close_spider()
    assert pipeline.failed
    assert "unable to open database file" in crawler.stats.get_value(stat_keys.CLOSE_MESSAGE)
