"""Spider ``dcl_models``: every model record of the CSA's Distributed Compliance Ledger."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.db import models
from matter_certis.items import DclModel
from matter_certis.parsing.dcl_loaders import DclModelLoader


class DclModelsSpider(DclWalkSpider):
    """Syncs the ``dcl_models`` table with ``{DCL_BASE_URL}/dcl/model/models``: the whole
    list, ``DCL_PAGE_LIMIT`` records a request, never one request per model; how the walk
    goes, which records it refuses and how it ends is ``DclWalkSpider``'s. The key is
    ``vid`` and ``pid`` (JSON integers 0..0xFFFF)."""

    name = "dcl_models"
    path = "/dcl/model/models"
    records_key = "model"
    noun = "model"
    item_class = DclModel
    loader_class = DclModelLoader
    table = models.DclModel
    key = ("vid", "pid")
