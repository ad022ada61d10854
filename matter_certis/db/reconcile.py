"""The listing beside the ledger: which listed product matches which DCL compliance record,
and where the two disagree (``scrapy dbreconcile``; docs/ledger.md). Read-only
queries, asked with the database open (``connection.reading``)."""

from collections import Counter

from peewee import JOIN

from matter_certis.db import analysis
from matter_certis.db.models import DclChange, DclCompliance, DclModel, Product, ProductDetail
from matter_certis.db.products import shown
from matter_certis.parsing import normalize

# Each finding and what it means for a user (the terminal summary and docs/ledger.md say the same).
FINDINGS = {
    "not_on_ledger": "listed, but the ledger knows neither its certificate id nor its model",
    "no_compliance_record": "listed, its model is on the ledger but not its certificate id",
    "id_mismatch": "the ledger's record of its certificate id has another Vendor or Product ID",
    "date_mismatch": "the ledger certified it on another date than the site shows",
    "revoked_but_listed": "the ledger revoked its certification, the site still lists it",
    "not_listed": "certified for Matter on the ledger, but no listed product has its certificate id",
}


def on_ledger(model):
    """Rows of a ledger table still on the ledger (not ``removed_at``)."""
    return model.select().where(model.removed_at.is_null())


def has_ledger():
    """Whether the ledger's compliance records were ever walked into this database."""
    return DclCompliance.select().exists()


def ledger_totals():
    """How many ledger rows of each kind the database holds."""
    return {
        "DCL model records": on_ledger(DclModel).count(),
        "DCL compliance records": on_ledger(DclCompliance).count(),
        "revoked compliance records": on_ledger(DclCompliance)
        .where(DclCompliance.status == "revoked")
        .count(),
        "ledger records removed since": (
            DclModel.select().where(DclModel.removed_at.is_null(False)).count()
            + DclCompliance.select().where(DclCompliance.removed_at.is_null(False)).count()
        ),
        "recorded ledger changes": DclChange.select().count(),
    }


def certificate_key(certificate_id):
    """How certificate ids are compared: trimmed, case-insensitive (``None`` stays ``None``)."""
    return certificate_id.strip().lower() if certificate_id else None


def _rank(record):
    return record["certification_type"] == "matter", record["software_version"]


def ledger_matches():
    """``{certificate_key: compliance record}``: the record a listed product with that
    certificate id matches. Where several share it (one per certified firmware), the
    ``matter`` record of the newest software version: the firmware the listing shows."""
    matches = {}
    for record in (
        on_ledger(DclCompliance).where(DclCompliance.certificate_id.is_null(False)).dicts()
    ):
        key = certificate_key(record["certificate_id"])
        if key not in matches or _rank(record) > _rank(matches[key]):
            matches[key] = record
    return matches


def models_by_ids(column):
    """``{(vid, pid): column}`` of the model records still on the ledger."""
    query = on_ledger(DclModel).select(DclModel.vid, DclModel.pid, column)
    return {(vid, pid): value for vid, pid, value in query.tuples()}


def with_ledger_columns(rows):
    """``dbexport`` rows with ``ledger_status`` and ``ledger_part_number``: the status of the
    compliance record the product matches, and the part number of that record's model (of
    the product's own vid/pid when no record matches); ``None`` where the ledger has none."""
    matches = ledger_matches()
    part_numbers = models_by_ids(DclModel.part_number)
    for row in rows:
        record = matches.get(certificate_key(row["certificate_id"]))
        ids = (record["vid"], record["pid"]) if record else (row["vid"], row["pid"])
        row["ledger_status"] = record["status"] if record else None
        row["ledger_part_number"] = part_numbers.get(ids)
    return rows


def _ids(vid, pid):
    return f"{normalize.format_hex_id(vid)}/{normalize.format_hex_id(pid)}"


def _finding(finding, certificate_id, vid, pid, detail, url=None):
    return {
        "finding": finding,
        "url": url,
        "certificate_id": certificate_id,
        "vid": vid,
        "pid": pid,
        "detail": detail,
    }


def product_findings(product, record, models):
    """The findings of one listed product (with a certificate id, a vid and a pid), given the
    record it matches (or ``None``) and ``{(vid, pid): product name}`` of the models."""
    certificate, shown = product["certificate_id"], _ids(product["vid"], product["pid"])

    def found(finding, detail):
        return _finding(
            finding, certificate, product["vid"], product["pid"], detail, url=product["url"]
        )

    if record is None:
        key = (product["vid"], product["pid"])
        if key not in models:
            return [
                found(
                    "not_on_ledger",
                    f"no compliance record has certificate id "
                    f"{certificate} and no model has vid/pid {shown}",
                )
            ]
        return [
            found(
                "no_compliance_record",
                f"no compliance record has certificate id "
                f"{certificate}; the ledger has the model {shown} "
                f"({models[key] or 'no name'})",
            )
        ]
    findings = []
    on_record = _ids(record["vid"], record["pid"])
    if on_record != shown:
        findings.append(
            found(
                "id_mismatch",
                f"the ledger's record of {certificate} has "
                f"vid/pid {on_record}, the site shows {shown}",
            )
        )
    if record["status"] == "revoked":
        reason = f" ({record['reason']})" if record["reason"] else ""
        findings.append(
            found(
                "revoked_but_listed",
                f"the ledger revoked {certificate} on "
                f"{record['certification_date']}{reason}; "
                "the site still lists it",
            )
        )
    elif (
        record["status"] == "certified"
        and record["certification_date"]
        and product["certification_date"]
        and record["certification_date"] != product["certification_date"]
    ):
        findings.append(
            found(
                "date_mismatch",
                f"the ledger certified {certificate} on "
                f"{record['certification_date']}, the site shows "
                f"{product['certification_date']}",
            )
        )
    return findings


def listed_certificate_keys():
    """The certificate ids (``certificate_key``) of every listed product, details or not."""
    certificate = shown("certificate_id")
    query = (
        analysis.listed_products()
        .select(certificate)
        .join_from(Product, ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))
    )
    return {certificate_key(value) for (value,) in query.tuples()}


def findings():
    """Every finding (``FINDINGS``) as dicts of ``finding, url, certificate_id, vid, pid,
    detail``, in the order of ``FINDINGS``. Listed products with stored details are matched
    on their certificate id (``ledger_matches``); those without a certificate id, a vid or a
    pid are left out. Dates are compared for certified records only: a revoked or
    provisional record's date is that of its current state."""
    matches = ledger_matches()
    models = models_by_ids(DclModel.product_name)
    products = (
        ProductDetail.select(
            Product.url,
            shown("certificate_id").alias("certificate_id"),
            ProductDetail.vid,
            ProductDetail.pid,
            ProductDetail.certification_date,
        )
        .join(Product, on=(Product.url == ProductDetail.url))
        .where(Product.listed())
    )
    found = []
    for product in products.dicts():
        if None not in (product["certificate_id"], product["vid"], product["pid"]):
            record = matches.get(certificate_key(product["certificate_id"]))
            found.extend(product_findings(product, record, models))
    listed = listed_certificate_keys()
    certified = on_ledger(DclCompliance).where(
        (DclCompliance.status == "certified")
        & (DclCompliance.certification_type == "matter")
        & DclCompliance.certificate_id.is_null(False)
    )
    for record in certified.dicts():
        if certificate_key(record["certificate_id"]) not in listed:
            version = record["software_version_string"] or record["software_version"]
            found.append(
                _finding(
                    "not_listed",
                    record["certificate_id"],
                    record["vid"],
                    record["pid"],
                    f"certified on the ledger on {record['certification_date']} for software "
                    f"{version}; no listed product has this certificate id",
                )
            )
    order = list(FINDINGS)
    found.sort(key=lambda f: (order.index(f["finding"]), f["url"] or "", f["certificate_id"]))
    return found


def finding_counts(found):
    """``[(finding, count)]`` for every kind of finding, zeros included, in ``FINDINGS`` order."""
    counts = Counter(finding["finding"] for finding in found)
    return [(name, counts[name]) for name in FINDINGS]
