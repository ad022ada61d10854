"""The sync's planning queries (db/analysis.py) on a tmp_path database: what the listing
planner is handed (``stored_listing``: slots, listed urls, products without details), which
listing pages hold a slot no stored product fills, which details failed."""

import json

import pytest

from matter_certis.db import analysis, connection, models
from matter_certis.db.models import utc_now
from matter_certis.listing.positions import PAGE_SIZE


@pytest.fixture(autouse=True)
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'test.db'}")
    yield
    models.database.close()


def url(slot):
    return f"https://csa-iot.org/csa_product/product-{slot}/"


def stored(*slots, delisted=False, with_details=False):
    """Products at these slots (counted from the oldest)."""
    for slot in slots:
        models.Product.create(
            url=url(slot),
            page_id=slot // PAGE_SIZE,
            index_in_page=slot % PAGE_SIZE,
            delisted_at=utc_now() if delisted else None,
        )
        if with_details:
            models.ProductDetail.create(url=url(slot))


def test_a_database_that_mirrors_the_listing_misses_no_page():
    stored(*range(30))
    assert analysis.stored_listing().pages_with_missing_slots(30) == []


def test_an_empty_database_misses_every_page():
    assert analysis.stored_listing().pages_with_missing_slots(25) == [1, 2, 3]


def test_new_products_make_the_first_pages_missing():
    stored(*range(30))
    assert analysis.stored_listing().pages_with_missing_slots(30 + PAGE_SIZE + 1) == [1, 2]


def test_a_delisted_product_leaves_its_slot_missing():
    stored(*range(30))
    models.Product.update(delisted_at=utc_now()).where(models.Product.url == url(5)).execute()
    assert analysis.stored_listing().pages_with_missing_slots(30) == [3]


def test_a_listed_product_without_a_slot_is_counted_and_its_slot_is_missing():
    stored(*range(1, 12))
    models.Product.create(url=url(0))
    assert analysis.stored_listing().unplaced == 1
    assert analysis.stored_listing().missing_slots(12) == {0}


def test_slots_past_a_smaller_listing_are_neither_missing_nor_counted():
    stored(*range(1, 30))
    assert analysis.stored_listing().missing_slots(24) == {0}


def test_listed_urls_leave_out_delisted_products():
    stored(0, 1)
    stored(2, delisted=True)
    assert set(analysis.stored_listing().listed) == {url(0), url(1)}


def test_the_listed_urls_count_the_listed_products():
    stored(0, 1)
    stored(2, delisted=True)
    assert len(analysis.stored_listing().listed) == 2


def test_the_oldest_product_is_the_one_in_the_first_slot():
    stored(1, 0, 2)
    assert analysis.stored_listing().oldest == url(0)


def test_a_later_status_check_is_handed_the_oldest_product_s_slot_only():
    stored(1, 0, 2)
    later = analysis.stored_listing(every_slot=False)
    assert (later.slots, later.oldest) == ({url(0): 0}, url(0))
    assert set(later.listed) == {url(0), url(1), url(2)}


def test_products_without_details_are_the_listed_ones_never_stored():
    stored(0, with_details=True)
    stored(1)
    stored(2, delisted=True)
    assert [ref["url"] for ref in analysis.products_without_details()] == [url(1)]


def test_products_without_details_are_read_as_product_refs():
    stored(13)
    (ref,) = analysis.products_without_details()
    assert ref == {
        "url": url(13),
        "manufacturer": None,
        "model": None,
        "certificate_id": None,
        "page_id": 1,
        "index_in_page": 1,
    }


def test_products_without_details_on_some_pages_are_only_the_cards_of_these_pages():
    stored(*range(24))
    newest_page = analysis.stored_listing().without_details(total=24, pages={1})
    assert sorted(ref["url"] for ref in newest_page) == sorted(url(slot) for slot in range(12, 24))


def test_failed_details_are_the_listed_products_whose_detail_request_failed():
    stored(0, 1)
    stored(2, delisted=True)
    models.FailedRequest.create(url=url(0), kind="detail")
    models.FailedRequest.create(url=url(2), kind="detail")
    models.FailedRequest.create(url="https://csa-iot.org/csa-iot_products/page/2/", kind="list")
    assert [ref["url"] for ref in analysis.failed_details()] == [url(0)]


def run(spider, status="completed", **arguments):
    models.CrawlingResult.create(
        session_id=f"{spider}-{status}-{len(arguments)}",
        spider=spider,
        status=status,
        started_at=utc_now(),
        config_snapshot=json.dumps({"arguments": {"mode": "full", **arguments}}),
    )


def test_a_source_never_walked_to_completion_is_named():
    run("matter_products")
    run("dcl_models", status="partial")
    assert analysis.never_completed(["matter_products", "dcl_models", "dcl_compliance"]) == [
        "dcl_models",
        "dcl_compliance",
    ]


def test_a_completed_run_over_a_page_range_is_no_walk_of_the_listing():
    run("matter_products", start_page=2, end_page=3)
    assert analysis.never_completed(["matter_products"]) == ["matter_products"]


def test_ages_are_read_only_when_asked_for():
    """Which pages and details are due needs every product's ages (an incremental run's
    plan); a closing status check and the audit need none, and at 30,000 products they
    were most of what the listing read from the database took."""
    stored(0, 1, with_details=True)
    plain, aged = analysis.stored_listing(), analysis.stored_listing(ages=True)
    assert (plain.verified, plain.detail_refs, plain.detail_verified) == ({}, {}, {})
    assert (
        set(aged.verified)
        == set(aged.detail_refs)
        == set(aged.detail_verified)
        == {
            url(0),
            url(1),
        }
    )
    assert plain.slots == aged.slots and set(plain.listed) == set(aged.listed)


def test_the_audit_s_stored_slots_are_the_stored_listing_s_read_row_by_row():
    """``StoredSlots`` (the run's close) answers as ``stored_listing()`` does, without
    holding every url: delisted products and products without a slot are left out."""
    stored(*range(1, 30), with_details=True)
    stored(40, delisted=True)
    models.Product.create(url=url(0))  # listed, no slot
    models.ProductDetail.delete().where(models.ProductDetail.url == url(7)).execute()
    listing, rows = analysis.stored_listing(), analysis.StoredSlots()
    assert dict(rows.slot_rows()) == listing.slots
    assert rows.missing_slots(30) == listing.missing_slots(30) == {0}
    assert sorted(ref["url"] for ref in rows.without_details()) == [url(0), url(7)]
