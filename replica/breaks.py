"""Pages that answer but are not usable pages of their kind: switched on per listing page or
detail path by ``ReplicaServer.break_page``, and the mid-document cut of the random
``truncate`` fault.

Faults (``FAULTS``):
- ``cut``: the HTML stops mid-document after a few cards (listing) or halfway through the
  fields (detail): no closing tags, no pagination.
- ``json``: a JSON body, ``application/json``.
- ``empty``: 200 with an empty body.
- ``binary``: ``application/octet-stream`` bytes.
- ``deep_nesting``: the page's content inside more nested ``<div>`` than lxml parses.
- ``redirect_loop``: 301 to the same page with ``replica_loop=1``, which redirects back.
- ``thirteen_cards``: a listing page with one product card too many (listing pages only).
- ``not_found``, ``gone``: 404 and 410, the site's not-found page (a product page taken
  down while the listing still shows its card).
"""

import json
import random
import re
import threading

from .markup import listing_page, not_found_page

FAULTS = (
    "cut",
    "json",
    "empty",
    "binary",
    "deep_nesting",
    "redirect_loop",
    "thirteen_cards",
    "not_found",
    "gone",
)
STATUSES = {"not_found": 404, "gone": 410}
DEPTH = 300_000
LOOP_PARAM = "replica_loop"
HTML = "text/html; charset=UTF-8"
MAIN = '<main id="main" class="site-main">\n'
CARD = re.compile(r'<article class="(?:product )?post-')  # a listing card, not a featured product


class PageBreaks:
    """Which pages are broken and for how many more requests (None: for good)."""

    def __init__(self):
        self._breaks = {}  # (kind, page number or slug) -> [fault, remaining requests or None]
        self._lock = threading.Lock()

    def add(self, kind, key, fault, times=None):
        if fault not in FAULTS:
            raise ValueError(f"unknown page fault {fault!r}; known: {', '.join(FAULTS)}")
        if fault == "thirteen_cards" and kind != "list":
            raise ValueError("thirteen_cards breaks listing pages only")
        with self._lock:
            self._breaks[kind, key] = [fault, times]

    def take(self, kind, key):
        """The fault this request gets (counting it against `times`), or None."""
        with self._lock:
            entry = self._breaks.get((kind, key))
            if entry is None:
                return None
            fault, remaining = entry
            if remaining is not None:
                if remaining <= 0:
                    return None
                entry[1] = remaining - 1
            return fault

    def clear(self):
        with self._lock:
            self._breaks.clear()


def cut_html(html, fraction):
    """The document cut at a point between its first card or field block and ``</html>``."""
    first = CARD.search(html) or re.search("<article", html)
    start = first.start() if first else html.find(MAIN)
    end = html.rfind("</html>")
    return html[: start + int(fraction * (end - start))]


def cut_early(html, kind):
    """The deterministic ``cut``: after three whole cards, or halfway through the fields."""
    if kind == "list":
        starts = [m.start() for m in CARD.finditer(html)]
        if not starts:
            return cut_html(html, 0.5)
        start = starts[min(3, len(starts) - 1)]
        return html[: (start + html.find("</article>", start)) // 2]
    start = html.find('<div class="entry-product-details">')
    return html[: (start + html.find("</article>", start)) // 2]


def truncated(response, fraction):
    """A 200 HTML response cut mid-document (the random ``truncate`` fault); others unchanged."""
    status, body, ctype, headers = response
    if status != 200 or ctype != HTML or not body:
        return response
    return status, cut_html(body.decode(), fraction).encode(), ctype, headers


def broken_response(fault, kind, split, base, page_html, catalog=None, page=None):
    """(status, body, content type, headers) of a broken page; page_html() renders the whole one."""
    if fault == "json":
        body = {
            "code": "rest_no_route",
            "message": "No route was found matching the URL and request method.",
            "data": {"status": 404},
        }
        return 200, json.dumps(body).encode(), "application/json", []
    if fault in STATUSES:
        return STATUSES[fault], not_found_page().encode(), HTML, []
    if fault == "empty":
        return 200, b"", HTML, []
    if fault == "binary":
        rng = random.Random(split.path)
        return (
            200,
            b"\x89PNG\r\n\x1a\n" + bytes(rng.getrandbits(8) for _ in range(4096)),
            "application/octet-stream",
            [],
        )
    if fault == "redirect_loop":
        params = [p for p in split.query.split("&") if p]
        back = [p for p in params if not p.startswith(LOOP_PARAM + "=")]
        target = back if len(back) < len(params) else back + [f"{LOOP_PARAM}=1"]
        return (
            301,
            b"",
            HTML,
            [("Location", base + split.path + ("?" + "&".join(target) if target else ""))],
        )
    if fault == "thirteen_cards":
        return 200, listing_page(catalog, page, base, extra_cards=1).encode(), HTML, []
    html = page_html()
    if fault == "cut":
        return 200, cut_early(html, kind).encode(), HTML, []
    at, end = html.index(MAIN) + len(MAIN), html.index("\n</main>")
    return (
        200,
        (html[:at] + "<div>" * DEPTH + html[at:end] + "</div>" * DEPTH + html[end:]).encode(),
        HTML,
        [],
    )
