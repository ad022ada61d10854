"""Interrupted runs with JOBDIR: Ctrl-C resumes, a killed run is detected and re-planned
from the database; nothing is lost or stored twice. And the dead-letter list."""

import signal

import pytest

from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import (
    assert_mirrors,
    crawl,
    interrupt,
    rows,
    start_crawl,
    wait_for,
)

PRODUCTS = 240
BATCH_SIZE = 100
CONCURRENCY = 4


@pytest.fixture
def replica():
    with ReplicaServer(Catalog(products=PRODUCTS, seed=5), delay=0.1) as server:
        yield server


def jobdir_crawl(replica, workdir, start=False):
    settings = {"JOBDIR": workdir / "job", "CONCURRENT_REQUESTS_PER_DOMAIN": CONCURRENCY}
    return (start_crawl if start else crawl)(replica, workdir, **settings)


def interrupted_then_resumed(replica, workdir, sig):
    """Start a crawl, stop it with ``sig`` part-way, then run it again to the end."""
    process = jobdir_crawl(replica, workdir, start=True)
    assert wait_for(lambda: replica.count("detail") >= 80, timeout=120)
    interrupt(process, sig)
    first_details = replica.count("detail")
    replica.delay = 0
    result = jobdir_crawl(replica, workdir)
    assert result.returncode == 0
    return first_details, (workdir / "crawl.log").read_text()


def test_ctrl_c_then_resume_stores_everything_once(replica, tmp_path):
    first_details, log = interrupted_then_resumed(replica, tmp_path, signal.SIGINT)
    assert "Resuming the interrupted run" in log
    assert first_details < PRODUCTS
    assert_mirrors(replica, tmp_path / "matter_certis.db")
    assert replica.count("detail") <= PRODUCTS + CONCURRENCY


def test_a_killed_run_is_detected_and_the_database_decides(replica, tmp_path):
    first_details, log = interrupted_then_resumed(replica, tmp_path, signal.SIGKILL)
    assert "Discarding job directory" in log
    assert first_details < PRODUCTS
    assert_mirrors(replica, tmp_path / "matter_certis.db")
    assert replica.count("detail") <= PRODUCTS + BATCH_SIZE + CONCURRENCY


def test_failed_requests_are_listed_then_retried_by_the_next_run(tmp_path):
    with ReplicaServer(
        Catalog(products=120, seed=2), faults=Faults(seed=4, rate_503=0.15)
    ) as replica:
        assert crawl(replica, tmp_path, RETRY_TIMES=0).returncode == EXIT_CODES["partial"]
        database = tmp_path / "matter_certis.db"
        assert rows(database, "SELECT status FROM crawling_results") == [{"status": "partial"}]
        failed = rows(database, "SELECT kind, error_type, attempts FROM failed_requests")
        assert failed and {row["error_type"] for row in failed} == {"HTTP 503"}
        assert rows(database, "SELECT errors_count FROM crawling_results")[0][
            "errors_count"
        ] == len(failed)

        replica.faults = None
        assert crawl(replica, tmp_path).returncode == 0
        assert rows(database, "SELECT * FROM failed_requests") == []
        assert_mirrors(replica, database)
