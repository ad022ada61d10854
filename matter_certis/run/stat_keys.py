"""The run's stats keys, each named once: one module writes a key and
another reads it (the run record, Progress, the Spidermon monitors and message), so a key
spelt two ways would be a count silently lost. Named ``stat_keys``, not ``stats``: that is
every component's name for the crawler's stats collector."""

# The verdict (RunRecord), read by the Spidermon monitors and message.
STATUS = "matter/status"
STATUS_REASON = "matter/status_reason"
# The first message of ``verdict.fail``, read into the run record.
CLOSE_MESSAGE = "matter/close_message"

# Scrapy's count of feeds not written, per storage (``<prefix><storage class>``), counted
# the same way by Feeds, which keeps the first one's reason; both read by the run record.
FEEDS_FAILED = "feedexport/failed_count/"
FEED_FAILURE = "matter/feed_failure"

# The listing's plan and progress (the spider), read by Progress and the run record.
PAGES_PLANNED = "matter/plan/pages"
PAGES_READ = "matter/pages/read"
# Listing pages and details read again only because their verification was the oldest.
PAGES_REVERIFIED = "matter/fresh/pages"
DETAILS_REVERIFIED = "matter/fresh/details"
# Listing pages read again because they were not whole, read by the run record.
INCOMPLETE_PAGES = "matter/incomplete_pages"

# What DatabasePipeline found and wrote: fields the re-read products had that came back
# empty, and products delisted (both read by the run record); products that moved address,
# changed values recorded.
DRIFT = "matter/drift"
DELISTED = "matter/db/products/delisted"
RENAMED = "matter/db/products/renamed"
DB_CHANGES = "matter/db/changes"

# The DCL walks (DclWalkSpider), for the stats dump: pages read, records refused.
DCL_PAGES = "dcl/pages"
DCL_REFUSED = "dcl/records_refused"

# How the site was treated, for the stats dump.
RETRY_WAIT_SECONDS = "matter/retry/wait_seconds"
RETRIES_DROPPED_AT_STOP = "matter/retry/dropped_at_stop"
BREAKER_TRIPS = "matter/breaker/trips"

# scrapy-deltafetch's names, kept by CommittedDeltaFetch.
DELTAFETCH_SKIPPED = "deltafetch/skipped"
DELTAFETCH_STORED = "deltafetch/stored"


def unusable(kind):
    """Responses of ``kind`` (``list``, ``detail``, ``card``...) that held no usable page."""
    return f"matter/unusable/{kind}"


def invalid(field):
    """Values of ``field`` that broke its format and were stored as NULL."""
    return f"matter/invalid/{field}"


def conflict(field):
    """Pages that showed two different values for ``field`` (the first was kept)."""
    return f"matter/conflict/{field}"


def dropped(reason):
    """Items dropped for ``reason`` (``no_url``, ``no_vendor_id``...)."""
    return f"matter/dropped/{reason}"


def rows(table, outcome):
    """Rows of ``table`` the database pipeline ``added``, ``updated``, ``moved``, left
    ``unchanged`` or marked ``removed``."""
    return f"matter/db/{table}/{outcome}"
