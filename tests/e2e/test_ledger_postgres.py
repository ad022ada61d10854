"""The ledger walks into PostgreSQL (a server started for the run, see the ``postgres``
fixture): composite keys upserted, model versions stored, a revocation between two walks
recorded, and ``dbreconcile`` reading the ledger views there as on SQLite, firmware
findings included."""

import json

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import (
    COMPLIANCE_COLUMNS,
    MODEL_COLUMNS,
    VERSION_COLUMNS,
    crawl,
    rows,
    scrapy_command,
)


@pytest.fixture(scope="module")
def walked(postgres, tmp_path_factory):
    url = postgres.create_database()
    workdir = tmp_path_factory.mktemp("ledger-postgres")
    with ReplicaServer(Catalog(products=80, seed=7)) as replica:
        for spider in ("matter_products", "dcl_models", "dcl_compliance", "dcl_versions"):
            assert (
                crawl(
                    replica, workdir, spider=spider, DATABASE_URL=url, DCL_PAGE_LIMIT=30
                ).returncode
                == 0
            )
        product = next(p for p in replica.catalog.listed() if replica.ledger.plan(p) is None)
        replica.ledger.revoke(product.path)
        assert (
            crawl(
                replica, workdir, spider="dcl_compliance", DATABASE_URL=url, DCL_PAGE_LIMIT=30
            ).returncode
            == 0
        )
        reconciled = scrapy_command(
            workdir, "dbreconcile", workdir / "findings.json", database_url=url
        )
        return {
            "url": url,
            "reconciled": reconciled,
            "findings": json.loads((workdir / "findings.json").read_text()),
            "expected_findings": replica.ledger.expected_findings(replica.base_url)
            | replica.ledger.versions.expected_version_findings(replica.base_url),
            "versions": replica.ledger.versions.expected_versions(),
            "models": replica.ledger.expected_models(),
            "compliance": replica.ledger.expected_compliance(),
            "revoked": replica.ledger.ids(product),
        }


def test_every_ledger_record_is_stored_exactly(walked):
    assert (
        rows(walked["url"], f"SELECT {', '.join(MODEL_COLUMNS)} FROM dcl_models ORDER BY vid, pid")
        == walked["models"]
    )
    assert (
        rows(
            walked["url"],
            f"SELECT {', '.join(COMPLIANCE_COLUMNS)} FROM dcl_compliance "
            "ORDER BY vid, pid, software_version, certification_type",
        )
        == walked["compliance"]
    )


def test_a_revocation_between_two_walks_is_recorded(walked):
    changes = rows(
        walked["url"],
        "SELECT vid, pid, old_value, new_value FROM dcl_changes WHERE field = 'status'",
    )
    assert changes == [
        {
            "vid": walked["revoked"][0],
            "pid": walked["revoked"][1],
            "old_value": "certified",
            "new_value": "revoked",
        }
    ]


def test_every_model_version_is_stored_exactly(walked):
    stored = rows(
        walked["url"],
        f"SELECT {', '.join(VERSION_COLUMNS)} FROM dcl_model_versions "
        "ORDER BY vid, pid, software_version",
    )
    assert stored == walked["versions"] != []


def test_dbreconcile_finds_exactly_the_planted_findings_on_postgresql(walked):
    assert walked["reconciled"].returncode == 0, walked["reconciled"].stderr
    found = {
        (
            row["finding"],
            row["url"],
            row["certificate_id"],
            int(row["vid"], 16),
            int(row["pid"], 16),
        )
        for row in walked["findings"]
    }
    assert found == walked["expected_findings"]
    assert {"revoked_but_listed", "firmware_not_on_ledger", "ota_not_https", "ota_for_revoked"} <= {
        finding for finding, *_ in found
    }
