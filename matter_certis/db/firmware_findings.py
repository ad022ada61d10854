"""The findings of the ledger's model versions (firmware and OTA images) as ``dbreconcile``
writes them, from the views of ``ledger_views``; ``reconcile.findings`` adds them once
``dcl_versions`` was walked."""

from matter_certis.db import ledger_views
from matter_certis.parsing import normalize


def _version(row):
    version = row["software_version_string"] or row["software_version"]
    ids = f"{normalize.format_hex_id(row['vid'])}/{normalize.format_hex_id(row['pid'])}"
    return f"firmware {version} of model {ids}"


def findings(finding):
    """The ``firmware_not_on_ledger``, ``ota_not_https`` and ``ota_for_revoked`` findings,
    made by ``finding(name, certificate_id, vid, pid, detail, url)``."""
    found = []
    for row in ledger_views.read(ledger_views.FIRMWARE_NOT_ON_LEDGER):
        shown = " / ".join(
            value for value in (row["software_version"], row["firmware_version"]) if value
        )
        model = f"{normalize.format_hex_id(row['model_vid'])}/{normalize.format_hex_id(row['model_pid'])}"
        found.append(
            finding(
                "firmware_not_on_ledger",
                row["certificate_id"],
                row["vid"],
                row["pid"],
                f"the site shows software/firmware {shown}; no version of model {model} on "
                "the ledger has that version string",
                row["url"],
            )
        )
    for row in ledger_views.read(ledger_views.OTA_NOT_HTTPS):
        found.append(
            finding(
                "ota_not_https",
                row["certificate_id"],
                row["vid"],
                row["pid"],
                f"{_version(row)} offers its OTA image at {row['ota_url']}, not over HTTPS",
            )
        )
    for row in ledger_views.read(ledger_views.OTA_FOR_REVOKED):
        reason = f" ({row['reason']})" if row["reason"] else ""
        found.append(
            finding(
                "ota_for_revoked",
                row["certificate_id"],
                row["vid"],
                row["pid"],
                f"{_version(row)} still offers its OTA image {row['ota_url']}; its "
                f"{row['certification_type']} certification was revoked on "
                f"{row['revoked_on']}{reason}",
            )
        )
    return found
