"""Spider arguments: checked up front; a bad one stops the run with one line, writing nothing."""

import pytest

from matter_certis.base_spiders.arguments import parse_arguments
from matter_certis.exceptions import SpiderArgumentError
from replica import Catalog, ReplicaServer
from tests.helpers import crawl, rows


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({}, ("incremental", None, None)),
        ({"mode": "full"}, ("full", None, None)),
        ({"start_page": "3"}, ("incremental", 3, None)),
        ({"start_page": "2", "end_page": "2"}, ("incremental", 2, 2)),
        ({"end_page": "40"}, ("incremental", None, 40)),
    ],
)
def test_good_arguments(arguments, expected):
    values = {"mode": "incremental", "start_page": None, "end_page": None, **arguments}
    assert parse_arguments(**values) == expected


BAD_ARGUMENTS = [
    (["mode=fast"], "mode: expected incremental or full, got 'fast'"),
    (["start_page=abc"], "start_page: expected a page number from 1, got 'abc'"),
    (["start_page=0"], "start_page: expected a page number from 1, got '0'"),
    (["end_page=-3"], "end_page: expected a page number from 1, got '-3'"),
    (["start_page=5", "end_page=2"], "end_page: 2 is before start_page 5"),
]


@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS)
def test_bad_arguments_are_refused(arguments, message):
    values = {"mode": "incremental", "start_page": None, "end_page": None}
    values.update(argument.split("=", 1) for argument in arguments)
    with pytest.raises(SpiderArgumentError, match=message.replace("(", r"\(")):
        parse_arguments(**values)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=24, seed=1)) as server:
        yield server


@pytest.mark.parametrize(("arguments", "message"), BAD_ARGUMENTS[:1] + BAD_ARGUMENTS[-1:])
def test_a_bad_argument_stops_the_crawl_with_one_line_and_writes_nothing(
    replica, tmp_path, arguments, message
):
    replica.clear_log()
    result = crawl(replica, tmp_path, *arguments)
    log = (tmp_path / "crawl.log").read_text()
    errors = [line for line in log.splitlines() if " ERROR: " in line]
    assert result.returncode == 2
    assert len(errors) == 1 and errors[0].endswith("Bad spider argument " + message)
    assert "Traceback" not in log + result.stderr
    assert not (tmp_path / "matter_certis.db").exists()
    assert replica.count() == 0


def test_unknown_arguments_such_as_scrapyd_job_are_accepted(replica, tmp_path):
    result = crawl(replica, tmp_path, "_job=nightly-42", "colour=blue")
    assert result.returncode == 0
    assert rows(tmp_path / "matter_certis.db", "SELECT session_id FROM crawling_results") == [
        {"session_id": "nightly-42"}
    ]
