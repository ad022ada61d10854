"""The ledger walks into PostgreSQL (a server started for the run, see the ``postgres``
fixture): composite keys upserted, a revocation between two walks recorded."""

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import COMPLIANCE_COLUMNS, MODEL_COLUMNS, crawl, rows


@pytest.fixture(scope="module")
def walked(postgres, tmp_path_factory):
    url = postgres.create_database()
    workdir = tmp_path_factory.mktemp("ledger-postgres")
    with ReplicaServer(Catalog(products=80, seed=7)) as replica:
        for spider in ("dcl_models", "dcl_compliance"):
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
        return {
            "url": url,
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
