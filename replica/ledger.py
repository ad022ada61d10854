"""The DCL ledger beside the replica's listing: a model record and a compliance record for its
products, in the real JSON shapes of the DCL REST API, with planted disagreements.

Every product has a plan by its serial (``PLANS``, repeating every ``PLAN_CYCLE`` products):
most agree with the listing; planted ones disagree as one finding of ``scrapy dbreconcile``
(``not_on_ledger``, ``no_compliance_record``, ``id_mismatch``, ``date_mismatch``,
``revoked_but_listed``) or agree in a way a careless join would miss (a certificate id with
stray spaces or in lower case, an older firmware certified earlier under the same
certificate id, an older firmware revoked under it while the current one is certified, a
certificate id shared with another model of the family whose firmware is newer).
Ledger-only records come from the vendors without listed products (``LEDGER_ONLY``):
certified ``matter`` ones the site does not list (``not_listed``), and others that are no
finding (``zigbee``, provisional, revoked, dev-test). The rest of those vendors have no
model: their model list is a 404.

Model versions (firmware, OTA images) are ``Ledger.versions`` (``versions.py``).

``revoke`` and ``certify_again`` change a product's record between two walks, its earlier
state kept in ``history``; ``withdraw`` takes its compliance records off the ledger,
``withdraw_model`` its model record.
"""

import threading
from datetime import date, timedelta

from .ledger_json import compliance_json, compliance_store_key, model_json, state
from .ledger_truth import LedgerTruth
from .product import START
from .versions import Versions

PLAN_CYCLE = 40
PLANS = {
    3: "not_on_ledger",
    8: "no_compliance_record",
    13: "id_mismatch",
    18: "date_mismatch",
    23: "revoked_but_listed",
    28: "stray_spaces",
    33: "older_firmware",
    38: "lower_case",
    5: "shared_certificate",
    15: "older_revoked",
    # model versions (versions.py, firmware.py)
    10: "ota_not_https",
    20: "firmware_not_on_ledger",
}
# The model a ``shared_certificate`` product shares its certificate id with (a family
# certified together): its pid with this bit flipped, certified for a newer firmware.
FAMILY_PID_BIT = 0x2000
DATE_SHIFT = timedelta(days=3)
REVOKED_AFTER = timedelta(days=200)
REVOCATION_REASON = "Non-conformance found in market surveillance"
# Records of vendors that list nothing: (certification type, status, certificate id, finding).
LEDGER_ONLY = (
    ("matter", "certified", "CSA24{n:03d}MAT7{n:04d}-24", "not_listed"),
    ("zigbee", "certified", "ZIG24{n:03d}ZB3{n:04d}-24", None),
    ("matter", "provisional", "CSA24{n:03d}MAT8{n:04d}-24", None),
    ("matter", "revoked", "CSA23{n:03d}MAT9{n:04d}-24", None),
    ("matter", "dev-test", "", None),
    ("matter", "certified", "FAM22{n:04d}", "not_listed"),
)


class Ledger(LedgerTruth):
    """The ledger of one catalogue; records follow the catalogue's products as they change."""

    def __init__(self, catalog):
        self.catalog = catalog
        self._lock = threading.Lock()
        self._transitions = {}  # product serial -> [(status, ISO date, reason)] after its first state
        self._withdrawn = set()  # serials of products whose compliance records are gone
        self._withdrawn_models = set()  # serials of products whose model record is gone
        self.versions = Versions(self)  # the model versions (firmware) of its models

    # -- changes between walks ------------------------------------------------
    def revoke(self, url_or_path, on="2026-11-30", reason=REVOCATION_REASON):
        """Revoke a product's current compliance record; the certified state goes to history."""
        self._transition(url_or_path, "revoked", on, reason)

    def certify_again(self, url_or_path, on="2026-12-07"):
        self._transition(url_or_path, "certified", on, "")

    def withdraw(self, url_or_path):
        """Take a product's compliance records off the ledger (its model stays)."""
        serial = self.catalog.product(url_or_path).serial
        with self._lock:
            self._withdrawn.add(serial)

    def withdraw_model(self, url_or_path):
        """Take a product's model record off the ledger (its compliance records stay)."""
        serial = self.catalog.product(url_or_path).serial
        with self._lock:
            self._withdrawn_models.add(serial)

    def _transition(self, url_or_path, status, on, reason):
        serial = self.catalog.product(url_or_path).serial
        with self._lock:
            self._transitions.setdefault(serial, []).append((status, on, reason))

    # -- what the ledger holds ------------------------------------------------
    def products(self):
        """Every product ever created (listed or not), oldest first."""
        return sorted(
            (p for v in self.catalog.vendors for p in self.catalog.by_vendor(v.vid)),
            key=lambda p: p.serial,
        )

    @staticmethod
    def plan(product):
        return PLANS.get(product.serial % PLAN_CYCLE)

    @staticmethod
    def ids(product):
        """(vid, pid) of a product on the ledger: the listing's, or, where the listing shows
        junk, the ids it would have had."""
        vid = product.values["vid"] if product.values["vid"] is not None else product.vendor.vid
        pid = (
            product.values["pid"]
            if product.values["pid"] is not None
            else 0xF000 + product.serial % 0x0FFF
        )
        return vid, pid

    @staticmethod
    def certified_on(product):
        return (
            product.values["certification_date"]
            or (START + timedelta(days=product.serial // 4)).isoformat()
        )

    def models(self):
        """Every model record, in store order (vid, pid); one per (vid, pid)."""
        with self._lock:
            withdrawn = set(self._withdrawn_models)
        records = {}
        for p in self.products():
            if self.plan(p) != "not_on_ledger" and p.serial not in withdrawn:
                vid, pid = self.ids(p)
                if self.plan(p) == "id_mismatch":
                    pid ^= 0x4000
                records.setdefault((vid, pid), model_json(p, vid, pid))
                if self.plan(p) == "shared_certificate":
                    family = pid ^ FAMILY_PID_BIT
                    records.setdefault((vid, family), model_json(p, vid, family))
        for n, (vendor, _) in enumerate(zip(self.catalog.extra_vendors, LEDGER_ONLY)):
            records[(vendor.vid, 0x0100 + n)] = model_json(None, vendor.vid, 0x0100 + n, vendor)
        return [records[key] for key in sorted(records)]

    def compliance(self):
        """Every compliance record, in store order (vid, pid, softwareVersion, certificationType)."""
        with self._lock:
            transitions = {serial: list(steps) for serial, steps in self._transitions.items()}
            withdrawn = set(self._withdrawn)
        records = []
        for p in self.products():
            if (
                self.plan(p) in ("not_on_ledger", "no_compliance_record")
                or p.values["certificate_id"] is None
                or p.serial in withdrawn
            ):
                continue
            records.extend(self.product_records(p, transitions.get(p.serial, [])))
        for n, (vendor, (kind, status, certificate, _)) in enumerate(
            zip(self.catalog.extra_vendors, LEDGER_ONLY)
        ):
            on = (START + timedelta(days=30 * n)).isoformat()
            history = [state("certified", on, "")] if status == "revoked" else []
            records.append(
                compliance_json(
                    vendor.vid,
                    0x0100 + n,
                    1000 + n,
                    f"1.{n}",
                    kind,
                    certificate.format(n=n),
                    state(status, on, REVOCATION_REASON if status == "revoked" else ""),
                    history,
                )
            )
        return sorted(records, key=compliance_store_key)

    def states(self, p, transitions):
        """The (status, ISO date, reason) a product's current record went through, oldest first."""
        plan = self.plan(p)
        on = self.certified_on(p)
        if plan == "date_mismatch":
            on = (date.fromisoformat(on) + DATE_SHIFT).isoformat()
        states = [("certified", on, "")]
        if plan == "revoked_but_listed":
            states.append(
                ("revoked", (date.fromisoformat(on) + REVOKED_AFTER).isoformat(), REVOCATION_REASON)
            )
        return states + transitions

    def product_records(self, p, transitions):
        vid, pid = self.ids(p)
        plan = self.plan(p)
        certificate = p.values["certificate_id"]
        if plan == "id_mismatch":
            pid ^= 0x4000
        elif plan == "stray_spaces":
            certificate = f"  {certificate} "
        elif plan == "lower_case":
            certificate = certificate.lower()
        software_version = 100 * (p.serial + 1)
        version_string = p.values["software_version"] or str(software_version)
        *earlier, current = [state(*s) for s in self.states(p, transitions)]
        records = [
            compliance_json(
                vid, pid, software_version, version_string, "matter", certificate, current, earlier
            )
        ]
        if plan == "shared_certificate":
            records.append(
                compliance_json(
                    vid,
                    pid ^ FAMILY_PID_BIT,
                    software_version + 1,
                    f"{version_string} (family)",
                    "matter",
                    certificate,
                    state("certified", self.certified_on(p), ""),
                    [],
                )
            )
        if plan in ("older_firmware", "older_revoked"):
            # Certified 60 days before the current firmware; "older_revoked" revoked since.
            older = (date.fromisoformat(self.certified_on(p)) - timedelta(days=60)).isoformat()
            current, history = state("certified", older, ""), []
            if plan == "older_revoked":
                current = state("revoked", self.certified_on(p), REVOCATION_REASON)
                history = [state("certified", older, "")]
            records.append(
                compliance_json(
                    vid,
                    pid,
                    software_version - 1,
                    f"{version_string} (older)",
                    "matter",
                    certificate,
                    current,
                    history,
                )
            )
        return records
