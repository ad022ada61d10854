"""``files.replacing``: a file appears whole or not at all; the earlier one survives an error
midway, a kill and a failed rename, and keeps its mode. (A full disk: the db commands' and
the feeds' tests in tests/e2e/test_storage_faults.py.)"""

import os
import signal
import subprocess
import sys

import pytest

from matter_certis.output.files import replacing
from tests.helpers import PROJECT_ROOT

EARLIER = b"the earlier export, whole\n"


@pytest.fixture
def earlier(tmp_path):
    path = tmp_path / "products.json"
    path.write_bytes(EARLIER)
    return path


def test_the_new_content_replaces_the_earlier_file_and_nothing_is_left_beside_it(earlier):
    with replacing(earlier) as file:
        file.write(b"new")
    assert earlier.read_bytes() == b"new"
    assert os.listdir(earlier.parent) == [earlier.name]


def test_until_the_end_the_earlier_file_is_there_unchanged(earlier):
    with replacing(earlier) as file:
        file.write(b"new")
        file.flush()
        assert earlier.read_bytes() == EARLIER


def test_an_error_midway_leaves_the_earlier_file_and_no_temporary_file(earlier):
    with pytest.raises(RuntimeError), replacing(earlier) as file:
        file.write(b"half of it")
        raise RuntimeError("the export broke")
    assert earlier.read_bytes() == EARLIER
    assert os.listdir(earlier.parent) == [earlier.name]


KILLED_WRITER = """
import sys, time
from matter_certis.output.files import replacing
with replacing(sys.argv[1]) as file:
    file.write(b"x" * 100_000)
    file.flush()
    print("half written", flush=True)
    time.sleep(60)
"""


def test_a_writer_killed_midway_leaves_the_earlier_file_under_the_name(earlier):
    with subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(earlier)],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    ) as writer:
        assert writer.stdout.readline() == "half written\n"
        writer.send_signal(signal.SIGKILL)
        writer.wait(timeout=30)
    assert earlier.read_bytes() == EARLIER
    (left,) = set(os.listdir(earlier.parent)) - {earlier.name}
    assert left.startswith(".products.json.") and left.endswith(".part")


def test_the_replaced_file_keeps_the_earlier_files_mode(earlier):
    earlier.chmod(0o640)
    with replacing(earlier) as file:
        file.write(b"new")
    assert earlier.stat().st_mode & 0o777 == 0o640


def test_a_new_file_has_the_mode_open_would_give_it(tmp_path):
    umask = os.umask(0o022)
    try:
        with replacing(tmp_path / "new.csv") as file:
            file.write(b"new")
    finally:
        os.umask(umask)
    assert (tmp_path / "new.csv").stat().st_mode & 0o777 == 0o644


def test_a_folder_in_the_files_place_is_refused_naming_it(tmp_path):
    taken = tmp_path / "products.json"
    taken.mkdir()
    with pytest.raises(IsADirectoryError) as refused, replacing(taken):
        pass
    assert refused.value.filename == str(taken)
    assert os.listdir(tmp_path) == [taken.name]


def test_a_missing_folder_is_an_error_naming_the_file_not_its_temporary_name(tmp_path):
    missing = tmp_path / "no such folder" / "products.json"
    with pytest.raises(FileNotFoundError) as refused, replacing(missing):
        pass
    assert refused.value.filename == str(missing)
