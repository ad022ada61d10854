"""The DCL ledger's loaders: each ledger key fills its column, strings as the ledger holds
them (trimmed at both ends only), and a value its rule refuses is noted for the spider to
refuse the whole record, never coerced."""

from scrapy.http import TextResponse

from matter_certis.parsing.dcl_loaders import DclComplianceLoader, VendorLoader
from matter_certis.spiders.dcl_vendors import DclVendorsSpider

PAGE = TextResponse("https://on.dcl.csa-iot.org/dcl/vendorinfo/vendors", body=b"{}")


def test_each_ledger_key_fills_its_column(make_spider):
    loader = VendorLoader(response=PAGE, spider=make_spider(DclVendorsSpider))
    loader.add_record({"vendorID": 4939, "vendorName": " Acme ", "creator": "cosmos1x"})
    assert dict(loader.load_item()) == {"vendor_id": 4939, "vendor_name": "Acme"}
    assert loader.refusals == []


def test_inner_double_and_no_break_spaces_are_kept(make_spider):
    loader = VendorLoader(response=PAGE, spider=make_spider(DclVendorsSpider))
    name = "Giant\u00a0Lighting  Technology"
    loader.add_record({"vendorID": 4939, "companyLegalName": f"\u00a0{name} "})
    assert loader.load_item()["company_legal_name"] == name


def test_a_value_of_the_wrong_type_is_noted_by_its_ledger_key(make_spider):
    loader = VendorLoader(response=PAGE, spider=make_spider(DclVendorsSpider))
    loader.add_record({"vendorID": "4939", "vendorName": "Acme"})
    assert dict(loader.load_item()) == {"vendor_name": "Acme"}
    assert loader.refusals == [("vendorID", "not a JSON integer: '4939'")]


def test_every_refused_value_of_a_record_is_noted(make_spider):
    loader = DclComplianceLoader(response=PAGE, spider=make_spider(DclVendorsSpider))
    loader.add_record(
        {
            "vid": 1,
            "pid": 2,
            "softwareVersionCertificationStatus": "3",
            "date": "2024/01/02",
            "cDCertificateId": 12345,
        }
    )
    loader.load_item()
    assert [key for key, _ in loader.refusals] == [
        "cDCertificateId",
        "softwareVersionCertificationStatus",
        "date",
    ]
