"""The formats of a change digest (``digest.Digest``): text for a person, markdown or a
headline for a commit or chat message, JSON for a script, Atom for a feed reader."""

import json
import re
import uuid
from xml.etree import ElementTree

from matter_certis.output.characters import xml_text
from matter_certis.output.digest import Digest, iso

ATOM = "http://www.w3.org/2005/Atom"
# uuid5 namespace of the feed's and entries' ids: the same change keeps its id across digests.
ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/matter-certis/changes")


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
    """An Atom feed (RFC 4287): one entry per change, with an id that stays the same; text
    from the pages holds only what XML can (``xml_text``)."""
    ElementTree.register_namespace("", ATOM)

    def add(parent, tag, text=None, **attributes):
        attributes = {name: xml_text(value) for name, value in attributes.items()}
        element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
        element.text = xml_text(text)
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
