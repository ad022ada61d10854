"""A local, deterministic replica of the CSA-IoT Matter product listing and the DCL vendor API.

Every test crawls it on 127.0.0.1; the catalogue also yields the ground truth a crawl must reproduce.
"""
from .catalog import PER_PAGE, Catalog
from .faults import Faults
from .markup import FILTERS, LIST_PATH
from .server import RequestRecord, ReplicaServer

__all__ = ["Catalog", "Faults", "ReplicaServer", "RequestRecord", "PER_PAGE", "LIST_PATH", "FILTERS"]
