"""NULL text values that no product page really holds, with a warning naming the page."""

import logging

from itemadapter import ItemAdapter

from matter_certis.items import ProductDetail, ProductRef
from matter_certis.run import stat_keys

logger = logging.getLogger(__name__)

# Longest plausible text per field; the description alone may be long.
MAX_LENGTH = {
    "description": 20_000,
    "url": 2_000,
    "compliance_document_url": 2_000,
}
DEFAULT_MAX_LENGTH = 500


class PlausibleValuesPipeline:
    """A text value longer than any real one (a page gone wrong) or holding undecodable
    bytes (U+FFFD after decoding) is replaced by NULL: a warning, ``matter/invalid/<field>``
    in the stats, never a wrong value stored. Items of the site's pages only: a ledger
    record's strings are the ledger's data, stored as it holds them."""

    def __init__(self, stats):
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler.stats)

    def process_item(self, item):
        if not isinstance(item, (ProductRef, ProductDetail)):
            return item
        adapter = ItemAdapter(item)
        for field, value in adapter.items():
            if isinstance(value, str) and (problem := self.problem(field, value)):
                logger.warning("Invalid %s on %s: %s", field, adapter.get("url"), problem)
                self.stats.inc_value(stat_keys.invalid(field))
                adapter[field] = None
        return item

    @staticmethod
    def problem(field, value):
        limit = MAX_LENGTH.get(field, DEFAULT_MAX_LENGTH)
        if len(value) > limit:
            return f"{len(value)} characters (at most {limit})"
        if "\ufffd" in value:
            return "undecodable bytes"
        return None
