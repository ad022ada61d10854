"""The firmware ``scrapy dbfirmware`` lists: the model versions of listed products or of
ledger models, each beside the status of its compliance record (peewee and the ledger's
views, so SQLite and PostgreSQL alike). Read-only, with the database open."""

from collections import defaultdict
from dataclasses import dataclass

from matter_certis.db import analysis, ledger_views, products
from matter_certis.db.analysis import on_ledger
from matter_certis.db.models import DclCompliance, DclModel, DclModelVersion

# The walk whose rows these are: without a completed one, "no versions" may mean "not
# walked yet".
SOURCE = "dcl_versions"


@dataclass(frozen=True)
class ProductModel:
    """A listed product and the model whose versions are its firmware: that of the
    compliance record it matches (``LEDGER_MATCHES``), else its own vid/pid; ``ids`` is
    ``None`` when it has neither."""

    url: str
    model: str | None
    ids: tuple | None


def product_models(**filters):
    """The listed products the listing's ``filters`` select (``products.product_rows``,
    newest slot first), each a ``ProductModel``."""
    matches = {
        match["url"]: (match["ledger_vid"], match["ledger_pid"])
        for match in ledger_views.read(ledger_views.LEDGER_MATCHES)
    }
    found = []
    for row in products.product_rows(**filters):
        ids = matches.get(row["url"], (row["vid"], row["pid"]))
        found.append(ProductModel(row["url"], row["model"], None if None in ids else ids))
    return found


def statuses(vids):
    """``{(vid, pid, software_version): status}`` of the compliance records on the ledger
    of these vendors: the ``matter`` record's status, else that of the first other type."""
    query = (
        on_ledger(DclCompliance)
        .select(
            DclCompliance.vid,
            DclCompliance.pid,
            DclCompliance.software_version,
            DclCompliance.certification_type,
            DclCompliance.status,
        )
        .where(DclCompliance.vid.in_(sorted(vids)))
    )
    chosen = {}
    for vid, pid, version, kind, status in query.tuples():
        key = (vid, pid, version)
        rank = (kind != "matter", kind)
        if key not in chosen or rank < chosen[key][0]:
            chosen[key] = (rank, status)
    return {key: status for key, (_, status) in chosen.items()}


# The findings of ``dbreconcile`` that are a model version's, by name: their views say when.
VERSION_FINDINGS = {
    "ota_not_https": ledger_views.OTA_NOT_HTTPS,
    "ota_for_revoked": ledger_views.OTA_FOR_REVOKED,
}


def findings():
    """``{(vid, pid, software_version): [finding]}`` of the versions with a finding."""
    found = defaultdict(list)
    for name, select in VERSION_FINDINGS.items():
        for row in ledger_views.read(select):
            key = (row["vid"], row["pid"], row["software_version"])
            if name not in found[key]:
                found[key].append(name)
    return found


def versions(vids, pid=None):
    """``{(vid, pid): [version]}``: every version still on the ledger of these vendors (of
    one model with ``pid``), newest first (``software_version`` descending), each a dict of
    ``dcl_model_versions`` columns with ``status`` (``statuses``; ``None`` without a
    record) and ``findings`` (their names, comma-separated; ``None`` without)."""
    query = on_ledger(DclModelVersion).where(DclModelVersion.vid.in_(sorted(vids)))
    if pid is not None:
        query = query.where(DclModelVersion.pid == pid)
    query = query.order_by(
        DclModelVersion.vid, DclModelVersion.pid, DclModelVersion.software_version.desc()
    )
    status_of, findings_of = statuses(vids), findings()
    found = defaultdict(list)
    for row in query.dicts():
        key = (row["vid"], row["pid"])
        row["status"] = status_of.get((*key, row["software_version"]))
        row["findings"] = ", ".join(findings_of.get((*key, row["software_version"]), [])) or None
        found[key].append(row)
    return dict(found)


def on_the_ledger(vid, pid=None):
    """Whether the ledger has a model record of this vendor (of this model with ``pid``)."""
    query = on_ledger(DclModel).where(DclModel.vid == vid)
    if pid is not None:
        query = query.where(DclModel.pid == pid)
    return query.exists()


def never_walked():
    """Whether no ``dcl_versions`` walk completed yet in this database."""
    return bool(analysis.never_completed([SOURCE]))
