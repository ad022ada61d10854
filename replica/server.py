"""The replica's server: routes, request log, faults, start/stop in a background thread
(its HTTP plumbing is ``handler.py``)."""

import re
import threading
from collections import Counter
from urllib.parse import parse_qs

from . import dcl
from .breaks import PageBreaks, broken_response
from .detail import detail_page
from .handler import HTML, JSON, ReplicaHTTPServer, RequestRecord
from .ledger import Ledger
from .markup import FILTERS, LIST_PATH, listing_page, not_found_page

LIST_RE = re.compile(r"^/csa-iot_products/?(?:page/(\d+)/?)?$")
DETAIL_RE = re.compile(r"^/csa_product/([^/]+)(/?)$")


def listing_page_number(match, split):
    """The page a listing URL asks for: /page/N/ or ?paged=N, else 1."""
    if match.group(1):
        return max(int(match.group(1)), 1)
    paged = parse_qs(split.query).get("paged", ["1"])[0]
    return max(int(paged), 1) if paged.isdigit() else 1


class ReplicaServer:
    """The replica site on 127.0.0.1, served from a daemon thread; usable as a context manager."""

    def __init__(
        self,
        catalog,
        port=0,
        delay=0.0,
        faults=None,
        host="127.0.0.1",
        dcl_loop_key=False,
        dcl_malformed_page=None,
        dcl_malformed_kind="json",
        dcl_endless_empty=False,
        dcl_total_offset=0,
        dcl_vendor_overrides=None,
        dcl_ledger_faults=None,
    ):
        self.catalog = catalog
        self.host, self.port = host, port  # port 0: a free port, known after start()
        self.delay = delay  # seconds added to every response
        self.faults = faults  # a Faults or None; may be replaced while running
        # How the DCL lists misbehave (dcl.Faults documents each): the vendor list as the
        # dcl_* arguments say, the model and compliance lists as dcl_ledger_faults
        # ({"models"|"compliance": dcl.Faults}) says.
        self.dcl_faults = {name: dcl.Faults() for name in dcl.LISTS}
        self.dcl_faults["vendors"] = dcl.Faults(
            loop_key=dcl_loop_key,
            malformed_page=dcl_malformed_page,
            malformed_kind=dcl_malformed_kind,
            endless_empty=dcl_endless_empty,
            total_offset=dcl_total_offset,
            record_overrides=dcl_vendor_overrides or {},
        )
        self.dcl_faults.update(dcl_ledger_faults or {})
        # The ledger's model and compliance records (revoke() between two walks).
        self.ledger = Ledger(catalog)
        self._log = []
        # Requests of each kind in the log, kept as they arrive: every request asks whether a
        # change is due, and counting the log each time made a large replica's work per
        # request grow with the crawl (quadratic over a 30,000-product crawl).
        self._counts = Counter()
        self._log_lock = threading.Lock()
        self._changes = []  # (kind, requests, change): change_after
        self._httpd = self._thread = None
        self._breaks = PageBreaks()

    def start(self):
        self._httpd = ReplicaHTTPServer((self.host, self.port), self)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"replica-{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._thread.join()
        self._httpd.close_open_connections()
        self._httpd.server_close()
        self._httpd = self._thread = None

    def __enter__(self):
        return self if self._httpd else self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def base_url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def list_url(self):
        return f"{self.base_url}{LIST_PATH}?{FILTERS}"

    @property
    def dcl_url(self):
        return self.base_url

    # -- request log -------------------------------------------------------
    def record(self, kind, path, status):
        with self._log_lock:
            self._log.append(RequestRecord(kind, path, status))
            self._counts[kind] += 1

    @property
    def request_log(self):
        """A copy of the log, in arrival order."""
        with self._log_lock:
            return list(self._log)

    def count(self, kind=None):
        with self._log_lock:
            return len(self._log) if kind is None else self._counts[kind]

    def clear_log(self):
        with self._log_lock:
            self._log.clear()
            self._counts.clear()

    # -- the site moving during a crawl ---------------------------------------
    def change_after(self, kind, requests, change):
        """Run ``change`` (a callable: ``lambda: catalog.add_products(5)``, a delisting) once,
        just before the replica answers a request of ``kind`` when ``requests`` of that kind
        are in the log: that request and every later one see the changed site."""
        with self._log_lock:
            self._changes.append((kind, requests, change))

    def grow_after(self, requests, products, kind="list"):
        """``products`` new products appear after ``requests`` requests of ``kind``."""
        self.change_after(kind, requests, lambda: self.catalog.add_products(products))

    def delist_after(self, requests, urls, kind="list"):
        """These products leave the listing after ``requests`` requests of ``kind``."""
        self.change_after(kind, requests, lambda: self.catalog.delist(urls))

    def changes_due(self, kind):
        with self._log_lock:
            if not self._changes:
                return
            count = self._counts[kind]
            due = [c for c in self._changes if c[0] == kind and c[1] <= count]
            self._changes = [c for c in self._changes if c not in due]
            for _, _, change in due:
                change()

    # -- broken pages --------------------------------------------------------
    def break_page(self, kind, page_or_path, fault, times=None):
        """Serve a fault (see breaks.py) for listing page N (kind "list", 1-based, both URL forms)
        or a product's detail page (kind "detail", URL or path); times: only for the next that
        many requests of it (each redirect hop counts), then the whole page again."""
        if kind == "list":
            key = int(page_or_path)
        elif kind == "detail":
            key = self.catalog.product(page_or_path).slug
        else:
            raise ValueError(f"kind must be 'list' or 'detail', not {kind!r}")
        self._breaks.add(kind, key, fault, times)

    def mend_pages(self):
        """Every page whole again."""
        self._breaks.clear()

    def broken(self, kind, split, base):
        """The response of a broken page, or None when this request gets the whole page."""
        if kind == "list" and (m := LIST_RE.match(split.path)):
            page = listing_page_number(m, split)
            fault = self._breaks.take("list", page)
            if fault:
                return broken_response(
                    fault,
                    kind,
                    split,
                    base,
                    lambda: self.listing(m, split, base)[1].decode(),
                    self.catalog,
                    page,
                )
        elif (
            kind == "detail"
            and (m := DETAIL_RE.match(split.path))
            and (product := self.catalog.find(m.group(1)))
        ):
            fault = self._breaks.take("detail", product.slug)
            if fault:
                return broken_response(
                    fault, kind, split, base, lambda: detail_page(self.catalog, product, base)
                )
        return None

    # -- routing -----------------------------------------------------------
    def route(self, kind, split, base):
        """(status, body, content type, extra headers) for a GET."""
        if kind == "robots":
            return 200, b"User-agent: *\nAllow: /\n", "text/plain; charset=UTF-8", []
        if kind == "dcl":
            status, body = dcl.handle(
                split.path,
                parse_qs(split.query),
                self.catalog.dcl_vendors(),
                self.ledger,
                self.dcl_faults,
            )
            return status, body, JSON, []
        if kind == "list" and (m := LIST_RE.match(split.path)):
            return self.listing(m, split, base)
        if kind == "detail" and (m := DETAIL_RE.match(split.path)):
            if moved := self.catalog.redirect_of(m.group(1)):
                target, status = moved
                return status, b"", HTML, [("Location", f"{base}{target.path}")]
            product = self.catalog.find(m.group(1))
            if product and not m.group(2):  # WordPress adds the trailing slash
                location = f"{base}{product.path}" + (f"?{split.query}" if split.query else "")
                return 301, b"", HTML, [("Location", location)]
            if product:
                return 200, detail_page(self.catalog, product, base).encode(), HTML, []
        return 404, not_found_page().encode(), HTML, []

    def listing(self, match, split, base):
        page = listing_page_number(match, split)
        if match.group(1) and page > self.catalog.page_count():
            return 404, not_found_page().encode(), HTML, []
        return 200, listing_page(self.catalog, page, base).encode(), HTML, []
