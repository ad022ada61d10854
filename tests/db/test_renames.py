"""``db/renames``: which stored products only moved address, and how a product's row follows
it there (its created_at, details, dead letter and history) with a change row saying so."""

from datetime import datetime

import pytest

from matter_certis.db import connection, models, renames

OLD = "https://csa-iot.org/csa_product/plug-1/"
NEW = "https://csa-iot.org/csa_product/plug-1-mini/"
OTHER = "https://csa-iot.org/csa_product/bulb-2/"
CERTIFICATE = "CSA22059MAT40059-24"
FIRST_SEEN = datetime(2025, 1, 2, 3, 4, 5)
LATER = datetime(2025, 6, 1)


@pytest.fixture(autouse=True)
def database(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'renames.db'}")
    yield
    connection.close()


def product(url, certificate_id=CERTIFICATE, created_at=FIRST_SEEN, **values):
    models.Product.insert(
        url=url, certificate_id=certificate_id, created_at=created_at, **values
    ).execute()


def detail(url, **values):
    models.ProductDetail.insert(url=url, **values).execute()


def move(old=OLD, new=NEW):
    with models.database.atomic():
        return renames.move_product(old, new, "sync-2")


def test_a_gone_product_whose_certificate_id_a_newer_card_shows_was_renamed():
    product(OLD)
    product(NEW, created_at=LATER)
    assert renames.renamed_products({NEW}) == [(OLD, NEW)]


def test_the_certificate_id_matches_trimmed_and_in_any_case():
    product(OLD, certificate_id=f" {CERTIFICATE.lower()} ")
    product(NEW, created_at=LATER)
    assert renames.renamed_products({NEW}) == [(OLD, NEW)]


def test_the_details_certificate_id_counts_when_the_card_shows_none():
    product(OLD, certificate_id=None)
    detail(OLD, certificate_id=CERTIFICATE)
    product(NEW, created_at=LATER)
    assert renames.renamed_products({NEW}) == [(OLD, NEW)]


def test_a_product_still_listed_was_not_renamed():
    product(OLD)
    product(NEW, created_at=LATER)
    assert renames.renamed_products({OLD, NEW}) == []


def test_a_card_older_than_the_gone_product_is_another_product():
    product(OLD, created_at=LATER)
    product(NEW)
    assert renames.renamed_products({NEW}) == []


def test_products_without_certificate_id_are_never_matched():
    product(OLD, certificate_id=None)
    product(NEW, certificate_id=" ", created_at=LATER)
    assert renames.renamed_products({NEW}) == []


def test_a_certificate_id_two_listed_products_share_proves_nothing():
    product(OLD)
    product(NEW, created_at=LATER)
    product(OTHER, created_at=LATER)
    assert renames.renamed_products({NEW, OTHER}) == []


def test_a_delisted_product_is_not_matched_again():
    product(OLD, delisted_at=LATER)
    product(NEW, created_at=LATER)
    assert renames.renamed_products({NEW}) == []


def test_the_row_moves_to_the_new_address_keeping_its_created_at_and_slot():
    product(OLD, model="Plug", page_id=3, index_in_page=7)
    detail(OLD, model="Plug", page_id=3, index_in_page=7)
    assert move()
    (row,) = models.Product.select().dicts()
    assert (row["url"], row["model"], row["created_at"]) == (NEW, "Plug", FIRST_SEEN)
    assert (row["page_id"], row["index_in_page"]) == (3, 7)
    (details,) = models.ProductDetail.select().dicts()
    assert (details["url"], details["model"], details["page_id"]) == (NEW, "Plug", 3)


def test_a_stored_new_address_keeps_its_card_and_details_and_takes_the_older_created_at():
    product(OLD, model="Plug")
    detail(OLD, software_version="1.0")
    product(NEW, model="Plug Mini", created_at=LATER, page_id=3, index_in_page=7)
    detail(NEW, software_version="2.0", page_id=3, index_in_page=7)
    move()
    (row,) = models.Product.select().dicts()
    assert (row["url"], row["model"], row["created_at"], row["page_id"]) == (
        NEW,
        "Plug Mini",
        FIRST_SEEN,
        3,
    )
    assert [d["software_version"] for d in models.ProductDetail.select().dicts()] == ["2.0"]


def test_details_that_differ_at_the_new_address_are_recorded_as_changes():
    product(OLD)
    detail(OLD, software_version="1.0", vid=0x1552, page_id=None)
    product(NEW, created_at=LATER)
    detail(NEW, software_version="2.0", vid=0x1552, page_id=3)
    move()
    assert list(
        models.ProductChange.select(
            models.ProductChange.field,
            models.ProductChange.old_value,
            models.ProductChange.new_value,
        ).tuples()
    ) == [("url", OLD, NEW), ("software_version", "1.0", "2.0")]


def test_the_old_details_follow_when_the_new_address_has_none():
    product(OLD)
    detail(OLD, software_version="1.0")
    product(NEW, created_at=LATER)
    move()
    assert list(models.ProductDetail.select(models.ProductDetail.url).tuples()) == [(NEW,)]


def test_a_change_row_records_the_move_and_the_history_follows():
    product(OLD)
    models.ProductChange.insert(
        url=OLD, field="software_version", old_value="1.0", new_value="1.1", session_id="sync-1"
    ).execute()
    move()
    assert list(
        models.ProductChange.select(
            models.ProductChange.url,
            models.ProductChange.field,
            models.ProductChange.old_value,
            models.ProductChange.new_value,
            models.ProductChange.session_id,
        )
        .order_by(models.ProductChange.id)
        .tuples()
    ) == [
        (NEW, "software_version", "1.0", "1.1", "sync-1"),
        (NEW, "url", OLD, NEW, "sync-2"),
    ]


def test_the_dead_letter_follows_the_product():
    product(OLD)
    models.FailedRequest.insert(url=OLD, kind="detail", error_type="HTTP 500").execute()
    move()
    assert list(models.FailedRequest.select(models.FailedRequest.url).tuples()) == [(NEW,)]


def test_nothing_stored_at_the_old_address_moves_nothing():
    product(NEW)
    assert not move()
    assert models.ProductChange.select().count() == 0
