"""A page read is freed as soon as its last reference goes: nothing of ours puts a
response in a reference cycle, as Scrapy's ``response.selector`` does (the selector and the
response refer to each other). In a cycle every page, its parsed tree with it, waited for
Python's cyclic garbage collector: some 350 pages at a time in a 6,000-product crawl."""

import gc
import weakref
from contextlib import contextmanager

import pytest

from matter_certis.parsing import pages
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import response_from

DETAIL_URL = "https://csa-iot.org/csa_product/hue-smart-plug/"
REF = {"url": DETAIL_URL, "page_id": 7, "index_in_page": 5}
LIST_URL = "https://csa-iot.org/csa-iot_products/?p_type%5B%5D=14&paged=5"


@pytest.fixture
def spider(make_spider):
    return make_spider(MatterProductsSpider)


@contextmanager
def cyclic_gc_off():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def freed_once_dropped(make_response, read):
    """Whether the response ``make_response`` gives is gone once ``read`` has read it and
    the test lets go of it, with no cyclic garbage collection in between."""
    with cyclic_gc_off():
        response = make_response()
        read(response)
        gone = weakref.ref(response)
        del response
        return gone() is None


@pytest.mark.parametrize(
    "fixture", ["matter_products_detail_live.html", "matter_products_detail_spans.html"]
)
def test_a_detail_page_judged_and_read_is_freed(spider, fixture):
    def read(response):
        assert pages.page_problem(response.request, response) is None
        assert list(spider.parse_detail(response, ref=REF))

    assert freed_once_dropped(lambda: response_from(fixture, DETAIL_URL), read)


def test_a_listing_page_judged_and_read_is_freed(spider):
    def read(response):
        assert pages.page_problem(response.request, response) is None
        assert spider.page_cards(response)
        assert spider.page_count(response) > 1

    def make_response():
        meta = {"kind": "list", "page": 5}
        return response_from("matter_products_list_live.html", LIST_URL, meta=meta)

    assert freed_once_dropped(make_response, read)


def test_scrapy_own_selector_would_keep_it(spider):
    """The reason for ``pages.page_selector``: this is what the tests above guard against."""
    assert not freed_once_dropped(
        lambda: response_from("matter_products_detail_live.html", DETAIL_URL),
        lambda response: response.selector,
    )
