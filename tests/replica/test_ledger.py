"""The replica's DCL ledger: model and compliance records in the real JSON shapes (unset
strings as "", integers as integers, ``total`` as a string), its one-record endpoints (404
for a vendor without models), the slim status views, the planted records, and the changes
a test makes between two walks."""

import pytest

from replica import Catalog, ReplicaServer
from replica.ledger import PLANS
from tests.helpers import get_json

COMPLIANCE_KEYS = {
    "vid",
    "pid",
    "softwareVersion",
    "certificationType",
    "softwareVersionString",
    "cDVersionNumber",
    "softwareVersionCertificationStatus",
    "date",
    "reason",
    "owner",
    "history",
    "cDCertificateId",
    "certificationRoute",
    "programType",
    "programTypeVersion",
    "compliantPlatformUsed",
    "compliantPlatformVersion",
    "transport",
    "familyId",
    "supportedClusters",
    "OSVersion",
    "parentChild",
    "certificationIdOfSoftwareComponent",
    "schemaVersion",
}
MODEL_INTEGERS = (
    "vid",
    "pid",
    "deviceTypeId",
    "commissioningCustomFlow",
    "schemaVersion",
    "lsfRevision",
)


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=80, seed=4)) as server:
        yield server


def test_a_model_page_has_the_real_shape(replica):
    status, page = get_json(
        f"{replica.dcl_url}/dcl/model/models?pagination.limit=10&pagination.count_total=true"
    )
    assert status == 200
    assert page["pagination"]["total"] == str(len(replica.ledger.models()))
    assert len(page["model"]) == 10
    for model in page["model"]:
        assert all(type(model[key]) is int for key in MODEL_INTEGERS)
        assert model["userManualUrl"] == ""


def test_a_compliance_page_has_the_real_shape(replica):
    status, page = get_json(f"{replica.dcl_url}/dcl/compliance/compliance-info?pagination.limit=10")
    assert status == 200
    assert isinstance(page["pagination"]["total"], str)
    for record in page["complianceInfo"]:
        assert set(record) == COMPLIANCE_KEYS
        assert type(record["softwareVersion"]) is int
        assert record["date"].endswith("T00:00:00.000Z")
        assert isinstance(record["history"], list)


def test_a_vendor_without_models_is_a_404(replica):
    modelled = {model["vid"] for model in replica.ledger.models()}
    without = [v.vid for v in replica.catalog.dcl_vendors() if v.vid not in modelled]
    assert without
    status, body = get_json(f"{replica.dcl_url}/dcl/model/models/{without[0]}")
    assert (status, body["code"]) == (404, 5)


def test_one_model_and_one_compliance_record_by_their_keys(replica):
    model = replica.ledger.models()[3]
    record = replica.ledger.compliance()[3]
    assert get_json(f"{replica.dcl_url}/dcl/model/models/{model['vid']}/{model['pid']}") == (
        200,
        {"model": model},
    )
    key = "/".join(
        str(record[name]) for name in ("vid", "pid", "softwareVersion", "certificationType")
    )
    assert get_json(f"{replica.dcl_url}/dcl/compliance/compliance-info/{key}") == (
        200,
        {"complianceInfo": record},
    )
    assert get_json(f"{replica.dcl_url}/dcl/model/models/{model['vid']}/65535")[0] == 404


def test_the_slim_views_split_the_records_by_status(replica):
    records = replica.ledger.compliance()
    for view, key, code in (
        ("certified-models", "certifiedModel", 2),
        ("revoked-models", "revokedModel", 3),
        ("provisional-models", "provisionalModel", 1),
    ):
        status, page = get_json(f"{replica.dcl_url}/dcl/compliance/{view}?pagination.limit=1000")
        assert status == 200
        assert (
            len(page[key])
            == sum(r["softwareVersionCertificationStatus"] == code for r in records)
            > 0
        )


def test_every_plan_is_on_the_ledger_of_a_small_catalogue(replica):
    assert {replica.ledger.plan(p) for p in replica.ledger.products()} >= set(PLANS.values())


def test_certificate_ids_with_stray_spaces_and_other_certification_types_are_served(replica):
    records = replica.ledger.compliance()
    assert any(r["cDCertificateId"] != r["cDCertificateId"].strip() for r in records)
    assert {r["certificationType"] for r in records} == {"matter", "zigbee"}


def test_a_revocation_keeps_the_earlier_state_in_history():
    catalog = Catalog(products=20, seed=4)
    ledger = ReplicaServer(catalog).ledger
    product = next(p for p in catalog.listed() if ledger.plan(p) is None)
    vid, pid = ledger.ids(product)

    def record():
        return next(r for r in ledger.compliance() if (r["vid"], r["pid"]) == (vid, pid))

    before = record()
    ledger.revoke(product.path, on="2026-11-30")
    after = record()
    assert (
        before["softwareVersionCertificationStatus"],
        after["softwareVersionCertificationStatus"],
    ) == (2, 3)
    assert after["date"] == "2026-11-30T00:00:00.000Z"
    assert after["history"] == [
        {
            "softwareVersionCertificationStatus": 2,
            "date": before["date"],
            "reason": "",
            "cDVersionNumber": 1,
        }
    ]
