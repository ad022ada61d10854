"""Loaders look each field's processors up once per loader class (issue 12: the lookup on
every value cost as much as the processing); each class keeps its own."""

from scrapy.http import HtmlResponse

from matter_certis.parsing.loaders import ProductDetailLoader, ProductRefLoader

PAGE = HtmlResponse(
    "https://csa-iot.org/csa_product/x/", body=b"<html><h1>X</h1></html>", encoding="utf-8"
)


def test_a_field_processor_is_looked_up_once_per_loader_class():
    first = ProductDetailLoader(response=PAGE).get_input_processor("vid")
    assert ProductDetailLoader(response=PAGE).get_input_processor("vid") is first


def test_each_loader_class_keeps_its_own_processors():
    """A card's certificate id drops its label; a detail page's field has none to drop."""
    card = ProductRefLoader(response=PAGE)
    card.add_value("certificate_id", "Certificate ID: CSA22001MAT40001-24")
    page = ProductDetailLoader(response=PAGE)
    page.add_value("certificate_id", "Certificate ID: CSA22001MAT40001-24")
    assert card.load_item()["certificate_id"] == "CSA22001MAT40001-24"
    assert page.load_item()["certificate_id"] == "Certificate ID: CSA22001MAT40001-24"
