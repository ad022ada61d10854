"""What a crawl of the replica's ledger must store and find: the ground truth the tests
compare with, for ``Ledger`` (whose records it reads: ``models()``, ``compliance()``,
``states()``, ``plan()``)."""

import json

STATUS = {"dev-test": 0, "provisional": 1, "certified": 2, "revoked": 3}


def text(value):
    """A ledger string as the crawler stores it: trimmed at both ends only, "" as None."""
    return value.strip() or None


class LedgerTruth:
    """Mixed into ``Ledger``: the rows and findings a complete crawl gives."""

    def expected_models(self):
        """The dcl_models rows a complete walk stores, in key order."""
        return [
            {
                "vid": r["vid"],
                "pid": r["pid"],
                "device_type_id": r["deviceTypeId"],
                "product_name": text(r["productName"]),
                "product_label": text(r["productLabel"]),
                "part_number": text(r["partNumber"]),
                "product_url": text(r["productUrl"]),
                "support_url": text(r["supportUrl"]),
                "user_manual_url": text(r["userManualUrl"]),
                "commissioning_custom_flow": r["commissioningCustomFlow"],
                "commissioning_custom_flow_url": text(r["commissioningCustomFlowUrl"]),
                "schema_version": r["schemaVersion"],
            }
            for r in self.models()
        ]

    def expected_compliance(self):
        """The dcl_compliance rows a complete walk stores, in key order."""
        statuses = {code: name for name, code in STATUS.items()}
        return [
            {
                "vid": r["vid"],
                "pid": r["pid"],
                "software_version": r["softwareVersion"],
                "software_version_string": text(r["softwareVersionString"]),
                "certification_type": r["certificationType"],
                "certificate_id": text(r["cDCertificateId"]),
                "cd_version_number": r["cDVersionNumber"],
                "status": statuses[r["softwareVersionCertificationStatus"]],
                "certification_date": r["date"][:10],
                "reason": text(r["reason"]),
                "history": json.dumps(r["history"], sort_keys=True),
            }
            for r in self.compliance()
        ]

    def expected_findings(self, base_url):
        """``(finding, url, certificate_id, vid, pid)`` of every disagreement, for a database
        holding the listing (every usable card and its details) and the whole ledger: the
        planted ones, and those that revocations and delistings since made."""
        with self._lock:
            transitions = {serial: list(steps) for serial, steps in self._transitions.items()}
            withdrawn = set(self._withdrawn)
        details = {d["url"]: d for d in self.catalog.expected_details(base_url)}
        listed = {d["certificate_id"].lower() for d in details.values() if d["certificate_id"]}
        model_keys = {(r["vid"], r["pid"]) for r in self.models()}
        findings = set()
        for p in self.products():
            detail = details.get(base_url.rstrip("/") + p.path)
            shown = detail and (detail["certificate_id"], detail["vid"], detail["pid"])
            if not shown or None in shown:
                continue
            plan = self.plan(p)
            if plan in ("not_on_ledger", "no_compliance_record") or p.serial in withdrawn:
                known = shown[1:] in model_keys
                findings.add(
                    ("no_compliance_record" if known else "not_on_ledger", detail["url"], *shown)
                )
                continue
            status, on, _ = self.states(p, transitions.get(p.serial, []))[-1]
            if plan == "id_mismatch":
                findings.add(("id_mismatch", detail["url"], *shown))
            if status == "revoked":
                findings.add(("revoked_but_listed", detail["url"], *shown))
            if status == "certified" and detail["certification_date"] not in (None, on):
                findings.add(("date_mismatch", detail["url"], *shown))
        for r in self.compliance():
            certificate = text(r["cDCertificateId"])
            if (
                (r["certificationType"], r["softwareVersionCertificationStatus"])
                == ("matter", STATUS["certified"])
                and certificate
                and certificate.lower() not in listed
            ):
                findings.add(("not_listed", None, certificate, r["vid"], r["pid"]))
        return findings
