"""JobDirGuard: the marker it keeps in JOBDIR (``running`` while the spider is open, then
``interrupted`` or ``completed``) and what the next start does with a directory left by each."""

import json
import logging
from types import SimpleNamespace

import pytest
from scrapy.exceptions import NotConfigured

from matter_certis.extensions.jobdir import MARKER, JobDirGuard

SPIDER = SimpleNamespace(session_id="session-1")


@pytest.fixture
def jobdir(tmp_path):
    return tmp_path / "job"


def left_by_a_run(jobdir, status):
    """A job directory as a run leaves it: Scrapy's queue files and the guard's marker."""
    (jobdir / "requests.queue").mkdir(parents=True)
    (jobdir / "requests.seen").write_text("fingerprints")
    if status is not None:
        (jobdir / MARKER).write_text(json.dumps({"status": status}))


def marker(jobdir):
    return json.loads((jobdir / MARKER).read_text())


def test_without_jobdir_the_guard_is_not_configured(make_crawler):
    with pytest.raises(NotConfigured):
        JobDirGuard.from_crawler(make_crawler())


def test_a_first_run_creates_the_directory(make_crawler, jobdir):
    JobDirGuard.from_crawler(make_crawler(JOBDIR=str(jobdir)))
    assert jobdir.is_dir()


def test_the_marker_says_running_once_the_spider_opens(jobdir):
    JobDirGuard(jobdir).spider_opened(SPIDER)
    assert marker(jobdir)["status"] == "running"
    assert marker(jobdir)["session_id"] == "session-1"


def test_a_finished_run_is_marked_completed(jobdir):
    guard = JobDirGuard(jobdir)
    guard.spider_opened(SPIDER)
    guard.spider_closed(SPIDER, "finished")
    assert marker(jobdir)["status"] == "completed"


@pytest.mark.parametrize("reason", ["shutdown", "cancelled", "circuit_open"])
def test_a_run_stopped_for_any_other_reason_is_marked_interrupted(jobdir, reason):
    guard = JobDirGuard(jobdir)
    guard.spider_opened(SPIDER)
    guard.spider_closed(SPIDER, reason)
    assert marker(jobdir) | {"at": None} == {
        "status": "interrupted",
        "reason": reason,
        "session_id": "session-1",
        "at": None,
    }


def test_an_interrupted_run_is_kept_to_resume(jobdir, caplog):
    left_by_a_run(jobdir, "interrupted")
    guard = JobDirGuard(jobdir)
    with caplog.at_level(logging.INFO):
        guard.spider_opened(SPIDER)
    assert (jobdir / "requests.seen").exists()
    assert f"Resuming the interrupted run saved in {jobdir}" in caplog.text


def test_a_killed_run_is_discarded_with_a_warning(jobdir, caplog):
    left_by_a_run(jobdir, "running")
    guard = JobDirGuard(jobdir)
    guard.spider_opened(SPIDER)
    assert not (jobdir / "requests.seen").exists()
    assert [record.levelname for record in caplog.records] == ["WARNING"]
    assert "the run that used it was killed" in caplog.text


def test_scrapy_files_without_a_marker_count_as_a_killed_run(jobdir):
    left_by_a_run(jobdir, None)
    JobDirGuard(jobdir)
    assert list(jobdir.iterdir()) == []


def test_an_unreadable_marker_counts_as_a_killed_run(jobdir):
    left_by_a_run(jobdir, None)
    (jobdir / MARKER).write_text("{not json")
    JobDirGuard(jobdir)
    assert list(jobdir.iterdir()) == []


def test_a_completed_run_is_emptied_quietly_for_a_new_sync(jobdir, caplog):
    left_by_a_run(jobdir, "completed")
    guard = JobDirGuard(jobdir)
    guard.spider_opened(SPIDER)
    assert not (jobdir / "requests.seen").exists()
    assert caplog.records == []
