"""``scrapy crawl dcl_compliance`` against the replica's ledger: every compliance record stored
exactly (certificate ids trimmed, every certification type, statuses by name, history as
JSON), and what changes between two walks recorded in ``dcl_changes``: a revocation, a new
certification, a record gone from the ledger (marked, not deleted)."""

import json

import pytest

from matter_certis.exceptions import InvalidValue
from matter_certis.parsing import normalize
from matter_certis.run import verdict
from replica import Catalog, ReplicaServer
from replica.dcl import Faults
from replica.ledger import REVOCATION_REASON
from tests.helpers import pages, rows, stored_compliance, walk

PAGE_LIMIT = 30


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("compliance")
    with ReplicaServer(Catalog(products=160, seed=2)) as replica:
        outcome = walk(replica, workdir, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        outcome["expected"] = replica.ledger.expected_compliance()
        outcome["served"] = replica.ledger.compliance()
    outcome["stored"] = stored_compliance(workdir)
    return outcome


def test_a_complete_walk_stores_every_compliance_record_exactly(complete):
    assert complete["result"].returncode == 0, complete["log"][-3000:]
    assert complete["stored"] == complete["expected"]


def test_a_complete_walk_reads_each_page_once(complete):
    assert (
        len(complete["requests"])
        == len(set(complete["requests"]))
        == pages(len(complete["expected"]), PAGE_LIMIT)
        >= 5
    )
    assert (complete["run"]["spider"], complete["run"]["status"]) == ("dcl_compliance", "completed")


def test_certificate_ids_with_stray_spaces_are_stored_trimmed(complete):
    spaced = [
        r["cDCertificateId"] for r in complete["served"] if r["cDCertificateId"].startswith(" ")
    ]
    stored = {r["certificate_id"] for r in complete["stored"]}
    assert spaced
    assert {certificate.strip() for certificate in spaced} <= stored


def test_every_certification_type_is_stored_not_only_matter(complete):
    assert {r["certification_type"] for r in complete["stored"]} == {"matter", "zigbee"}


def test_statuses_are_stored_by_name(complete):
    assert {r["status"] for r in complete["stored"]} == {
        "dev-test",
        "provisional",
        "certified",
        "revoked",
    }


def test_a_revoked_record_keeps_its_certified_state_in_history(complete):
    revoked = next(r for r in complete["stored"] if r["status"] == "revoked")
    assert revoked["reason"] == REVOCATION_REASON
    assert json.loads(revoked["history"])[0]["softwareVersionCertificationStatus"] == 2


def test_an_empty_reason_is_null_and_an_empty_history_an_empty_list(complete):
    certified = next(r for r in complete["stored"] if r["status"] == "certified")
    assert (certified["reason"], certified["history"]) == (None, "[]")


def test_the_default_page_limit_reads_hundreds_of_records_a_request(tmp_path):
    with ReplicaServer(Catalog(products=600, seed=0)) as replica:
        outcome = walk(replica, tmp_path, "dcl_compliance")
        expected = replica.ledger.expected_compliance()
    assert len(expected) > 500
    assert len(outcome["requests"]) <= pages(len(expected), 500) + 2
    assert stored_compliance(tmp_path) == expected


# -- two walks -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_walks(tmp_path_factory):
    """A walk, then a revocation, a re-certification of an earlier revoked record and a
    record taken off the ledger, then a second walk."""
    workdir = tmp_path_factory.mktemp("two-walks")
    with ReplicaServer(Catalog(products=80, seed=2)) as replica:
        ledger = replica.ledger
        first = walk(replica, workdir, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        certified = [p for p in replica.catalog.listed() if ledger.plan(p) is None]
        revoked_path, withdrawn_path = certified[0].path, certified[1].path
        planted = next(
            p for p in replica.catalog.listed() if ledger.plan(p) == "revoked_but_listed"
        )
        ledger.revoke(revoked_path, on="2026-11-30")
        ledger.certify_again(planted.path, on="2026-12-01")
        ledger.withdraw(withdrawn_path)
        second = walk(replica, workdir, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        expected = ledger.expected_compliance()
        keys = {
            path: ledger.ids(replica.catalog.product(path))
            for path in (revoked_path, withdrawn_path, planted.path)
        }
    changes = rows(workdir / "matter_certis.db", "SELECT * FROM dcl_changes ORDER BY id")
    return {
        "first": first,
        "second": second,
        "expected": expected,
        "changes": changes,
        "workdir": workdir,
        "keys": keys,
        "revoked": revoked_path,
        "withdrawn": withdrawn_path,
        "planted": planted.path,
    }


def changes_of(two_walks, path):
    vid, pid = two_walks["keys"][path]
    return {
        change["field"]: (change["old_value"], change["new_value"])
        for change in two_walks["changes"]
        if (change["vid"], change["pid"]) == (vid, pid)
    }


def test_a_revocation_between_two_walks_is_a_recorded_change(two_walks):
    changes = changes_of(two_walks, two_walks["revoked"])
    assert changes["status"] == ("certified", "revoked")
    assert changes["certification_date"][1] == "2026-11-30"
    assert changes["reason"] == (None, REVOCATION_REASON)


def test_a_recorded_change_names_its_record_and_the_walk_that_saw_it(two_walks):
    change = next(c for c in two_walks["changes"] if c["field"] == "status")
    assert change["record"] == "compliance"
    assert change["certification_type"] == "matter"
    assert change["software_version"] is not None
    assert change["session_id"] == two_walks["second"]["run"]["session_id"]


def test_a_record_certified_again_is_a_recorded_change_back(two_walks):
    assert changes_of(two_walks, two_walks["planted"])["status"] == ("revoked", "certified")


def test_a_record_gone_from_the_ledger_is_marked_not_deleted(two_walks):
    vid, pid = two_walks["keys"][two_walks["withdrawn"]]
    gone = stored_compliance(two_walks["workdir"], "removed_at IS NOT NULL")
    assert [(r["vid"], r["pid"]) for r in gone] == [(vid, pid)]
    assert changes_of(two_walks, two_walks["withdrawn"])["removed_at"][0] is None


def test_after_two_walks_the_records_on_the_ledger_are_exactly_its_own(two_walks):
    assert stored_compliance(two_walks["workdir"]) == two_walks["expected"]
    assert two_walks["second"]["run"]["status"] == "completed"


def test_only_the_changed_records_have_changes(two_walks):
    changed = {(c["vid"], c["pid"]) for c in two_walks["changes"]}
    assert changed == set(two_walks["keys"].values())


def test_a_failed_walk_marks_nothing_removed(tmp_path):
    with ReplicaServer(Catalog(products=80, seed=2)) as replica:
        walk(replica, tmp_path, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        replica.dcl_faults["compliance"] = Faults(malformed_page=2)
        failed = walk(replica, tmp_path, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
    assert failed["run"]["status"] == "failed"
    assert stored_compliance(tmp_path, "removed_at IS NOT NULL") == []


# -- faults -----------------------------------------------------------------------------------------
def faulty_walk(tmp_path, **faults):
    with ReplicaServer(
        Catalog(products=80, seed=2), dcl_ledger_faults={"compliance": Faults(**faults)}
    ) as replica:
        outcome = walk(replica, tmp_path, "dcl_compliance", DCL_PAGE_LIMIT=PAGE_LIMIT)
        outcome["expected"] = replica.ledger.expected_compliance()
    outcome["stored"] = stored_compliance(tmp_path)
    return outcome


def test_an_endless_run_of_empty_pages_fails_the_walk_at_the_first(tmp_path):
    outcome = faulty_walk(tmp_path, endless_empty=True)
    assert "failed (dcl_empty_page)" in outcome["log"]
    assert len(outcome["requests"]) == pages(len(outcome["expected"]), PAGE_LIMIT) + 1
    assert outcome["stored"] == outcome["expected"]
    assert outcome["result"].returncode == verdict.EXIT_CODES["failed"]


def test_a_repeating_key_fails_the_walk(tmp_path):
    outcome = faulty_walk(tmp_path, loop_key=True)
    assert "failed (dcl_key_loop)" in outcome["log"]
    assert outcome["run"]["status"] == "failed"


def test_a_software_version_sent_as_text_is_refused_not_read_as_a_number(tmp_path):
    outcome = faulty_walk(tmp_path, record_overrides={1: {"softwareVersion": "300"}})
    assert outcome["stored"] == outcome["expected"][:1] + outcome["expected"][2:]
    assert outcome["run"]["status"] == "partial"
    assert (
        "not stored (softwareVersion: not a JSON integer: '300')"
        in (outcome["run"]["error_details"])
    )


def test_a_status_outside_the_enum_refuses_the_whole_record(tmp_path):
    outcome = faulty_walk(tmp_path, record_overrides={3: {"softwareVersionCertificationStatus": 7}})
    assert outcome["stored"] == outcome["expected"][:3] + outcome["expected"][4:]
    assert (
        "softwareVersionCertificationStatus: not a certification status (0..3): 7"
        in (outcome["log"])
    )


# -- the rules, without a crawl ---------------------------------------------------------------------
@pytest.mark.parametrize("value", ["300", True, 3.0, -1, [300]])
def test_a_software_version_must_be_a_json_integer(value):
    with pytest.raises(InvalidValue):
        normalize.json_integer(value)


@pytest.mark.parametrize(
    ("code", "name"),
    [(0, "dev-test"), (1, "provisional"), (2, "certified"), (3, "revoked"), (None, None)],
)
def test_status_codes_are_named_as_the_matter_specification_does(code, name):
    assert normalize.json_status(code) == name


@pytest.mark.parametrize(
    ("value", "iso"),
    [
        ("2023-12-11T00:00:00.000Z", "2023-12-11"),
        ("2023-12-11T00:00:00Z", "2023-12-11"),
        ("2023-12-11T23:59:59.999+01:00", "2023-12-11"),
        ("2023-12-11", "2023-12-11"),
        ("", None),
    ],
)
def test_ledger_timestamps_are_read_by_isoparse_into_iso_dates(value, iso):
    assert normalize.json_date(value) == iso


@pytest.mark.parametrize(
    "value",
    [
        "12/11/2023",
        "2024/01/02",
        "2023-13-01T00:00:00Z",
        "2023-12-11T25:00:00Z",
        "2023-02-30",
        "2023-12",
        "2023-12-11Tnoon",
        "soon",
        20231211,
    ],
)
def test_other_dates_are_refused(value):
    with pytest.raises(InvalidValue):
        normalize.json_date(value)


def test_history_is_json_text_with_sorted_keys_and_nothing_but_a_list_is_history():
    assert normalize.json_list([{"reason": "", "date": "d"}]) == '[{"date": "d", "reason": ""}]'
    with pytest.raises(InvalidValue):
        normalize.json_list({"date": "d"})
