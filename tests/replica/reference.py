"""An independent reference parser of the replica's pages, written from the site's markup: the
replica's tests check its ground truth against what this reads off the served HTML."""

import http.client
import re
import urllib.error
import urllib.request
from datetime import datetime
from urllib.parse import urljoin, urlsplit

from parsel import Selector

CARDS = "div.post-feed article, .wp-block-crown-blocks-product-index article.product"
PAGER = "div.pagination-wrapper nav div ::text, .page-numbers::text"
TEXT = ".//text()[not(ancestor::script or ancestor::style)]"


def fetch(url, method="GET"):
    """(status, headers, body text); closes everything (pytest runs with -W error)."""
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        with e:
            return e.code, e.headers, e.read().decode()


def get(url):
    """(status, headers, body bytes), redirects not followed."""
    split = urlsplit(url)
    conn = http.client.HTTPConnection(split.hostname, split.port, timeout=10)
    try:
        conn.request("GET", split.path + (f"?{split.query}" if split.query else ""))
        with conn.getresponse() as r:
            return r.status, r.headers, r.read()
    finally:
        conn.close()


def clean(text):
    text = " ".join((text or "").split())
    return None if text.lower() in {"", "n/a", "-", "none", "unknown"} else text


def text_of(sel):
    """Page text of a selection: script and style content is not text."""
    return clean(" ".join(sel.xpath(TEXT).getall()))


def to_id(text):
    text = clean(text)
    if text is None:
        return None
    if re.fullmatch(r"0[xX][0-9a-fA-F]+", text) or re.fullmatch(
        r"[0-9a-fA-F]*[a-fA-F][0-9a-fA-F]*", text
    ):
        value = int(text, 16)
    elif text.isdigit():
        value = int(text)
    else:
        return None
    return value if value <= 0xFFFF else None


def to_date(text):
    for fmt in ("%m/%d/%Y", "%Y-%m-%d", "%B %d, %Y", "%d %b %Y"):
        try:
            return datetime.strptime(clean(text) or "", fmt).date().isoformat()
        except ValueError:
            pass
    return None


LABELS = {
    "manufacturer": "manufacturer",
    "company": "manufacturer",
    "vendor id": "vid",
    "vid": "vid",
    "product id": "pid",
    "pid": "pid",
    "family sku": "family_sku",
    "family variant sku": "family_variant_sku",
    "family id": "family_id",
    "firmware version": "firmware_version",
    "hardware version": "hardware_version",
    "software version": "software_version",
    "certificate id": "certificate_id",
    "certification id": "certificate_id",
    "certified date": "certification_date",
    "certification date": "certification_date",
    "tis/trp tested": "tis_trp_tested",
    "device type": "device_type",
    "specification version": "specification_version",
    "transport interface": "transport_interface",
    "primary device type id": "primary_device_type_id",
    "product type": "device_type",
    "category": "device_type",
}
CONVERT = {
    "vid": to_id,
    "pid": to_id,
    "certification_date": to_date,
    "tis_trp_tested": lambda t: {"yes": True, "no": False}.get((clean(t) or "").lower()),
    "primary_device_type_id": lambda t: (
        clean(t) and ", ".join(f"0x{int(x, 16):04X}" for x in t.split(","))
    ),
}


def product_url(href, page_url):
    """The canonical product URL a card links to, or None when the link is not a product here."""
    url = urlsplit(urljoin(page_url, href))
    if url.netloc != urlsplit(page_url).netloc or "/csa_product/" not in url.path:
        return None
    return f"{url.scheme}://{url.netloc}{url.path}"


def parse_listing(html, page_url):
    """(the cards in page order, None for one without a usable product link; page count)."""
    sel, cards = Selector(text=html), []
    for art in sel.css(CARDS):
        url = next(
            filter(
                None,
                (
                    product_url(h, page_url)
                    for h in art.css("a::attr(href)").getall()
                    if "/csa_product/" in h
                ),
            ),
            None,
        )
        if url is None:
            cards.append(None)
            continue
        cert = text_of(art.css("p.entry-certificate-id")) or text_of(art.css("span.entry-cert-id"))
        cards.append(
            {
                "url": url,
                "manufacturer": text_of(art.css("p.entry-company.notranslate")),
                "model": text_of(art.css("h3.entry-title")),
                "certificate_id": cert and cert.split(":")[-1].strip(),
            }
        )
    numbers = [int(t) for t in sel.css(PAGER).getall() if t.strip().isdigit()]
    return cards, max(numbers, default=1)


def description(sel):
    """The entry content's paragraphs; in the live markup, those between "By <company>" and
    "View All Products"."""
    paras = [t for t in (text_of(p) for p in sel.css("div.entry-content p")) if t]
    if "View All Products" in paras:
        by = next(i for i, t in enumerate(paras) if t.startswith("By "))
        paras = paras[by + 1 : paras.index("View All Products")]
    return "\n\n".join(paras) or None


def parse_detail(html, base):
    sel, raw = Selector(text=html), {}
    for li in sel.css("div.entry-product-details li"):
        if li.css("span.label"):
            label, value = (
                text_of(li.css("span.label")) or "",
                " ".join(li.css("span.value").xpath(TEXT).getall()),
            )
        else:
            label, _, value = " ".join(li.xpath(TEXT).getall()).partition(":")
        raw.setdefault(LABELS.get(" ".join(label.lower().rstrip(" :").split())), value)
    for row in sel.css("table.product-certificates-table tr"):
        cells = [" ".join(td.xpath(TEXT).getall()) for td in row.css("td")]
        if len(cells) == 2:
            raw.setdefault(LABELS.get(cells[0].strip().lower()), cells[1])
    by_line = [
        t for t in (text_of(p) for p in sel.css("div.entry-content p")) if t and t.startswith("By ")
    ]
    if by_line:
        raw.setdefault("manufacturer", by_line[0][3:])
    out = {f: CONVERT.get(f, clean)(raw.get(f)) for f in set(LABELS.values())}
    out["model"] = text_of(sel.css("h1.entry-title"))
    cats = sel.xpath(
        '//h3[normalize-space(translate(., "\u00a0", " "))="Application Categories"]'
        "/following-sibling::ul[1]/li"
    )
    out["application_categories"] = [text_of(c) for c in cats] if cats else None
    out["description"] = description(sel)
    zips = [
        h
        for h in sel.css(
            "div.product-documents a::attr(href), div.entry-product-details a::attr(href)"
        ).getall()
        if h.endswith(".zip")
    ]
    out["compliance_document_url"] = urljoin(base, zips[0]) if zips else None
    return out


def crawl_listing(server):
    """Every usable card, newest first, with page_id/index_in_page counted from the
    oldest product (an unusable card keeps its slot); and the page count."""
    cards, pages = parse_listing(fetch(server.list_url)[2], server.list_url)
    for n in range(2, pages + 1):
        url = f"{server.list_url}&paged={n}"
        cards += parse_listing(fetch(url)[2], url)[0]
    for from_newest, card in enumerate(cards):
        if card:
            card["page_id"], card["index_in_page"] = divmod(len(cards) - 1 - from_newest, 12)
    return [card for card in cards if card], pages
