"""Spider ``dcl_versions``: every model version (firmware, OTA image) of the CSA's Distributed
Compliance Ledger."""

from datetime import timedelta

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError

from matter_certis.base_spiders.base import ProjectSpider
from matter_certis.base_spiders.dcl_walk import PLAUSIBLE_SHARE
from matter_certis.base_spiders.ledger_records import LedgerRecords, json_object
from matter_certis.db import analysis, versions
from matter_certis.db.models import utc_now
from matter_certis.exceptions import MalformedPage
from matter_certis.items import VERSION_KEY, DclModelVersion
from matter_certis.listing import freshness
from matter_certis.parsing.dcl_loaders import DclModelVersionLoader
from matter_certis.run import stat_keys, verdict

MAX_AGE = "MATTER_VERSIONS_MAX_AGE"


class DclVersionsSpider(LedgerRecords, ProjectSpider):
    """Syncs ``dcl_model_versions`` with the ledger. There is no list of all versions: a
    model's are listed by ``/dcl/model/versions/{vid}/{pid}`` (404: it has none, no
    error), each read by ``/dcl/model/versions/{vid}/{pid}/{softwareVersion}``.

    The models come from ``dcl_models`` (without a completed walk of it the run fails in
    one line naming it), as ``versions.plan`` chooses them: those never read, or whose
    model or compliance records changed since, have their versions listed and the new ones
    read; of the others, the share due under ``MATTER_VERSIONS_MAX_AGE`` have every version
    read again (the OTA URL, validity and applicable range may be edited; the image fields
    never change once published).

    A record is refused whole as ``LedgerRecords`` says; a list or version that fails after
    the retries, is malformed or is listed but not found is dead-lettered, and its model
    read again next run. A model is settled (``versions_verified_at``) only when read
    whole. Versions a model's list no longer names are marked ``removed_at`` only after a
    run in which every request succeeded, nothing was refused, and they are fewer than a
    tenth of those stored (``PLAUSIBLE_SHARE``); else nothing is removed.
    """

    name = "dcl_versions"
    path = "/dcl/model/versions"
    noun = "model version"
    loader_class = DclModelVersionLoader
    key = VERSION_KEY
    # Progress counts model lists as pages and versions as details.
    progress_units = ("model lists", "versions")
    detail_kind = "version"
    detail_item = DclModelVersion
    details_per_page = 1
    custom_settings = {"DELTAFETCH_ENABLED": False, "HTTPERROR_ALLOWED_CODES": [404]}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = {}
        self.planned_at = None
        self.stored = 0
        self.listed = {}  # (vid, pid) -> the software versions its list names
        self.incomplete = set()  # models with a list or a version not read whole
        self.implausible = None

    @classmethod
    def check_settings(cls, settings):
        super().check_settings(settings)
        freshness.seconds(MAX_AGE, settings.get(MAX_AGE))

    async def start(self):
        if analysis.never_completed(["dcl_models"]):
            verdict.fail(
                self.crawler,
                "no_models",
                "dcl_versions reads the versions of the models dcl_models stored, and it never "
                "ran to completion: run `scrapy crawl dcl_models` first",
            )
            return
        self.planned_at = utc_now()
        previous = analysis.last_run_start(self.name)
        since = None if previous is None else (self.planned_at - previous).total_seconds()
        max_age = freshness.seconds(MAX_AGE, self.settings.get(MAX_AGE))
        overdue = self.planned_at - timedelta(seconds=max_age)
        models = versions.plan(freshness.share(since, max_age), overdue)
        self.plan = {(model.vid, model.pid): model for model in models}
        self.stored = versions.stored_count()
        self.crawler.stats.set_value(stat_keys.PAGES_PLANNED, len(models))
        due = sum(model.whole for model in models)
        self.logger.info(
            "Reading the versions of %d models: %d new or changed, %d due to be verified again",
            len(models),
            len(models) - due,
            due,
        )
        for model in models:
            yield scrapy.Request(
                self.list_url(model.vid, model.pid),
                callback=self.parse_list,
                errback=self.failed,
                cb_kwargs={"model": (model.vid, model.pid)},
                meta={"kind": "version list", "model": (model.vid, model.pid)},
            )

    def planned(self, model):
        """The plan of a model; one this run did not plan (a resumed job's queue held it) is
        read whole, and nothing of it is taken as gone."""
        return self.plan.get(model) or versions.ModelPlan(*model, True, frozenset())

    def list_url(self, vid, pid):
        return f"{self.base_url()}{self.path}/{vid}/{pid}"

    def parse_list(self, response, model):
        """A model's versions: each one it lacks (or each, when due) is read."""
        self.crawler.stats.inc_value(stat_keys.PAGES_READ)
        try:
            listed = [] if response.status == 404 else read_list(response, model)
        except MalformedPage as error:
            self.incomplete.add(model)
            yield self.dead_letter(response.request, "malformed answer", str(error))
            return
        self.listed[model] = listed
        plan = self.planned(model)
        for software_version in listed:
            if plan.whole or software_version not in plan.stored:
                yield scrapy.Request(
                    f"{self.list_url(*model)}/{software_version}",
                    callback=self.parse_version,
                    errback=self.failed,
                    cb_kwargs={"model": model},
                    meta={"kind": "version", "model": model},
                )

    def parse_version(self, response, model):
        """One version, loaded whole or refused whole."""
        if response.status == 404:
            self.incomplete.add(model)
            return self.dead_letter(response.request, "HTTP 404", "listed but not found")
        try:
            record = read_record(response)
        except MalformedPage as error:
            self.incomplete.add(model)
            return self.dead_letter(response.request, "malformed answer", str(error))
        loaded = self.load(response, record)
        if not isinstance(loaded, DclModelVersion):
            self.incomplete.add(model)
        elif loaded["vid"] != model[0] or loaded["pid"] != model[1]:
            self.incomplete.add(model)
            return self.refuse(response.url, f"it is of vid/pid {loaded['vid']}/{loaded['pid']}")
        return loaded

    def failed(self, failure):
        """A list or version that failed after the retries: dead-lettered; its model is read
        again next run."""
        request = failure.request
        self.incomplete.add(request.meta["model"])
        why = (
            f"HTTP {failure.value.response.status}"
            if failure.check(HttpError)
            else type(failure.value).__name__
        )
        return self.dead_letter(request, why, str(failure.value))

    def models_read_whole(self):
        """The models whose list and versions this run read whole."""
        return [model for model in self.listed if model not in self.incomplete]

    def versions_gone(self):
        """Stored versions that a list read this run no longer names, when the run may say
        so: every request answered, nothing refused, and fewer than a tenth of the stored
        versions (else none, and ``audit`` says why)."""
        if self.incomplete or self.refused:
            return []
        gone = [
            (*model, software_version)
            for model, listed in self.listed.items()
            for software_version in self.planned(model).stored - set(listed)
        ]
        if len(gone) > self.stored * (1 - PLAUSIBLE_SHARE):
            self.implausible = (
                f"DCL model versions: {len(gone)} of the {self.stored} stored are no longer "
                "listed, too many to trust; nothing is marked removed"
            )
            return []
        return gone

    def audit(self):
        problems = super().audit()
        if self.implausible:
            problems.append(verdict.Problem("failed", self.implausible))
        return problems


def read_list(response, model):
    """The software versions of a model's list; ``MalformedPage`` if it is not one."""
    answer = json_object(response).get("modelVersions")
    if not isinstance(answer, dict):
        raise MalformedPage("no modelVersions object")
    listed = answer.get("softwareVersions")
    if not isinstance(listed, list) or not all(
        isinstance(version, int) and not isinstance(version, bool) for version in listed
    ):
        raise MalformedPage(f"softwareVersions is not a list of integers: {listed!r}")
    if (answer.get("vid"), answer.get("pid")) != model:
        raise MalformedPage(f"it lists vid/pid {answer.get('vid')!r}/{answer.get('pid')!r}")
    return listed


def read_record(response):
    """The ``modelVersion`` record of a version's answer; ``MalformedPage`` if none."""
    record = json_object(response).get("modelVersion")
    if not isinstance(record, dict):
        raise MalformedPage("no modelVersion object")
    return record
