"""How fresh the stored listing and details are (db/freshness.py) and dbcheck's check of it,
on a tmp_path database."""

from datetime import timedelta

import pytest

from matter_certis.db import checks, connection, models
from matter_certis.db.freshness import freshness
from matter_certis.db.models import utc_now

DAY = 86400
NOW = utc_now()


@pytest.fixture(autouse=True)
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'test.db'}")
    yield
    connection.close()


def stored(slot, listing_days_ago, detail_days_ago=None):
    url = f"https://csa-iot.org/csa_product/product-{slot}/"
    listing = None if listing_days_ago is None else NOW - timedelta(days=listing_days_ago)
    models.Product.create(url=url, page_id=slot // 12, index_in_page=slot % 12, verified_at=listing)
    if detail_days_ago is not None:
        models.ProductDetail.create(url=url, verified_at=NOW - timedelta(days=detail_days_ago))


def test_the_listing_and_details_are_judged_against_their_own_max_age():
    stored(0, 1, detail_days_ago=40)
    stored(1, 8, detail_days_ago=2)
    stored(2, 20)
    listing, details = freshness(NOW, 7 * DAY, 30 * DAY)
    assert (listing.count, listing.past, listing.long_past) == (3, 2, 1)
    assert listing.oldest == NOW - timedelta(days=20)
    assert (details.count, details.past, details.long_past) == (2, 1, 0)


def test_slots_stored_before_verified_at_existed_are_never_verified_not_past():
    stored(0, None)
    (listing, _) = freshness(NOW, 7 * DAY, 30 * DAY)
    assert (listing.never, listing.past, listing.oldest) == (1, 0, None)


def test_dbcheck_fails_on_what_is_past_its_max_age_by_more_than_one_max_age():
    stored(0, 15)
    stored(1, 13)
    problem = checks.stale(freshness(NOW, 7 * DAY, 30 * DAY))
    assert problem.count == 1
    assert problem.examples[0].startswith("1 listing slots last verified more than 14 days")


def test_dbcheck_passes_a_database_within_its_max_ages():
    stored(0, 6, detail_days_ago=29)
    assert checks.stale(freshness(NOW, 7 * DAY, 30 * DAY)).count == 0
