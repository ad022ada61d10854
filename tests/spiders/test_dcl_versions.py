"""``dcl_versions`` without a crawl: which models a run reads (new or changed ones, and the
share due), a model's list and its versions read whole or refused whole, a 404 that means
"no versions", and when a run may say versions left the ledger."""

import json
from datetime import timedelta

import pytest
import pytest_twisted
from scrapy.http import Request, TextResponse

from matter_certis.db import models, versions
from matter_certis.db.models import utc_now
from matter_certis.items import DclModelVersion, RequestFailure
from matter_certis.spiders.dcl_versions import DclVersionsSpider

BASE = "https://on.dcl.csa-iot.org/dcl/model/versions"
VERSION = {
    "vid": 4447,
    "pid": 8194,
    "softwareVersion": 1011,
    "softwareVersionString": "1.0.1.1",
    "cdVersionNumber": 1,
    "firmwareInformation": "",
    "softwareVersionValid": True,
    "otaUrl": "https://cdn.example.com/4447_8194_1.0.1.1.ota",
    "otaFileSize": "615708",
    "otaChecksum": "rFZ6WdH0DuuCf7HVoRmNjCF73mYZ98DGYpHoDKmf0Bw=",
    "otaChecksumType": 1,
    "minApplicableSoftwareVersion": 1000,
    "maxApplicableSoftwareVersion": 1010,
    "releaseNotesUrl": "",
    "creator": "cosmos1qqqq",
    "schemaVersion": 0,
}


def answer(url, body, status=200):
    return TextResponse(
        url, status=status, body=json.dumps(body).encode(), encoding="utf-8", request=Request(url)
    )


@pytest.fixture(autouse=True)
def spider(make_spider):
    """The spider, and the empty test database it reads its plan from."""
    return make_spider(DclVersionsSpider)


async def started(spider):
    return [request async for request in spider.start()]


def models_walked():
    models.CrawlingResult.create(
        session_id="models", spider="dcl_models", status="completed", started_at=utc_now()
    )


def model(vid=4447, pid=8194, **values):
    return models.DclModel.create(vid=vid, pid=pid, **values)


def stored_version(software_version, vid=4447, pid=8194):
    models.DclModelVersion.create(vid=vid, pid=pid, software_version=software_version)


# -- the plan ------------------------------------------------------------------------------------
def test_a_model_never_read_is_planned_for_its_new_versions_only():
    model()
    assert versions.plan(0.0, None) == [versions.ModelPlan(4447, 8194, False, frozenset())]


def test_a_model_read_since_its_last_change_is_not_planned():
    model(versions_verified_at=utc_now() + timedelta(seconds=1))
    assert versions.plan(0.0, None) == []


def test_a_model_whose_compliance_records_changed_since_is_planned_again():
    read = utc_now()
    model(versions_verified_at=read)
    stored_version(1000)
    models.DclCompliance.create(
        vid=4447,
        pid=8194,
        software_version=1011,
        certification_type="matter",
        updated_at=read + timedelta(seconds=5),
    )
    assert versions.plan(0.0, None) == [versions.ModelPlan(4447, 8194, False, frozenset({1000}))]


def test_the_share_due_is_read_whole_longest_ago_first():
    now = utc_now()
    for pid, age in ((1, 3), (2, 1), (3, 2)):
        model(pid=pid, versions_verified_at=now + timedelta(seconds=10 - age), updated_at=now)
    assert [(p.pid, p.whole) for p in versions.plan(0.5, None)] == [(1, True), (3, True)]


# -- a run, without the network -----------------------------------------------------------------
@pytest_twisted.ensureDeferred
async def test_a_list_asks_only_for_the_versions_not_stored(spider):
    models_walked()
    model()
    stored_version(1000)
    models.DclModel.update(versions_verified_at=None).execute()
    [request] = await started(spider)
    assert request.url == f"{BASE}/4447/8194"
    listed = {"modelVersions": {"vid": 4447, "pid": 8194, "softwareVersions": [1000, 1011]}}
    output = list(spider.parse_list(answer(request.url, listed), model=(4447, 8194)))
    assert [r.url for r in output] == [f"{BASE}/4447/8194/1011"]


@pytest_twisted.ensureDeferred
async def test_a_404_list_is_a_model_without_versions_read_whole(spider):
    models_walked()
    model()
    await started(spider)
    not_found = answer(f"{BASE}/4447/8194", {"code": 5, "message": "not found"}, status=404)
    assert list(spider.parse_list(not_found, model=(4447, 8194))) == []
    assert spider.models_read_whole() == [(4447, 8194)]


@pytest_twisted.ensureDeferred
async def test_without_a_completed_models_walk_the_run_fails_naming_it(spider, caplog):
    model()
    assert await started(spider) == []
    assert "run `scrapy crawl dcl_models` first" in caplog.text


def test_a_list_this_run_did_not_plan_is_read_whole(spider):
    listed = {"modelVersions": {"vid": 1, "pid": 2, "softwareVersions": [10, 11]}}
    output = list(spider.parse_list(answer(f"{BASE}/1/2", listed), model=(1, 2)))
    assert [r.url for r in output] == [f"{BASE}/1/2/10", f"{BASE}/1/2/11"]
    assert spider.versions_gone() == []


def test_a_version_is_loaded_with_its_file_size_as_an_integer(spider):
    item = spider.parse_version(
        answer(f"{BASE}/4447/8194/1011", {"modelVersion": VERSION}), model=(4447, 8194)
    )
    assert isinstance(item, DclModelVersion)
    assert (
        item["ota_file_size"],
        item["software_version_valid"],
        item.get("release_notes_url"),
    ) == (
        615708,
        True,
        None,
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [("otaFileSize", 615708), ("softwareVersionValid", "true"), ("otaUrl", 7)],
)
def test_a_value_of_the_wrong_type_refuses_the_version_and_its_model_stays_unsettled(
    spider, key, value
):
    url = f"{BASE}/4447/8194/1011"
    spider.listed[(4447, 8194)] = [1011]
    letter = spider.parse_version(
        answer(url, {"modelVersion": {**VERSION, key: value}}), model=(4447, 8194)
    )
    assert isinstance(letter, RequestFailure)
    assert (letter["url"], letter["kind"]) == (url, "dcl_versions")
    assert letter["error_message"].startswith(f"{key}: ")
    assert spider.models_read_whole() == []


def test_a_version_listed_but_not_found_is_dead_lettered(spider):
    url = f"{BASE}/4447/8194/1011"
    request = Request(url, meta={"kind": "version", "model": (4447, 8194)})
    response = TextResponse(url, status=404, body=b"{}", request=request)
    letter = spider.parse_version(response, model=(4447, 8194))
    assert (letter["error_type"], letter["kind"]) == ("HTTP 404", "version")


def test_versions_no_longer_listed_are_gone_after_a_whole_run(spider):
    spider.plan = {(1, 2): versions.ModelPlan(1, 2, True, frozenset({10, 11}))}
    spider.stored = 20
    spider.listed = {(1, 2): [11]}
    assert spider.versions_gone() == [(1, 2, 10)]


def test_nothing_is_gone_after_a_run_with_a_failure(spider):
    spider.plan = {(1, 2): versions.ModelPlan(1, 2, True, frozenset({10, 11}))}
    spider.stored = 20
    spider.listed = {(1, 2): [11], (1, 3): []}
    spider.incomplete.add((1, 3))
    assert spider.versions_gone() == []


def test_too_many_versions_gone_at_once_is_implausible_and_fails_the_run(spider):
    spider.plan = {(1, 2): versions.ModelPlan(1, 2, True, frozenset({10, 11}))}
    spider.stored = 10
    spider.listed = {(1, 2): []}
    assert spider.versions_gone() == []
    [problem] = spider.audit()
    assert problem.status == "failed"
    assert "2 of the 10 stored are no longer listed" in problem.reason
