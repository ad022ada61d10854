"""What a default run prints: the database it uses, the plan, warnings that name a page and
one summary line; Scrapy's startup listings and stats dump only at DEBUG."""

import subprocess

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import PROJECT_ROOT, crawl_command

#: The issue's budget for a default crawl of 1,200 products, besides the terminal's bar.
LINE_BUDGET = 60


def crawl_printing(replica, tmp_path, *options, **settings):
    """A crawl with the project's logging (no LOG_LEVEL, no LOG_FILE from the test helper);
    returns the lines printed on stderr."""
    command = crawl_command(replica, tmp_path, options=options, **settings)
    for name in ("LOG_LEVEL", "LOG_FILE"):  # the helper's, after the options
        at = max(index for index, part in enumerate(command) if part.startswith(f"{name}="))
        del command[at - 1 : at + 1]  # "-s", "NAME=value"
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=240)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr.splitlines()


@pytest.fixture(scope="module")
def default_crawl(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("output")
    with ReplicaServer(Catalog(products=1200)) as replica:
        return crawl_printing(replica, tmp_path)


def test_a_default_crawl_of_1200_products_stays_within_the_line_budget(default_crawl):
    assert len(default_crawl) <= LINE_BUDGET, "\n".join(default_crawl)


def test_the_first_line_names_the_database_and_the_last_sums_up_the_run(default_crawl):
    assert "INFO: Database: SQLite file " in default_crawl[0]
    assert "[matter_certis.extensions.run_record] INFO: Run " in default_crawl[-1]
    assert "completed (finished)" in default_crawl[-1]


@pytest.mark.parametrize(
    "noise",
    [
        "Disabled matter_certis.extensions.jobdir.JobDirGuard",
        "Enabled extensions",
        "Overridden settings",
        "Versions:",
        "Dumping Scrapy stats",
        "Spider closed",
        " DEBUG: ",
    ],
)
def test_a_default_crawl_leaves_out(default_crawl, noise):
    assert not [line for line in default_crawl if noise in line]


def test_log_level_debug_shows_the_startup_listings_and_the_stats(tmp_path):
    with ReplicaServer(Catalog(products=24)) as replica:
        printed = "\n".join(crawl_printing(replica, tmp_path, "-s", "LOG_LEVEL=DEBUG"))
    for listing in (
        "DEBUG: Enabled extensions",
        "DEBUG: Overridden settings",
        "DEBUG: Dumping Scrapy stats",
        "DEBUG: Scraped from <200 ",
    ):
        assert listing in printed


def test_a_resumed_run_still_names_its_database_first(tmp_path):
    jobdir = tmp_path / "job"
    jobdir.mkdir()
    (jobdir / "matter_certis_run.json").write_text('{"status": "interrupted"}')
    with ReplicaServer(Catalog(products=24)) as replica:
        printed = crawl_printing(replica, tmp_path, "-s", f"JOBDIR={jobdir}")
    assert "INFO: Database: SQLite file " in printed[0]
    assert f"INFO: Resuming the interrupted run saved in {jobdir}" in printed[1]


def test_a_ledger_walk_prints_no_warning_for_components_it_turns_off(tmp_path):
    """The DCL walks turn deltafetch off; ``MATTER_PROGRESS_INTERVAL=0`` turns Progress off."""
    with ReplicaServer(Catalog(products=24)) as replica:
        printed = crawl_printing(
            replica, tmp_path, "-s", "MATTER_PROGRESS_INTERVAL=0", spider="dcl_vendors"
        )
    assert [line for line in printed if "WARNING" in line] == []
    assert len(printed) == 3  # the database, the walk's end, the summary
