"""The database pipeline on storage faults: a database deleted, replaced or full during a run
ends it ``failed`` in one line, keeps what was committed and is never recreated empty."""

import logging
import sqlite3
from types import SimpleNamespace

import pytest

from matter_certis import signals
from matter_certis.items import ProductDetail, ProductRef
from matter_certis.pipelines.database import DatabasePipeline
from matter_certis.run import stat_keys
from matter_certis.spiders.matter_products import MatterProductsSpider
from tests.helpers import is_intact, row_count

URL = "https://csa-iot.org/csa_product/plug-{}/"


def ref(n):
    return ProductRef(url=URL.format(n), model="Plug", page_id=n // 12, index_in_page=n % 12)


def detail(n):
    return ProductDetail(url=URL.format(n), certificate_id=f"CSA22059MAT4{n:04}-24")


@pytest.fixture
def pipeline_on(make_crawler):
    """An opened pipeline on ``database_url``, and the urls it reported to deltafetch."""

    def make(database_url, **settings):
        crawler = make_crawler(MatterProductsSpider, DATABASE_URL=database_url, **settings)
        crawler.spider = MatterProductsSpider.from_crawler(crawler)
        # No engine runs here: verdict.fail logs its line and schedules no close.
        crawler.engine = SimpleNamespace(spider=None)
        acknowledged = []
        crawler.acknowledged = acknowledged
        crawler.signals.connect(
            lambda urls: acknowledged.extend(urls), signal=signals.details_stored, weak=False
        )
        pipeline = DatabasePipeline.from_crawler(crawler)
        pipeline.open_spider()
        return crawler, pipeline

    return make


def store_items(pipeline, numbers):
    for n in numbers:
        pipeline.process_item(ref(n))
        pipeline.process_item(detail(n))


def failure_lines(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_database_deleted_during_the_run_fails_it_in_one_line(pipeline_on, tmp_path, caplog):
    path = tmp_path / "run.db"
    crawler, pipeline = pipeline_on(f"sqlite:///{path}", MATTER_DB_BATCH_SIZE=10)
    store_items(pipeline, range(5))
    path.unlink()
    store_items(pipeline, range(5, 10))
    pipeline.close_spider()
    assert failure_lines(caplog) == [
        f"the SQLite database {path} was deleted during the run; "
        "rows this run wrote since it opened are lost"
    ]
    assert crawler.stats.get_value(stat_keys.CLOSE_MESSAGE) == failure_lines(caplog)[0]
    assert not path.exists()
    assert crawler.acknowledged == [URL.format(n) for n in range(5)]


def test_a_database_replaced_during_the_run_fails_it(pipeline_on, tmp_path, caplog):
    path = tmp_path / "run.db"
    crawler, pipeline = pipeline_on(f"sqlite:///{path}")
    path.rename(tmp_path / "moved.db")
    sqlite3.connect(path).close()
    store_items(pipeline, range(3))
    pipeline.close_spider()
    assert failure_lines(caplog) == [
        f"the SQLite database {path} was replaced by another file during the run; "
        "rows this run wrote since it opened are not in it"
    ]
    assert crawler.acknowledged == []


def test_a_full_disk_fails_the_run_keeps_committed_rows_and_writes_no_more(
    pipeline_on, tmpfs, caplog
):
    path = tmpfs / "run.db"
    crawler, pipeline = pipeline_on(f"sqlite:///{path}", MATTER_DB_BATCH_SIZE=20)
    store_items(pipeline, range(2000))
    pipeline.close_spider()
    (line,) = failure_lines(caplog)
    assert line == f"cannot write to sqlite:///{path}: database or disk is full"
    stored = row_count(path, "product_details")
    assert stored > 0
    assert crawler.acknowledged == [URL.format(n) for n in range(stored)]
    assert is_intact(path)
