"""Bad input never kills a run nor stores a wrong value: malformed pages, absurd values,
unusable responses, and bad settings that stop a run before its first request."""

import sqlite3

import pytest
from scrapy.http import HtmlResponse, Request, Response

from matter_certis.middlewares.page_check import PageCheckMiddleware, UnusablePage
from matter_certis.pipelines.plausible import PlausibleValuesPipeline
from matter_certis.pipelines.validate import ValidatePipeline
from matter_certis.spiders.matter_products import MatterProductsSpider
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, response_from

URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"
REF = {"url": URL, "manufacturer": None, "model": None, "page_id": 3, "index_in_page": 4}


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


def parse(spider, fixture):
    (item,) = list(spider.parse_detail(response_from(fixture, URL), ref=REF))
    return PlausibleValuesPipeline(spider.crawler.stats).process_item(item)


def test_validation_keeps_a_detail_with_nothing_but_its_key(spider):
    """An empty page is the page check's matter (it never reaches parse_detail); what the
    parser makes of one, a detail with its url and slot only, is still stored, not dropped."""
    item = parse(spider, "matter_products_detail_empty.html")
    assert ValidatePipeline(spider.crawler.stats).process_item(item) is item
    assert dict(item) == {"url": URL, "page_id": 3, "index_in_page": 4}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("model", "Half a page"),
        ("vid", 0x1552),
        ("certificate_id", "CSA22059MAT40059-24"),
        ("certification_date", None),
        ("page_id", 3),
    ],
)
def test_unclosed_tags_and_odd_labels_still_parse(spider, field, expected):
    assert parse(spider, "matter_products_detail_broken.html").get(field) == expected


def test_unknown_labels_are_ignored(spider):
    item = parse(spider, "matter_products_detail_broken.html")
    assert "Teal" not in item.values() and "orphan value" not in item.values()


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("model", None),
        ("manufacturer", "Caf\u00e9 Labs"),
        ("family_sku", None),
        ("certificate_id", "CSA22059MAT40059-24"),
    ],
    ids=["2000-character name", "control characters", "invalid UTF-8", "sane value kept"],
)
def test_absurd_values_are_nulled_or_cleaned(spider, field, expected):
    assert parse(spider, "matter_products_detail_absurd.html").get(field) == expected


def test_absurd_values_are_warned_about_and_counted(spider, caplog):
    parse(spider, "matter_products_detail_absurd.html")
    stats = spider.crawler.stats
    assert stats.get_value("matter/invalid/model") == 1
    assert stats.get_value("matter/invalid/family_sku") == 1
    assert f"Invalid model on {URL}: 1999 characters (at most 500)" in caplog.text
    assert f"Invalid family_sku on {URL}: undecodable bytes" in caplog.text


@pytest.fixture
def page_check(spider):
    return PageCheckMiddleware(spider.crawler.stats)


def test_a_detail_answered_with_a_pdf_goes_to_the_errback(page_check, spider):
    response = Response(
        URL,
        body=b"%PDF-1.7",
        headers={"Content-Type": "application/pdf"},
        request=Request(URL, meta={"kind": "detail"}),
    )
    with pytest.raises(UnusablePage, match=r"not HTML \(application/pdf\)"):
        page_check.process_spider_input(response)
    assert spider.crawler.stats.get_value("matter/unusable/detail") == 1


def test_a_detail_redirected_away_from_the_products_goes_to_the_errback(page_check):
    request = Request(URL, meta={"kind": "detail", "redirect_urls": [URL]})
    response = HtmlResponse("https://csa-iot.org/", body=b"<html></html>", request=request)
    with pytest.raises(UnusablePage, match="redirected to https://csa-iot.org/"):
        page_check.process_spider_input(response)


def test_a_good_detail_page_passes(page_check):
    response = response_from("matter_products_detail_spans.html", URL, meta={"kind": "detail"})
    assert page_check.process_spider_input(response) is None


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=24, seed=1)) as server:
        yield server


def corrupt(path):
    path.write_bytes(b"this is not a database" * 100)
    return f"sqlite:///{path}"


@pytest.mark.parametrize(
    ("make_url", "message"),
    [
        (lambda tmp: "nonsense", "DATABASE_URL 'nonsense': Unrecognized or unsupported scheme"),
        (lambda tmp: "sqlite:////proc/no/such/dir/x.db", "unable to open database file"),
        (lambda tmp: corrupt(tmp / "corrupt.db"), "file is not a database"),
    ],
    ids=["unparseable", "unwritable path", "corrupt file"],
)
def test_a_bad_database_stops_the_run_before_any_request(replica, tmp_path, make_url, message):
    assert_stops_at_start(replica, tmp_path, make_url(tmp_path), message)


def test_a_database_locked_by_another_process_stops_the_run(replica, tmp_path):
    path = tmp_path / "locked.db"
    holder = sqlite3.connect(path, check_same_thread=False)
    holder.execute("CREATE TABLE t (x)")
    holder.commit()
    holder.execute("BEGIN EXCLUSIVE")
    try:
        assert_stops_at_start(replica, tmp_path, f"sqlite:///{path}", "database is locked")
    finally:
        holder.rollback()
        holder.close()


def assert_stops_at_start(replica, tmp_path, url, message):
    replica.clear_log()
    result = crawl(replica, tmp_path, DATABASE_URL=url)
    log = (tmp_path / "crawl.log").read_text()
    errors = [line for line in log.splitlines() if " ERROR: " in line]
    assert result.returncode == 2
    assert len(errors) == 1 and "Cannot use the database: " in errors[0] and message in errors[0]
    assert "Traceback" not in log + result.stderr
    assert replica.count() == 0
