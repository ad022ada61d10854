"""The changes since a time, by section (new, changed, delisted, relisted products, changed
ledger records, new and changed firmware), each an ``Entry`` for people and for scripts:
what ``scrapy dbchanges`` prints, in the formats of ``digest_formats``."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from matter_certis.db import changes, stats
from matter_certis.db.models import utc_now
from matter_certis.items import COMPLIANCE_KEY
from matter_certis.parsing import normalize

# The columns that name a DCL record in dcl_changes.
LEDGER_KEY = ("record", *COMPLIANCE_KEY)


@dataclass
class Entry:
    """One change: a line (``title``, ``url``) with ``details`` for people, ``data`` for
    scripts, ``at`` when it was recorded."""

    title: str
    url: str | None
    at: datetime
    details: list = field(default_factory=list)
    data: dict = field(default_factory=dict)

    def add_change(self, row):
        """A changed value (a ``product_changes`` or ``dcl_changes`` row), the latest yet."""
        self.at = row["detected_at"]
        self.details.append(change_line(row))
        self.data["changes"].append(
            {
                "field": row["field"],
                "old_value": row["old_value"],
                "new_value": row["new_value"],
                "detected_at": iso(row["detected_at"]),
            }
        )


def iso(moment):
    """A stored (naive UTC) time as RFC 3339, as Atom and JSON readers expect."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def change_line(row):
    """``field: old → new``, a missing value as ``(none)``."""
    old, new = (
        stats.NO_VALUE if value is None else value for value in (row["old_value"], row["new_value"])
    )
    return f"{row['field']}: {old} → {new}"


def product_title(row):
    return f"{row['model'] or '(no model)'} ({row['manufacturer'] or 'unknown manufacturer'})"


def product_data(row, **more):
    return {"url": row["url"], "model": row["model"], "manufacturer": row["manufacturer"], **more}


def new_products(since):
    entries = []
    for row in changes.products_added(since):
        facts = [row["device_type"]]
        if row["certification_date"]:
            facts.append(f"certified {row['certification_date']}")
        if row["delisted_at"]:
            facts.append(f"delisted since {iso(row['delisted_at'])}")
        entries.append(
            Entry(
                product_title(row),
                row["url"],
                row["created_at"],
                [", ".join(fact for fact in facts if fact)] if any(facts) else [],
                product_data(
                    row,
                    device_type=row["device_type"],
                    certification_date=row["certification_date"],
                    first_stored_at=iso(row["created_at"]),
                ),
            )
        )
    return entries


def changed_products(since):
    """One entry per product, its changed fields in the order they were recorded."""
    entries = {}
    for row in changes.field_changes(since):
        entry = entries.get(row["url"])
        if entry is None:
            entry = entries[row["url"]] = Entry(
                product_title(row),
                row["url"],
                row["detected_at"],
                data=product_data(row, changes=[]),
            )
        entry.add_change(row)
    return list(entries.values())


def delisted_products(since):
    return [
        Entry(
            product_title(row),
            row["url"],
            row["delisted_at"],
            [f"no longer listed since {iso(row['delisted_at'])}"],
            product_data(row, delisted_at=iso(row["delisted_at"])),
        )
        for row in changes.products_delisted(since)
    ]


def relisted_products(since):
    entries = []
    for row in changes.products_relisted(since):
        delisted_at = iso(datetime.fromisoformat(row["delisted_at"]))
        entries.append(
            Entry(
                product_title(row),
                row["url"],
                row["relisted_at"],
                [f"listed again (delisted at {delisted_at})"],
                product_data(row, delisted_at=delisted_at, relisted_at=iso(row["relisted_at"])),
            )
        )
    return entries


def record_entries(rows, describe):
    """One entry per DCL record of ``rows`` (``dcl_changes``), its changed values in the
    order they were recorded; ``describe(row)`` gives a record's title and data."""
    entries = {}
    for row in rows:
        key = tuple(row[name] for name in LEDGER_KEY)
        entry = entries.get(key)
        if entry is None:
            title, data = describe(row)
            entry = entries[key] = Entry(title, None, row["detected_at"], data=data)
            data["changes"] = []
        entry.add_change(row)
    return list(entries.values())


def model_ids(row):
    return f"{normalize.format_hex_id(row['vid'])}/{normalize.format_hex_id(row['pid'])}"


def model_data(row, *names):
    """A ledger row's model (ids as ``0x1552``, its name) and ``names`` of it, for scripts."""
    return {
        **{name: row[name] for name in names},
        "vid": normalize.format_hex_id(row["vid"]),
        "pid": normalize.format_hex_id(row["pid"]),
        "product_name": row["product_name"],
    }


def describe_record(row):
    ids = model_ids(row)
    if row["record"] == "compliance":
        ids += f", software {row['software_version']}, {row['certification_type']}"
    name = row["product_name"] or "(model not on the ledger)"
    return f"{name} ({row['record']} {ids})", model_data(row, *LEDGER_KEY)


def changed_ledger_records(since):
    """Model and compliance records, one entry each."""
    return record_entries(changes.ledger_changes(since), describe_record)


def firmware_title(row):
    """``Name 1.0.1.1 (0x115F/0x2002, software 1011)``."""
    name = row["product_name"] or "(model not on the ledger)"
    version = row["software_version_string"] or "(no version string)"
    return f"{name} {version} ({model_ids(row)}, software {row['software_version']})"


def describe_version(row):
    data = model_data(row, "software_version", "software_version_string")
    return firmware_title(row), data


def new_firmware(since):
    """Model versions first stored since: a firmware published on the ledger, its OTA image."""
    entries = []
    for row in changes.versions_added(since):
        ota = f"OTA image {row['ota_url']}" if row["ota_url"] else "no OTA image"
        valid = " (marked not valid)" if row["software_version_valid"] is False else ""
        data = model_data(
            row, "software_version", "software_version_string", "software_version_valid"
        )
        data.update(ota_url=row["ota_url"], first_stored_at=iso(row["created_at"]))
        entries.append(Entry(firmware_title(row), None, row["created_at"], [ota + valid], data))
    return entries


def changed_firmware(since):
    """Model versions whose OTA URL, validity or applicable range changed, one entry each."""
    return record_entries(changes.ledger_changes(since, versions=True), describe_version)


@dataclass(frozen=True)
class Section:
    """A kind of change: its key in JSON, its heading, its part of the headline (``{n}``)
    and the function that lists its entries since a time. A new kind is one more."""

    key: str
    title: str
    headline: str
    entries: Callable[[datetime], list]
    always_in_headline: bool = False


SECTIONS = (
    Section("new", "New products", "+{n} products", new_products, always_in_headline=True),
    Section(
        "changed", "Changed products", "{n} changed", changed_products, always_in_headline=True
    ),
    Section(
        "delisted", "Delisted products", "{n} delisted", delisted_products, always_in_headline=True
    ),
    Section("relisted", "Relisted products", "{n} relisted", relisted_products),
    Section(
        "ledger", "Changed ledger records", "{n} ledger records changed", changed_ledger_records
    ),
    Section("new_firmware", "New firmware", "{n} new firmware", new_firmware),
    Section("firmware_changes", "Firmware changes", "{n} firmware changed", changed_firmware),
)


@dataclass
class Digest:
    """The changes since a time, by section (``found``: pairs of a ``Section`` and its
    entries)."""

    since: datetime
    basis: str
    until: datetime
    found: list

    def headline(self):
        return ", ".join(
            section.headline.format(n=len(entries))
            for section, entries in self.found
            if entries or section.always_in_headline
        )

    def heading(self):
        return f"Changes since {self.since:%Y-%m-%d %H:%M:%S} UTC ({self.basis})"

    def sections(self):
        """The sections that have entries."""
        return [(section, entries) for section, entries in self.found if entries]


def digest(since, basis):
    """Every section's changes at or after ``since``; ``basis`` says what ``since`` is."""
    return Digest(
        since, basis, utc_now(), [(section, section.entries(since)) for section in SECTIONS]
    )
