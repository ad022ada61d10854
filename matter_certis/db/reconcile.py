"""The listing beside the ledger: which listed product matches which DCL compliance record,
and where the two disagree (``scrapy dbreconcile``; docs/ledger.md). Read-only
queries, asked with the database open (``connection.reading``)."""

from collections import Counter

from peewee import JOIN

from matter_certis.db import analysis, firmware_findings, ledger_views
from matter_certis.db.analysis import on_ledger
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
    "firmware_not_on_ledger": "listed, but its software/firmware version is no version of its model on the ledger",
    "ota_not_https": "a firmware on the ledger offers its OTA image over plain HTTP, not HTTPS",
    "ota_for_revoked": "a firmware whose certification was revoked still offers its OTA image",
}
# The findings of the model versions: left out until dcl_versions was walked to completion.
FIRMWARE_FINDINGS = ("firmware_not_on_ledger", "ota_not_https", "ota_for_revoked")


# The walks whose every record the findings need: without a completed one, a finding would
# only mean "not walked yet".
SOURCES = ("matter_products", "dcl_models", "dcl_compliance")


def missing_walks():
    """The crawls (``SOURCES``) never run to completion in this database, in order."""
    return analysis.never_completed(SOURCES)


def has_versions():
    """Whether ``dcl_versions`` ran to completion once (the firmware findings need it)."""
    return not analysis.never_completed(["dcl_versions"])


WITHOUT_VERSIONS = (
    f"{', '.join(FIRMWARE_FINDINGS)} left out: run `scrapy crawl dcl_versions` to compare "
    "firmware and OTA images"
)


def missing_walks_message(missing):
    """One line naming the crawls to run first."""
    crawls = " and ".join(f"`scrapy crawl {spider}`" for spider in missing)
    return f"findings need a completed walk of {', '.join(missing)}: run {crawls} first"


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


def ledger_matches():
    """``{url: match}``: the compliance record each listed product matches
    (``ledger_views.LEDGER_MATCHES``: its own (vid, pid) first, then ``matter``, then the
    newest software version)."""
    return {match["url"]: match for match in ledger_views.read(ledger_views.LEDGER_MATCHES)}


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
        match = matches.get(row["url"])
        ids = (match["ledger_vid"], match["ledger_pid"]) if match else (row["vid"], row["pid"])
        row["ledger_status"] = match["ledger_status"] if match else None
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


def _of_product(product, finding, detail):
    return _finding(
        finding, product["certificate_id"], product["vid"], product["pid"], detail, product["url"]
    )


def unmatched_findings(product, models):
    """The finding of a listed product no compliance record matches, given ``{(vid, pid):
    product name}`` of the models: ``no_compliance_record`` if its model is on the ledger."""
    certificate, shown = product["certificate_id"], _ids(product["vid"], product["pid"])
    key = (product["vid"], product["pid"])
    if key not in models:
        return _of_product(
            product,
            "not_on_ledger",
            f"no compliance record has certificate id {certificate} and no model has "
            f"vid/pid {shown}",
        )
    return _of_product(
        product,
        "no_compliance_record",
        f"no compliance record has certificate id {certificate}; the ledger has the model "
        f"{shown} ({models[key] or 'no name'})",
    )


def match_findings(match):
    """The ``id_mismatch`` and ``date_mismatch`` findings of a listed product with details,
    a vid and a pid, given its match (``LEDGER_MATCHES``); ``revoked_but_listed`` is the
    view's (``revoked_findings``)."""
    certificate, shown = match["certificate_id"], _ids(match["vid"], match["pid"])
    on_record = _ids(match["ledger_vid"], match["ledger_pid"])
    found = []
    if on_record != shown:
        found.append(
            _of_product(
                match,
                "id_mismatch",
                f"the ledger's record of {certificate} has vid/pid {on_record}, the site "
                f"shows {shown}",
            )
        )
    if (
        match["ledger_status"] == "certified"
        and match["ledger_certification_date"]
        and match["certification_date"]
        and match["ledger_certification_date"] != match["certification_date"]
    ):
        found.append(
            _of_product(
                match,
                "date_mismatch",
                f"the ledger certified {certificate} on {match['ledger_certification_date']}, "
                f"the site shows {match['certification_date']}",
            )
        )
    return found


def revoked_findings():
    """``revoked_but_listed``, as the view ``revoked_but_listed`` defines it."""
    found = []
    for row in ledger_views.read(ledger_views.REVOKED_BUT_LISTED):
        reason = f" ({row['reason']})" if row["reason"] else ""
        found.append(
            _of_product(
                row,
                "revoked_but_listed",
                f"the ledger revoked {row['certificate_id']} on {row['revoked_on']}{reason}; "
                "the site still lists it",
            )
        )
    return found


def listed_certificate_keys():
    """The certificate ids of every listed product, details or not, as the ledger's are
    compared (trimmed, lower case)."""
    certificate = shown("certificate_id")
    query = (
        analysis.listed_products()
        .select(certificate)
        .join_from(Product, ProductDetail, JOIN.LEFT_OUTER, on=(ProductDetail.url == Product.url))
    )
    return {value.strip().lower() for (value,) in query.tuples() if value}


def findings(with_firmware=True):
    """Every finding (``FINDINGS``) as dicts of ``finding, url, certificate_id, vid, pid,
    detail``, in the order of ``FINDINGS``; the firmware ones only ``with_firmware``.
    Listed products with stored details, a certificate id, a vid and a pid are matched as
    ``ledger_views.LEDGER_MATCHES`` says; the others are left out. Dates are compared for
    certified records only: a revoked or provisional record's date is that of its current
    state."""
    matches = ledger_matches()
    models = models_by_ids(DclModel.product_name)
    products = (
        ProductDetail.select(
            Product.url,
            shown("certificate_id").alias("certificate_id"),
            ProductDetail.vid,
            ProductDetail.pid,
        )
        .join(Product, on=(Product.url == ProductDetail.url))
        .where(Product.listed())
    )
    found = revoked_findings()
    for product in products.dicts():
        if None in (product["certificate_id"], product["vid"], product["pid"]):
            continue
        match = matches.get(product["url"])
        if match is None:
            found.append(unmatched_findings(product, models))
        else:
            found.extend(match_findings(match))
    listed = listed_certificate_keys()
    certified = on_ledger(DclCompliance).where(
        (DclCompliance.status == "certified")
        & (DclCompliance.certification_type == "matter")
        & DclCompliance.certificate_id.is_null(False)
    )
    for record in certified.dicts():
        if record["certificate_id"].strip().lower() not in listed:
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
    if with_firmware:
        found.extend(firmware_findings.findings(_finding))
    order = list(FINDINGS)
    found.sort(
        key=lambda f: (
            order.index(f["finding"]),
            f["url"] or "",
            f["certificate_id"] or "",
            f["vid"],
            f["pid"],
            f["detail"],
        )
    )
    return found


def finding_counts(found, with_firmware=True):
    """``[(finding, count)]`` for every kind of finding, zeros included, in ``FINDINGS``
    order; the firmware ones only ``with_firmware``."""
    counts = Counter(finding["finding"] for finding in found)
    return [
        (name, counts[name]) for name in FINDINGS if with_firmware or name not in FIRMWARE_FINDINGS
    ]
