"""``scrapy crawl dcl_models`` against the replica's ledger: every model record stored exactly
in a few requests (never one per model), keys URL-encoded, the walk's faults ending the run
``failed`` with the records read kept, records of the wrong shape refused or NULLed, and the
replica's one-vendor endpoint (404 for a vendor without models)."""

import pytest

from matter_certis.run import verdict
from replica import Catalog, ReplicaServer
from replica.dcl import Faults
from tests.helpers import get_json, pages, rows, stored_models, walk

PAGE_LIMIT = 25


@pytest.fixture(scope="module")
def complete(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("models")
    with ReplicaServer(Catalog(products=150, seed=1)) as replica:
        outcome = walk(replica, workdir, "dcl_models", DCL_PAGE_LIMIT=PAGE_LIMIT)
        outcome["expected"] = replica.ledger.expected_models()
    outcome["stored"] = stored_models(workdir)
    return outcome


def test_a_complete_walk_stores_every_model_record_exactly(complete):
    assert complete["result"].returncode == 0, complete["log"][-3000:]
    assert complete["stored"] == complete["expected"]


def test_a_complete_walk_reads_each_page_once(complete):
    assert (
        len(complete["requests"])
        == len(set(complete["requests"]))
        == pages(len(complete["expected"]), PAGE_LIMIT)
        >= 5
    )


def test_next_keys_are_url_encoded(complete):
    keys = [path.split("pagination.key=")[1] for path in complete["requests"][1:]]
    assert all("%2B" in key and "%2F" in key and "%3D" in key for key in keys)


def test_a_complete_walk_is_recorded_as_completed(complete):
    assert (complete["run"]["spider"], complete["run"]["status"]) == ("dcl_models", "completed")


def test_unset_strings_are_null_and_urls_trimmed(complete):
    assert any(model["product_label"] is None for model in complete["stored"])
    assert all(model["user_manual_url"] is None for model in complete["stored"])
    assert not any(model["product_url"].endswith(" ") for model in complete["stored"])


def test_the_default_page_limit_reads_hundreds_of_models_a_request(tmp_path):
    with ReplicaServer(Catalog(products=600, seed=0)) as replica:
        outcome = walk(replica, tmp_path, "dcl_models")
        expected = replica.ledger.expected_models()
    assert len(expected) > 500
    assert len(outcome["requests"]) <= pages(len(expected), 500) + 2
    assert stored_models(tmp_path) == expected


def failed_walk(tmp_path, **faults):
    with ReplicaServer(
        Catalog(products=150, seed=1), dcl_ledger_faults={"models": Faults(**faults)}
    ) as replica:
        outcome = walk(replica, tmp_path, "dcl_models", DCL_PAGE_LIMIT=PAGE_LIMIT)
        outcome["expected"] = replica.ledger.expected_models()
    outcome["stored"] = stored_models(tmp_path)
    return outcome


def test_a_total_the_walk_does_not_reach_fails_it_and_keeps_the_models_read(tmp_path):
    outcome = failed_walk(tmp_path, total_offset=4)
    assert outcome["run"]["status"] == "failed"
    assert outcome["result"].returncode == verdict.EXIT_CODES["failed"]
    assert "but the ledger announced" in outcome["run"]["error_details"]
    assert outcome["stored"] == outcome["expected"]


def test_a_malformed_page_fails_the_walk_and_keeps_the_pages_before_it(tmp_path):
    outcome = failed_walk(tmp_path, malformed_page=3)
    assert "failed (dcl_malformed)" in outcome["log"]
    assert outcome["stored"] == outcome["expected"][: 2 * PAGE_LIMIT]


def test_a_model_without_a_json_integer_pid_is_refused_and_the_run_partial(tmp_path):
    outcome = failed_walk(tmp_path, record_overrides={2: {"pid": "0x0001"}})
    assert outcome["stored"] == outcome["expected"][:2] + outcome["expected"][3:]
    assert outcome["run"]["status"] == "partial"
    assert "not stored (pid: not a JSON integer: '0x0001')" in outcome["run"]["error_details"]


def test_a_device_type_id_sent_as_text_refuses_the_whole_record(tmp_path):
    outcome = failed_walk(tmp_path, record_overrides={4: {"deviceTypeId": "769"}})
    refused = outcome["expected"][4]
    assert outcome["stored"] == outcome["expected"][:4] + outcome["expected"][5:]
    assert (
        f"/dcl/model/models/{refused['vid']}/{refused['pid']}: refused record: "
        "deviceTypeId: not a JSON integer: '769'" in outcome["log"]
    )


# -- the replica's one-vendor endpoint ---------------------------------------------------------


def test_a_vendor_without_models_is_a_404_and_one_with_models_lists_them():
    with ReplicaServer(Catalog(products=60, seed=1)) as replica:
        modelled = {model["vid"] for model in replica.ledger.models()}
        without = next(v.vid for v in replica.catalog.dcl_vendors() if v.vid not in modelled)
        with_models = replica.ledger.models()[0]["vid"]
        missing = get_json(f"{replica.dcl_url}/dcl/model/models/{without}")
        found = get_json(f"{replica.dcl_url}/dcl/model/models/{with_models}")
    assert missing[0] == 404
    assert found[0] == 200
    assert found[1]["vendorProducts"]["vid"] == with_models
    assert found[1]["vendorProducts"]["products"]


# -- two walks -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def two_walks(tmp_path_factory):
    """A walk, a model taken off the ledger and a product renamed, a second walk."""
    workdir = tmp_path_factory.mktemp("two-walks")
    with ReplicaServer(Catalog(products=60, seed=1)) as replica:
        ledger = replica.ledger
        first = walk(replica, workdir, "dcl_models", DCL_PAGE_LIMIT=PAGE_LIMIT)
        plain = [p for p in replica.catalog.listed() if ledger.plan(p) is None]
        ledger.withdraw_model(plain[0].path)
        replica.catalog.change(plain[1].path, model="Renamed Plug")
        second = walk(replica, workdir, "dcl_models", DCL_PAGE_LIMIT=PAGE_LIMIT)
        expected = ledger.expected_models()
        gone, renamed = ledger.ids(plain[0]), ledger.ids(plain[1])
    changes = rows(workdir / "matter_certis.db", "SELECT * FROM dcl_changes ORDER BY id")
    return {
        "first": first,
        "second": second,
        "expected": expected,
        "changes": changes,
        "workdir": workdir,
        "gone": gone,
        "renamed": renamed,
    }


def test_a_model_gone_from_the_ledger_is_marked_not_deleted(two_walks):
    gone = stored_models(two_walks["workdir"], "removed_at IS NOT NULL")
    assert [(m["vid"], m["pid"]) for m in gone] == [two_walks["gone"]]
    assert stored_models(two_walks["workdir"]) == two_walks["expected"]


def test_a_changed_model_and_a_removed_one_are_recorded_changes(two_walks):
    changes = {
        ((c["vid"], c["pid"]), c["field"]): (c["old_value"], c["new_value"])
        for c in two_walks["changes"]
    }
    assert {key for key, _ in changes} == {two_walks["gone"], two_walks["renamed"]}
    assert changes[(two_walks["gone"], "removed_at")][0] is None
    assert changes[(two_walks["renamed"], "product_name")][1] == "Renamed Plug"
    assert all(
        c["record"] == "model" and c["software_version"] is None for c in two_walks["changes"]
    )
