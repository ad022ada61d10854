"""HTML of a product detail page: current, older and live field markup, label aliases, the certificates table."""

import random
from html import escape as esc

from .live import live_content, live_details_block, live_header
from .markup import LIST_PATH, shell
from .quirks import SCRIPT, STYLE

LI_ORDER = (
    "manufacturer",
    "device_type",
    "vid",
    "pid",
    "family_sku",
    "family_variant_sku",
    "family_id",
    "firmware_version",
    "hardware_version",
    "software_version",
    "certificate_id",
    "certification_date",
    "specification_version",
    "transport_interface",
    "primary_device_type_id",
    "tis_trp_tested",
)
LABELS = {
    "vid": "Vendor ID",
    "pid": "Product ID",
    "family_sku": "Family SKU",
    "family_variant_sku": "Family Variant SKU",
    "firmware_version": "Firmware Version",
    "hardware_version": "Hardware Version",
    "software_version": "Software Version",
    "certificate_id": "Certificate ID",
    "family_id": "Family ID",
    "tis_trp_tested": "TIS/TRP Tested",
    "specification_version": "Specification Version",
    "transport_interface": "Transport Interface",
    "primary_device_type_id": "Primary Device Type ID",
}
TABLE_ROWS = (
    ("certificate_id", "Certification ID"),
    ("certification_date", "Certification Date"),
    ("software_version", "Software Version"),
    ("hardware_version", "Hardware Version"),
    ("vid", "VID"),
    ("pid", "PID"),
)


def label_for(p, field):
    label = (
        LABELS.get(field)
        or p.style[
            {
                "manufacturer": "label_manufacturer",
                "device_type": "label_type",
                "certification_date": "label_date",
            }[field]
        ]
    )
    odd = p.style["odd_labels"].get(field)
    if odd in ("lower", "upper"):
        return getattr(label, odd)()
    if odd == "colon":
        return label + (" :" if p.style["li"] == "new" else " ")
    return label + ":" if odd == "colon_tight" and p.style["li"] == "new" else label


def is_live(catalog, p):
    """Whether this detail page is in the live markup: every third product, or all of them."""
    return catalog.live_markup == "only" or bool(catalog.live_markup and p.serial % 3 == 1)


def li(p, label, value_html, live=False):
    if live or p.style["li"] == "new":
        return f'<li class="item"><span class="label">{esc(label)}</span><span class="value">{value_html}</span></li>'
    return f"<li>{esc(label)}: {value_html}</li>"


def field_items(p, live=False):
    """The labelled fields; the live markup shows the company in its "By" line instead."""
    table_only = {f for f, _ in TABLE_ROWS} if p.style["table"] == "only" else set()
    items = []
    for field in LI_ORDER:
        text = p.shown(field)
        if text is None or field in table_only or (live and field == "manufacturer"):
            continue
        value = esc(text)
        if field == "software_version" and "script_in_value" in p.quirks:
            value += SCRIPT + STYLE
        items.append(li(p, label_for(p, field), value, live))
    if p.style["doc_place"] == "field":
        doc = p.values["compliance_document_url"]
        token = p.style["none"]["compliance_document_url"]
        if doc:
            items.append(li(p, "Compliance Document", f'<a href="{esc(doc)}">Download</a>', live))
        elif token is not None:
            items.append(li(p, "Compliance Document", esc(token), live))
    for i, (label, value) in enumerate(p.style["unknown"]):
        items.insert(1 if i % 2 else len(items), li(p, label, esc(value), live))
    return items


def details_block(p, live=False):
    items = field_items(p, live)
    cols = [items[: len(items) // 2], items[len(items) // 2 :]] if p.style["two_cols"] else [items]
    if live:
        return live_details_block(cols)
    body = "\n".join('<div class="col"><ul>\n' + "\n".join(c) + "\n</ul></div>" for c in cols)
    return f'<div class="entry-product-details">\n{body}\n</div>'


def certificates_table(p):
    if not p.style["table"]:
        return ""
    shown = {f: p.shown(f) for f, _ in TABLE_ROWS}
    if p.style.get("table_vid"):  # a VID that disagrees with the Vendor ID shown first
        shown["vid"] = p.style["table_vid"]
    rows = [
        f"<tr><td>{label}</td><td>{esc(shown[f])}</td></tr>"
        for f, label in TABLE_ROWS
        if shown[f] is not None
    ]
    return (
        '<table class="product-certificates-table"><thead><tr><th>Certificate</th><th>Details</th></tr></thead>'
        "<tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )


def categories_block(catalog, p):
    cats = p.values["application_categories"]
    if cats is None:
        return ""
    heading = catalog.categories_heading
    if "nbsp_heading" in p.quirks:
        heading = heading.replace(" ", "&nbsp;")
    return f"<h3>{heading}</h3>\n<ul>" + "".join(f"<li>{esc(c)}</li>" for c in cats) + "</ul>"


def documents_block(p):
    doc = p.values["compliance_document_url"]
    if p.style["doc_place"] != "block" or not doc:
        return ""
    report = esc(doc[: -len(".zip")]) + "-Test-Report.pdf"
    return (
        f'<div class="product-documents"><h3>Documents</h3><ul><li><a href="{report}">Test Report (PDF)</a></li>'
        f'<li><a href="{esc(doc)}">Compliance Document</a></li></ul></div>'
    )


def paragraph(p, text):
    words = text.split(" ")
    if p.style["desc_wrap"] and len(words) > 4:
        words[3] = "\n        " + words[3]
    if p.style["desc_strong"]:
        return f"<p><strong>{esc(words[0])}</strong> {esc(' '.join(words[1:]))}</p>"
    return f"<p>{esc(' '.join(words))}</p>"


def description_paragraphs(p):
    desc = p.values["description"]
    if desc is None:
        return []
    paras = [paragraph(p, t) for t in desc.split("\n\n")]
    if "script_in_value" in p.quirks:
        paras[0] = paras[0][: -len("</p>")] + SCRIPT + STYLE + "</p>"
    if p.style["desc_empty_p"]:
        paras.insert(1, "<p>&nbsp;</p>")
    return paras


def description_block(p):
    paras = description_paragraphs(p)
    return '<div class="entry-content">\n' + "\n".join(paras) + "\n</div>" if paras else ""


def other_products(catalog, p, base):
    """'More by <company>' and 'Related products': product links that are not the listing."""
    rng = random.Random(p.style["related_seed"])
    same = [q for q in catalog.by_vendor(p.vendor.vid) if q is not p]
    listed = catalog.listed()
    more = rng.sample(same, min(3, len(same)))
    related = rng.sample(listed, min(3, len(listed)))

    def links(products, prefix):
        return "".join(
            f'<li><a href="{prefix}{q.path}">{esc(q.values["model"] or "")}</a></li>'
            for q in products
        )

    company = esc(p.values["manufacturer"] or "")
    return (
        f'<section class="more-by-company"><h3>More by {company}</h3><ul>{links(more, "")}</ul></section>\n'
        f'<section class="related-products"><h3>Related products</h3><ul>{links(related, base)}</ul></section>'
    )


def detail_page(catalog, p, base):
    live = is_live(catalog, p)
    main = "\n".join(
        filter(
            None,
            [
                f'<nav class="breadcrumbs"><a href="/">Home</a> / <a href="{LIST_PATH}">Certified Products</a></nav>',
                f'<article class="csa_product type-csa_product post-{p.post_id}">',
                live_header(p)
                if live
                else f'<header class="entry-header"><h1 class="entry-title">{esc(p.display("model"))}</h1></header>',
                live_content(p, description_paragraphs(p)) if live else "",
                details_block(p, live),
                certificates_table(p),
                categories_block(catalog, p),
                documents_block(p),
                "" if live else description_block(p),
                "</article>",
                other_products(catalog, p, base),
            ],
        )
    )
    return shell(
        p.values["model"] or "Product",
        f"csa_product-template-default single postid-{p.post_id}",
        main,
    )
