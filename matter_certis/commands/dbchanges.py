"""``scrapy dbchanges``: what changed in the database since the last sync (or a date), for a
person (text), a commit or chat message (markdown, headline), a script (json) or a feed
reader (atom)."""

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from xml.etree import ElementTree

from scrapy.commands import ScrapyCommand
from scrapy.exceptions import UsageError

from matter_certis.cli import failures, output
from matter_certis.db import connection, queries
from matter_certis.db.models import utc_now
from matter_certis.exceptions import InvalidValue
from matter_certis.parsing import normalize

# Before any run: "since the beginning" is every row.
BEGINNING = datetime(1970, 1, 1)
ATOM = "http://www.w3.org/2005/Atom"
# uuid5 namespace of the feed's and entries' ids: the same change keeps its id across digests.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/matter-certis/changes")
# The columns that name a DCL record in dcl_changes.
LEDGER_KEY = ("record", "vid", "pid", "software_version", "certification_type")


@dataclass
class Entry:
    """One change: a line (``title``, ``url``) with ``details`` for people, ``data`` for
    scripts, ``at`` when it was recorded."""

    title: str
    url: str | None
    at: datetime
    details: list = field(default_factory=list)
    data: dict = field(default_factory=dict)


def iso(moment):
    """A stored (naive UTC) time as RFC 3339, as Atom and JSON readers expect."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def change_line(row):
    """``field: old → new``, a missing value as ``(none)``."""
    old, new = (
        queries.NO_VALUE if value is None else value
        for value in (row["old_value"], row["new_value"])
    )
    return f"{row['field']}: {old} → {new}"


def product_title(row):
    return f"{row['model'] or '(no model)'} ({row['manufacturer'] or 'unknown manufacturer'})"


def product_data(row, **more):
    return {"url": row["url"], "model": row["model"], "manufacturer": row["manufacturer"], **more}


def new_products(since):
    entries = []
    for row in queries.products_added(since):
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
    for row in queries.field_changes(since):
        entry = entries.get(row["url"])
        if entry is None:
            entry = entries[row["url"]] = Entry(
                product_title(row),
                row["url"],
                row["detected_at"],
                data=product_data(row, changes=[]),
            )
        entry.at = row["detected_at"]
        entry.details.append(change_line(row))
        entry.data["changes"].append(
            {
                "field": row["field"],
                "old_value": row["old_value"],
                "new_value": row["new_value"],
                "detected_at": iso(row["detected_at"]),
            }
        )
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
        for row in queries.products_delisted(since)
    ]


def relisted_products(since):
    entries = []
    for row in queries.products_relisted(since):
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


def changed_ledger_records(since):
    """One entry per DCL record, its changed values in the order they were recorded."""
    entries = {}
    for row in queries.ledger_changes(since):
        key = tuple(row[name] for name in LEDGER_KEY)
        entry = entries.get(key)
        if entry is None:
            ids = f"{normalize.format_hex_id(row['vid'])}/{normalize.format_hex_id(row['pid'])}"
            if row["record"] == "compliance":
                ids += f", software {row['software_version']}, {row['certification_type']}"
            name = row["product_name"] or "(model not on the ledger)"
            entry = entries[key] = Entry(
                f"{name} ({row['record']} {ids})",
                None,
                row["detected_at"],
                data={
                    **dict(zip(LEDGER_KEY, key)),
                    "vid": normalize.format_hex_id(row["vid"]),
                    "pid": normalize.format_hex_id(row["pid"]),
                    "product_name": row["product_name"],
                    "changes": [],
                },
            )
        entry.at = row["detected_at"]
        entry.details.append(change_line(row))
        entry.data["changes"].append(
            {
                "field": row["field"],
                "old_value": row["old_value"],
                "new_value": row["new_value"],
                "detected_at": iso(row["detected_at"]),
            }
        )
    return list(entries.values())


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


def as_text(found):
    lines = [found.heading(), found.headline()]
    for section, entries in found.sections():
        lines += ["", f"{section.title} ({len(entries)})"]
        for entry in entries:
            lines.append(f"  {entry.title}" + (f"  {entry.url}" if entry.url else ""))
            lines += [f"      {detail}" for detail in entry.details]
    return "\n".join(lines)


# Inline markup only: no line of the digest starts with text from a product page.
MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&])")


def markdown_text(text):
    """Text from product pages, shown as itself: no markup, no links of its own."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", str(text))


def markdown_url(url):
    return re.sub(r"[()<> ]", lambda match: f"%{ord(match.group()):02X}", url)


def as_markdown(found):
    lines = [f"**{markdown_text(found.heading())}**: {markdown_text(found.headline())}"]
    for section, entries in found.sections():
        lines += ["", f"### {section.title} ({len(entries)})", ""]
        for entry in entries:
            title = markdown_text(entry.title)
            if entry.url:
                title = f"[{title}]({markdown_url(entry.url)})"
            details = "; ".join(map(markdown_text, entry.details))
            lines.append(f"- {title}" + (f": {details}" if details else ""))
    return "\n".join(lines)


def as_json(found):
    document = {
        "since": iso(found.since),
        "basis": found.basis,
        "until": iso(found.until),
        "headline": found.headline(),
    }
    document.update(
        {section.key: [entry.data for entry in entries] for section, entries in found.found}
    )
    return json.dumps(document, ensure_ascii=False, indent=2)


def as_atom(found):
    """An Atom feed (RFC 4287): one entry per change, with an id that stays the same."""
    ElementTree.register_namespace("", ATOM)

    def add(parent, tag, text=None, **attributes):
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        element.text = text
        return element

    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    add(feed, "id", ID_NAMESPACE.urn)
    add(feed, "title", f"Matter-certified products: {found.headline()}")
    add(feed, "subtitle", found.heading())
    add(feed, "updated", iso(found.until))
    add(add(feed, "author"), "name", "matter-certis")
    for section, entries in found.sections():
        for entry in entries:
            key = f"{section.key}|{entry.url or entry.title}|{iso(entry.at)}"
            item = add(feed, "entry")
            add(item, "id", uuid.uuid5(ID_NAMESPACE, key).urn)
            add(item, "title", f"{section.title}: {entry.title}")
            add(item, "updated", iso(entry.at))
            if entry.url:
                add(item, "link", href=entry.url)
            add(item, "category", term=section.key, label=section.title)
            # Content, not a summary: an entry without a link (a ledger record) needs one.
            add(item, "content", "\n".join(entry.details) or section.title, type="text")
    ElementTree.indent(feed)
    return ElementTree.tostring(feed, encoding="unicode", xml_declaration=True)


FORMATS = {
    "text": as_text,
    "markdown": as_markdown,
    "json": as_json,
    "atom": as_atom,
    "headline": Digest.headline,
}


def since_of(text):
    """``--since``: ``last`` (the start of the latest completed ``matter_products`` run;
    every change when none completed yet), a date (midnight UTC) in the site's formats, or
    an ISO date and time (UTC unless it names its offset). Returns (since, what it is)."""
    if text == "last":
        run = queries.last_completed_sync()
        if run is None:
            return BEGINNING, "no completed sync yet: every change"
        return run["started_at"], f"the start of the last completed sync, {run['session_id']}"
    try:
        return datetime.fromisoformat(normalize.parse_date(text)), "the date given"
    except InvalidValue as refusal:
        try:
            moment = datetime.fromisoformat(text.strip())
        except ValueError:
            raise ValueError(f"--since takes last, a date or an ISO time; {refusal}") from None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment, "the time given"


class Command(ScrapyCommand):
    """Prints the changes ``queries`` finds since ``--since`` in the ``--format`` asked for."""

    requires_project = True
    requires_crawler_process = False

    def syntax(self):
        return "[--since last|DATE] [--format text|markdown|json|atom|headline]"

    def short_desc(self):
        return "What changed since the last sync: new, changed, delisted products, the ledger"

    def add_options(self, parser):
        super().add_options(parser)
        parser.add_argument(
            "--since",
            default="last",
            metavar="last|DATE",
            help="last (default): since the start of the latest completed "
            "matter_products run; or a date (2025-06-27) or UTC time "
            "(2025-06-27T08:00)",
        )
        parser.add_argument(
            "--format", default="text", help="text (default), markdown, json, atom or headline"
        )

    def run(self, args, opts):
        with failures.in_one_line(self):
            self.report(args, opts)

    def report(self, args, opts):
        if args:
            raise UsageError(f"unexpected argument {args[0]!r}: use --since and --format")
        if opts.format not in FORMATS:
            raise UsageError(f"unknown format {opts.format!r}: use one of {', '.join(FORMATS)}")
        with connection.reading(self.settings["DATABASE_URL"]):
            since, basis = since_of(opts.since)
            found = digest(since, basis)
        output.write(FORMATS[opts.format](found))
