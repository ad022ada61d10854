"""Spider ``dcl_vendors``: every vendor of the CSA's Distributed Compliance Ledger."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.items import Vendor
from matter_certis.parsing.dcl_loaders import VendorLoader


class DclVendorsSpider(DclWalkSpider):
    """Syncs the ``vendors`` table with ``{DCL_BASE_URL}/dcl/vendorinfo/vendors``; how the
    walk goes and how it ends is ``DclWalkSpider``'s. A record without a usable
    ``vendorID`` (missing, or not a JSON integer 0..0xFFFF) has no key to be stored under:
    it is refused."""

    name = "dcl_vendors"
    path = "/dcl/vendorinfo/vendors"
    records_key = "vendorInfo"
    noun = "vendor"
    item_class = Vendor

    def load(self, response, record):
        loader = VendorLoader(response=response, spider=self)
        loader.add_record(record)
        vendor = loader.load_item()
        if vendor.get("vendor_id") is None:
            self.refuse(response, f"no usable vendorID: {record.get('vendorID')!r}")
            return None
        return vendor
