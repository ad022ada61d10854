"""A local, deterministic replica of the CSA-IoT Matter product listing and the DCL vendor API.

Every test crawls it on 127.0.0.1; the catalogue also yields the ground truth a crawl must reproduce.
"""

from .breaks import FAULTS as PAGE_FAULTS
from .catalog import PER_PAGE, Catalog
from .faults import Faults
from .handler import RequestRecord
from .markup import FILTERS, LIST_PATH
from .quirks import QUIRKS
from .server import ReplicaServer

__all__ = [
    "Catalog",
    "Faults",
    "ReplicaServer",
    "RequestRecord",
    "PER_PAGE",
    "LIST_PATH",
    "FILTERS",
    "QUIRKS",
    "PAGE_FAULTS",
]
