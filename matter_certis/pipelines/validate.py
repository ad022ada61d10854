"""Drop items that cannot be stored (no key), with a one-line reason counted in the stats."""

from itemadapter import ItemAdapter
from scrapy.exceptions import DropItem

from matter_certis.items import (
    COMPLIANCE_KEY,
    VERSION_KEY,
    DclCompliance,
    DclModel,
    DclModelVersion,
    Vendor,
)
from matter_certis.run import stat_keys

# The key of each kind of item; the rest have a url.
KEYS = {
    Vendor: ("vendor_id",),
    DclModel: ("vid", "pid"),
    DclCompliance: COMPLIANCE_KEY,
    DclModelVersion: VERSION_KEY,
}


class ValidatePipeline:
    """Refuses items without their key: a url (``KEYS`` for vendors and ledger records).

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
        adapter = ItemAdapter(item)
        for key in KEYS.get(type(item), ("url",)):
            if adapter.get(key) in (None, ""):
                self.stats.inc_value(stat_keys.dropped(f"no_{key}"))
                raise DropItem(f"{type(item).__name__} without {key}")
        return item
