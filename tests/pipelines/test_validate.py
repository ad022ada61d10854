"""ValidatePipeline: it drops only an item it cannot store (no key), never one for its values."""

import pytest
from scrapy.exceptions import DropItem

from matter_certis.items import ProductDetail, ProductRef, Vendor
from matter_certis.pipelines.validate import ValidatePipeline
from matter_certis.spiders.matter_products import MatterProductsSpider

URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"


@pytest.fixture
def crawler(make_crawler):
    crawler = make_crawler(MatterProductsSpider)
    crawler.spider = MatterProductsSpider.from_crawler(crawler)
    return crawler


@pytest.fixture
def validate(crawler):
    return ValidatePipeline.from_crawler(crawler)


def test_validate_keeps_a_good_detail(validate):
    item = ProductDetail(url=URL, certificate_id="CSA22059MAT40059-24", vid=0x1552)
    assert validate.process_item(item) is item


def test_validate_drops_an_item_without_url(validate, crawler):
    with pytest.raises(DropItem, match="ProductRef without url"):
        validate.process_item(ProductRef(model="Plug"))
    assert crawler.stats.get_value("matter/dropped/no_url") == 1


@pytest.mark.parametrize(
    "certificate_id",
    [None, "CSA23066SWC60117-M3", "12345"],
    ids=["none (a CSA test product)", "software component", "any other shape"],
)
def test_validate_keeps_a_detail_whatever_its_certificate_id(validate, crawler, certificate_id):
    item = ProductDetail(url=URL, certificate_id=certificate_id)
    assert validate.process_item(item) is item
    assert crawler.stats.get_value("matter/dropped/bad_certificate_id") is None


def test_validate_keeps_a_ref_without_certificate_id(validate):
    item = ProductRef(url=URL, manufacturer="Tuya", model="Plug")
    assert validate.process_item(item) is item


def test_validate_drops_a_vendor_without_vendor_id(validate, crawler):
    with pytest.raises(DropItem, match="Vendor without vendor_id"):
        validate.process_item(Vendor(vendor_name="Acme"))
    assert crawler.stats.get_value("matter/dropped/no_vendor_id") == 1
