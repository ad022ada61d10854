"""``scrapy crawl dcl_versions`` against the replica's ledger: every model version stored
exactly in one request per model and one per version; a walk right after costs next to
nothing and is ``completed``; edits, new and withdrawn versions between walks recorded;
``dbreconcile`` finds exactly the planted firmware findings; Ctrl-C and JOBDIR lose and
repeat nothing."""

import json
import signal

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import (
    VERSION_COLUMNS,
    crawl,
    interrupt,
    rows,
    scrapy_command,
    start_crawl,
    wait_for,
    walk,
)

FIRMWARE_FINDINGS = ("firmware_not_on_ledger", "ota_not_https", "ota_for_revoked")


def stored_versions(workdir, where="removed_at IS NULL"):
    found = rows(
        workdir / "matter_certis.db",
        f"SELECT {', '.join(VERSION_COLUMNS)} FROM dcl_model_versions WHERE {where} "
        "ORDER BY vid, pid, software_version",
    )
    for row in found:
        if row["software_version_valid"] is not None:
            row["software_version_valid"] = bool(row["software_version_valid"])
    return found


def version_requests(outcome):
    return [path for path in outcome["requests"] if path.startswith("/dcl/model/versions/")]


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """The listing and the ledger, then two walks of the versions one after the other, then
    a new version, an edit and a withdrawn version, and a third walk."""
    workdir = tmp_path_factory.mktemp("versions")
    with ReplicaServer(Catalog(products=80, seed=2)) as replica:
        for spider in ("matter_products", "dcl_models", "dcl_compliance"):
            assert walk(replica, workdir, spider, DCL_PAGE_LIMIT=30)["run"]["status"] == (
                "completed"
            )
        versions = replica.ledger.versions
        first = walk(replica, workdir, "dcl_versions")
        first["stored"] = stored_versions(workdir)
        expected = versions.expected_versions()
        counts = (versions.model_count(), versions.version_count())
        second = walk(replica, workdir, "dcl_versions")
        findings = scrapy_command(workdir, "dbreconcile", workdir / "findings.json")
        expected_findings = versions.expected_version_findings(replica.base_url)
        with_ota = [v for v in expected if v["ota_url"] and v["ota_url"].startswith("https")]
        edited, withdrawn = with_ota[0], with_ota[1]
        published = versions.publish_version((edited["vid"], edited["pid"]))
        versions.edit_version(
            (edited["vid"], edited["pid"]),
            edited["software_version"],
            ota_url="https://ota.example.com/moved.ota",
        )
        versions.withdraw_version(
            (withdrawn["vid"], withdrawn["pid"]), withdrawn["software_version"]
        )
        third = walk(replica, workdir, "dcl_versions", MATTER_VERSIONS_MAX_AGE="0")
        after = versions.expected_versions()
        digest = scrapy_command(workdir, "dbchanges", "--format", "json")
    return {
        "workdir": workdir,
        "first": first,
        "second": second,
        "third": third,
        "expected": expected,
        "after": after,
        "counts": counts,
        "findings": findings,
        "expected_findings": expected_findings,
        "edited": edited,
        "withdrawn": withdrawn,
        "published": published,
        "digest": digest,
    }


def test_a_first_walk_stores_every_version_exactly(synced):
    assert synced["first"]["run"]["status"] == "completed", synced["first"]["log"][-2000:]
    assert synced["first"]["stored"] == synced["expected"] != []


def test_a_first_walk_asks_once_per_model_and_once_per_version(synced):
    models, versions = synced["counts"]
    requests = version_requests(synced["first"])
    assert len(requests) == len(set(requests)) == models + versions


def test_a_walk_right_after_costs_a_tenth_at_most_and_is_completed(synced):
    assert synced["second"]["run"]["status"] == "completed"
    assert len(version_requests(synced["second"])) <= len(version_requests(synced["first"])) / 10


def test_after_a_new_an_edited_and_a_withdrawn_version_the_table_mirrors_the_ledger(synced):
    assert synced["third"]["run"]["status"] == "completed", synced["third"]["log"][-2000:]
    assert stored_versions(synced["workdir"]) == synced["after"]


def test_an_edit_a_new_and_a_withdrawn_version_are_recorded_changes(synced):
    changes = rows(
        synced["workdir"] / "matter_certis.db",
        "SELECT vid, pid, software_version, field, old_value, new_value FROM dcl_changes "
        "WHERE record = 'version'",
    )
    edited, withdrawn = synced["edited"], synced["withdrawn"]
    by_key = {(c["vid"], c["pid"], c["software_version"], c["field"]): c for c in changes}
    moved = by_key[(edited["vid"], edited["pid"], edited["software_version"], "ota_url")]
    assert (moved["old_value"], moved["new_value"]) == (
        edited["ota_url"],
        "https://ota.example.com/moved.ota",
    )
    key = (withdrawn["vid"], withdrawn["pid"], withdrawn["software_version"], "removed_at")
    assert by_key[key]["old_value"] is None


def test_dbreconcile_finds_exactly_the_planted_firmware_findings(synced):
    assert synced["findings"].returncode == 0, synced["findings"].stderr
    found = json.loads((synced["workdir"] / "findings.json").read_text())
    firmware = {
        (
            row["finding"],
            row["url"] or None,
            row["certificate_id"],
            int(row["vid"], 16),
            int(row["pid"], 16),
        )
        for row in found
        if row["finding"] in FIRMWARE_FINDINGS
    }
    assert firmware == synced["expected_findings"]
    assert {finding for finding, *_ in firmware} == set(FIRMWARE_FINDINGS)
    assert len([row for row in found if row["finding"] in FIRMWARE_FINDINGS]) == len(firmware)


def test_dbchanges_shows_the_new_version(synced):
    assert synced["digest"].returncode == 0, synced["digest"].stderr
    published = synced["published"]
    assert published["softwareVersionString"] in synced["digest"].stdout


# -- Ctrl-C and JOBDIR ---------------------------------------------------------------------------
def test_ctrl_c_then_resume_stores_every_version_once(tmp_path):
    with ReplicaServer(Catalog(products=120, seed=4), delay=0.05) as replica:
        for spider in ("dcl_models", "dcl_compliance"):
            assert crawl(replica, tmp_path, spider=spider).returncode == 0
        replica.clear_log()
        settings = {"JOBDIR": tmp_path / "job", "CONCURRENT_REQUESTS_PER_DOMAIN": 2}
        process = start_crawl(replica, tmp_path, spider="dcl_versions", **settings)
        assert wait_for(lambda: replica.count("dcl") >= 40, timeout=120)
        interrupt(process, signal.SIGINT)
        replica.delay = 0
        assert crawl(replica, tmp_path, spider="dcl_versions", **settings).returncode == 0
        versions = replica.ledger.versions
        requests = [r.path for r in replica.request_log if r.kind == "dcl"]
        expected = versions.expected_versions()
        counts = versions.model_count() + versions.version_count()
    assert stored_versions(tmp_path) == expected
    assert len(requests) == len(set(requests)) == counts
