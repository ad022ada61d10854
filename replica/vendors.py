"""Vendors: one manufacturer name and one vid each; shared by products and the DCL API."""

import random
from dataclasses import dataclass

from .vocab import LEGAL_FORMS, VENDOR_HEADS, VENDOR_SECTORS, VENDOR_TAILS, clean, ledger_text

BECH32 = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


@dataclass(frozen=True)
class Vendor:
    vid: int
    name: str  # vendorName: the short brand
    legal_name: str  # companyLegalName as stored on the ledger (sometimes with stray spaces)
    preferred_name: str  # may be empty, as on the real ledger
    landing_page: str  # may be empty
    creator: str
    slug: str

    @property
    def manufacturer(self):
        """The company name the product listing shows."""
        return clean(self.legal_name)

    def dcl_json(self):
        return {
            "vendorID": self.vid,
            "vendorName": self.name,
            "companyLegalName": self.legal_name,
            "companyPreferredName": self.preferred_name,
            "vendorLandingPageURL": self.landing_page,
            "creator": self.creator,
        }

    def expected(self):
        return {
            "vendor_id": self.vid,
            "vendor_name": ledger_text(self.name),
            "company_legal_name": ledger_text(self.legal_name),
            "company_preferred_name": ledger_text(self.preferred_name),
            "vendor_landing_page_url": ledger_text(self.landing_page),
        }


def make_vendors(seed):
    """(vendors that have products, extra ledger-only vendors), deterministic from seed."""
    rng = random.Random(f"{seed}:vendors")
    count, extra = rng.randint(50, 70), 10
    brands = rng.sample([h + t for h in VENDOR_HEADS for t in VENDOR_TAILS], count + extra)
    vids = rng.sample(range(0x1000, 0x1600), count + extra - 2) + [0xFFF1, 0xFFF2]
    vendors = []
    for i, (brand, vid) in enumerate(zip(brands, vids)):
        sector = rng.choice(VENDOR_SECTORS)
        if rng.random() < 0.15:
            sector = f"{sector} & {rng.choice(VENDOR_SECTORS)}"
        legal = f"{brand} {sector} {rng.choice(LEGAL_FORMS)}"
        if vid >= 0xFFF1:
            brand, legal = f"Test Vendor {i}", f"Test Vendor {i} Ltd."
        elif i % 6 == 1:
            # As real ledger names are: no-break spaces and a double space inside.
            legal = legal.replace(" ", "\u00a0", 1).replace(" ", "  ", 1)
        vendors.append(
            Vendor(
                vid=vid,
                name=brand,
                legal_name=legal + (" " if rng.random() < 0.1 else ""),
                preferred_name=""
                if rng.random() < 0.1
                else rng.choice([brand, f"{brand} {sector}"]),
                landing_page=""
                if rng.random() < 0.1
                else f"https://www.{brand.lower().replace(' ', '')}.com",
                creator="cosmos1" + "".join(rng.choice(BECH32) for _ in range(38)),
                slug=brand.lower().replace(" ", "-"),
            )
        )
    return vendors[:count], vendors[count:]
