"""``scrapy dbreconcile FILE``: the listing and the ledger of the replica, crawled, give exactly
the disagreements the replica planted (and those its delistings and a revocation made), in
each format, with a summary table; careful matches (stray spaces, case, an older firmware
certified or revoked, a certificate id shared by a family) are no finding, and Datasette's
"Revoked on the ledger, still listed" says what ``dbreconcile`` says. Without a completed
walk of a source it names the crawl to run."""

import csv
import json
import shutil
import sqlite3

import openpyxl
import pytest
import yaml

from matter_certis.commands.dbbrowse import prepare
from matter_certis.db.reconcile import FINDINGS, FIRMWARE_FINDINGS, SOURCES
from replica import Catalog, ReplicaServer
from tests.helpers import PROJECT_ROOT, crawl, scrapy_command, walk

METADATA = PROJECT_ROOT / "matter_certis" / "datasette" / "metadata.yml"
CAREFUL = ("stray_spaces", "lower_case", "older_firmware", "older_revoked", "shared_certificate")

FINDING_COLUMNS = ["finding", "url", "certificate_id", "vid", "pid", "detail"]


def as_tuple(row):
    """A finding as the replica states it: (finding, url, certificate_id, vid, pid)."""
    ids = [int(row[name], 16) if row[name] else None for name in ("vid", "pid")]
    return row["finding"], row["url"] or None, row["certificate_id"] or None, *ids


def reconcile(workdir, name):
    result = scrapy_command(workdir, "dbreconcile", workdir / name)
    assert result.returncode == 0, result.stderr
    return result


def expected_findings(replica):
    """Every finding the replica planted: of the listing and compliance records, and of the
    model versions."""
    ledger = replica.ledger
    return ledger.expected_findings(replica.base_url) | ledger.versions.expected_version_findings(
        replica.base_url
    )


@pytest.fixture(scope="module")
def synced(tmp_path_factory):
    """The listing (two products delisted) and the ledger crawled; a revocation; the ledger
    walked again."""
    workdir = tmp_path_factory.mktemp("reconcile")
    with ReplicaServer(Catalog(products=100, seed=3)) as replica:
        ledger = replica.ledger
        delisted = [p.path for p in replica.catalog.listed()[5:7]]
        replica.catalog.delist(delisted)
        for spider in ("matter_products", "dcl_models", "dcl_compliance", "dcl_versions"):
            assert crawl(replica, workdir, spider=spider).returncode == 0
        before = expected_findings(replica)
        first = reconcile(workdir, "before.json")
        revoked = next(
            p
            for p in replica.catalog.listed()
            if ledger.plan(p) is None
            and p.values["vid"] is not None
            and p.values["pid"] is not None
        )
        ledger.revoke(revoked.path)
        assert walk(replica, workdir, "dcl_compliance")["result"].returncode == 0
        after = expected_findings(replica)
        plans = {replica.base_url + p.path: ledger.plan(p) for p in replica.catalog.listed()}
        revoked_url = replica.base_url + revoked.path
    return {
        "workdir": workdir,
        "before": before,
        "after": after,
        "first": first,
        "plans": plans,
        "revoked": revoked_url,
    }


def test_the_findings_are_exactly_those_planted(synced):
    found = json.loads((synced["workdir"] / "before.json").read_text())
    assert {as_tuple(row) for row in found} == synced["before"]
    assert len(found) == len(synced["before"])


def test_every_kind_of_finding_is_planted_and_found(synced):
    assert {finding for finding, *_ in synced["before"]} == set(FINDINGS)


def test_a_revocation_walked_since_is_a_revoked_but_listed_finding(synced):
    reconcile(synced["workdir"], "after.json")
    found = {as_tuple(row) for row in json.loads((synced["workdir"] / "after.json").read_text())}
    assert found == synced["after"]
    assert (
        {f for f in found if f[1] == synced["revoked"]}
        == {f for f in synced["after"] if f[1] == synced["revoked"]}
        != set()
    )
    assert {f[0] for f in found if f[1] == synced["revoked"]} == {"revoked_but_listed"}


def test_careful_matches_are_no_finding(synced):
    careful = {url: plan for url, plan in synced["plans"].items() if plan in CAREFUL}
    assert set(careful.values()) == set(CAREFUL)
    found = json.loads((synced["workdir"] / "before.json").read_text())
    assert not [row for row in found if row["url"] in careful]


def test_datasette_revoked_query_and_dbreconcile_agree(synced, tmp_path):
    database = tmp_path / "matter_certis.db"
    shutil.copy(synced["workdir"] / "matter_certis.db", database)
    query = yaml.safe_load(METADATA.read_text())["databases"]["matter_certis"]["queries"]
    with sqlite3.connect(database) as plain:
        prepare(plain)
        shown = plain.execute(query["revoked_but_listed"]["sql"]).fetchall()
    reconcile(tmp_path, "findings.json")
    found = json.loads((tmp_path / "findings.json").read_text())
    revoked = {row["url"] for row in found if row["finding"] == "revoked_but_listed"}
    assert sorted(row[-1] for row in shown) == sorted(revoked) != []
    older_revoked = {url for url, plan in synced["plans"].items() if plan == "older_revoked"}
    assert older_revoked and not older_revoked & revoked


def test_each_finding_says_what_differs_in_words(synced):
    found = json.loads((synced["workdir"] / "before.json").read_text())
    detail = {row["finding"]: row["detail"] for row in found}
    assert detail["date_mismatch"].startswith("the ledger certified ")
    assert ", the site shows " in detail["date_mismatch"]
    assert "has vid/pid 0x" in detail["id_mismatch"]
    assert detail["revoked_but_listed"].endswith("; the site still lists it")
    assert "no listed product has this certificate id" in detail["not_listed"]
    assert "no model has vid/pid 0x" in detail["not_on_ledger"]
    assert "the ledger has the model 0x" in detail["no_compliance_record"]


def test_the_terminal_shows_a_summary_table(synced):
    lines = synced["first"].stdout.splitlines()
    assert lines[0].split() == ["finding", "count", "meaning"]
    counts = {line.split()[0]: int(line.split()[1]) for line in lines[1 : len(FINDINGS) + 1]}
    expected = {name: sum(1 for f in synced["before"] if f[0] == name) for name in FINDINGS}
    assert counts == expected
    assert lines[-1].startswith(f"{len(synced['before'])} findings written to ")


def test_csv_jsonl_and_xlsx_hold_the_same_rows(synced):
    workdir = synced["workdir"]
    for name in ("findings.json", "findings.csv", "findings.jsonl", "findings.xlsx"):
        reconcile(workdir, name)
    expected = json.loads((workdir / "findings.json").read_text())
    with (workdir / "findings.csv").open(newline="", encoding="utf-8") as file:
        from_csv = list(csv.DictReader(file))
    from_jsonl = [
        json.loads(line) for line in (workdir / "findings.jsonl").read_text().splitlines()
    ]
    header, *body = openpyxl.load_workbook(workdir / "findings.xlsx").active.iter_rows(
        values_only=True
    )
    assert list(header) == FINDING_COLUMNS
    from_xlsx = [dict(zip(header, row)) for row in body]
    for rows in (from_csv, from_jsonl, from_xlsx):
        assert [as_tuple(row) for row in rows] == [as_tuple(row) for row in expected]


@pytest.mark.parametrize("spider", SOURCES)
def test_without_a_completed_walk_of_a_source_it_names_the_crawl_and_exits_1(
    synced, tmp_path, spider
):
    shutil.copy(synced["workdir"] / "matter_certis.db", tmp_path / "matter_certis.db")
    with sqlite3.connect(tmp_path / "matter_certis.db") as plain:
        plain.execute("UPDATE crawling_results SET status = 'failed' WHERE spider = ?", (spider,))
    result = scrapy_command(tmp_path, "dbreconcile", tmp_path / "findings.json")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr == (
        f"scrapy dbreconcile: error: findings need a completed walk of {spider}: "
        f"run `scrapy crawl {spider}` first\n"
    )
    assert not (tmp_path / "findings.json").exists()


def test_without_a_completed_versions_walk_the_firmware_findings_are_left_out_in_one_line(
    synced, tmp_path
):
    shutil.copy(synced["workdir"] / "matter_certis.db", tmp_path / "matter_certis.db")
    with sqlite3.connect(tmp_path / "matter_certis.db") as plain:
        plain.execute("DELETE FROM crawling_results WHERE spider = 'dcl_versions'")
    result = scrapy_command(tmp_path, "dbreconcile", tmp_path / "findings.json")
    assert result.returncode == 0
    assert result.stderr == (
        "scrapy dbreconcile: firmware_not_on_ledger, ota_not_https, ota_for_revoked left out: "
        "run `scrapy crawl dcl_versions` to compare firmware and OTA images\n"
    )
    found = json.loads((tmp_path / "findings.json").read_text())
    assert found and not [row for row in found if row["finding"] in FIRMWARE_FINDINGS]
