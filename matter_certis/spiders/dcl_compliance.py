"""Spider ``dcl_compliance``: every compliance record of the CSA's Distributed Compliance
Ledger (one per certified firmware of a model)."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.items import COMPLIANCE_KEY, DclCompliance
from matter_certis.parsing.dcl_loaders import DclComplianceLoader

LEDGER_KEY = ("vid", "pid", "softwareVersion", "certificationType")


class DclComplianceSpider(DclWalkSpider):
    """Syncs the ``dcl_compliance`` table with ``{DCL_BASE_URL}/dcl/compliance/compliance-info``
    (every certification type, not only ``matter``); how the walk goes and how it ends is
    ``DclWalkSpider``'s. Changes between two walks (a revocation) land in ``dcl_changes``.
    A record missing a usable part of its key (``vid``, ``pid``, ``softwareVersion``,
    ``certificationType``) cannot be stored: it is refused."""

    name = "dcl_compliance"
    path = "/dcl/compliance/compliance-info"
    records_key = "complianceInfo"
    noun = "compliance"
    item_class = DclCompliance

    def load(self, response, record):
        loader = DclComplianceLoader(response=response, spider=self)
        loader.add_record(record)
        compliance = loader.load_item()
        if any(compliance.get(field) is None for field in COMPLIANCE_KEY):
            key = "/".join(repr(record.get(name)) for name in LEDGER_KEY)
            self.refuse(response, f"no usable vid/pid/softwareVersion/certificationType: {key}")
            return None
        return compliance
