"""The replica's model versions (firmware): the real JSON shapes of
``/dcl/model/versions/{vid}/{pid}[/{softwareVersion}]`` (file sizes as digit strings, "" for
unset strings, 404 for a model without versions, 400 for junk ids), each planted case, the
ground truth (``Ledger.versions``) agreeing with what is served, and the changes a test makes
between two walks."""

import base64

import pytest

from replica import Catalog, ReplicaServer
from tests.helpers import get_json

VERSION_KEYS = [
    "vid",
    "pid",
    "softwareVersion",
    "softwareVersionString",
    "cdVersionNumber",
    "firmwareInformation",
    "softwareVersionValid",
    "otaUrl",
    "otaFileSize",
    "otaChecksum",
    "otaChecksumType",
    "minApplicableSoftwareVersion",
    "maxApplicableSoftwareVersion",
    "releaseNotesUrl",
    "creator",
    "schemaVersion",
]
INTEGERS = (
    "vid",
    "pid",
    "softwareVersion",
    "cdVersionNumber",
    "otaChecksumType",
    "minApplicableSoftwareVersion",
    "maxApplicableSoftwareVersion",
    "schemaVersion",
)
DIGEST_SIZES = {1: 32, 7: 48, 8: 64, 10: 32}


def trimmed(value):
    """A ledger string as a crawl stores it (written here apart from the replica's own)."""
    return None if value is None or not value.strip() else value.strip()


def row(version):
    """The dcl_model_versions row of a served version, by the conventions of the crawler."""
    size = version.get("otaFileSize")
    return {
        "vid": version["vid"],
        "pid": version["pid"],
        "software_version": version["softwareVersion"],
        "software_version_string": trimmed(version["softwareVersionString"]),
        "cd_version_number": version["cdVersionNumber"],
        "firmware_information": trimmed(version["firmwareInformation"]),
        "software_version_valid": version["softwareVersionValid"],
        "ota_url": trimmed(version["otaUrl"]),
        "ota_file_size": int(size) if size else None,
        "ota_checksum": trimmed(version.get("otaChecksum")),
        "ota_checksum_type": version.get("otaChecksumType"),
        "min_applicable_software_version": version["minApplicableSoftwareVersion"],
        "max_applicable_software_version": version["maxApplicableSoftwareVersion"],
        "release_notes_url": trimmed(version["releaseNotesUrl"]),
        "schema_version": version["schemaVersion"],
    }


def walk(replica):
    """Every version, as a client walks them: each model's list, then each version."""
    served = []
    for model in replica.ledger.models():
        base = f"{replica.dcl_url}/dcl/model/versions/{model['vid']}/{model['pid']}"
        status, body = get_json(base)
        if status == 404:
            assert body["code"] == 5
            continue
        assert status == 200
        for software_version in body["modelVersions"]["softwareVersions"]:
            status, one = get_json(f"{base}/{software_version}")
            assert status == 200
            served.append(one["modelVersion"])
    return served


def planned(replica, plan):
    return [p for p in replica.catalog.listed() if replica.ledger.plan(p) == plan]


@pytest.fixture(scope="module")
def replica():
    with ReplicaServer(Catalog(products=80, seed=4)) as server:
        yield server


@pytest.fixture(scope="module")
def versions(replica):
    """Every version the ledger holds, as served."""
    return [v for records in replica.ledger.versions.records().values() for v in records]


def test_a_model_lists_its_versions_ascending_and_each_has_the_real_shape(replica):
    older = planned(replica, "older_firmware")[0]
    vid, pid = replica.ledger.ids(older)
    status, body = get_json(f"{replica.dcl_url}/dcl/model/versions/{vid}/{pid}")
    current = 100 * (older.serial + 1)
    assert (status, body) == (
        200,
        {"modelVersions": {"vid": vid, "pid": pid, "softwareVersions": [current - 1, current]}},
    )
    status, body = get_json(f"{replica.dcl_url}/dcl/model/versions/{vid}/{pid}/{current}")
    assert status == 200
    version = body["modelVersion"]
    assert list(version) == VERSION_KEYS
    assert all(type(version[key]) is int for key in INTEGERS)
    assert type(version["softwareVersionValid"]) is bool
    assert version["creator"].startswith("cosmos1")


def test_file_sizes_are_digit_strings_and_unset_values_empty_or_absent(versions):
    with_image = [v for v in versions if v["otaUrl"]]
    without = [v for v in versions if not v["otaUrl"]]
    assert len(versions) / 4 < len(without) < len(versions) / 2  # about a third
    for v in with_image:
        assert isinstance(v["otaFileSize"], str) and v["otaFileSize"].isdigit()
        assert len(base64.b64decode(v["otaChecksum"])) == DIGEST_SIZES[v["otaChecksumType"]]
    assert {v["otaChecksumType"] for v in with_image} == set(DIGEST_SIZES)
    for v in without:
        assert (v["otaChecksum"], v["otaChecksumType"]) == ("", 0)
        assert v.get("otaFileSize", "0") == "0"
    assert {"otaFileSize" in v for v in without} == {True, False}  # "0" or absent
    assert any(v["releaseNotesUrl"] == "" for v in versions)
    assert any(v["firmwareInformation"] == "" for v in versions)


def test_a_model_without_versions_an_unknown_one_and_junk_ids(replica):
    dcl = replica.dcl_url
    bare = planned(replica, "no_compliance_record")[0]  # its model is on the ledger
    vid, pid = replica.ledger.ids(bare)
    assert (vid, pid) in {(m["vid"], m["pid"]) for m in replica.ledger.models()}
    for path in (f"{vid}/{pid}", f"{vid}/{pid}/100", f"{vid}/65535", "65534/1/1"):
        status, body = get_json(f"{dcl}/dcl/model/versions/{path}")
        assert (status, body["code"], body["details"]) == (404, 5, []), path
    version = next(iter(replica.ledger.versions.records().values()))[0]
    vid, pid = version["vid"], version["pid"]
    assert (
        get_json(f"{dcl}/dcl/model/versions/{vid}/{pid}/{version['softwareVersion'] + 7}")[0] == 404
    )
    for junk in (f"{vid}/0x{pid:04X}", f"abc/{pid}", f"{vid}/{pid}/1.0", f"{vid}/{pid}/-1"):
        status, body = get_json(f"{dcl}/dcl/model/versions/{junk}")
        assert (status, body["code"]) == (400, 3), junk


def test_what_is_served_is_the_ground_truth_in_models_plus_versions_requests(replica):
    replica.clear_log()
    served = walk(replica)
    truth = replica.ledger.versions
    assert [row(v) for v in served] == truth.expected_versions()
    assert replica.count("dcl") == truth.model_count() + truth.version_count()
    assert truth.model_count() == len(replica.ledger.models())
    assert truth.version_count() == len(served)


def test_stray_spaces_are_trimmed_at_both_ends_only(replica):
    rows = {
        (r["vid"], r["pid"], r["software_version"]): r
        for r in replica.ledger.versions.expected_versions()
    }
    versions = [v for records in replica.ledger.versions.records().values() for v in records]
    padded = {
        key: [v for v in versions if v[key] != v[key].strip()]
        for key in ("otaUrl", "softwareVersionString", "firmwareInformation", "releaseNotesUrl")
    }
    assert all(padded.values()), padded
    for v in padded["firmwareInformation"]:
        stored = rows[(v["vid"], v["pid"], v["softwareVersion"])]["firmware_information"]
        assert "  " in stored and "\u00a0" in stored and stored == stored.strip()
    for v in padded["otaUrl"]:
        assert rows[(v["vid"], v["pid"], v["softwareVersion"])]["ota_url"].startswith("https://")


def test_each_planted_case_is_a_finding_and_the_near_misses_are_not(replica):
    ledger = replica.ledger
    findings = ledger.versions.expected_version_findings(replica.base_url)
    compliance = {(r["vid"], r["pid"], r["softwareVersion"]): r for r in ledger.compliance()}
    versions = [v for records in ledger.versions.records().values() for v in records]

    http = [v for v in versions if v["otaUrl"].strip().startswith("http://")]
    assert http and {("ota_not_https", v["vid"], v["pid"]) for v in http} == {
        (f[0], f[3], f[4]) for f in findings if f[0] == "ota_not_https"
    }
    for p in planned(replica, "ota_not_https"):
        vid, pid = ledger.ids(p)
        certificate = p.values["certificate_id"]
        assert ("ota_not_https", None, certificate, vid, pid) in findings
    assert ("ota_not_https", None, None) in {f[:3] for f in findings}  # no compliance record id

    for p in planned(replica, "revoked_but_listed"):
        vid, pid = ledger.ids(p)
        assert ("ota_for_revoked", None, p.values["certificate_id"], vid, pid) in findings
    revoked_invalid = [
        v
        for v in versions
        if not v["softwareVersionValid"]
        and v["otaUrl"]
        and compliance[(v["vid"], v["pid"], v["softwareVersion"])][
            "softwareVersionCertificationStatus"
        ]
        == 3
    ]
    assert revoked_invalid
    for v in revoked_invalid:  # an older firmware revoked and marked invalid: no OTA offered
        assert not any(
            f[0] == "ota_for_revoked" and f[3:] == (v["vid"], v["pid"]) for f in findings
        )

    firmware = {f[1] for f in findings if f[0] == "firmware_not_on_ledger"}
    expected = {replica.base_url + p.path for p in planned(replica, "firmware_not_on_ledger")}
    assert firmware == expected and firmware
    for finding in findings:
        assert finding[0] in ("firmware_not_on_ledger", "ota_not_https", "ota_for_revoked")


def test_a_version_string_in_another_case_or_padded_matches_the_listing(replica):
    details = {d["url"]: d for d in replica.catalog.expected_details(replica.base_url)}
    for p in replica.catalog.listed():
        if replica.ledger.plan(p) is not None or p.serial % 6 != 4 and p.serial % 5 != 2:
            continue
        records = replica.ledger.versions.records().get(replica.ledger.ids(p), [])
        detail = details.get(replica.base_url + p.path)
        if records and detail:
            shown = detail["software_version"] or detail["firmware_version"]
            assert records[0]["softwareVersionString"].strip().lower() == shown.lower()


def test_published_edited_and_withdrawn_versions_are_served_and_in_the_ground_truth():
    with ReplicaServer(Catalog(products=30, seed=7)) as replica:
        ledger, versions = replica.ledger, replica.ledger.versions
        plain = [p for p in replica.catalog.listed() if ledger.plan(p) is None]
        product = next(p for p in plain if versions.records().get(ledger.ids(p)))
        vid, pid = ledger.ids(product)
        base = f"{replica.dcl_url}/dcl/model/versions/{vid}/{pid}"
        current = 100 * (product.serial + 1)
        count = versions.version_count()

        published = versions.publish_version(product.path, ota_url="http://cdn.example.com/x.ota")
        assert published["softwareVersion"] == current + 1
        assert get_json(base)[1]["modelVersions"]["softwareVersions"] == [current, current + 1]
        assert get_json(f"{base}/{current + 1}") == (200, {"modelVersion": published})
        assert isinstance(published["otaFileSize"], str)
        assert versions.version_count() == count + 1
        assert ("ota_not_https", None, None, vid, pid) in versions.expected_version_findings(
            replica.base_url
        )
        with pytest.raises(ValueError):
            versions.publish_version(product.path, software_version=current)

        versions.edit_version(
            product.path,
            current + 1,
            ota_url="https://cdn.example.com/x.ota",
            release_notes_url=" ",
        )
        version = get_json(f"{base}/{current + 1}")[1]["modelVersion"]
        assert (version["otaUrl"], version["releaseNotesUrl"]) == (
            "https://cdn.example.com/x.ota",
            " ",
        )
        assert version["otaChecksum"] == published["otaChecksum"]  # set once, never changed
        with pytest.raises(ValueError):
            versions.edit_version(product.path, current + 1, ota_checksum="abc")
        with pytest.raises(ValueError):
            versions.edit_version(product.path, current + 7, software_version_valid=False)

        versions.withdraw_version(product.path, current + 1)
        assert get_json(base)[1]["modelVersions"]["softwareVersions"] == [current]
        assert get_json(f"{base}/{current + 1}")[0] == 404
        versions.withdraw_version(product.path, current)
        assert get_json(base)[0] == 404
        assert all((r["vid"], r["pid"]) != (vid, pid) for r in versions.expected_versions())
        replica.clear_log()
        assert [row(v) for v in walk(replica)] == versions.expected_versions()


def test_a_revocation_between_walks_makes_an_offered_image_a_finding():
    with ReplicaServer(Catalog(products=30, seed=7)) as replica:
        ledger, versions = replica.ledger, replica.ledger.versions
        product = next(
            p
            for p in replica.catalog.listed()
            if ledger.plan(p) is None
            and any(v["otaUrl"] for v in versions.records().get(ledger.ids(p), []))
        )
        vid, pid = ledger.ids(product)
        finding = ("ota_for_revoked", None, product.values["certificate_id"], vid, pid)
        assert finding not in versions.expected_version_findings(replica.base_url)
        ledger.revoke(product.path)
        assert finding in versions.expected_version_findings(replica.base_url)
        versions.edit_version(
            product.path, 100 * (product.serial + 1), software_version_valid=False
        )
        assert finding not in versions.expected_version_findings(replica.base_url)
        assert (
            get_json(
                f"{replica.dcl_url}/dcl/model/versions/{vid}/{pid}/{100 * (product.serial + 1)}"
            )[1]["modelVersion"]["softwareVersionValid"]
            is False
        )


def test_a_listing_version_changed_away_from_the_ledger_is_a_finding():
    with ReplicaServer(Catalog(products=30, seed=7)) as replica:
        ledger, versions = replica.ledger, replica.ledger.versions
        product = next(
            p
            for p in replica.catalog.listed()
            if ledger.plan(p) is None
            and p.values["software_version"]
            and p.values["firmware_version"]
            and p.values["vid"] is not None
            and p.values["pid"] is not None
        )
        vid, pid = ledger.ids(product)
        finding = (
            "firmware_not_on_ledger",
            replica.base_url + product.path,
            product.values["certificate_id"],
            vid,
            pid,
        )
        strings = [v["softwareVersionString"] for v in versions.records()[(vid, pid)]]
        assert finding not in versions.expected_version_findings(replica.base_url)
        replica.catalog.change(product.path, firmware_version="99.1")  # the ledger has the other
        assert finding not in versions.expected_version_findings(replica.base_url)
        replica.catalog.change(product.path, software_version="99.2")
        # the ledger keeps its own version strings: the listing moved away from them
        assert [v["softwareVersionString"] for v in versions.records()[(vid, pid)]] == strings
        assert finding in versions.expected_version_findings(replica.base_url)


def test_versions_stay_when_the_compliance_records_go_and_go_with_the_model():
    with ReplicaServer(Catalog(products=30, seed=7)) as replica:
        ledger, versions = replica.ledger, replica.ledger.versions
        first, second = [
            p
            for p in replica.catalog.listed()
            if ledger.plan(p) is None and versions.records().get(ledger.ids(p))
        ][:2]
        ledger.withdraw(first.path)
        assert get_json(f"{replica.dcl_url}/dcl/model/versions/%d/%d" % ledger.ids(first))[0] == 200
        ledger.withdraw_model(second.path)
        assert (
            get_json(f"{replica.dcl_url}/dcl/model/versions/%d/%d" % ledger.ids(second))[0] == 404
        )
        assert ledger.ids(second) not in versions.records()
