"""A misbehaving site: faults never change the stored data; a site that stays down trips
the circuit breaker, and the next run after it recovers completes."""

import pytest

from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import assert_mirrors, crawl, rows

FAST_RETRIES = {
    "MATTER_RETRY_BASE_DELAY": 0.05,
    "MATTER_RETRY_MAX_DELAY": 1.0,
    "MATTER_RETRY_SEED": 1,
}


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    faults = Faults(
        seed=11,
        rate_503=0.10,
        rate_500=0.03,
        rate_429=0.02,
        retry_after=1,
        rate_drop=0.05,
        rate_slow=0.01,
        slow_seconds=3,
        rate_truncate=0.05,
    )
    workdir = tmp_path_factory.mktemp("faulty")
    with ReplicaServer(Catalog(products=240, seed=9), faults=faults) as replica:
        # DEBUG: the stats dump, which names each kind of retry, is a DEBUG record.
        result = crawl(replica, workdir, DOWNLOAD_TIMEOUT=1, LOG_LEVEL="DEBUG", **FAST_RETRIES)
        yield replica, workdir, result


def test_the_faulty_crawl_completes(faulty_crawl):
    replica, workdir, result = faulty_crawl
    assert result.returncode == 0
    (run,) = rows(
        workdir / "matter_certis.db", "SELECT status, incomplete_pages FROM crawling_results"
    )
    assert run["status"] == "completed"
    assert run["incomplete_pages"] > 0


def test_faults_do_not_change_the_stored_data(faulty_crawl):
    replica, workdir, _ = faulty_crawl
    assert_mirrors(replica, workdir / "matter_certis.db")
    assert rows(workdir / "matter_certis.db", "SELECT * FROM failed_requests") == []


def test_every_kind_of_fault_was_met_and_retried(faulty_crawl):
    replica, workdir, _ = faulty_crawl
    statuses = {record.status for record in replica.request_log}
    assert {503, 500, 429, 0}.issubset(statuses)  # 0: a dropped connection
    log = (workdir / "crawl.log").read_text()
    assert "'matter/incomplete_pages'" in log  # truncated listing pages, read again
    assert "'retry/reason_count/scrapy.exceptions.DownloadTimeoutError'" in log


def test_a_site_that_stays_down_trips_the_breaker_and_a_later_run_completes(tmp_path):
    settings = {
        **FAST_RETRIES,
        "MATTER_BREAKER_THRESHOLD": 5,
        "MATTER_BREAKER_COOLDOWN": 0.2,
        "MATTER_BREAKER_MAX_TRIPS": 1,
    }
    with ReplicaServer(Catalog(products=48, seed=2), faults=Faults(down=True)) as replica:
        assert crawl(replica, tmp_path, **settings).returncode == EXIT_CODES["failed"]
        database = tmp_path / "matter_certis.db"
        (run,) = rows(database, "SELECT status, error_details FROM crawling_results")
        assert run["status"] == "failed"
        assert run["error_details"].startswith("the site keeps failing: 5 failures in a row")
        assert "close reason: circuit_open" in run["error_details"]
        assert "Circuit open" in (tmp_path / "crawl.log").read_text()
        assert replica.count() < 30

        replica.faults = None
        assert crawl(replica, tmp_path, **settings).returncode == 0
        statuses = [
            run["status"]
            for run in rows(database, "SELECT status FROM crawling_results ORDER BY started_at")
        ]
        assert statuses == ["failed", "completed"]
        assert_mirrors(replica, database)


def test_a_detail_page_gone_for_good_is_requested_once_a_run(tmp_path):
    with ReplicaServer(Catalog(products=24, seed=1)) as replica:
        gone = [product.path for product in replica.catalog.listed()[3:5]]
        for path, fault in zip(gone, ("not_found", "gone"), strict=True):
            replica.break_page("detail", path, fault)
        for run in ("full", "incremental"):  # the second run also has the dead letters to retry
            replica.clear_log()
            crawl(replica, tmp_path, f"mode={run}", **FAST_RETRIES)
            asked = sorted(record.path for record in replica.request_log if record.path in gone)
            assert asked == sorted(gone), run
            (last,) = rows(
                tmp_path / "matter_certis.db",
                "SELECT errors_count FROM crawling_results ORDER BY started_at DESC LIMIT 1",
            )
            assert last["errors_count"] == 2, run
