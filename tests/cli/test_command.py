"""``DatabaseCommand``, the base of the db commands (here ``dbreconcile``'s): the database
they read and the files they write, from the project's settings."""

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from matter_certis.commands import dbreconcile
from matter_certis.items import Finding


def command(**settings):
    project = Settings()
    project.setmodule("matter_certis.settings")
    project.update(settings)
    reconciling = dbreconcile.Command()
    reconciling.settings = project
    return reconciling


def test_a_relative_sqlite_path_is_the_projects_database():
    url = command(DATABASE_URL="sqlite:///matter_certis.db").database_url
    assert url == f"sqlite:///{Path(__file__).resolve().parents[2] / 'matter_certis.db'}"


def test_items_are_written_as_the_feeds_are(tmp_path):
    path = tmp_path / "findings.json"
    writer = command(FEED_EXPORT_INDENT=2)
    finding = Finding(finding="not_listed", certificate_id="CSA1", vid=0x1552, pid=1)
    writer.write_items(path, writer.exporter_class(path), [finding])
    assert json.loads(path.read_text(encoding="utf-8")) == [
        {
            "finding": "not_listed",
            "certificate_id": "CSA1",
            "vid": "0x1552",
            "pid": "0x0001",
            "url": None,
            "detail": None,
        }
    ]
    assert path.read_text(encoding="utf-8").startswith('[\n{\n  "finding": ')


def test_an_unknown_file_type_is_refused_before_any_work():
    with pytest.raises(ValueError, match="unknown format 'txt'"):
        command().exporter_class(Path("findings.txt"))
