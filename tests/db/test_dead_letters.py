"""The dead-letter list (db/dead_letters.py): what leaves it, and when."""

import pytest

from matter_certis.db import connection, dead_letters, models
from matter_certis.db.models import utc_now

LISTED = "https://csa-iot.org/csa_product/listed/"
DELISTED = "https://csa-iot.org/csa_product/delisted/"
LISTING_PAGE = "https://csa-iot.org/csa-iot_products/?paged=2"


@pytest.fixture(autouse=True)
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'test.db'}")
    yield
    models.database.close()


def failed_urls():
    return {url for (url,) in models.FailedRequest.select(models.FailedRequest.url).tuples()}


def test_the_failed_details_of_delisted_products_are_settled():
    """No run asks for a delisted product's detail again: its dead letter is closed."""
    models.Product.create(url=LISTED)
    models.Product.create(url=DELISTED, delisted_at=utc_now())
    for url in (LISTED, DELISTED):
        models.FailedRequest.create(url=url, kind="detail")
    models.FailedRequest.create(url=LISTING_PAGE, kind="list")
    dead_letters.clear_delisted_details()
    assert failed_urls() == {LISTED, LISTING_PAGE}
