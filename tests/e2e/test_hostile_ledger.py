"""The ledger's word against a hostile ledger: after a clean sync of the listing and the
ledger, walks whose answers are wrong in each way the ledger can be wrong (values of the
wrong JSON type or shape, an empty or far smaller list, a key served twice with other
values) leave every stored ledger row exactly as it was, write no change, and never end
``completed``; ``dbreconcile`` still finds what it found. A clean walk after them settles
the refused records' dead letters."""

import json

import pytest

from matter_certis.run import verdict
from replica import Catalog, ReplicaServer
from replica.dcl import Faults
from tests.helpers import rows, scrapy_command, walk

PAGE_LIMIT = 30
TABLES = {
    "dcl_models": "SELECT * FROM dcl_models ORDER BY vid, pid",
    "dcl_compliance": "SELECT * FROM dcl_compliance "
    "ORDER BY vid, pid, software_version, certification_type",
    "dcl_changes": "SELECT * FROM dcl_changes ORDER BY id",
}


def snapshot(workdir):
    return {table: rows(workdir / "matter_certis.db", sql) for table, sql in TABLES.items()}


def findings(workdir):
    result = scrapy_command(workdir, "dbreconcile", workdir / "findings.json")
    assert result.returncode == 0, result.stderr
    return {
        (row["finding"], row["url"], row["certificate_id"])
        for row in json.loads((workdir / "findings.json").read_text())
    }


def dead_letters(workdir):
    return rows(
        workdir / "matter_certis.db",
        "SELECT url, kind, error_type, error_message FROM failed_requests ORDER BY url",
    )


def revoked_positions(ledger):
    """Walk positions of the compliance records of listed products that are revoked."""
    return [
        position
        for position, record in enumerate(ledger.compliance())
        if record["softwareVersionCertificationStatus"] == 3 and record["cDCertificateId"]
    ]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A clean sync, then each hostile walk in turn (its outcome and the database after it),
    then a clean walk of the compliance records again."""
    workdir = tmp_path_factory.mktemp("hostile-ledger")
    with ReplicaServer(Catalog(products=80, seed=2)) as replica:
        for spider in ("matter_products", "dcl_models", "dcl_compliance"):
            assert walk(replica, workdir, spider, DCL_PAGE_LIMIT=PAGE_LIMIT)["run"]["status"] == (
                "completed"
            )
        clean = {"tables": snapshot(workdir), "findings": findings(workdir)}
        first, second = revoked_positions(replica.ledger)[:2]
        records = replica.ledger.compliance()
        cases = {
            "wrong_types": (
                "dcl_compliance",
                Faults(
                    record_overrides={
                        first: {"softwareVersionCertificationStatus": "3"},
                        second: {"date": "2024/01/02", "cDCertificateId": 2024},
                    }
                ),
            ),
            "empty_answer": ("dcl_compliance", Faults(first_records=0)),
            "far_fewer_models": ("dcl_models", Faults(first_records=5)),
            "key_twice": (
                "dcl_compliance",
                Faults(duplicates={4: {"softwareVersionString": "9.9", "reason": "odd"}}),
            ),
        }
        outcomes = {}
        for case, (spider, faults) in cases.items():
            replica.dcl_faults[spider.removeprefix("dcl_")] = faults
            outcome = walk(replica, workdir, spider, DCL_PAGE_LIMIT=PAGE_LIMIT)
            replica.dcl_faults[spider.removeprefix("dcl_")] = Faults()
            outcomes[case] = {
                **outcome,
                "tables": snapshot(workdir),
                "dead_letters": dead_letters(workdir),
                "findings": findings(workdir),
            }
        settled = walk(replica, workdir, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        settled["dead_letters"] = dead_letters(workdir)
    return {
        "clean": clean,
        "outcomes": outcomes,
        "records": records,
        "refused": (records[first], records[second]),
        "settled": settled,
    }


CASES = ("wrong_types", "empty_answer", "far_fewer_models", "key_twice")


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_answer_leaves_every_stored_ledger_row_and_change_as_it_was(hostile, case):
    assert hostile["outcomes"][case]["tables"] == hostile["clean"]["tables"]


@pytest.mark.parametrize("case", CASES)
def test_a_hostile_answer_is_never_a_completed_walk(hostile, case):
    outcome = hostile["outcomes"][case]
    assert outcome["run"]["status"] != "completed"
    assert outcome["result"].returncode == verdict.EXIT_CODES[outcome["run"]["status"]] != 0


@pytest.mark.parametrize("case", CASES)
def test_after_a_hostile_answer_dbreconcile_finds_what_it_found(hostile, case):
    assert hostile["outcomes"][case]["findings"] == hostile["clean"]["findings"]


def test_the_clean_sync_has_revoked_but_listed_findings_to_lose(hostile):
    assert [f for f in hostile["clean"]["findings"] if f[0] == "revoked_but_listed"]


def test_values_of_the_wrong_type_refuse_their_records_each_dead_lettered_by_key(hostile):
    outcome = hostile["outcomes"]["wrong_types"]
    assert outcome["run"]["status"] == "partial"
    expected = []
    for record, why in zip(
        hostile["refused"],
        (
            "softwareVersionCertificationStatus: not a JSON integer: '3'",
            "cDCertificateId: not a JSON string: 2024; date: not a ledger date: '2024/01/02'",
        ),
    ):
        key = f"{record['vid']}/{record['pid']}/{record['softwareVersion']}/matter"
        expected.append((key, why))
    letters = [(letter["url"], letter["error_message"]) for letter in outcome["dead_letters"]]
    assert [(url.split("compliance-info/")[1], why) for url, why in letters] == sorted(expected)
    assert {letter["kind"] for letter in outcome["dead_letters"]} == {"dcl_compliance"}


def test_an_empty_answer_fails_as_implausible_and_marks_nothing_removed(hostile):
    outcome = hostile["outcomes"]["empty_answer"]
    stored = len(hostile["clean"]["tables"]["dcl_compliance"])
    assert outcome["run"]["status"] == "failed"
    assert (
        "DCL compliance walk is implausible: 0 records (the ledger announced 0 on "
        in outcome["log"]
    )
    assert f"against {stored} stored; nothing is marked removed" in outcome["log"]


def test_a_far_smaller_list_is_implausible_and_stores_nothing_of_it(hostile):
    outcome = hostile["outcomes"]["far_fewer_models"]
    assert outcome["run"]["status"] == "failed"
    assert "DCL model walk is implausible: 5 records" in outcome["log"]
    assert len(outcome["requests"]) == 1


def test_a_key_served_twice_is_kept_once_both_values_warned_about(hostile):
    outcome = hostile["outcomes"]["key_twice"]
    record = hostile["records"][4]
    assert outcome["run"]["status"] == "partial"
    assert (
        "its key came twice in this walk, the first kept: "
        f"reason {record['reason'] or None!r} then 'odd', software_version_string "
        f"{record['softwareVersionString']!r} then '9.9'" in outcome["log"]
    )


def test_a_clean_walk_after_them_completes_and_settles_the_dead_letters(hostile):
    assert hostile["outcomes"]["key_twice"]["dead_letters"]
    assert hostile["settled"]["run"]["status"] == "completed"
    assert hostile["settled"]["dead_letters"] == []
