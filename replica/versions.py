"""The ledger's model versions beside ``ledger.py``'s records (``Ledger.versions``), served
by ``/dcl/model/versions/{vid}/{pid}`` (``{"modelVersions": {"vid", "pid",
"softwareVersions": [ascending]}}``, 404 when the model has none: not an error) and
``/dcl/model/versions/{vid}/{pid}/{softwareVersion}`` (``{"modelVersion": {...}}``, shapes
and planted cases in ``firmware.py``); there is no list of every version.

Which versions exist: a model record on the ledger gets one version per softwareVersion of
its product's compliance records (as planned: ``Ledger.withdraw`` takes the compliance
records off the ledger, not the versions; ``withdraw_model`` takes both). ``older_firmware``
and ``older_revoked`` products have two, a ``shared_certificate`` product's family model one
(its newer firmware). No versions: products planned ``not_on_ledger`` or
``no_compliance_record``, products without a certificate id, products whose listing shows
neither a software nor a firmware version (so a listed product matched to a model with
versions always shows one), and the ledger-only models of ``LEDGER_ONLY`` positions 1
(zigbee) and 2 (provisional). A version string is the listing's software version, else its
firmware version, as the product showed them when the ledger first saw it (when the replica
was made, or the product appeared): ``Catalog.change`` moves the listing, not the ledger, so
a listing changed away from every version string is a ``firmware_not_on_ledger`` finding.

Stored rows (``expected_versions``): strings trimmed at both ends only, "" as None;
``otaFileSize`` as an integer as given ("0" -> 0, absent or "" -> None); the other integers
and ``softwareVersionValid`` as given.

Between two walks ``publish_version`` adds a version, ``edit_version`` edits its mutable
fields (``EDITABLE``), ``withdraw_version`` takes one off the ledger.
"""

from .firmware import (
    ID_MISMATCH_BIT,
    LEDGER_ONLY_OTA,
    LEDGER_ONLY_PID,
    REVOKED,
    image_url,
    ledger_only_version,
    product_version,
    stored,
    text,
    version_json,
)

# edit_version's fields (the stored column names) and their JSON keys: the mutable ones.
EDITABLE = {
    "ota_url": "otaUrl",
    "software_version_valid": "softwareVersionValid",
    "min_applicable_software_version": "minApplicableSoftwareVersion",
    "max_applicable_software_version": "maxApplicableSoftwareVersion",
    "release_notes_url": "releaseNotesUrl",
}
DEFAULT = object()


class Versions:
    """The model versions of one ``Ledger`` (``ledger.versions``); they follow its records."""

    def __init__(self, ledger):
        self.ledger = ledger
        self._lock = ledger._lock
        self._published = {}  # (vid, pid, softwareVersion) -> record
        self._edits = {}  # (vid, pid, softwareVersion) -> {JSON key: value}
        self._withdrawn = set()  # (vid, pid, softwareVersion)
        self._firmware = {}  # serial -> the version string the ledger has for it
        for product in ledger.products():
            self.firmware(product)

    # -- changes between walks ------------------------------------------------
    def model_key(self, target):
        """(vid, pid) of a product's model on the ledger (URL, path or slug), or of a
        ``(vid, pid)`` tuple as given."""
        if isinstance(target, tuple):
            return target
        product = self.ledger.catalog.product(target)
        vid, pid = self.ledger.ids(product)
        return (
            (vid, pid ^ ID_MISMATCH_BIT)
            if self.ledger.plan(product) == "id_mismatch"
            else (vid, pid)
        )

    def publish_version(
        self,
        url_or_path,
        software_version=None,
        ota_url=DEFAULT,
        software_version_string=None,
        software_version_valid=True,
    ):
        """Publish a new version of a product's model (or of a ``(vid, pid)``): by default
        one above its newest, "{sv // 100}.{sv % 100}.0", with an https OTA image (``ota_url``
        "" for none). Returns the version record (what ``modelVersion`` answers)."""
        vid, pid = key = self.model_key(url_or_path)
        model = next((m for m in self.ledger.models() if (m["vid"], m["pid"]) == key), None)
        if model is None:
            raise ValueError(f"no model {vid}/{pid} on the ledger")
        existing = [r["softwareVersion"] for r in self.records(key).get(key, [])]
        software_version = software_version or max(existing, default=0) + 1
        if software_version in existing:
            raise ValueError(f"version {software_version} of {vid}/{pid} exists")
        vendor = self._vendor(vid)
        url = image_url(vendor, vid, pid, software_version) if ota_url is DEFAULT else ota_url
        string = software_version_string or f"{software_version // 100}.{software_version % 100}.0"
        record = version_json(
            vendor, vid, pid, software_version, string, url, software_version_valid, serial=0
        )
        with self._lock:
            self._published[(vid, pid, software_version)] = record
            self._withdrawn.discard((vid, pid, software_version))
            self._edits.pop((vid, pid, software_version), None)
        return record

    def edit_version(self, url_or_path, software_version, **fields):
        """Edit a version's mutable fields, named as stored (``EDITABLE``: ota_url,
        software_version_valid, min/max_applicable_software_version, release_notes_url)."""
        unknown = set(fields) - set(EDITABLE)
        if unknown:
            raise ValueError(f"not editable on the ledger: {sorted(unknown)}")
        key = (*self.model_key(url_or_path), software_version)
        self._version(key)
        with self._lock:
            self._edits.setdefault(key, {}).update(
                (EDITABLE[name], value) for name, value in fields.items()
            )

    def withdraw_version(self, url_or_path, software_version):
        """Take one version off the ledger (its model and compliance records stay)."""
        key = (*self.model_key(url_or_path), software_version)
        self._version(key)
        with self._lock:
            self._withdrawn.add(key)

    def _version(self, key):
        model = key[:2]
        if not any(r["softwareVersion"] == key[2] for r in self.records(model).get(model, [])):
            raise ValueError(f"no version {'/'.join(map(str, key))} on the ledger")

    def firmware(self, product):
        """The listing's software version, else its firmware version, as the product showed
        it when the ledger first saw it: the ledger keeps it when the listing changes."""
        with self._lock:
            return self._firmware.setdefault(
                product.serial,
                product.values["software_version"] or product.values["firmware_version"],
            )

    def _vendor(self, vid):
        return next(v for v in self.ledger.catalog.dcl_vendors() if v.vid == vid)

    # -- what the ledger holds ------------------------------------------------
    def records(self, only=None):
        """``{(vid, pid): [version records, ascending softwareVersion]}`` of the models on
        the ledger that have versions (of the model ``only`` alone when given)."""
        models = {(m["vid"], m["pid"]) for m in self.ledger.models()}
        with self._lock:
            published = dict(self._published)
            edits = {key: dict(values) for key, values in self._edits.items()}
            withdrawn = set(self._withdrawn)
        found = dict(self._planted(only))
        found.update(item for item in published.items() if only in (None, item[0][:2]))
        out = {}
        for key in sorted(found):
            if key[:2] in models and key not in withdrawn:
                out.setdefault(key[:2], []).append({**found[key], **edits.get(key, {})})
        return out

    def _planted(self, only):
        """((vid, pid, softwareVersion), record) of the versions the plans give."""
        ledger = self.ledger
        for p in ledger.products():
            plan = ledger.plan(p)
            shown = self.firmware(p)
            if (
                plan in ("not_on_ledger", "no_compliance_record")
                or p.values["certificate_id"] is None
                or not shown
                or only is not None
                and only[0] != ledger.ids(p)[0]  # another vendor: none of its models
            ):
                continue
            current = 100 * (p.serial + 1)
            for compliance in ledger.product_records(p, []):
                key = tuple(compliance[name] for name in ("vid", "pid", "softwareVersion"))
                if only in (None, key[:2]):
                    yield key, product_version(p, plan, compliance, shown, key[2] - current)
        ledger_only = {
            (vendor.vid, LEDGER_ONLY_PID + n): (vendor, n)
            for n, vendor in enumerate(ledger.catalog.extra_vendors)
            if n in LEDGER_ONLY_OTA and only in (None, (vendor.vid, LEDGER_ONLY_PID + n))
        }
        for r in ledger.compliance() if ledger_only else ():
            if (r["vid"], r["pid"]) in ledger_only:
                vendor, n = ledger_only[(r["vid"], r["pid"])]
                yield (
                    (r["vid"], r["pid"], r["softwareVersion"]),
                    ledger_only_version(vendor, n, r),
                )

    def answer(self, vid, pid, software_version=None):
        """The JSON answer of ``/dcl/model/versions/{vid}/{pid}[/{softwareVersion}]``, or
        None (a 404)."""
        records = self.records((vid, pid)).get((vid, pid), [])
        if software_version is None:
            versions = [r["softwareVersion"] for r in records]
            return (
                {"modelVersions": {"vid": vid, "pid": pid, "softwareVersions": versions}}
                if versions
                else None
            )
        found = [r for r in records if r["softwareVersion"] == software_version]
        return {"modelVersion": found[0]} if found else None

    # -- ground truth -----------------------------------------------------------
    def model_count(self):
        """Model records on the ledger: the requests of ``/dcl/model/versions/{vid}/{pid}``
        a walk of every model makes."""
        return len(self.ledger.models())

    def version_count(self):
        """Versions on the ledger: the requests of the one-version endpoint a walk makes."""
        return sum(map(len, self.records().values()))

    def expected_versions(self):
        """The dcl_model_versions rows a complete walk stores, in key order."""
        return [stored(r) for records in self.records().values() for r in records]

    def expected_version_findings(self, base_url):
        """``(finding, url, certificate_id, vid, pid)`` of ``firmware_not_on_ledger``,
        ``ota_not_https`` and ``ota_for_revoked`` for a database holding the listing (every
        usable card and its details), the whole ledger and every version."""
        versions = self.records()
        compliance = self.ledger.compliance()
        by_key, by_certificate = {}, {}
        for r in compliance:
            by_key.setdefault((r["vid"], r["pid"], r["softwareVersion"]), []).append(r)
            if certificate := text(r["cDCertificateId"]):
                by_certificate.setdefault(certificate.lower(), []).append(r)
        findings = set()
        for (vid, pid), records in versions.items():
            for v in records:
                url = text(v["otaUrl"])
                if not url:
                    continue
                records_of = by_key.get((vid, pid, v["softwareVersion"]), [])
                matter = [r for r in records_of if r["certificationType"] == "matter"]
                certificate = text(matter[0]["cDCertificateId"]) if matter else None
                if not url.startswith("https://"):
                    findings.add(("ota_not_https", None, certificate, vid, pid))
                if v["softwareVersionValid"] and any(
                    r["softwareVersionCertificationStatus"] == REVOKED for r in records_of
                ):
                    findings.add(("ota_for_revoked", None, certificate, vid, pid))
        for d in self.ledger.catalog.expected_details(base_url):
            shown = (d["certificate_id"], d["vid"], d["pid"])
            if None in shown:
                continue
            model = matched_model(d, by_certificate.get(d["certificate_id"].strip().lower()))
            strings = {
                text(v["softwareVersionString"]).lower()
                for v in versions.get(model, [])
                if text(v["softwareVersionString"])
            }
            own = {text(d[f]) for f in ("software_version", "firmware_version") if d[f]}
            own = {value.lower() for value in own if value}
            if strings and own and not own & strings:
                findings.add(("firmware_not_on_ledger", d["url"], *shown))
        return findings


def matched_model(detail, records):
    """(vid, pid) of the model a listed product matches: that of the compliance record
    ``ledger_matches`` picks (its own vid/pid first, then ``matter``, then the newest
    software version), else its own (vid, pid)."""
    own = (detail["vid"], detail["pid"])
    if not records:
        return own
    best = min(
        records,
        key=lambda r: (
            (r["vid"], r["pid"]) != own,
            r["certificationType"] != "matter",
            -r["softwareVersion"],
            r["certificationType"],
        ),
    )
    return best["vid"], best["pid"]
