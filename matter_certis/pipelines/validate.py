"""Drop items that must not be stored, with a one-line reason counted in the stats."""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from matter_certis.items import ProductDetail, Vendor
from matter_certis.normalize import is_csa_certificate_id


class ValidatePipeline:
    """Refuses items without their key (a url; a vendor id for vendors) and details whose
    certificate id is not a CSA id."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        adapter = ItemAdapter(item)
        key = "vendor_id" if isinstance(item, Vendor) else "url"
        if adapter.get(key) in (None, ""):
            self.drop(f"no_{key}", f"{type(item).__name__} without {key}")
        if isinstance(item, ProductDetail):
            certificate_id = adapter.get("certificate_id")
            if not is_csa_certificate_id(certificate_id):
                self.drop(
                    "bad_certificate_id",
                    f"certificate id {certificate_id!r} is not a CSA id on {adapter['url']}",
                )
        return item

    def drop(self, reason, message):
        self.stats.inc_value(f"matter/dropped/{reason}")
        raise DropItem(message)
