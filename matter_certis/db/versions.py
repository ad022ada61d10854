"""The ledger's model versions in the database: which models a ``dcl_versions`` run reads
(``plan``), and what a run that read a model whole writes (``verified``, ``settle``)."""

from collections import defaultdict
from dataclasses import dataclass

from peewee import fn

from matter_certis.db.analysis import on_ledger
from matter_certis.db.models import DclCompliance, DclModel, DclModelVersion, FailedRequest
from matter_certis.db.store import remove
from matter_certis.listing import freshness


@dataclass(frozen=True)
class ModelPlan:
    """One model to read: ``whole`` reads every version again (its turn by age), else only
    the versions not ``stored`` yet (the model is new or changed)."""

    vid: int
    pid: int
    whole: bool
    stored: frozenset


def plan(share, overdue_before):
    """The models whose versions this run reads: every model on the ledger never read or
    whose model or compliance records changed since it was (new firmware comes with a new
    compliance record), then ``share`` of the others, read longest ago first, and every one
    read before ``overdue_before`` (``freshness.due``)."""
    stored = defaultdict(set)
    for vid, pid, version in (
        on_ledger(DclModelVersion)
        .select(DclModelVersion.vid, DclModelVersion.pid, DclModelVersion.software_version)
        .tuples()
    ):
        stored[(vid, pid)].add(version)
    compliance_changed = dict(
        ((vid, pid), changed)
        for vid, pid, changed in DclCompliance.select(
            DclCompliance.vid, DclCompliance.pid, fn.MAX(DclCompliance.updated_at)
        )
        .group_by(DclCompliance.vid, DclCompliance.pid)
        .tuples()
    )
    changed, ages = [], {}
    for vid, pid, read, updated in (
        on_ledger(DclModel)
        .select(DclModel.vid, DclModel.pid, DclModel.versions_verified_at, DclModel.updated_at)
        .tuples()
    ):
        latest = max(updated, compliance_changed.get((vid, pid), updated))
        if read is None or latest > read:
            changed.append((vid, pid))
        else:
            ages[(vid, pid)] = read
    due = freshness.due(ages, share, overdue_before)
    return [
        ModelPlan(vid, pid, whole, frozenset(stored[(vid, pid)]))
        for keys, whole in ((sorted(changed), False), (due, True))
        for vid, pid in keys
    ]


def stored_count():
    """How many model versions the database holds on the ledger."""
    return on_ledger(DclModelVersion).count()


def verified(models, when):
    """The versions of these ``(vid, pid)`` were read whole at ``when``. In a transaction."""
    for vid, pid in models:
        DclModel.update(versions_verified_at=when).where(
            (DclModel.vid == vid) & (DclModel.pid == pid)
        ).execute()


def settle(models, gone, list_url, session_id):
    """After a run that read ``models`` whole: their versions in ``gone`` (keys) left the
    ledger (``removed_at``), and their earlier dead letters are settled (``list_url(vid,
    pid)`` is a model's list, its versions below it). Returns how many were removed."""
    prefixes = [list_url(vid, pid) for vid, pid in models]
    letters = FailedRequest.select(FailedRequest.url).where(FailedRequest.kind == "dcl_versions")
    settled = [
        url
        for (url,) in letters.tuples()
        if any(url == prefix or url.startswith(prefix + "/") for prefix in prefixes)
    ]
    if settled:
        FailedRequest.delete().where(FailedRequest.url.in_(settled)).execute()
    return remove(DclModelVersion, list(gone), "version", session_id)
