"""Every error of the database commands is one line on stderr, ``scrapy <command>: error:
...``, never a traceback or a page of usage text; bad arguments and a database that is not
the project's exit 2, a file that cannot be written or read exits 1."""

import pytest

from matter_certis.cli import failures
from matter_certis.commands import dbreport
from tests.helpers import scrapy_command

COMMANDS = ["dbexport", "dbstats", "dbcheck", "dbreport", "dbreconcile"]
OUTPUT = {"dbexport": "products.csv", "dbreport": "report.html", "dbreconcile": "findings.csv"}


def run(tmp_path, command, *arguments):
    output = [tmp_path / OUTPUT[command]] if command in OUTPUT else []
    return scrapy_command(tmp_path, command, *(list(arguments) or output))


def assert_one_line(result, command, exitcode, message):
    assert (result.returncode, result.stderr.splitlines()) == (
        exitcode,
        [f"scrapy {command}: error: {message}"],
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_no_database_file(tmp_path, command):
    assert_one_line(
        run(tmp_path, command),
        command,
        2,
        f"no database file at {tmp_path / 'matter_certis.db'}: check DATABASE_URL, "
        "or run `scrapy crawl matter_products` to create it",
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_a_database(tmp_path, command):
    (tmp_path / "matter_certis.db").write_bytes(b"not a database, a text file" * 100)
    assert_one_line(
        run(tmp_path, command), command, 1, "cannot read the database: file is not a database"
    )


WRITERS = ["dbexport", "dbreport", "dbreconcile"]


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_file_in_a_missing_folder(tmp_path, synced, command):
    synced.copy(tmp_path)
    output = tmp_path / "no such folder" / OUTPUT[command]
    assert_one_line(
        run(tmp_path, command, output),
        command,
        2,
        f"no folder {output.parent} to write {output.name} into: create it first",
    )


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_file_that_cannot_be_written(tmp_path, synced, command):
    synced.copy(tmp_path)
    taken = tmp_path / OUTPUT[command]
    taken.mkdir()  # a folder where the file should go
    assert_one_line(
        run(tmp_path, command, taken), command, 1, f"cannot write {taken}: Is a directory"
    )


@pytest.mark.parametrize("command", WRITERS)
def test_no_output_file(tmp_path, synced, command):
    synced.copy(tmp_path)
    example = {"dbexport": "products.xlsx", "dbreport": "report.html"}.get(command, "findings.json")
    result = scrapy_command(tmp_path, command)
    assert_one_line(result, command, 2, f"give one output file, e.g. {example}")


@pytest.mark.parametrize(
    "command, name",
    [
        ("dbexport", "products.xml"),
        ("dbexport", "products.pickle"),
        ("dbexport", "products.marshal"),
        ("dbexport", "products.jl"),
        ("dbreconcile", "findings.txt"),
    ],
)
def test_an_output_file_of_a_format_not_written_is_refused(tmp_path, synced, command, name):
    synced.copy(tmp_path)
    suffix = name.rsplit(".", 1)[1]
    assert_one_line(
        run(tmp_path, command, tmp_path / name),
        command,
        2,
        f"unknown format {suffix!r}: use one of csv, json, jsonl, xlsx",
    )
    assert not (tmp_path / name).exists()


def test_a_report_that_is_not_html_is_refused(tmp_path, synced):
    synced.copy(tmp_path)
    assert_one_line(
        run(tmp_path, "dbreport", tmp_path / "report.pdf"),
        "dbreport",
        2,
        "the report is HTML: give a file ending in .html, not report.pdf",
    )
    assert not (tmp_path / "report.pdf").exists()


def test_a_missing_extra_library_is_one_line_naming_what_to_install(capsys):
    """A Scrapyd host has only requirements.txt: dbreport there says what it lacks."""

    command = dbreport.Command()
    with failures.in_one_line(command):
        raise ModuleNotFoundError("No module named 'matplotlib'", name="matplotlib")
    assert command.exitcode == 1
    assert capsys.readouterr().err == (
        "scrapy dbreport: error: needs matplotlib, one of the desk's extras: "
        "pip install -r requirements-extras.txt\n"
    )
