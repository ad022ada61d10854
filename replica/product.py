"""One product: canonical values (= ground truth) plus the rendering choices the site makes for it.

Everything is drawn from Random(seed, serial), so adding products never changes existing ones.
"""

import random
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from .vocab import (
    DESC_FIRST,
    DESC_SECOND,
    DEVICE_KINDS,
    DEVICE_WEIGHTS,
    EXTRA_CATEGORIES,
    MISSING_TOKENS,
    MODEL_PREFIXES,
    MONTHS,
    TRANSPORTS,
    UNKNOWN_FIELDS,
)

FIELDS = (
    "manufacturer",
    "model",
    "device_type",
    "certificate_id",
    "certification_date",
    "software_version",
    "hardware_version",
    "firmware_version",
    "specification_version",
    "vid",
    "pid",
    "family_sku",
    "family_variant_sku",
    "family_id",
    "tis_trp_tested",
    "transport_interface",
    "primary_device_type_id",
    "application_categories",
    "description",
    "compliance_document_url",
)
START = date(2022, 10, 3)
BAD_IDS = ["0x1FFFF", "70000", "0xZZ12"]
BAD_DATES = ["TBD", "Pending"]


def pick(rng, weighted):
    """weighted: {choice: weight}."""
    return rng.choices(list(weighted), weights=list(weighted.values()))[0]


@dataclass
class Product:
    serial: int  # 0 = oldest ever created
    slug: str
    vendor: object
    values: (
        dict  # canonical values, exactly the expected (normalised) ones; replaced, never mutated
    )
    style: dict
    quirks: frozenset = field(default=frozenset())  # hostile-content names, see quirks.py

    @property
    def path(self):
        return f"/csa_product/{self.slug}/"

    def card_href(self, base):
        """The product link of this product's card, or None when the card has none."""
        if "no_link_card" in self.quirks:
            return None
        if "offsite_link" in self.quirks:
            return f"https://elsewhere.example{self.path}"
        href = (base if self.style["card_href"] == "abs" else "") + self.path
        return href + "?utm_source=x#frag" if "tracking_link" in self.quirks else href

    @property
    def post_id(self):
        return 90000 + self.serial * 7

    def display(self, field):
        """manufacturer/model as the page writes them (NBSP, doubled or padded spaces)."""
        text, ws = self.values[field] or "", self.style["ws"]
        if ws == "nbsp":
            return text.replace(" ", "\u00a0", 1)
        if ws == "double":
            return text.replace(" ", "  ", 1)
        return f"\n   {text} " if ws == "pad" else text

    def shown(self, field):
        """Text the page shows for a scalar field, or None when the page omits the field."""
        value = self.values[field]
        if value is None:
            return self.style["none"].get(field)
        if field in ("manufacturer", "model"):
            return self.display(field)
        if field in ("vid", "pid"):
            return format_id(value, self.style[field + "_fmt"])
        if field == "certification_date":
            return format_date(date.fromisoformat(value), self.style["date_fmt"])
        if field == "tis_trp_tested":
            return getattr("Yes" if value else "No", self.style["tis_case"])()
        if field == "primary_device_type_id":
            ids = [
                i if self.style["pdt_case"] == "upper" else "0x" + i[2:].lower()
                for i in value.split(", ")
            ]
            return self.style["pdt_sep"].join(ids)
        return value


def format_id(value, fmt):
    if fmt == "barehex" and re.search("[A-F]", f"{value:04X}"):
        return f"{value:04X}"
    return {"0X": f"0X{value:04X}", "lower": f"0x{value:04x}", "dec": str(value)}.get(
        fmt, f"0x{value:04X}"
    )


def format_date(d, fmt):
    if fmt == "us":
        return f"{d.month:02d}/{d.day:02d}/{d.year}"
    if fmt == "long":
        return f"{MONTHS[d.month - 1]} {d.day}, {d.year}"
    if fmt == "short":
        return f"{d.day:02d} {MONTHS[d.month - 1][:3]} {d.year}"
    return d.isoformat()


def slugify(text):
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def make_product(seed, serial, vendors, vendor_weights):
    rng = random.Random(f"{seed}:product:{serial}")
    vendor = rng.choices(vendors, weights=vendor_weights)[0]
    kind, type_ids, categories, nouns = rng.choices(DEVICE_KINDS, weights=DEVICE_WEIGHTS)[0]
    model = " ".join(filter(None, [rng.choice(MODEL_PREFIXES), rng.choice(nouns)]))
    if rng.random() < 0.4:
        suffixes = [
            "S1",
            "X2",
            "Pro",
            "Max",
            "E27",
            "2",
            "Lite",
            "Plus",
            f"{vendor.name[:2].upper()}-{serial % 97}",
        ]
        model += " " + rng.choice(suffixes)
    certified = START + timedelta(days=serial // 4)  # ~4 certifications a day
    cert_id = f"CSA{rng.getrandbits(20):05X}MAT{(serial * 7 + 10007) % 100000:05d}-{rng.randint(0, 24):02d}"
    code = f"{vendor.name[:3].upper()}-{slugify(kind)[:2].upper()}{rng.randint(1, 999)}"
    ids = [rng.choice(type_ids)] + ([0x0100] if rng.random() < 0.2 else [])
    paragraphs = [
        rng.choice(DESC_FIRST).format(model=model, kind=kind.lower(), maker=vendor.manufacturer)
    ]
    if rng.random() < 0.4:
        paragraphs.append(rng.choice(DESC_SECOND))

    def maybe(p_missing, value):
        return None if rng.random() < p_missing else value

    def version():
        a, b, c = rng.randint(0, 5), rng.randint(0, 20), rng.randint(0, 99)
        return rng.choice(
            [
                f"{a}.{b}.{c}",
                f"{a}.{b}",
                f"v{a}.{b}.{c}",
                f"{a}{b:02d}{c:02d}",
                f"{a}.{b}.{c} (build {c * 37})",
            ]
        )

    values = {
        "manufacturer": vendor.manufacturer,
        "model": model,
        "device_type": maybe(0.03, kind),
        "certificate_id": cert_id,
        "certification_date": certified.isoformat(),
        "software_version": maybe(0.04, version()),
        "hardware_version": maybe(0.08, rng.choice(["1.0", "A1", "Rev 2", "1", "2.1"])),
        "firmware_version": maybe(0.15, version()),
        "specification_version": maybe(
            0.03, pick(rng, {"1.0": 15, "1.1": 15, "1.2": 25, "1.3": 30, "1.4": 15})
        ),
        "vid": vendor.vid,
        "pid": rng.randint(1, 0xFFFE),
        "family_sku": maybe(0.15, code),
        "family_variant_sku": maybe(
            0.3, f"{code}-{rng.choice(['EU', 'US', 'UK', 'W', 'B', 'AU'])}"
        ),
        "family_id": maybe(0.1, f"FAM{rng.randint(100000, 299999)}"),
        "tis_trp_tested": maybe(0.1, rng.random() < 0.3),
        "transport_interface": maybe(0.03, pick(rng, dict(TRANSPORTS))),
        "primary_device_type_id": maybe(0.03, ", ".join(f"0x{i:04X}" for i in ids)),
        "application_categories": maybe(
            0.3,
            list(
                dict.fromkeys(
                    rng.sample(categories, rng.randint(1, len(categories)))
                    + rng.sample(EXTRA_CATEGORIES, rng.randint(0, 1))
                )
            ),
        ),
        "description": maybe(0.25, "\n\n".join(paragraphs)),
        "compliance_document_url": maybe(
            0.4, f"/wp-content/uploads/{certified.year}/{certified.month:02d}/{cert_id}.zip"
        ),
    }
    none = {f: rng.choice([None] * 4 + MISSING_TOKENS) for f in FIELDS}
    rare = (
        serial + seed * 13
    ) % 100  # guaranteed ~1% junk renderings, in any 100 consecutive products
    for name, slot, tokens in (
        ("vid", 7, BAD_IDS),
        ("pid", 29, BAD_IDS[::-1]),
        ("certification_date", 53, BAD_DATES),
    ):
        if rare == slot:
            values[name], none[name] = None, tokens[(serial // 100) % len(tokens)]
    ids_fmt = {"0x": 40, "0X": 10, "lower": 15, "dec": 15, "barehex": 20}
    style = {
        "ws": pick(rng, {"plain": 75, "nbsp": 10, "double": 10, "pad": 5}),
        "card_cert": pick(rng, {"p": 70, "span": 20, "none": 10}),
        "card_link": pick(rng, {"title": 50, "company_first": 20, "image_first": 15, "button": 15}),
        "card_href": pick(rng, {"abs": 50, "rel": 50}),
        "li": pick(rng, {"new": 80, "old": 20}),
        "two_cols": rng.random() < 0.5,
        "label_manufacturer": pick(rng, {"Manufacturer": 70, "Company": 30}),
        "label_date": pick(rng, {"Certified Date": 60, "Certification Date": 40}),
        "label_type": pick(rng, {"Device Type": 60, "Product Type": 25, "Category": 15}),
        "odd_labels": {
            f: rng.choice(["lower", "upper", "colon", "colon_tight"])
            for f in FIELDS
            if rng.random() < 0.05
        },
        "table": pick(rng, {None: 80, "both": 10, "only": 10}),
        "vid_fmt": pick(rng, ids_fmt),
        "pid_fmt": pick(rng, ids_fmt),
        "date_fmt": pick(rng, {"us": 40, "iso": 20, "long": 25, "short": 15}),
        "tis_case": pick(rng, {"title": 70, "lower": 15, "upper": 15}),
        "pdt_case": pick(rng, {"upper": 70, "lower": 30}),
        "pdt_sep": pick(rng, {", ": 50, ",": 30, " , ": 20}),
        "doc_place": pick(rng, {"block": 60, "field": 40}),
        "unknown": [
            (label, rng.choice(vals)) for label, vals in UNKNOWN_FIELDS if rng.random() < 0.15
        ],
        "desc_wrap": rng.random() < 0.3,
        "desc_empty_p": rng.random() < 0.15,
        "desc_strong": rng.random() < 0.1,
        "none": none,
        "related_seed": rng.getrandbits(32),
    }
    return Product(serial, f"{slugify(model)}-{serial}", vendor, values, style)
