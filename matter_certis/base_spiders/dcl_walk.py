"""The walk every DCL spider makes: one Cosmos SDK list endpoint read page by page, following
``pagination.next_key`` until it is empty."""

import re
from urllib.parse import quote

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from matter_certis.base_spiders import setting_checks
from matter_certis.base_spiders.base import ProjectSpider
from matter_certis.base_spiders.ledger_records import LedgerRecords, json_object
from matter_certis.db import analysis
from matter_certis.exceptions import MalformedPage
from matter_certis.run import stat_keys, verdict

_COUNT = re.compile(r"[0-9]+")
# A walk that finds fewer records than this share of those stored is no answer to trust:
# the ledger's lists only grow but for a rare withdrawal.
PLAUSIBLE_SHARE = 0.9


class DclWalkSpider(LedgerRecords, ProjectSpider):
    """Reads ``{DCL_BASE_URL}{path}`` page by page, ``DCL_PAGE_LIMIT`` records a page,
    following ``pagination.next_key`` (base64, so URL-encoded) until it is null or empty.

    The first page asks for ``pagination.count_total``; when the ledger announces a
    ``total`` (a count as a string), the walk must read exactly that many records. Anything
    else ends the run ``failed`` with one error line, the records read so far kept:

    - a page that failed after all retries: ``dcl_failed``;
    - an answer that is not a page (not JSON, no record list, ``pagination`` or its
      ``next_key`` missing or of the wrong type): ``dcl_malformed``, nothing of it stored;
    - a ``next_key`` that came before: ``dcl_key_loop``;
    - an empty page that names a next page (a ledger that would be walked forever):
      ``dcl_empty_page``;
    - more records than ``total``, or fewer when the walk ends: ``dcl_total_mismatch``;
    - fewer records (announced, or read by the end) than ``PLAUSIBLE_SHARE`` of those the
      table holds, an empty answer included: ``dcl_implausible``, nothing of it stored when
      the count announced it.

    Subclasses name the endpoint (``path``), the page's record list (``records_key``), the
    item (``item_class``) and the table it fills (``table``), and what ``LedgerRecords``
    needs to load a record or refuse it whole.
    ``walk_complete`` turns true when the last page is read and the count matches: only
    then may the database take a record the walk did not see as gone from the ledger.
    """

    records_key = item_class = table = None
    # Nothing to skip: deltafetch remembers detail pages of products only.
    custom_settings = {"DELTAFETCH_ENABLED": False}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.keys_seen = set()
        self.pages_read = 0
        self.records_read = 0
        self.records_kept = 0
        self.total = None
        self.stored = 0
        self.walk_complete = False

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        setting_checks.whole_number(settings, "DCL_PAGE_LIMIT", 1)

    def page_request(self, key=None):
        """The page after ``key``; the first page (no key) asks for the total count."""
        url = self.base_url() + self.path
        url += f"?pagination.limit={self.settings.getint('DCL_PAGE_LIMIT')}"
        url += f"&pagination.key={quote(key, safe='')}" if key else "&pagination.count_total=true"
        return scrapy.Request(url, callback=self.parse, errback=self.page_failed)

    async def start(self):
        yield self.page_request()

    def parse(self, response):
        """One page: its records, then the next page unless the walk is over."""
        try:
            records, next_key, total = self.read_page(response)
        except MalformedPage as error:
            raise self.give_up(
                "dcl_malformed", f"DCL {self.noun} page {response.url} is malformed ({error})"
            ) from None
        if self.pages_read == 0:
            # Later pages carry no count: the gateway counts only on a walk's first page.
            self.total = total
            self.stored = analysis.on_ledger_count(self.table)
            if total is not None:
                self.check_plausible(total, f"the ledger announced {total} on {response.url}")
        self.pages_read += 1
        self.crawler.stats.inc_value(stat_keys.DCL_PAGES)
        for place, record in enumerate(records, start=1):
            loaded = self.load(response, record, place)
            self.records_kept += isinstance(loaded, self.item_class)
            yield loaded
        self.records_read += len(records)
        if self.total is not None and self.records_read > self.total:
            raise self.give_up(
                "dcl_total_mismatch",
                f"DCL {self.noun} walk read {self.records_read} records by {response.url}, "
                f"more than the {self.total} the ledger announced",
            )
        if not next_key:
            self.last_page(response)
            return
        if not records:
            raise self.give_up(
                "dcl_empty_page",
                f"DCL {self.noun} page {response.url} is empty but names a "
                f"next page (next_key {next_key!r})",
            )
        if next_key in self.keys_seen:
            raise self.give_up(
                "dcl_key_loop",
                f"DCL {self.noun} pages loop: next_key {next_key!r} came back on {response.url}",
            )
        self.keys_seen.add(next_key)
        yield self.page_request(next_key)

    def last_page(self, response):
        """The walk ends here: complete if the count matches and is plausible."""
        if self.total is not None and self.records_read != self.total:
            raise self.give_up(
                "dcl_total_mismatch",
                f"DCL {self.noun} walk ended on {response.url} after "
                f"{self.records_read} records, but the ledger announced {self.total}",
            )
        self.check_plausible(self.records_read, f"the walk ended on {response.url}")
        self.logger.info(
            "DCL walk complete: %d %s records (the ledger counts %s)",
            self.records_read,
            self.noun,
            self.total,
        )
        self.walk_complete = True

    def check_plausible(self, count, where):
        """Give up on a walk of ``count`` records, far fewer than the table holds."""
        if count < self.stored * PLAUSIBLE_SHARE:
            raise self.give_up(
                "dcl_implausible",
                f"DCL {self.noun} walk is implausible: {count} records ({where}) against "
                f"{self.stored} stored; nothing is marked removed",
            )

    def read_page(self, response):
        """``(records, next_key, total)`` of a page; ``MalformedPage`` if it is not one."""
        page = json_object(response)
        records = page.get(self.records_key)
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise MalformedPage(f"{self.records_key} is not a list of records")
        pagination = page.get("pagination")
        if not isinstance(pagination, dict):
            raise MalformedPage(
                f"pagination is {'missing' if pagination is None else 'not an object'}"
            )
        if "next_key" not in pagination:
            raise MalformedPage("pagination has no next_key")
        next_key = pagination["next_key"]
        if next_key is not None and not isinstance(next_key, str):
            raise MalformedPage(f"next_key is not a string: {next_key!r}")
        total = pagination.get("total")
        if total is not None and not (isinstance(total, str) and _COUNT.fullmatch(total)):
            raise MalformedPage(f"total is not a count as a string: {total!r}")
        return records, next_key, None if total is None else int(total)

    def page_failed(self, failure):
        """A page that failed after all retries ends the walk: the rest cannot be reached.

        Not raised: Scrapy would log the download error a second time, with a traceback.
        """
        why = (
            f"HTTP {failure.value.response.status}"
            if failure.check(HttpError)
            else f"{type(failure.value).__name__}: {failure.value}"
        )
        self.give_up("dcl_failed", f"DCL {self.noun} page {failure.request.url} failed ({why})")

    def give_up(self, reason, message):
        """End the run ``failed`` with one error line; returns the ``CloseSpider`` to raise."""
        return verdict.fail(
            self.crawler,
            reason,
            f"{message}; stopping, the {self.records_kept} {self.noun}s read so far are kept",
        )
