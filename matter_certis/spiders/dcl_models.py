"""Spider ``dcl_models``: every model record of the CSA's Distributed Compliance Ledger."""

from matter_certis.base_spiders.dcl_walk import DclWalkSpider
from matter_certis.items import DclModel
from matter_certis.parsing.dcl_loaders import DclModelLoader


class DclModelsSpider(DclWalkSpider):
    """Syncs the ``dcl_models`` table with ``{DCL_BASE_URL}/dcl/model/models``: the whole
    list, ``DCL_PAGE_LIMIT`` records a request, never one request per model; how the walk
    goes and how it ends is ``DclWalkSpider``'s. A record without a usable ``vid`` or
    ``pid`` (missing, or not a JSON integer 0..0xFFFF) has no key to be stored under: it
    is refused."""

    name = "dcl_models"
    path = "/dcl/model/models"
    records_key = "model"
    noun = "model"
    item_class = DclModel

    def load(self, response, record):
        loader = DclModelLoader(response=response, spider=self)
        loader.add_record(record)
        model = loader.load_item()
        if model.get("vid") is None or model.get("pid") is None:
            self.refuse(response, f"no usable vid/pid: {record.get('vid')!r}/{record.get('pid')!r}")
            return None
        return model
