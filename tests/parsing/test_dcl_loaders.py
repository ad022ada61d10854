"""The DCL ledger's loaders: each ledger key fills its column, and a JSON value of the wrong
type is left out with a warning and a count, never coerced."""

from scrapy.http import TextResponse

from matter_certis.parsing.dcl_loaders import VendorLoader
from matter_certis.spiders.dcl_vendors import DclVendorsSpider

PAGE = TextResponse("https://on.dcl.csa-iot.org/dcl/vendorinfo/vendors", body=b"{}")


def test_each_ledger_key_fills_its_column(make_spider):
    loader = VendorLoader(response=PAGE, spider=make_spider(DclVendorsSpider))
    loader.add_record({"vendorID": 4939, "vendorName": " Acme ", "creator": "cosmos1x"})
    assert dict(loader.load_item()) == {"vendor_id": 4939, "vendor_name": "Acme"}


def test_a_value_of_the_wrong_type_is_left_out_and_counted(make_spider):
    spider = make_spider(DclVendorsSpider)
    loader = VendorLoader(response=PAGE, spider=spider)
    loader.add_record({"vendorID": "4939", "vendorName": "Acme"})
    assert dict(loader.load_item()) == {"vendor_name": "Acme"}
    assert spider.crawler.stats.get_value("matter/invalid/vendor_id") == 1
