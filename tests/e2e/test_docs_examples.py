"""The dbexport examples of docs/commands.md return rows on the replica docs/development.md
tells people to start (``python -m replica --products 600``), the filters as
docs/commands.md describes them."""

import json

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import PROJECT_ROOT, crawl, scrapy_command


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("readme")
    with ReplicaServer(Catalog(products=600)) as replica:
        for spider in ("matter_products", "dcl_vendors"):
            assert crawl(replica, workdir, spider=spider).returncode == 0
    return workdir


def exported(workdir, *filters):
    result = scrapy_command(workdir, "dbexport", workdir / "out.json", *filters)
    assert result.returncode == 0, result.stderr
    return json.loads((workdir / "out.json").read_text())


COMMANDS_DOC = (PROJECT_ROOT / "docs" / "commands.md").read_text()


@pytest.mark.parametrize(
    "example", ["--device-type light --since 2023-01-01", "--vendor kiteify", "--vendor 0x15A4"]
)
def test_the_examples_checked_here_are_the_ones_the_doc_gives(example):
    assert example in COMMANDS_DOC


def test_lights_since_2023(workdir):
    rows = exported(workdir, "--device-type", "light", "--since", "2023-01-01")
    assert rows and all("light" in row["device_type"].lower() for row in rows)
    assert all(row["certification_date"] >= "2023-01-01" for row in rows)


@pytest.mark.parametrize("vendor", ["kiteify", "KITEIFY", "0x15A4"])
def test_the_replicas_largest_vendor_by_part_of_its_name_in_any_case_or_its_id(workdir, vendor):
    rows = exported(workdir, "--vendor", vendor)
    assert len(rows) > 100
    assert all("kiteify" in (row["vendor_name"] or row["manufacturer"]).lower() for row in rows)
