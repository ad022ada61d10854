"""``scrapy crawl dcl_vendors`` against the replica's DCL API: a complete walk over several
pages with base64 keys, walks that end ``failed`` (vendors read so far kept) when the ledger
misbehaves, and vendor records whose JSON values have the wrong type."""

import json

import pytest
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, TextResponse

from matter_certis.db import models
from matter_certis.exceptions import InvalidValue
from matter_certis.parsing import normalize
from matter_certis.run import verdict
from matter_certis.spiders.dcl_vendors import DclVendorsSpider
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import crawl, rows

PAGE_LIMIT = 7
VENDOR_COLUMNS = (
    "vendor_id",
    "vendor_name",
    "company_legal_name",
    "company_preferred_name",
    "vendor_landing_page_url",
)


def walk(tmp_path_factory, settings=None, **replica_options):
    """Crawl a replica whose DCL API misbehaves as told; returns what the test looks at."""
    workdir = tmp_path_factory.mktemp("dcl")
    with ReplicaServer(Catalog(products=12, seed=0), **replica_options) as replica:
        result = crawl(
            replica, workdir, spider="dcl_vendors", DCL_PAGE_LIMIT=PAGE_LIMIT, **(settings or {})
        )
        requests = [record.path for record in replica.request_log if record.kind == "dcl"]
        expected = replica.catalog.expected_vendors()
    database = workdir / "matter_certis.db"
    return {
        "result": result,
        "log": (workdir / "crawl.log").read_text(),
        "requests": requests,
        "expected": expected,
        "stored": rows(
            database, f"SELECT {', '.join(VENDOR_COLUMNS)} FROM vendors ORDER BY vendor_id"
        ),
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


def test_inner_double_and_no_break_spaces_round_trip_byte_for_byte(complete):
    served = {v["vendor_id"]: v["company_legal_name"] for v in complete["expected"]}
    spaced = {vid for vid, name in served.items() if "\u00a0" in name and "  " in name}
    stored = {v["vendor_id"]: v["company_legal_name"] for v in complete["stored"]}
    assert spaced
    assert {vid: stored[vid].encode() for vid in spaced} == {
        vid: served[vid].strip().encode() for vid in spaced
    }


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
    assert "failed (dcl_key_loop)" in looping["log"]


def test_a_repeating_key_keeps_the_vendors_read(looping):
    assert looping["stored"] == looping["expected"]
    assert looping["run"]["status"] == "failed"
    assert looping["run"]["error_details"].startswith("DCL vendor pages loop: next_key")


def test_a_malformed_page_stops_the_walk_with_one_error(malformed):
    errors = [line for line in malformed["log"].splitlines() if " ERROR: " in line]
    assert len(errors) == 1
    assert "DCL vendor page" in errors[0] and "is malformed" in errors[0]
    assert "failed (dcl_malformed)" in malformed["log"]


def test_a_malformed_page_keeps_the_vendors_of_the_pages_before_it(malformed):
    assert malformed["stored"] == malformed["expected"][: 2 * PAGE_LIMIT]
    assert malformed["run"]["status"] == "failed"


def failed_errors(outcome, reason):
    """The ERROR lines of a walk, after checking it ended ``failed`` with ``reason``."""
    assert f"failed ({reason})" in outcome["log"]
    assert outcome["run"]["status"] == "failed"
    assert outcome["result"].returncode == verdict.EXIT_CODES["failed"]
    return [line for line in outcome["log"].splitlines() if " ERROR: " in line]


def page_count(vendors):
    return -(-len(vendors) // PAGE_LIMIT)


@pytest.fixture(scope="module")
def unreachable(tmp_path_factory):
    return walk(
        tmp_path_factory,
        faults=Faults(down=True),
        settings={"RETRY_TIMES": 1, "MATTER_RETRY_BASE_DELAY": 0},
    )


def test_a_ledger_that_cannot_be_reached_fails_the_walk_with_one_error(unreachable):
    errors = [line for line in failed_errors(unreachable, "dcl_failed") if "DCL" in line]
    assert len(errors) == 1
    assert "failed (HTTP 503); stopping, the 0 vendors read" in errors[0]
    assert "Traceback" not in unreachable["log"]
    assert unreachable["stored"] == []


@pytest.fixture(scope="module", params=["null_pagination", "missing_pagination"])
def without_pagination(request, tmp_path_factory):
    return walk(tmp_path_factory, dcl_malformed_page=2, dcl_malformed_kind=request.param)


def test_a_page_without_pagination_fails_the_walk_with_one_error(without_pagination):
    errors = failed_errors(without_pagination, "dcl_malformed")
    assert len(errors) == 1
    assert "is malformed (pagination is missing)" in errors[0]


def test_a_page_without_pagination_keeps_the_vendors_of_the_pages_before_it(without_pagination):
    assert without_pagination["stored"] == without_pagination["expected"][:PAGE_LIMIT]


@pytest.fixture(scope="module")
def endless(tmp_path_factory):
    return walk(tmp_path_factory, dcl_endless_empty=True)


def test_an_empty_page_that_names_a_next_page_fails_the_walk_with_one_error(endless):
    errors = failed_errors(endless, "dcl_empty_page")
    assert len(errors) == 1
    assert "is empty but names a next page" in errors[0]


def test_an_endless_run_of_empty_pages_is_left_at_the_first(endless):
    assert len(endless["requests"]) == page_count(endless["expected"]) + 1
    assert endless["stored"] == endless["expected"]


@pytest.fixture(scope="module")
def short_of_total(tmp_path_factory):
    return walk(tmp_path_factory, dcl_total_offset=5)


def test_a_walk_that_ends_short_of_the_announced_total_fails(short_of_total):
    read = len(short_of_total["expected"])
    errors = failed_errors(short_of_total, "dcl_total_mismatch")
    assert len(errors) == 1
    assert f"after {read} records, but the ledger announced {read + 5}" in errors[0]


def test_a_walk_short_of_the_total_keeps_the_vendors_read(short_of_total):
    assert short_of_total["stored"] == short_of_total["expected"]


@pytest.fixture(scope="module")
def past_total(tmp_path_factory):
    return walk(tmp_path_factory, dcl_total_offset=-10)


def test_a_walk_past_the_announced_total_fails_at_the_page_that_passes_it(past_total):
    announced = len(past_total["expected"]) - 10
    errors = failed_errors(past_total, "dcl_total_mismatch")
    assert len(errors) == 1
    assert f"more than the {announced} the ledger announced" in errors[0]
    assert (
        len(past_total["requests"])
        == announced // PAGE_LIMIT + 1
        < page_count(past_total["expected"])
    )


def test_a_walk_past_the_total_keeps_the_vendors_read(past_total):
    pages = len(past_total["requests"])
    assert past_total["stored"] == past_total["expected"][: pages * PAGE_LIMIT]


BAD_POSITION = 3


@pytest.fixture(scope="module")
def string_vendor_id(tmp_path_factory):
    # DEBUG: the stats dump shows the count.
    return walk(
        tmp_path_factory,
        settings={"LOG_LEVEL": "DEBUG"},
        dcl_vendor_overrides={BAD_POSITION: {"vendorID": "abc"}},
    )


def test_a_string_vendor_id_is_refused_not_read_as_hex(string_vendor_id):
    expected = string_vendor_id["expected"]
    assert string_vendor_id["stored"] == expected[:BAD_POSITION] + expected[BAD_POSITION + 1 :]
    assert 0xABC not in [vendor["vendor_id"] for vendor in string_vendor_id["stored"]]


def test_a_refused_vendor_record_is_named_in_a_warning_and_counted(string_vendor_id):
    log = string_vendor_id["log"]
    assert (
        f"#record-{BAD_POSITION % PAGE_LIMIT + 1}: refused record: "
        "vendorID: not a JSON integer: 'abc'" in log
    )
    assert "'dcl/records_refused': 1," in log


def test_a_refused_vendor_record_makes_the_run_partial(string_vendor_id):
    assert string_vendor_id["run"]["status"] == "partial"
    assert (
        "not stored (vendorID: not a JSON integer: 'abc')"
        in (string_vendor_id["run"]["error_details"])
    )
    assert string_vendor_id["result"].returncode == verdict.EXIT_CODES["partial"]


@pytest.fixture(scope="module")
def odd_names(tmp_path_factory):
    return walk(
        tmp_path_factory,
        dcl_vendor_overrides={
            4: {"vendorName": 42, "companyLegalName": ["Acme", "Inc."]},
            5: {"vendorName": "None", "companyPreferredName": "  "},
        },
    )


def test_text_of_the_wrong_type_refuses_the_whole_record(odd_names):
    refused = odd_names["expected"][4]["vendor_id"]
    assert refused not in [vendor["vendor_id"] for vendor in odd_names["stored"]]
    assert (
        f"/dcl/vendorinfo/vendors/{refused}: refused record: vendorName: not a JSON string: "
        "42; companyLegalName: not a JSON string: ['Acme', 'Inc.']" in odd_names["log"]
    )


def test_a_vendor_named_none_keeps_its_name(odd_names):
    named = odd_names["expected"][5]["vendor_id"]
    vendor = next(v for v in odd_names["stored"] if v["vendor_id"] == named)
    assert (vendor["vendor_name"], vendor["company_preferred_name"]) == ("None", None)


# -- the rules and the audit, without a crawl -----------------------------------------------------
URL = "https://on.dcl.csa-iot.org/dcl/vendorinfo/vendors?pagination.limit=7"


@pytest.mark.parametrize("value", ["abc", "4939", "0x134B", True, 4939.0, 0x10000, -1, [4939]])
def test_a_vendor_id_must_be_a_json_integer_in_range(value):
    with pytest.raises(InvalidValue):
        normalize.json_id(value)


def test_a_json_integer_is_a_vendor_id():
    assert (normalize.json_id(4939), normalize.json_id(0), normalize.json_id(None)) == (
        4939,
        0,
        None,
    )


@pytest.mark.parametrize("value", [42, 1.5, False, ["a"], {"name": "a"}])
def test_json_text_must_be_a_string(value):
    with pytest.raises(InvalidValue):
        normalize.json_text(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("None", "None"),
        ("N/A", "N/A"),
        (" Acme \u00a0 Inc. ", "Acme \u00a0 Inc."),
        ("Giant\u00a0Lighting\u00a0Technology", "Giant\u00a0Lighting\u00a0Technology"),
        ("\u00a0Sunfree  Motor\t\n", "Sunfree  Motor"),
        ("", None),
        (None, None),
    ],
)
def test_json_text_is_trimmed_at_both_ends_only_and_missing_only_when_null_or_empty(value, text):
    assert normalize.json_text(value) == text


def test_json_text_refuses_a_nul_character_no_database_can_hold():
    with pytest.raises(InvalidValue):
        normalize.json_text("Acme\x00")


def page(records, next_key=None, total=None):
    pagination = {"next_key": next_key, **({"total": total} if total is not None else {})}
    body = json.dumps({"vendorInfo": records, "pagination": pagination}).encode()
    return TextResponse(URL, body=body, encoding="utf-8", request=Request(URL))


def test_the_audit_names_each_refused_record(make_spider):
    spider = make_spider(DclVendorsSpider)
    items = list(
        spider.parse(
            page([{"vendorID": "abc"}, {"vendorID": 4939, "vendorName": "Tuya"}], total="2")
        )
    )
    assert [item.get("vendor_id") for item in items] == [None, 4939]
    assert items[0]["url"] == f"{URL}#record-1"
    assert spider.audit() == [
        verdict.Problem(
            "partial",
            f"DCL vendor record {URL}#record-1 not stored (vendorID: not a JSON integer: 'abc')",
        )
    ]


def test_a_walk_without_refused_records_has_nothing_to_audit(make_spider):
    spider = make_spider(DclVendorsSpider)
    list(spider.parse(page([{"vendorID": 4939}], total="1")))
    assert spider.audit() == []


def test_an_empty_next_key_ends_the_walk_like_null(make_spider):
    spider = make_spider(DclVendorsSpider)
    output = list(spider.parse(page([{"vendorID": 4939}], next_key="", total="1")))
    assert [type(item).__name__ for item in output] == ["Vendor"]


def stored_vendors(count):
    for vendor_id in range(count):
        models.Vendor.create(vendor_id=vendor_id, vendor_name=f"Vendor {vendor_id}")


def test_a_walk_far_smaller_than_the_table_is_implausible_without_a_total_too(make_spider):
    spider = make_spider(DclVendorsSpider)
    stored_vendors(10)
    with pytest.raises(CloseSpider) as stop:
        list(spider.parse(page([{"vendorID": 1}, {"vendorID": 2}])))
    assert stop.value.reason == "dcl_implausible"
    assert not spider.walk_complete


def test_an_announced_total_far_below_the_table_stores_nothing_of_the_page(make_spider):
    spider = make_spider(DclVendorsSpider)
    stored_vendors(10)
    output = []
    with pytest.raises(CloseSpider) as stop:
        output.extend(spider.parse(page([{"vendorID": 1}], total="1")))
    assert (stop.value.reason, output) == ("dcl_implausible", [])


def test_a_walk_of_nine_tenths_of_the_table_is_plausible(make_spider):
    spider = make_spider(DclVendorsSpider)
    stored_vendors(10)
    list(spider.parse(page([{"vendorID": n} for n in range(9)], total="9")))
    assert spider.walk_complete


def test_a_key_read_twice_keeps_the_first_and_refuses_the_second(make_spider):
    spider = make_spider(DclVendorsSpider)
    first, second = {"vendorID": 7, "vendorName": "Acme"}, {"vendorID": 7, "vendorName": "Acme "}
    output = list(spider.parse(page([first, second, {**first, "vendorName": "Other"}])))
    assert [type(item).__name__ for item in output] == [
        "Vendor",
        "RequestFailure",
        "RequestFailure",
    ]
    assert output[0]["vendor_name"] == "Acme"
    assert output[1]["error_message"] == "its key came twice in this walk, with the same values"
    assert output[2]["error_message"] == (
        "its key came twice in this walk, the first kept: vendor_name 'Acme' then 'Other'"
    )
    assert len(spider.audit()) == 2
