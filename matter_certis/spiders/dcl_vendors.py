"""Spider ``dcl_vendors``: every vendor of the CSA's Distributed Compliance Ledger."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.db import models
from matter_certis.items import Vendor
from matter_certis.parsing.dcl_loaders import VendorLoader


class DclVendorsSpider(DclWalkSpider):
    """Syncs the ``vendors`` table with ``{DCL_BASE_URL}/dcl/vendorinfo/vendors``; how the
    walk goes, which records it refuses and how it ends is ``DclWalkSpider``'s. The key is
    ``vendorID`` (a JSON integer 0..0xFFFF)."""

    name = "dcl_vendors"
    path = "/dcl/vendorinfo/vendors"
    records_key = "vendorInfo"
    noun = "vendor"
    item_class = Vendor
    loader_class = VendorLoader
    table = models.Vendor
    key = ("vendor_id",)
