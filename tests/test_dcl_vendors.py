"""``scrapy crawl dcl_vendors`` against the replica's DCL API: a complete walk over several
pages with base64 keys, and walks that stop on a repeating key or a malformed page."""

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import Request
from twisted.python.failure import Failure

from matter_certis.replica import Catalog, ReplicaServer
from matter_certis.spiders.dcl_vendors import DclVendorsSpider
from tests.crawling import crawl, rows

PAGE_LIMIT = 7
VENDOR_COLUMNS = ("vendor_id", "vendor_name", "company_legal_name", "company_preferred_name",
                  "vendor_landing_page_url")


def walk(tmp_path_factory, **replica_options):
    """Crawl a replica whose DCL API misbehaves as told; returns what the test looks at."""
    workdir = tmp_path_factory.mktemp("dcl")
    with ReplicaServer(Catalog(products=12, seed=0), **replica_options) as replica:
        result = crawl(replica, workdir, spider="dcl_vendors", DCL_PAGE_LIMIT=PAGE_LIMIT)
        requests = [record.path for record in replica.request_log if record.kind == "dcl"]
        expected = replica.catalog.expected_vendors()
    database = workdir / "matter_certis.db"
    return {
        "result": result,
        "log": (workdir / "crawl.log").read_text(),
        "requests": requests,
        "expected": expected,
        "stored": rows(database, f"SELECT {', '.join(VENDOR_COLUMNS)} FROM vendors "
                                 "ORDER BY vendor_id"),
        "run": rows(database, "SELECT * FROM crawling_results")[0],
    }


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    return walk(tmp_path_factory)


@pytest.fixture(scope="module")
def looping(tmp_path_factory):
    return walk(tmp_path_factory, dcl_loop_key=True)


@pytest.fixture(scope="module", params=["json", "shape"])
def malformed(request, tmp_path_factory):
    return walk(tmp_path_factory, dcl_malformed_page=3, dcl_malformed_kind=request.param)


def test_a_complete_walk_stores_every_vendor_of_the_ledger(complete):
    assert complete["result"].returncode == 0, complete["log"][-3000:]
    assert complete["stored"] == complete["expected"]


def test_a_complete_walk_reads_each_page_once(complete):
    pages = -(-len(complete["expected"]) // PAGE_LIMIT)
    assert pages >= 5
    assert len(complete["requests"]) == len(set(complete["requests"])) == pages


def test_next_keys_are_url_encoded(complete):
    keys = [path.split("pagination.key=")[1] for path in complete["requests"][1:]]
    assert all("%2B" in key and "%2F" in key and "%3D" in key for key in keys)
    assert not any(character in key for key in keys for character in "+/=")


def test_a_complete_walk_is_recorded_as_completed(complete):
    assert (complete["run"]["spider"], complete["run"]["status"]) == ("dcl_vendors", "completed")


def test_a_repeating_key_stops_the_walk_with_one_error(looping):
    errors = [line for line in looping["log"].splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert "DCL vendor pages loop: next_key" in errors[0]
    assert "Spider closed (dcl_key_loop)" in looping["log"]


def test_a_repeating_key_keeps_the_vendors_read(looping):
    assert looping["stored"] == looping["expected"]
    assert (looping["run"]["status"], looping["run"]["error_details"]) == (
        "failed", "close reason: dcl_key_loop")


def test_a_malformed_page_stops_the_walk_with_one_error(malformed):
    errors = [line for line in malformed["log"].splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert "DCL vendor page" in errors[0] and "is malformed" in errors[0]
    assert "Spider closed (dcl_malformed)" in malformed["log"]


def test_a_malformed_page_keeps_the_vendors_of_the_pages_before_it(malformed):
    assert malformed["stored"] == malformed["expected"][:2 * PAGE_LIMIT]
    assert malformed["run"]["status"] == "failed"


def test_a_page_that_cannot_be_fetched_stops_the_walk(make_spider):
    spider = make_spider(DclVendorsSpider)
    failure = Failure(ConnectionRefusedError("refused"))
    failure.request = Request("https://on.dcl.csa-iot.org/dcl/vendorinfo/vendors")
    with pytest.raises(CloseSpider) as stop:
        spider.page_failed(failure)
    assert stop.value.reason == "dcl_failed"
