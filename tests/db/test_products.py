"""The product filters of ``dbsearch`` and ``dbexport`` (db/products.py) ignore case in every
language's letters, on SQLite (whose own ``LIKE`` folds ASCII only) and on PostgreSQL."""

import pytest

from matter_certis.db import connection, models, products

URL = "https://csa-iot.org/csa_product/lampe-1/"
OTHER_URL = "https://csa-iot.org/csa_product/plug-2/"


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'products.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
    connection.open_database(url)
    models.Vendor.create(vendor_id=0xFFF1, vendor_name="Société Lumière & Cie")
    models.Product.create(url=URL, page_id=1, index_in_page=0)
    models.ProductDetail.create(
        url=URL,
        vid=0xFFF1,
        manufacturer="ÖKOSTRØM AS",
        model="Ампула Ε27",
        device_type="éclairage dimmable",
        certificate_id="CSA-ÆØÅ-100%",
    )
    models.Product.create(url=OTHER_URL, page_id=1, index_in_page=1, model="Plug 100")
    yield
    connection.close()


def found(**filters):
    return [row["url"] for row in products.product_rows(**filters)]


def test_vendor_in_capitals_with_accents_finds_the_vendor(database):
    assert found(vendor="SOCIÉTÉ LUMIÈRE") == [URL]


def test_vendor_in_small_letters_finds_a_manufacturer_written_in_capitals(database):
    assert found(vendor="ökostrøm") == [URL]


def test_text_folds_cyrillic_and_greek_letters(database):
    assert found(text="ампула ε27") == [URL]


def test_device_type_folds_accented_capitals(database):
    assert found(device_type="ÉCLAIRAGE DIMMABLE") == [URL]


def test_certificate_folds_letters_and_takes_a_percent_sign_literally(database):
    assert found(certificate="æøå-100%") == [URL]
    assert found(certificate="100") == [URL]
    assert found(certificate="1%0") == []


def test_a_filter_that_matches_nothing_finds_nothing(database):
    assert found(vendor="Lumiere") == []
