"""``store.save_rows``: what it records in ``product_changes`` without ``track_changes``."""

from datetime import datetime

import pytest

from matter_certis.db import connection, models, store

URL = "https://csa-iot.org/csa_product/plug-1/"
DELISTED_AT = datetime(2026, 1, 2, 3, 4, 5)


@pytest.fixture
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'store.db'}")
    yield
    connection.close()


def product(**values):
    return store.row_for(models.Product, {"url": URL, "model": "Plug", **values})


def save(row):
    with models.database.atomic():
        return store.save_rows(models.Product, [row], session_id="sync-2")


def changes():
    return list(
        models.ProductChange.select(
            models.ProductChange.url,
            models.ProductChange.field,
            models.ProductChange.old_value,
            models.ProductChange.new_value,
            models.ProductChange.session_id,
        ).dicts()
    )


def test_a_product_back_on_the_listing_is_recorded_as_delisted_at_cleared(database):
    save(product(delisted_at=DELISTED_AT))
    save(product())
    assert changes() == [
        {
            "url": URL,
            "field": "delisted_at",
            "old_value": str(DELISTED_AT),
            "new_value": None,
            "session_id": "sync-2",
        }
    ]


def test_a_listed_product_seen_again_records_nothing(database):
    save(product(page_id=1, index_in_page=0))
    save(product(page_id=1, index_in_page=1))
    assert changes() == []
