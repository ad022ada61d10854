"""Hostile content a product's pages can carry, switched on per product by ``Catalog.quirk``.

Each quirk changes what the site shows and, where a correct crawl must store something else
than before, the product's canonical values (the ground truth) with it:

- ``swc_certificate_id``: a software-component id (``CSA23066SWC60117-M3``) on card and detail;
  stored verbatim.
- ``no_certificate_id``: a CSA "Test Product" with no certificate id anywhere; certificate_id
  None, product and details still stored.
- ``nbsp_heading``: the heading reads ``Application&nbsp;Categories``; the categories are stored.
- ``script_in_value``: a ``<script>`` and a ``<style>`` inside the Software Version value and the
  description; stored text has neither.
- ``vid_conflict``: the certificates table shows a VID other than the Vendor ID span shown
  first; the first (the vendor's) is stored.
- ``tracking_link``: the card links with ``?utm_source=x#frag``; the product's URL is the
  canonical one, where its detail page answers too.
- ``odd_date``: the certification date is ``1/2/3`` or ``05.06.2025``; stored as None (an
  undocumented format is not guessed).
- ``no_link_card``: the card has no ``/csa_product/`` link; the product cannot be stored, the
  other cards of its page must be.
- ``offsite_link``: the card links to ``https://elsewhere.example/csa_product/...``; not a product.
"""

import random

QUIRKS = (
    "swc_certificate_id",
    "no_certificate_id",
    "nbsp_heading",
    "script_in_value",
    "vid_conflict",
    "tracking_link",
    "odd_date",
    "no_link_card",
    "offsite_link",
)
# Cards a correct crawl cannot turn into a product: left out of the ground truth.
UNUSABLE_CARD = frozenset({"no_link_card", "offsite_link"})
SCRIPT = '<script>var certificate = "CSA00000MAT00000-00"; document.write("Buy now");</script>'
STYLE = '<style>.value::after { content: "Sold out"; }</style>'
ODD_DATES = ("1/2/3", "05.06.2025")


def swc_certificate_id(p):
    rng = random.Random(f"swc:{p.serial}")
    return f"CSA{rng.randint(20000, 25999)}SWC{rng.randint(10000, 99999)}-M{rng.randint(1, 9)}"


def changes(p, name):
    """(new values, new style) entries that quirk ``name`` brings to product ``p``."""
    none = p.style["none"]
    if name == "swc_certificate_id":
        card_cert = p.style["card_cert"] if p.style["card_cert"] != "none" else "p"
        return {"certificate_id": swc_certificate_id(p)}, {"card_cert": card_cert}
    if name == "no_certificate_id":
        return {"certificate_id": None, "model": "Test Product"}, {
            "none": {**none, "certificate_id": None}
        }
    if name == "nbsp_heading":
        return {"application_categories": p.values["application_categories"] or ["Lighting"]}, {}
    if name == "script_in_value":
        return (
            {
                "software_version": p.values["software_version"] or "1.0.0",
                "description": p.values["description"]
                or f"The {p.values['model']} is a Matter product.",
            },
            {"table": None if p.style["table"] == "only" else p.style["table"]},
        )
    if name == "vid_conflict":
        vid = p.values["vid"] if p.values["vid"] is not None else p.vendor.vid
        return {"vid": vid}, {
            "table": "both",
            "li": "new",
            "table_vid": f"0x{(vid + 1) % 0x10000:04X}",
        }
    if name == "odd_date":
        return {"certification_date": None}, {
            "none": {**none, "certification_date": ODD_DATES[p.serial % 2]}
        }
    if name in ("tracking_link", "no_link_card", "offsite_link"):
        return {}, {}
    raise ValueError(f"unknown quirk: {name}")
