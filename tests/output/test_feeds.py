"""The crawl's file feeds: written beside the feed and put in its place whole at the end
(``WholeFileFeedStorage``); a feed that cannot be written is one error line and makes the
run ``partial`` (``Feeds``), the earlier file kept. (A full disk:
tests/e2e/test_storage_faults.py.)"""

import csv
import errno
import os

import pytest

from matter_certis.output.feeds import WholeFileFeedStorage
from matter_certis.run import verdict
from replica import Catalog, ReplicaServer
from tests.helpers import crawl

EARLIER = b"the earlier feed\n"


@pytest.fixture
def earlier(tmp_path):
    path = tmp_path / "products.csv"
    path.write_bytes(EARLIER)
    return path


def storage(path, overwrite=True):
    return WholeFileFeedStorage(str(path), feed_options={"overwrite": overwrite})


def test_the_feed_takes_the_earlier_files_place_when_stored(earlier):
    feed = storage(earlier)
    file = feed.open(spider=None)
    file.write(b"new rows\n")
    assert earlier.read_bytes() == EARLIER
    feed.store(file)
    assert earlier.read_bytes() == b"new rows\n"
    assert os.listdir(earlier.parent) == [earlier.name]


def test_a_feed_that_appends_starts_from_the_earlier_content(earlier):
    feed = storage(earlier, overwrite=False)
    file = feed.open(spider=None)
    file.write(b"more rows\n")
    feed.store(file)
    assert earlier.read_bytes() == EARLIER + b"more rows\n"


class FullDisk:
    def write(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_failed_write_is_raised_once_when_stored_naming_the_feed(earlier):
    feed = storage(earlier)
    file = feed.open(spider=None)
    feed.writes.file = FullDisk()
    for _ in range(3):
        assert file.write(b"rows\n") == 5  # not raised at every item
    with pytest.raises(OSError, match="No space left on device") as failed:
        feed.store(file)
    assert failed.value.filename == str(earlier)
    assert earlier.read_bytes() == EARLIER
    assert os.listdir(earlier.parent) == [earlier.name]


def test_a_feed_that_cannot_be_made_is_raised_when_stored(tmp_path):
    taken = tmp_path / "products.csv"
    taken.mkdir()
    feed = storage(taken)
    file = feed.open(spider=None)
    file.write(b"rows\n")
    with pytest.raises(IsADirectoryError):
        feed.store(file)


def test_a_feed_not_written_is_one_line_and_the_run_is_partial_the_other_feeds_written(
    tmp_path,
):
    (tmp_path / "taken.json").mkdir()  # a folder where the feed should go
    feeds = ["-O", tmp_path / "taken.json", "-O", tmp_path / "products.csv"]
    with ReplicaServer(Catalog(products=12)) as replica:
        result = crawl(replica, tmp_path, options=feeds)
    log = (tmp_path / "crawl.log").read_text()
    assert result.returncode == verdict.EXIT_CODES["partial"]
    assert [line.split("] ", 1)[1] for line in log.splitlines() if "ERROR" in line] == [
        f"ERROR: The feed {tmp_path / 'taken.json'} was not written: Is a directory; "
        "any earlier file there is kept"
    ]
    assert "Traceback" not in log
    assert log.splitlines()[-1].endswith(
        f"Why: the feed {tmp_path / 'taken.json'} was not written: Is a directory"
    )
    with (tmp_path / "products.csv").open(newline="", encoding="utf-8") as written:
        assert len(list(csv.DictReader(written))) == 12
