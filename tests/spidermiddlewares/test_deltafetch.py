"""Deltafetch skips a detail page only when the database holds its detail row: the keys are
the rows, so no store file can be cut halfway by a kill or disagree with the database.
Otherwise scrapy-deltafetch's rules: ``deltafetch_key``, ``deltafetch_enabled``, start
requests never checked, ``DELTAFETCH_ENABLED``, ``DELTAFETCH_RESET``, ``deltafetch_reset``."""

import pytest
import pytest_twisted
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from matter_certis import signals
from matter_certis.db import connection, models
from matter_certis.items import ProductRef
from matter_certis.spidermiddlewares.deltafetch import CommittedDeltaFetch
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import LIST_URL

STORED = "https://csa-iot.org/csa_product/stored/"
NEW = "https://csa-iot.org/csa_product/new/"


def detail_request(url, enabled=True):
    return Request(url, meta={"deltafetch_key": url, "deltafetch_enabled": enabled})


async def listed(*outputs):
    for output in outputs:
        yield output


async def passed(middleware, *outputs):
    """What the middleware lets through of a listing page's output (urls for requests)."""
    page = Response(LIST_URL, request=Request(LIST_URL))
    return [
        output.url if isinstance(output, Request) else output
        async for output in middleware.process_spider_output_async(page, listed(*outputs))
    ]


@pytest.fixture
def opened(make_crawler):
    """A crawler and its middleware, opened on a database that holds the detail of ``STORED``."""

    def make(spider_kwargs=None, **settings):
        crawler = make_crawler(MatterProductsSpider, **settings)
        crawler.spider = MatterProductsSpider.from_crawler(crawler, **(spider_kwargs or {}))
        connection.open_database(crawler.settings["DATABASE_URL"])
        models.Product.create(url=STORED)
        models.ProductDetail.create(url=STORED)
        middleware = CommittedDeltaFetch.from_crawler(crawler)
        middleware.spider_opened(crawler.spider)
        return crawler, middleware

    yield make
    models.database.close()


@pytest_twisted.ensureDeferred
async def test_a_detail_the_database_holds_is_skipped(opened):
    crawler, middleware = opened()
    assert await passed(middleware, detail_request(STORED), detail_request(NEW)) == [NEW]
    assert crawler.stats.get_value("deltafetch/skipped") == 1


@pytest_twisted.ensureDeferred
async def test_a_request_with_deltafetch_disabled_is_never_skipped(opened):
    _, middleware = opened()
    assert await passed(middleware, detail_request(STORED, enabled=False)) == [STORED]


@pytest_twisted.ensureDeferred
async def test_without_a_deltafetch_key_a_request_is_known_by_its_fingerprint_not_its_url(opened):
    _, middleware = opened()
    assert await passed(middleware, Request(STORED)) == [STORED]


@pytest_twisted.ensureDeferred
async def test_a_start_request_is_never_skipped(opened):
    _, middleware = opened()
    started = [r.url async for r in middleware.process_start(listed(detail_request(STORED)))]
    assert started == [STORED]


@pytest_twisted.ensureDeferred
async def test_items_pass_untouched(opened):
    _, middleware = opened()
    card = ProductRef(url=STORED)
    assert await passed(middleware, card) == [card]


@pytest_twisted.ensureDeferred
async def test_a_detail_is_skipped_once_the_pipeline_has_committed_it(opened):
    crawler, middleware = opened()
    crawler.signals.send_catch_log(signals.details_stored, urls=[NEW])
    assert await passed(middleware, detail_request(NEW)) == []
    assert crawler.stats.get_value("deltafetch/stored") == 1


@pytest_twisted.ensureDeferred
async def test_deltafetch_reset_fetches_every_detail_again(opened):
    _, middleware = opened(DELTAFETCH_RESET=True)
    assert await passed(middleware, detail_request(STORED)) == [STORED]


@pytest.mark.parametrize("value, fetched", [("1", [STORED]), ("0", []), ("false", [])])
@pytest_twisted.ensureDeferred
async def test_the_spider_argument_deltafetch_reset_reads_as_a_bool(opened, value, fetched):
    _, middleware = opened(spider_kwargs={"deltafetch_reset": value})
    assert await passed(middleware, detail_request(STORED)) == fetched


@pytest_twisted.ensureDeferred
async def test_a_store_file_left_by_scrapy_deltafetch_is_not_read(opened, tmp_path):
    """A ``dbm.dumb`` store cut mid-write by a kill used to be half-loaded by every run."""
    store = tmp_path / "deltafetch"
    store.mkdir()
    (store / "matter_products.db.dir").write_text("'https://csa-iot.org/csa_product/x/', (0, 1")
    (store / "matter_products.db.dat").write_bytes(b"\0" * 10)
    _, middleware = opened(DELTAFETCH_DIR=str(store))
    assert await passed(middleware, detail_request(STORED), detail_request(NEW)) == [NEW]


def test_deltafetch_disabled_adds_no_middleware(make_crawler):
    crawler = make_crawler(MatterProductsSpider, DELTAFETCH_ENABLED=False)
    with pytest.raises(NotConfigured):
        CommittedDeltaFetch.from_crawler(crawler)


@pytest_twisted.ensureDeferred
async def test_a_full_run_holds_no_keys(opened):
    """Its detail requests never ask: the keys would only cost memory, a product each."""
    crawler, middleware = opened(spider_kwargs={"mode": "full"})
    crawler.signals.send_catch_log(signals.details_stored, urls=[NEW])
    assert middleware.keys == set()
    assert await passed(middleware, detail_request(NEW, enabled=False)) == [NEW]
