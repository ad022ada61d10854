"""Detail pages wait, compact, until the scheduler has room (``PendingDetails``): a
listing page's cards become detail requests only while the scheduler holds fewer than twice
CONCURRENT_REQUESTS, every callback releases more, and an idle spider releases the rest.
Before, a catalogue's worth of requests waited in the scheduler (5 KB each)."""

import pickle
from types import SimpleNamespace

import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider

from matter_certis.base_spiders.pending_details import REF_FIELDS, PendingDetails
from matter_certis.items import ProductRef
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import response_from

PAGE_5_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14&paged=5"
LIVE_TOTAL = 497 * 12 + 6
DETAIL_URL = "https://csa-iot.org/csa_product/wi-fi-plug-27/"
REF = {
    "url": DETAIL_URL,
    "manufacturer": "Tuya Global Inc.",
    "model": "Wi-Fi plug",
    "certificate_id": "CSA22001MAT40001-24",
    "page_id": 40,
    "index_in_page": 3,
}


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider, mode="full")


def scheduler_holding(spider, queued):
    """The test engine's scheduler, as if it held ``queued`` requests."""
    spider.crawler.engine.scheduler = [None] * queued
    return spider.settings.getint("CONCURRENT_REQUESTS") * 2


def read_page_5(spider):
    meta = {"kind": "list", "page": 5}
    response = response_from("matter_products_list_live.html", PAGE_5_URL, meta=meta)
    return list(spider.parse_listing(response, page=5, total=LIVE_TOTAL))


def detail_requests(outputs):
    return [o for o in outputs if isinstance(o, Request) and o.meta["kind"] == "detail"]


def test_a_pending_detail_keeps_its_card_and_whether_the_database_lacks_it():
    pending = PendingDetails()
    pending.add(ProductRef(url=DETAIL_URL, page_id=40, index_in_page=3))
    pending.add(REF, known_missing=True)
    first, second = pending.take(), pending.take()
    assert first == (
        {**dict.fromkeys(REF_FIELDS), "url": DETAIL_URL, "page_id": 40, "index_in_page": 3},
        False,
    )
    assert second == (REF, True)
    assert len(pending) == 0


def test_pending_details_go_with_a_jobdir_state():
    pending = PendingDetails()
    pending.add(REF)
    assert pickle.loads(pickle.dumps(pending)).take() == (REF, False)


def test_a_full_scheduler_keeps_a_pages_details_pending(spider):
    scheduler_holding(spider, queued=1000)
    outputs = read_page_5(spider)
    assert len([o for o in outputs if isinstance(o, ProductRef)]) == 12
    assert detail_requests(outputs) == []
    assert len(spider.pending_details) == 12


def test_details_are_released_up_to_the_window(spider):
    window = scheduler_holding(spider, queued=1000)
    read_page_5(spider)
    scheduler_holding(spider, queued=window - 5)
    released = list(spider.released_details())
    assert len(released) == 5
    assert [r.url for r in released][0] == "https://csa-iot.org/csa_product/wi-fi-plug-27/"
    assert len(spider.pending_details) == 7


def test_a_detail_page_read_releases_more(spider):
    scheduler_holding(spider, queued=1000)
    read_page_5(spider)
    scheduler_holding(spider, queued=0)
    response = response_from(
        "matter_products_detail_live.html", DETAIL_URL, meta={"kind": "detail"}
    )
    outputs = list(spider.parse_detail(response, ref=REF))
    assert len(detail_requests(outputs)) == 12 and len(spider.pending_details) == 0


def test_a_released_detail_is_the_request_it_would_have_been(spider):
    scheduler_holding(spider, queued=1000)
    read_page_5(spider)
    spider.pending_details.add(REF, known_missing=True)
    scheduler_holding(spider, queued=0)
    *_, last = spider.released_details()
    assert last.cb_kwargs == {"ref": REF}
    assert last.meta["from_database"] is True and last.meta["deltafetch_key"] == DETAIL_URL


def test_an_idle_spider_requests_what_is_pending_before_closing(spider):
    scheduler_holding(spider, queued=1000)
    read_page_5(spider)
    scheduler_holding(spider, queued=0)
    crawled = []
    spider.crawler.engine.crawl = crawled.append
    with pytest.raises(DontCloseSpider):
        spider.spider_idle()
    assert len(crawled) == 12 and len(spider.pending_details) == 0


def test_the_window_is_twice_the_concurrency(make_spider):
    spider = make_spider(MatterProductsSpider, mode="full")
    spider.settings = SimpleNamespace(getint={"CONCURRENT_REQUESTS": 3}.get)
    for _ in range(10):
        spider.pending_details.add(REF)
    assert len(list(spider.released_details())) == 6


def test_callbacks_releasing_at_once_share_what_is_pending(spider):
    scheduler_holding(spider, queued=1000)
    read_page_5(spider)
    scheduler_holding(spider, queued=0)
    first, second = spider.released_details(), spider.released_details()
    released = [next(first), next(second), *second, *first]
    assert len(released) == 12 and len({r.url for r in released}) == 12
