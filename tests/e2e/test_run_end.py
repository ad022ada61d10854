"""How a run ends (README, "How a run ends"): the status in ``crawling_results``, the exit code of
``scrapy crawl`` and one line that names the reason, for runs that cannot be completed."""

import signal
import time

import pytest

from matter_certis.run.verdict import EXIT_CODES
from replica import Catalog, Faults, ReplicaServer
from tests.helpers import copy_database, crawl, database_in, rows, start_crawl, wait_for

FAST_FAILURE = {
    "MATTER_RETRY_BASE_DELAY": 0.05,
    "MATTER_RETRY_MAX_DELAY": 0.2,
    "RETRY_TIMES": 2,
    "MATTER_BREAKER_COOLDOWN": 0.5,
}


def run_status(workdir):
    (run,) = rows(
        workdir / "matter_certis.db", "SELECT status, error_details FROM crawling_results"
    )
    return run


def summary_line(workdir):
    """The log's last line: the run's summary."""
    return (workdir / "crawl.log").read_text().strip().splitlines()[-1]


@pytest.fixture(scope="module")
def replica():
    """A replica no test changes."""
    with ReplicaServer(Catalog(products=120, seed=8)) as server:
        yield server


@pytest.fixture(scope="module")
def completed(replica, tmp_path_factory):
    """The working directory of a completed crawl of ``replica``."""
    workdir = tmp_path_factory.mktemp("completed")
    assert crawl(replica, workdir).returncode == 0
    return workdir


def test_a_site_that_is_down_fails_the_run(tmp_path):
    with ReplicaServer(Catalog(products=120, seed=8), faults=Faults(down=True)) as replica:
        result = crawl(replica, tmp_path, **FAST_FAILURE)
    assert result.returncode == EXIT_CODES["failed"]
    run = run_status(tmp_path)
    assert run["status"] == "failed"
    assert "the status check did not complete" in run["error_details"]
    assert " failed (" in summary_line(tmp_path)
    assert ": listing page count never learned, 0 products seen" in summary_line(tmp_path)
    assert rows(tmp_path / "matter_certis.db", "SELECT url FROM products") == []


def test_a_host_that_does_not_resolve_fails_at_once_in_one_plain_line(replica, tmp_path):
    unresolvable = "http://csa-iot.invalid/csa-iot_products/?p_type%5B%5D=14"
    started = time.monotonic()
    result = crawl(replica, tmp_path, MATTER_LIST_URL=unresolvable, timeout=60)
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == EXIT_CODES["failed"]
    assert log.count("ERROR: cannot reach csa-iot.invalid: DNS lookup failed") == 1
    assert summary_line(tmp_path).endswith("Why: cannot reach csa-iot.invalid: DNS lookup failed")
    assert "Traceback" not in log + result.stderr
    assert run_status(tmp_path)["status"] == "failed"
    assert time.monotonic() - started < 60  # no minute of robots.txt retries


@pytest.fixture
def slow_replica():
    """Answers take half a second: a graceful stop waits for the requests in flight."""
    with ReplicaServer(Catalog(products=240, seed=8), delay=0.5) as server:
        yield server


def started_then_signalled(replica, workdir, times):
    process = start_crawl(replica, workdir, CONCURRENT_REQUESTS_PER_DOMAIN=4)
    assert wait_for(lambda: replica.count("detail") >= 4, timeout=120)
    for _ in range(times):
        process.send_signal(signal.SIGINT)
        time.sleep(0.1)  # the second arrives while the first waits for the requests in flight
    process.communicate(timeout=120)
    return process.returncode


def test_ctrl_c_is_a_stopped_run_with_its_exit_code(slow_replica, tmp_path):
    assert started_then_signalled(slow_replica, tmp_path, times=1) == EXIT_CODES["stopped"]
    assert run_status(tmp_path)["status"] == "stopped"


def test_a_second_ctrl_c_still_leaves_a_stopped_row(slow_replica, tmp_path):
    assert started_then_signalled(slow_replica, tmp_path, times=2) == EXIT_CODES["stopped"]
    run = run_status(tmp_path)
    assert run["status"] == "stopped"
    assert "forced shutdown" in run["error_details"]


def test_a_completed_run_exits_zero_and_says_what_it_read(completed):
    line = summary_line(completed)
    assert " completed (finished) " in line
    assert (
        "10 of 10 planned listing pages read (10 on the site), 120 products seen, 120 details"
        in line
    )


def test_a_no_op_sync_says_it_read_no_listing_page(replica, completed, tmp_path):
    copy_database(database_in(completed), database_in(tmp_path))
    assert crawl(replica, tmp_path).returncode == 0
    assert "0 of 0 planned listing pages read (10 on the site), 0 products seen" in (
        summary_line(tmp_path)
    )


def test_the_vendor_walk_summary_counts_records_not_listing_pages(replica, tmp_path):
    assert crawl(replica, tmp_path, spider="dcl_vendors").returncode == 0
    line = summary_line(tmp_path)
    vendors = len(replica.catalog.dcl_vendors())
    assert f"{vendors} records read" in line
    assert "listing pages" not in line


@pytest.mark.parametrize("products", [5, 12])
def test_a_listing_that_fits_on_one_page_completes(tmp_path, products):
    with ReplicaServer(Catalog(products=products, seed=1)) as replica:
        assert crawl(replica, tmp_path).returncode == 0
    assert run_status(tmp_path)["status"] == "completed"
    assert len(rows(tmp_path / "matter_certis.db", "SELECT url FROM product_details")) == products
