"""Settings: every one the project reads, and Scrapy's whose bad values hang or mislead, is
checked before the first request; a bad one stops the run with one line naming it, exit
code 2, nothing written and no request sent."""

import pytest
from scrapy.settings import Settings
from scrapy.utils.project import get_project_settings

from matter_certis.db import connection
from matter_certis.exceptions import DatabaseUnavailable, SettingError
from matter_certis.spiders.dcl_compliance import DclComplianceSpider
from matter_certis.spiders.dcl_models import DclModelsSpider
from matter_certis.spiders.dcl_vendors import DclVendorsSpider
from matter_certis.spiders.dcl_versions import DclVersionsSpider
from matter_certis.spiders.matter_products import MatterProductsSpider
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, rows

SPIDERS = (
    MatterProductsSpider,
    DclVendorsSpider,
    DclModelsSpider,
    DclComplianceSpider,
    DclVersionsSpider,
)
DCL_SPIDERS = SPIDERS[1:]
WALKS = SPIDERS[1:4]


def settings(**overrides):
    """The project's settings with ``overrides``, given as ``-s NAME=value`` gives them."""
    project = Settings(get_project_settings().copy_to_dict())
    project.setdict(overrides, priority="cmdline")
    return project


# (setting, bad value, the spiders that read it, what the line says after "NAME: ")
BAD_SETTINGS = [
    ("CONCURRENT_REQUESTS", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("CONCURRENT_REQUESTS_PER_DOMAIN", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("CONCURRENT_REQUESTS_PER_IP", "-1", SPIDERS, "expected a whole number from 0, got '-1'"),
    ("CONCURRENT_ITEMS", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("RETRY_TIMES", "many", SPIDERS, "expected a whole number from 0, got 'many'"),
    ("DOWNLOAD_TIMEOUT", "0", SPIDERS, "expected a number of seconds above 0, got '0'"),
    ("MATTER_DB_BATCH_SIZE", "abc", SPIDERS, "expected a whole number from 1, got 'abc'"),
    ("MATTER_DB_BATCH_SIZE", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("MATTER_DB_BATCH_SIZE", "2.5", SPIDERS, "expected a whole number from 1, got '2.5'"),
    ("MATTER_PROGRESS_INTERVAL", "-5", SPIDERS, "expected a number of seconds from 0, got '-5'"),
    ("MATTER_RETRY_BASE_DELAY", "fast", SPIDERS, "expected a number of seconds from 0"),
    ("MATTER_RETRY_MAX_DELAY", "inf", SPIDERS, "expected a number of seconds from 0"),
    ("MATTER_BREAKER_ENABLED", "maybe", SPIDERS, "expected True or False, got 'maybe'"),
    ("MATTER_BREAKER_THRESHOLD", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("MATTER_BREAKER_COOLDOWN", "-1", SPIDERS, "expected a number of seconds from 0"),
    ("MATTER_BREAKER_MAX_TRIPS", "0", SPIDERS, "expected a whole number from 1, got '0'"),
    ("MATTER_LIST_URL", "notaurl", SPIDERS[:1], "expected an http:// or https:// address"),
    ("MATTER_LIST_URL", "ftp://csa-iot.org/x/", SPIDERS[:1], "expected an http:// or https://"),
    ("MATTER_LIST_URL", "https://", SPIDERS[:1], "expected an http:// or https:// address"),
    ("MATTER_LIST_URL", "http://host:port/", SPIDERS[:1], "expected an http:// or https://"),
    ("MATTER_INCOMPLETE_PAGE_RETRIES", "-1", SPIDERS[:1], "expected a whole number from 0"),
    ("MATTER_MOVEMENT_CHECKS", "five", SPIDERS[:1], "expected a whole number from 0"),
    ("MATTER_LISTING_MAX_AGE", "a week", SPIDERS[:1], "expected a duration like 7d"),
    ("MATTER_DETAIL_MAX_AGE", "-1d", SPIDERS[:1], "expected a duration like 7d"),
    ("DCL_BASE_URL", "", DCL_SPIDERS, "expected an http:// or https:// address, got ''"),
    ("DCL_BASE_URL", "on.dcl.csa-iot.org", DCL_SPIDERS, "expected an http:// or https://"),
    ("DCL_PAGE_LIMIT", "0", WALKS, "expected a whole number from 1, got '0'"),
    ("MATTER_VERSIONS_MAX_AGE", "soon", SPIDERS[4:], "expected a duration like 7d"),
]


@pytest.mark.parametrize(
    ("name", "value", "spiders", "message"),
    BAD_SETTINGS,
    ids=[f"{name}={value}" for name, value, *_ in BAD_SETTINGS],
)
def test_a_bad_setting_is_refused_by_every_spider_that_reads_it(name, value, spiders, message):
    for spider in spiders:
        with pytest.raises(SettingError) as refused:
            spider.check_settings(settings(**{name: value}))
        assert str(refused.value).startswith(f"{name}: {message}")


@pytest.mark.parametrize("spider", SPIDERS, ids=lambda spider: spider.name)
def test_the_project_settings_pass_every_spider(spider):
    spider.check_settings(settings())


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("CONCURRENT_REQUESTS_PER_DOMAIN", "1"),
        ("CONCURRENT_REQUESTS_PER_IP", "0"),
        ("MATTER_PROGRESS_INTERVAL", "0"),
        ("MATTER_RETRY_BASE_DELAY", "0.5"),
        ("MATTER_BREAKER_ENABLED", "False"),
        ("MATTER_INCOMPLETE_PAGE_RETRIES", "0"),
        ("MATTER_LIST_URL", "HTTP://127.0.0.1:8000/csa-iot_products/?p_type%5B%5D=14"),
    ],
)
def test_the_edges_of_each_range_are_accepted(name, value):
    MatterProductsSpider.check_settings(settings(**{name: value}))


def test_a_setting_one_spider_does_not_read_does_not_stop_it():
    """A matter_products run needs no ledger: an empty DCL_BASE_URL is the ledger's concern."""
    MatterProductsSpider.check_settings(settings(DCL_BASE_URL="", DCL_PAGE_LIMIT="0"))


@pytest.mark.parametrize("url", ["sqlite:///", "sqlite://", "sqlite:///:memory:"])
def test_a_sqlite_url_without_a_file_is_refused(url):
    """It would store the whole crawl in memory and lose it, then report rows added."""
    with pytest.raises(DatabaseUnavailable, match="names no SQLite file"):
        connection.check_usable(url)


# --- the command -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=24, seed=1)) as server:
        yield server


def stopped_at_start(replica, tmp_path, spider="matter_products", **bad):
    """Run the crawl; assert it stopped with exit code 2 and no request; its error lines."""
    replica.clear_log()
    result = crawl(replica, tmp_path, spider=spider, timeout=60, **bad)
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == 2
    assert "Traceback" not in log + result.stderr
    assert replica.request_log == []
    return [line for line in log.splitlines() if " ERROR: " in line]


@pytest.mark.parametrize(
    ("spider", "name", "value"),
    [
        ("matter_products", "CONCURRENT_REQUESTS_PER_DOMAIN", "0"),
        ("matter_products", "MATTER_LIST_URL", "ftp://127.0.0.1/csa-iot_products/"),
        ("matter_products", "MATTER_DB_BATCH_SIZE", "abc"),
        ("dcl_vendors", "DCL_BASE_URL", ""),
    ],
)
def test_a_bad_setting_stops_the_crawl_with_one_line_and_writes_nothing(
    replica, tmp_path, spider, name, value
):
    errors = stopped_at_start(replica, tmp_path, spider, **{name: value})
    assert len(errors) == 1 and f"Bad setting {name}: expected " in errors[0]
    assert not (tmp_path / "matter_certis.db").exists()


def test_a_bad_setting_leaves_an_existing_database_as_it_was(replica, tmp_path):
    assert crawl(replica, tmp_path).returncode == 0
    database = tmp_path / "matter_certis.db"
    before = rows(database, "SELECT * FROM crawling_results")
    modified = database.stat().st_mtime_ns
    errors = stopped_at_start(replica, tmp_path, CONCURRENT_REQUESTS="0")
    assert len(errors) == 1 and "Bad setting CONCURRENT_REQUESTS: " in errors[0]
    assert rows(database, "SELECT * FROM crawling_results") == before
    assert database.stat().st_mtime_ns == modified


def test_a_sqlite_url_without_a_file_stops_the_crawl_in_one_line(replica, tmp_path):
    errors = stopped_at_start(replica, tmp_path, DATABASE_URL="sqlite:///")
    assert len(errors) == 1
    assert "Cannot use the database: DATABASE_URL 'sqlite:///': names no SQLite file" in errors[0]
