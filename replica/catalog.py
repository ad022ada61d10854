"""The catalogue: products newest-first, mutations between crawls, and the ground truth a crawl must reproduce."""

import re
import threading
from urllib.parse import urlsplit

from . import quirks
from .product import FIELDS, make_product
from .vendors import make_vendors

PER_PAGE = 12
SLUG_RE = re.compile(r"^/csa_product/([^/]+)/?$")


class Catalog:
    """live_markup: False (the two older themes), True (the live site's markup mixed in: every
    third listing page and every third detail page) or "only" (every page in live markup).

    ``categories_heading`` is the heading above a product's categories: a test renames it (a
    theme change, markup drift) between crawls or with ``ReplicaServer.change_after``; the
    ground truth does not follow (a crawl that keeps the stored categories still matches)."""

    def __init__(self, products=600, seed=0, live_markup=False):
        if live_markup not in (False, True, "only"):
            raise ValueError(f"live_markup must be False, True or 'only', not {live_markup!r}")
        self.seed = seed
        self.live_markup = live_markup
        self.categories_heading = "Application Categories"
        self.vendors, self.extra_vendors = make_vendors(seed)
        # a few big vendors (like Tuya on the real site) and a long tail
        self._vendor_weights = [1 / (i + 1) for i in range(len(self.vendors))]
        self._lock = threading.RLock()
        self._products = []  # by serial, oldest first
        self._by_slug = {}
        self._by_vendor = {}
        self._delisted = set()
        self._redirects = {}  # slug -> (the product whose page answers instead, HTTP status)
        self._repeating = set()  # serials whose card shows the product listed before them
        self._listed = None  # cached newest-first tuple of listed products
        self.add_products(products)

    # -- mutations ---------------------------------------------------------
    def add_products(self, n):
        """n new products, certified after every existing one, appear at the top of page 1."""
        with self._lock:
            for _ in range(n):
                p = make_product(self.seed, len(self._products), self.vendors, self._vendor_weights)
                self._products.append(p)
                self._by_slug[p.slug] = p
                self._by_vendor.setdefault(p.vendor.vid, []).append(p)
            self._listed = None

    def delist(self, urls_or_paths):
        """Remove products from the listing; their detail pages keep answering."""
        with self._lock:
            self._delisted.update(p.serial for p in self._resolve_many(urls_or_paths))
            self._listed = None

    def relist(self, urls_or_paths):
        with self._lock:
            self._delisted.difference_update(p.serial for p in self._resolve_many(urls_or_paths))
            self._listed = None

    def repeat_card(self, url_or_path):
        """The product's card shows the product listed just before it again (one product on
        two cards); a correct crawl stores that one once, at its own card, and not this one."""
        with self._lock:
            self._repeating.add(self.product(url_or_path).serial)

    def change(self, url_or_path, **values):
        """Change canonical values (e.g. software_version="2.0"); page and ground truth both follow.

        Values are given in their expected form: vid/pid int, certification_date ISO string,
        primary_device_type_id "0x010A, 0x0100", application_categories list, description paragraphs
        joined by a blank line; None makes the page show the product's "missing" rendering.
        """
        unknown = set(values) - set(FIELDS)
        if unknown:
            raise ValueError(f"unknown fields: {sorted(unknown)}")
        if values.get(
            "compliance_document_url"
        ):  # stored as a path; ground truth prefixes base_url
            values["compliance_document_url"] = urlsplit(values["compliance_document_url"]).path
        with self._lock:
            p = self.product(url_or_path)
            p.values = {**p.values, **values}

    def rename(self, url_or_path, new_slug=None):
        """The product moves to a new address (WordPress after a slug edit): the listing and
        the ground truth show the new one, the old one answers 301 to it. Returns the product."""
        with self._lock:
            product = self.product(url_or_path)
            new_slug = new_slug or f"{product.slug}-renamed"
            if new_slug in self._by_slug:
                raise ValueError(f"slug {new_slug!r} is taken")
            del self._by_slug[product.slug]
            self._redirects[product.slug] = (product, 301)
            product.slug = new_slug
            self._by_slug[new_slug] = product
            self._listed = None
            return product

    def redirect(self, url_or_path, to_url_or_path, status=301):
        """One product's page answers with a redirect to another product's page, its card
        still listed (a site misconfiguration): no crawl can read the first one's details."""
        with self._lock:
            source, target = self.product(url_or_path), self.product(to_url_or_path)
            self._redirects[source.slug] = (target, status)

    def redirect_of(self, slug):
        """(product, status) a request for this slug is sent to, or None."""
        return self._redirects.get(slug)

    def quirk(self, url_or_path, *names):
        """Give a product hostile content (names: see quirks.py); page and ground truth both follow."""
        with self._lock:
            p = self.product(url_or_path)
            for name in names:
                values, style = quirks.changes(p, name)
                p.values, p.style = {**p.values, **values}, {**p.style, **style}
                p.quirks = p.quirks | {name}
            self._listed = None

    # -- lookups -----------------------------------------------------------
    def product(self, url_or_path):
        """Any product (listed or not) by detail URL, path or slug; KeyError if unknown."""
        path = urlsplit(url_or_path).path
        m = SLUG_RE.match(path)
        return self._by_slug[m.group(1) if m else path.strip("/")]

    def find(self, slug):
        return self._by_slug.get(slug)

    def _resolve_many(self, urls_or_paths):
        items = [urls_or_paths] if isinstance(urls_or_paths, str) else urls_or_paths
        return [self.product(u) for u in items]

    def listed(self):
        """Listed products, newest first (a snapshot; safe to use while others mutate)."""
        with self._lock:
            if self._listed is None:
                self._listed = tuple(
                    p for p in reversed(self._products) if p.serial not in self._delisted
                )
            return self._listed

    def by_vendor(self, vid):
        with self._lock:
            return list(self._by_vendor.get(vid, ()))

    def __len__(self):
        return len(self.listed())

    def page_count(self):
        return max(1, -(-len(self) // PER_PAGE))

    def page(self, n):
        """(cards of physical page n, 1-based; total listed, page count)."""
        listed = self.listed()
        first = (n - 1) * PER_PAGE
        return (
            tuple(
                listed[at - 1] if p.serial in self._repeating and at else p
                for at, p in enumerate(listed[first : first + PER_PAGE], start=first)
            )
            if n >= 1
            else (),
            len(listed),
            max(1, -(-len(listed) // PER_PAGE)),
        )

    # -- ground truth ------------------------------------------------------
    def _positions(self, usable=True):
        """(product, page_id, index_in_page) of listed products whose card is (un)usable."""
        listed = self.listed()
        total = len(listed)
        for from_newest, p in enumerate(listed):
            if usable == bool(p.quirks & quirks.UNUSABLE_CARD) or (
                usable and p.serial in self._repeating
            ):
                continue
            from_oldest = total - 1 - from_newest
            yield p, from_oldest // PER_PAGE, from_oldest % PER_PAGE

    def unusable_cards(self, base_url):
        """Listed products whose card a correct crawl cannot store (no product link, or one to
        another host), with the URL and slot the product would have had, newest first."""
        base = base_url.rstrip("/")
        return [
            {"url": base + p.path, "page_id": page_id, "index_in_page": index}
            for p, page_id, index in self._positions(usable=False)
        ]

    def expected_products(self, base_url):
        """Product refs as the listing cards define them, newest first (usable cards only)."""
        base = base_url.rstrip("/")
        return [
            {
                "url": base + p.path,
                "manufacturer": p.values["manufacturer"],
                "model": p.values["model"],
                "certificate_id": None
                if p.style["card_cert"] == "none"
                else p.values["certificate_id"],
                "page_id": page_id,
                "index_in_page": index,
            }
            for p, page_id, index in self._positions()
        ]

    def expected_details(self, base_url):
        """Normalised detail records of listed products with a usable card, newest first."""
        base = base_url.rstrip("/")
        out = []
        for p, page_id, index in self._positions():
            row = {"url": base + p.path, "page_id": page_id, "index_in_page": index}
            row.update((f, p.values[f]) for f in FIELDS)
            if row["application_categories"] is not None:
                row["application_categories"] = list(row["application_categories"])
            if row["compliance_document_url"]:
                row["compliance_document_url"] = base + row["compliance_document_url"]
            out.append(row)
        return out

    def dcl_vendors(self):
        """Every vendor on the ledger, sorted by vendor id as the ledger's store keys are."""
        return sorted(self.vendors + self.extra_vendors, key=lambda v: v.vid)

    def expected_vendors(self):
        return [v.expected() for v in self.dcl_vendors()]
