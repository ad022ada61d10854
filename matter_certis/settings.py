"""Settings for matter-certis. Every value here differs from Scrapy's default for a reason
given beside it; override any of them with ``-s NAME=value`` or per Scrapyd job."""

import os

from matter_certis.run import stat_keys

# --- Scrapy -------------------------------------------------------------------------------

BOT_NAME = "matter_certis"
SPIDER_MODULES = ["matter_certis.spiders"]
NEWSPIDER_MODULE = "matter_certis.spiders"

# Scrapy's default names Scrapy only; say who we are and where to read about us.
USER_AGENT = "matter-certis/1.0 (+https://github.com/matter-certis/matter-certis)"
# Default False in Scrapy's code (True only in the startproject template): be explicit.
ROBOTSTXT_OBEY = True

# Default 8 per domain: CSA-IoT is one site behind a CDN; stay gentle.
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# Default off: let the server's response times set the pace.
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
# Default 180 s: a page that takes a minute is not coming.
DOWNLOAD_TIMEOUT = 60
# Default 2, re-queued at once: our BackoffRetryMiddleware waits between tries (see the
# project part below), so a few more tries ride out a CDN's bad minute without hammering it.
RETRY_TIMES = 5
# Default 100: Scrapy starts that many asyncio tasks for each response's output. Our
# pipelines are synchronous, so one does the same work (measured: a quarter less CPU).
CONCURRENT_ITEMS = 1
# Default Scrapy's RFPDupeFilter, which drops a redirect to an address already fetched
# without a word: a redirect loop vanished. Ours passes redirect hops, so a loop ends at
# REDIRECT_MAX_TIMES in the errback and is listed as failed.
DUPEFILTER_CLASS = "matter_certis.dupefilter.RedirectHopsPassDupeFilter"
# Default off; keep it off: a sync must see the site as it is now.
HTTPCACHE_ENABLED = False
# Default on in Scrapy 2.19: an HTTP server that runs Python sent to it. Never wanted here.
REMOTE_CONTROL_ENABLED = False
# Default DEBUG: a line per item and request, some 38,000 for 1,200 products. Scrapy's
# startup listings and stats dump are DEBUG too (matter_certis/run/logs.py).
LOG_LEVEL = "INFO"
# Default Scrapy's: it makes a DEBUG record per response and per item even when LOG_LEVEL
# drops them; ours makes them only when DEBUG is logged (matter_certis/run/logs.py).
LOG_FORMATTER = "matter_certis.run.logs.QuietLogFormatter"
# Default on: Scrapy reads and parses the source of a generator callback to warn about a
# `return value` in it, again whenever its cache of bound methods lets one go (0.6 s of a
# 3,000-product crawl's 24 s profiled). tests/spiders/test_every_spider.py checks every
# spider's callbacks once instead.
WARN_ON_GENERATOR_RETURN_VALUE = False
# Default on: a telnet console on a local port; not needed for unattended runs.
TELNETCONSOLE_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Scrapy's RetryMiddleware re-queues at once; ours waits (backoff with jitter).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "matter_certis.downloadermiddlewares.retry.BackoffRetryMiddleware": 550,
    # Sees every raw answer before retries do.
    "matter_certis.downloadermiddlewares.breaker.CircuitBreakerMiddleware": 560,
}

SPIDER_MIDDLEWARES = {
    # scrapy-deltafetch's rules, async and commit-aware (matter_certis/spidermiddlewares/deltafetch.py).
    "matter_certis.spidermiddlewares.deltafetch.CommittedDeltaFetch": 100,
    # Not a whole page of its kind (pages.page_problem) after the retries, or a detail page
    # redirected elsewhere: to the errback, not the callback.
    "matter_certis.spidermiddlewares.page_check.PageCheckMiddleware": 50,
}
DELTAFETCH_ENABLED = True

EXTENSIONS = {
    "matter_certis.extensions.jobdir.JobDirGuard": 0,
    # Scrapy's feeds, written whole and put in place before RunRecord judges the run.
    "scrapy.extensions.feedexport.FeedExporter": None,
    "matter_certis.output.feeds.Feeds": 0,
    "matter_certis.extensions.run_record.RunRecord": 500,
    "matter_certis.extensions.progress.Progress": 600,
    # Twisted keeps the timed calls a response cancels until one of its own comes due:
    # none does under the asyncio reactor, so they piled up for the whole run.
    "matter_certis.extensions.timers.TimerPurge": 700,
    # The cyclic garbage collector: startup objects frozen, young collections rarer.
    "matter_certis.extensions.collector.CrawlCollector": 800,
    # After RunRecord: its close-time monitors read the run's verdict from the stats.
    # Spidermon's extension (run.monitors'), imported only when SPIDERMON_ENABLED (it costs
    # some 5 MB).
    "matter_certis.extensions.monitoring.SpidermonWhenEnabled": 900,
}
# Spidermon's own default, off: its report (monitors.QuietResult) adds 4 lines to every log,
# a failure in one. Turn it on to be told (docs/syncing.md, "Being told"): RunSuite
# logs the verdict; NotifyingRunSuite also posts it to SPIDERMON_DISCORD_WEBHOOK_URL when
# the run is not completed.
SPIDERMON_ENABLED = False
SPIDERMON_SPIDER_CLOSE_MONITORS = ("matter_certis.run.monitors.RunSuite",)
SPIDERMON_DISCORD_MESSAGE = (
    "matter-certis: {{ data.spider.name }} run "
    "{{ data.stats['" + stat_keys.STATUS + "'] }}: "
    "{{ data.stats['" + stat_keys.STATUS_REASON + "'] }}"
)
# Default 60 s: Scrapy's "Crawled N pages" lines; the Progress extension reports instead.
LOGSTATS_INTERVAL = 0

ITEM_PIPELINES = {
    # NULLs implausible values first, so that an implausible url or certificate id drops.
    "matter_certis.pipelines.plausible.PlausibleValuesPipeline": 150,
    "matter_certis.pipelines.validate.ValidatePipeline": 200,
    "matter_certis.pipelines.database.DatabasePipeline": 800,
}

FEED_EXPORT_ENCODING = "utf-8"
# Default: Scrapy's CSV (lists joined by ","), JSON, XML, no XLSX. Ours neutralise formula
# injection and join lists with "; ", write an empty JSON list as [], and keep XLSX and XML
# to text XML can hold (see matter_certis/output/exporters.py); dbexport uses them too.
FEED_EXPORTERS = {
    "csv": "matter_certis.output.exporters.CsvExporter",
    "json": "matter_certis.output.exporters.JsonExporter",
    "xlsx": "matter_certis.output.exporters.XlsxExporter",
    "xml": "matter_certis.output.exporters.XmlExporter",
}
# Default: Scrapy's file storage, writing in place. Ours writes beside the file and renames
# it over the earlier one at the end: whole or not at all (matter_certis/output/feeds.py).
FEED_STORAGES = {
    "": "matter_certis.output.feeds.WholeFileFeedStorage",
    "file": "matter_certis.output.feeds.WholeFileFeedStorage",
}
# Default none: feeds (-o/-O) hold one row per product (or vendor), not also refs.
ADDONS = {"matter_certis.output.exporters.FeedRows": 0}
# Default none: the database commands dbexport, dbstats, dbcheck, dbreport.
COMMANDS_MODULE = "matter_certis.commands"

# --- matter-certis ------------------------------------------------------------------------
# An environment variable of the same name replaces the default; ``-s`` still wins.

# Read by the matter_products spider: listing page 1 (page N adds ``paged=N``).
MATTER_LIST_URL = os.environ.get(
    "MATTER_LIST_URL",
    "https://csa-iot.org/csa-iot_products/?p_keywords=&p_type%5B%5D=14"
    "&p_program_type%5B%5D=1049&p_certificate=&p_family=&p_firmware_ver=",
)
# Read by the dcl_vendors spider: root of the DCL REST API.
DCL_BASE_URL = os.environ.get("DCL_BASE_URL", "https://on.dcl.csa-iot.org")
# Read by the DCL spiders: records asked for per page (``pagination.limit``); the whole
# ledger (about 5,000 models, 4,300 compliance records) is then a few dozen requests.
DCL_PAGE_LIMIT = 500
# Read by Progress: seconds between progress lines (0 turns the extension off).
MATTER_PROGRESS_INTERVAL = 10.0
# Read by DatabasePipeline: a peewee playhouse.db_url URL (sqlite:///relative.db,
# sqlite:////absolute.db, postgresql://user:password@host/name).
DATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///matter_certis.db")
# Read by DatabasePipeline: items written per transaction.
MATTER_DB_BATCH_SIZE = 100

# Read by BackoffRetryMiddleware: retry n waits base * 2**n plus jitter, at most the cap
# (or the server's Retry-After, also capped). A seed makes the jitter repeatable.
MATTER_RETRY_BASE_DELAY = 2.0
MATTER_RETRY_MAX_DELAY = 60.0
MATTER_RETRY_SEED = None

# Read by CircuitBreakerMiddleware: pause after this many transient failures in a row,
# for this many seconds; close the spider (circuit_open) after this many pauses in a row.
MATTER_BREAKER_ENABLED = True
MATTER_BREAKER_THRESHOLD = 10
MATTER_BREAKER_COOLDOWN = 60.0
MATTER_BREAKER_MAX_TRIPS = 3

# Read by MatterProductsSpider: how often a whole listing page that shows fewer cards than
# its place implies (served short) is fetched again before it is given up on. A page that is
# not whole (cut short, parts missing) is retried by BackoffRetryMiddleware (RETRY_TIMES).
MATTER_INCOMPLETE_PAGE_RETRIES = 3

# Read by MatterProductsSpider (its ListingPlanner): how many status checks may find the listing
# moved during one run before it stops reading pages again and ends partial (the next
# incremental run reads what is left).
MATTER_MOVEMENT_CHECKS = 5

# Read by MatterProductsSpider (listing/freshness.py): every stored listing slot and detail
# page is verified again at least this often by incremental runs, each run re-reading the
# share the time since the previous run is of it, oldest first. A duration <n><s|m|h|d>;
# 0 re-reads every page every run. With the defaults a daily sync of the live site (~500
# pages, ~6,000 products) re-reads about 72 listing pages and 200 details a run.
MATTER_LISTING_MAX_AGE = os.environ.get("MATTER_LISTING_MAX_AGE", "7d")
MATTER_DETAIL_MAX_AGE = os.environ.get("MATTER_DETAIL_MAX_AGE", "30d")

# Read by DclVersionsSpider: every model's versions are read again at least this often, each
# run re-reading the share of models the time since the previous run is of it (as above);
# models that are new, or whose model or compliance records changed, are read every run.
MATTER_VERSIONS_MAX_AGE = os.environ.get("MATTER_VERSIONS_MAX_AGE", "30d")
