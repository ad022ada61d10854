"""Spider ``dcl_vendors``: every vendor of the CSA's Distributed Compliance Ledger."""

import uuid
from urllib.parse import quote

import scrapy
from scrapy.exceptions import CloseSpider

from matter_certis.loaders import VendorLoader

VENDORS_PATH = "/dcl/vendorinfo/vendors"


class DclVendorsSpider(scrapy.Spider):
    """Syncs the ``vendors`` table with the DCL REST API.

    Walks ``{DCL_BASE_URL}/dcl/vendorinfo/vendors`` page by page, following
    ``pagination.next_key`` (base64, so URL-encoded) until it is null or empty; each page
    asks for ``DCL_PAGE_LIMIT`` vendors. The walk stops with an error line, vendors read so
    far kept, when the gateway repeats a key (close reason ``dcl_key_loop``), answers with
    something that is not a vendor page (``dcl_malformed``) or not at all (``dcl_failed``).
    Unknown arguments (Scrapyd's ``_job``) are accepted; ``_job`` names the session.
    """

    name = "dcl_vendors"
    # Every walk reads the whole ledger; DatabasePipeline and RunRecord read ``mode``.
    mode = "full"
    # Nothing to skip: deltafetch remembers detail pages of products only.
    custom_settings = {"DELTAFETCH_ENABLED": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session_id = kwargs.get("_job") or uuid.uuid4().hex
        self.keys_seen = set()
        self.vendors_read = 0

    def page_request(self, key=None):
        """The vendor page after ``key`` (the first page without one)."""
        url = self.settings["DCL_BASE_URL"].rstrip("/") + VENDORS_PATH
        url += f"?pagination.limit={self.settings.getint('DCL_PAGE_LIMIT')}"
        if key:
            url += f"&pagination.key={quote(key, safe='')}"
        return scrapy.Request(url, callback=self.parse, errback=self.page_failed)

    async def start(self):
        yield self.page_request()

    def parse(self, response):
        """One page: a Vendor per record, then the next page unless the walk is over."""
        try:
            page = response.json()
            records, pagination = page["vendorInfo"], page["pagination"] or {}
            if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
                raise TypeError("vendorInfo is not a list of records")
            next_key = pagination.get("next_key")
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            self.stop("dcl_malformed", "DCL vendor page %s is malformed (%s: %s)",
                      response.url, type(error).__name__, error)
        for record in records:
            loader = VendorLoader(response=response, spider=self)
            loader.add_record(record)
            self.vendors_read += 1
            yield loader.load_item()
        self.crawler.stats.inc_value("dcl/pages")
        if next_key:
            if next_key in self.keys_seen:
                self.stop("dcl_key_loop", "DCL vendor pages loop: next_key %r came back on %s",
                          next_key, response.url)
            self.keys_seen.add(next_key)
            yield self.page_request(next_key)
        else:
            self.logger.info("DCL walk complete: %d vendors (the ledger counts %s)",
                             self.vendors_read, pagination.get("total"))

    def page_failed(self, failure):
        """A page that failed after all retries ends the walk: the rest cannot be reached."""
        self.stop("dcl_failed", "DCL vendor page %s failed: %s", failure.request.url, failure.value)

    def stop(self, reason, message, *args):
        self.logger.error(message + "; stopping, the %d vendors read so far are kept",
                          *args, self.vendors_read)
        raise CloseSpider(reason)
