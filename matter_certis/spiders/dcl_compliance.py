"""Spider ``dcl_compliance``: every compliance record of the CSA's Distributed Compliance
Ledger (one per certified firmware of a model)."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.db import models
from matter_certis.items import COMPLIANCE_KEY, DclCompliance
from matter_certis.parsing.dcl_loaders import DclComplianceLoader


class DclComplianceSpider(DclWalkSpider):
    """Syncs the ``dcl_compliance`` table with ``{DCL_BASE_URL}/dcl/compliance/compliance-info``
    (every certification type, not only ``matter``); how the walk goes, which records it
    refuses and how it ends is ``DclWalkSpider``'s. Changes between two walks (a revocation)
    land in ``dcl_changes``. The key is ``vid``, ``pid``, ``softwareVersion`` and
    ``certificationType``."""

    name = "dcl_compliance"
    path = "/dcl/compliance/compliance-info"
    records_key = "complianceInfo"
    noun = "compliance"
    item_class = DclCompliance
    loader_class = DclComplianceLoader
    table = models.DclCompliance
    key = COMPLIANCE_KEY
