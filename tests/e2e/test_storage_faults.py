"""Storage faults: a database deleted, replaced or full during a run ends it ``failed`` in
one line, keeps what was committed and is never recreated empty; ``database is locked``
from another writer is retried like the other write conflicts."""

import logging
import sqlite3
import subprocess
from contextlib import closing
from types import SimpleNamespace

import pytest
from peewee import OperationalError

from matter_certis import signals, verdict
from matter_certis.db import connection, models
from matter_certis.items import ProductDetail, ProductRef
from matter_certis.pipelines.database import DatabasePipeline
from matter_certis.spiders.matter_products import MatterProductsSpider
from replica import Catalog, ReplicaServer
from tests.helpers import by_url, crawl, rows, start_crawl, stored_details, wait_for

URL = "https://csa-iot.org/csa_product/plug-{}/"


def ref(n):
    return ProductRef(url=URL.format(n), model="Plug", page_id=n // 12, index_in_page=n % 12)


def detail(n):
    return ProductDetail(url=URL.format(n), certificate_id=f"CSA22059MAT4{n:04}-24")


@pytest.fixture
def tmpfs(tmp_path):
    """A directory on a tmpfs of 256 KiB: a disk that fills up (CI runs as root)."""
    mount_point = tmp_path / "tmpfs"
    mount_point.mkdir()
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount_point)], check=True
    )
    yield mount_point
    subprocess.run(["umount", "--lazy", str(mount_point)], check=True)


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


def query(path, sql):
    with closing(sqlite3.connect(path)) as connection:
        return connection.execute(sql).fetchone()


def count(path, table):
    return query(path, f"SELECT count(*) FROM {table}")[0]


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
    assert crawler.stats.get_value(verdict.CLOSE_MESSAGE_STAT) == failure_lines(caplog)[0]
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


def test_reopen_never_creates_a_deleted_database(tmp_path):
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    models.database.close()
    path.unlink()
    with pytest.raises(connection.DatabaseUnavailable, match="was deleted during the run"):
        connection.reopen()
    assert not path.exists()


def test_reopen_connects_again_to_the_database_the_run_opened(tmp_path):
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    models.database.close()
    connection.reopen()
    assert not models.database.is_closed()
    assert models.Product.select().count() == 0
    models.database.close()


def test_a_full_disk_fails_the_run_keeps_committed_rows_and_writes_no_more(
    pipeline_on, tmpfs, caplog
):
    path = tmpfs / "run.db"
    crawler, pipeline = pipeline_on(f"sqlite:///{path}", MATTER_DB_BATCH_SIZE=20)
    store_items(pipeline, range(2000))
    pipeline.close_spider()
    (line,) = failure_lines(caplog)
    assert line == f"cannot write to sqlite:///{path}: database or disk is full"
    stored = count(path, "product_details")
    assert stored > 0
    assert crawler.acknowledged == [URL.format(n) for n in range(stored)]
    assert query(path, "PRAGMA integrity_check") == ("ok",)


def test_database_is_locked_by_another_writer_is_retried(tmp_path, caplog):
    """In WAL mode a transaction that read before another job committed cannot write: SQLite
    says ``database is locked`` at once, whatever the busy timeout."""
    path = tmp_path / "run.db"
    connection.open_database(f"sqlite:///{path}")
    other = sqlite3.connect(path, isolation_level=None)
    attempts = []

    def work():
        attempts.append(models.Product.select().count())
        if len(attempts) == 1:
            other.execute(
                "INSERT INTO products (url, created_at, updated_at) "
                "VALUES ('https://csa-iot.org/csa_product/other/', '', '')"
            )
        models.Product.create(url=URL.format(1))

    caplog.set_level(logging.INFO, logger="matter_certis.db.connection")
    connection.in_transaction(work)
    other.close()
    assert attempts == [0, 1]
    assert count(path, "products") == 2
    assert "A concurrent writer got in the way (OperationalError)" in caplog.text
    models.database.close()


def test_a_write_error_that_is_not_a_conflict_is_not_retried(tmp_path):
    connection.open_database(f"sqlite:///{tmp_path / 'run.db'}")
    attempts = []

    def work():
        attempts.append(1)
        models.database.execute_sql("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(OperationalError, match="no such table"):
        connection.in_transaction(work)
    assert attempts == [1]
    models.database.close()


# End to end: a real ``scrapy crawl`` of the replica.


def run_status(database):
    return [run["status"] for run in rows(database, "SELECT status FROM crawling_results")]


def test_a_killed_run_then_new_products_the_next_run_stores_them_all(tmp_path):
    """Deltafetch keeps no store of its own for a kill to cut halfway: its keys are the
    detail rows, so the next run fetches exactly what the database lacks."""
    with ReplicaServer(Catalog(products=120, seed=7), delay=0.05) as replica:
        process = start_crawl(replica, tmp_path, MATTER_DB_BATCH_SIZE=10)
        assert wait_for(lambda: replica.count("detail") >= 40, timeout=120)
        process.kill()
        process.communicate(timeout=30)
        replica.catalog.add_products(30)
        replica.delay = 0
        result = crawl(replica, tmp_path)
        expected_details = by_url(replica.catalog.expected_details(replica.base_url))
    database = tmp_path / "matter_certis.db"
    assert result.returncode == 0
    assert run_status(database) == ["completed"]
    assert stored_details(database) == expected_details
    assert "Traceback" not in (tmp_path / "crawl.log").read_text()


def test_a_database_deleted_during_a_crawl_fails_it_and_is_not_recreated(tmp_path):
    database = tmp_path / "matter_certis.db"
    with ReplicaServer(Catalog(products=240, seed=7), delay=0.05) as replica:
        process = start_crawl(replica, tmp_path, MATTER_DB_BATCH_SIZE=10)
        assert wait_for(
            lambda: database.exists() and count(database, "product_details") >= 20, timeout=120
        )
        database.unlink()
        output, _ = process.communicate(timeout=120)
        fetched = replica.count("detail")
    log = (tmp_path / "crawl.log").read_text()
    assert process.returncode == verdict.EXIT_CODES["failed"]
    assert log.count(f"ERROR: the SQLite database {database} was deleted during the run") == 1
    assert not database.exists()
    assert fetched < 200


def test_a_full_disk_fails_the_crawl_promptly_and_keeps_what_was_committed(tmp_path, tmpfs):
    database = tmpfs / "matter_certis.db"
    with ReplicaServer(Catalog(products=600, seed=7)) as replica:
        result = crawl(
            replica, tmp_path, DATABASE_URL=f"sqlite:///{database}", MATTER_DB_BATCH_SIZE=20
        )
        fetched = replica.count("detail")
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == verdict.EXIT_CODES["failed"]
    assert log.count(f"ERROR: cannot write to sqlite:///{database}: database or disk is full") == 1
    assert "failed (database_failed)" in log.splitlines()[-1]
    assert 0 < count(database, "product_details") < 600
    assert query(database, "PRAGMA integrity_check") == ("ok",)
    assert fetched < 600
