"""Drop items that cannot be stored (no key), with a one-line reason counted in the stats."""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from matter_certis.items import Vendor


class ValidatePipeline:
    """Refuses items without their key: a url (a vendor id for vendors).

    Nothing else is a reason to drop: a listed product is stored whatever its values (a
    certificate id of any shape, or none); a value that breaks its format was already
    NULLed with a warning by the loader.
    """

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        key = "vendor_id" if isinstance(item, Vendor) else "url"
        if ItemAdapter(item).get(key) in (None, ""):
            self.stats.inc_value(f"matter/dropped/no_{key}")
            raise DropItem(f"{type(item).__name__} without {key}")
        return item
