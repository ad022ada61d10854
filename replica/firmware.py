"""The shapes of the ledger's model versions (firmware), one version per compliance record
of a product (``versions.py`` says which exist), with their planted cases: ``otaFileSize``
a string of digits, unset strings ``""``, ``otaChecksumType`` an IANA hash id (0 when
unset). Everything is a rule on the product's serial ``s`` (no random draws); the version
string is the listing's (``Versions.firmware``), ``" (older)"`` / ``" (family)"`` appended
for those versions.

- No OTA image for ``s % 3 == 0`` (about a third: ``otaUrl`` "", ``otaChecksum`` "",
  ``otaChecksumType`` 0, min/max applicable 0, ``otaFileSize`` "0" for even ``s`` and absent
  for odd ``s``), except the plans below that need one.
- Planted (plans of ``ledger.PLANS``):
  ``ota_not_https``: its current version's ``otaUrl`` is ``http://...`` (finding
  ``ota_not_https``);
  ``revoked_but_listed``: its version offers an OTA image and is valid while its record is
  revoked (finding ``ota_for_revoked``);
  ``older_revoked``: the revoked older version keeps its OTA url but is marked invalid
  (``softwareVersionValid`` false): no finding;
  ``firmware_not_on_ledger``: its model's version strings carry a build suffix
  (``"1.2.3+build.20"``), so neither the listing's software nor firmware version is one of
  them (finding ``firmware_not_on_ledger``).
- Ledger-only models: position 0 (certified, ``not_listed``) has an https url with stray
  spaces around it (no finding); 3 (revoked ``matter``) offers a valid OTA image
  (``ota_for_revoked``, its certificate id); 4 (dev-test, no certificate id) an ``http://``
  url (``ota_not_https`` with certificate id None); 5 (family id) no OTA image.
- Stray spaces, trimmed at both ends only by a correct crawl: ``otaUrl`` padded for
  ``s % 8 == 1``, the version string for ``s % 5 == 2``, ``firmwareInformation``
  (``" Build s:  security\\u00a0fixes "``, inner double and no-break space kept) for
  ``s % 10 == 7``, ``releaseNotesUrl`` (set for ``s % 4 == 1``) with a trailing space for
  ``s % 8 == 5``. The version string is in upper case for ``s % 6 == 4`` (``"V1.2.3"``: the
  listing's ``"v1.2.3"`` matches it, case-insensitively).
- Checksum types by ``s % 7``: 4 sha-384 (7), 5 sha-512 (8), 6 sha3-256 (10), else sha-256
  (1); the checksum is the base64 digest of ``"vid/pid/sv"``.
"""

import base64
import hashlib

CHECKSUMS = {4: (7, "sha384"), 5: (8, "sha512"), 6: (10, "sha3_256")}
SHA256 = (1, "sha256")
REVOKED = 3
ID_MISMATCH_BIT = 0x4000  # ledger.py: an ``id_mismatch`` product's model has this pid bit flipped
LEDGER_ONLY_PID = 0x0100  # ledger.py: the ledger-only model at position n has pid 0x0100 + n
# Ledger-only models with a version, by LEDGER_ONLY position: how its OTA url looks.
LEDGER_ONLY_OTA = {0: "padded", 3: "https", 4: "http", 5: None}
# Plans whose (current) version always offers an OTA image.
WITH_OTA = ("ota_not_https", "revoked_but_listed", "older_revoked")
SUFFIXES = {0: "", -1: " (older)", 1: " (family)"}  # by softwareVersion - current version


def text(value):
    """A ledger string as the crawler stores it: trimmed at both ends only, "" as None."""
    return (value.strip() or None) if value is not None else None


def image_url(vendor, vid, pid, software_version, scheme="https"):
    return f"{scheme}://ota.example.com/{vendor.slug}/{vid:04x}-{pid:04x}/{software_version}.ota"


def version_json(vendor, vid, pid, software_version, string, url, valid, serial, cd_version=1):
    """A model version as the ledger answers it; ``serial`` picks the varying details."""
    record = {
        "vid": vid,
        "pid": pid,
        "softwareVersion": software_version,
        "softwareVersionString": string,
        "cdVersionNumber": cd_version,
        "firmwareInformation": f" Build {serial}:  security\u00a0fixes "
        if serial % 10 == 7
        else "",
        "softwareVersionValid": valid,
        "otaUrl": url,
        "otaFileSize": "0",
        "otaChecksum": "",
        "otaChecksumType": 0,
        "minApplicableSoftwareVersion": 0,
        "maxApplicableSoftwareVersion": 0,
        "releaseNotesUrl": f"https://www.example.com/{vendor.slug}/release-notes/{software_version}"
        + (" " if serial % 8 == 5 else "")
        if serial % 4 == 1
        else "",
        "creator": vendor.creator,
        "schemaVersion": 0,
    }
    if url:
        kind, name = CHECKSUMS.get(serial % 7, SHA256)
        digest = hashlib.new(name, f"{vid}/{pid}/{software_version}".encode()).digest()
        record.update(
            otaFileSize=str(100_000 + (serial * 7919 + software_version * 31) % 1_900_000),
            otaChecksum=base64.b64encode(digest).decode(),
            otaChecksumType=kind,
            minApplicableSoftwareVersion=software_version // 2,
            maxApplicableSoftwareVersion=software_version - 1,
        )
    elif serial % 2:
        del record["otaFileSize"]
    return record


def stored(record):
    """The dcl_model_versions row a correct crawl stores for a version."""
    size = record.get("otaFileSize", "")
    return {
        "vid": record["vid"],
        "pid": record["pid"],
        "software_version": record["softwareVersion"],
        "software_version_string": text(record["softwareVersionString"]),
        "cd_version_number": record["cdVersionNumber"],
        "firmware_information": text(record["firmwareInformation"]),
        "software_version_valid": record["softwareVersionValid"],
        "ota_url": text(record["otaUrl"]),
        "ota_file_size": int(size) if size else None,
        "ota_checksum": text(record.get("otaChecksum")),
        "ota_checksum_type": record.get("otaChecksumType"),
        "min_applicable_software_version": record["minApplicableSoftwareVersion"],
        "max_applicable_software_version": record["maxApplicableSoftwareVersion"],
        "release_notes_url": text(record["releaseNotesUrl"]),
        "schema_version": record["schemaVersion"],
    }


def product_version(p, plan, compliance, shown, offset):
    """The version of a product's compliance record, ``offset`` from its current one."""
    serial, vendor = p.serial, p.vendor
    vid, pid, software_version = (compliance[name] for name in ("vid", "pid", "softwareVersion"))
    string = shown + SUFFIXES[offset]
    if plan == "firmware_not_on_ledger":
        string += f"+build.{serial}"
    if serial % 6 == 4:
        string = string.upper()
    if serial % 5 == 2:
        string = f"  {string} "
    url = ""
    if plan in WITH_OTA or serial % 3:
        scheme = "http" if plan == "ota_not_https" and offset == 0 else "https"
        url = image_url(vendor, vid, pid, software_version, scheme)
        if serial % 8 == 1:
            url = f"  {url} "
    valid = not (plan == "older_revoked" and offset == -1)
    return version_json(
        vendor,
        vid,
        pid,
        software_version,
        string,
        url,
        valid,
        serial,
        compliance["cDVersionNumber"],
    )


def ledger_only_version(vendor, n, compliance):
    vid, pid, software_version = (compliance[name] for name in ("vid", "pid", "softwareVersion"))
    kind = LEDGER_ONLY_OTA[n]
    url = image_url(vendor, vid, pid, software_version, "http" if kind == "http" else "https")
    url = {"padded": f"  {url}  ", None: ""}.get(kind, url)
    return version_json(
        vendor,
        vid,
        pid,
        software_version,
        compliance["softwareVersionString"],
        url,
        True,
        pid,
        compliance["cDVersionNumber"],
    )
