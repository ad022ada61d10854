"""The markup observed on the live site: the card inside one link,
class slugs, the program in a category element; detail pages with a "By <company>" line, the
description before "View All Products" and the fields nested deeper."""

from html import escape as esc

from .product import slugify


def card_classes(p):
    """The live card's classes: the device type and the company appear as slugs."""
    classes = [
        f"post-{p.post_id}",
        "product",
        "type-product",
        "status-publish",
        "hentry",
        "product_type-product",
        "product_category-matter",
    ]
    if p.values["device_type"]:
        classes.append(f"product_device_type-{slugify(p.values['device_type'])}")
    if p.values["manufacturer"]:
        classes.append(f"product_company-{slugify(p.values['manufacturer'])}")
    return " ".join(classes)


def live_article(p, base):
    """A card that sits wholly inside its product link (a plain block when it has none)."""
    href = p.card_href(base)
    cert = p.values["certificate_id"]
    summary = (p.values["description"] or "").split("\n\n")[0]
    inner = "\n    ".join(
        filter(
            None,
            [
                f'<div class="entry-thumbnail"><img src="/wp-content/uploads/product-{p.serial % 9}.png" alt=""></div>',
                f'<p class="entry-company notranslate">{esc(p.display("manufacturer"))}</p>',
                f'<h3 class="entry-title">{esc(p.display("model"))}</h3>',
                '<p class="entry-category">Matter</p>',
                f'<p class="entry-certificate-id">Certificate ID: {esc(cert)}</p>'
                if cert and p.style["card_cert"] != "none"
                else "",
                f'<div class="entry-excerpt"><p>{esc(summary)}</p></div>' if summary else "",
                '<span class="button">Learn More</span>',
            ],
        )
    )
    opening = f'<a class="entry-link" href="{esc(href)}">' if href else '<div class="entry-link">'
    closing = "</a>" if href else "</div>"
    return f'<article class="{card_classes(p)}">\n  {opening}\n    {inner}\n  {closing}\n</article>'


def live_header(p):
    return (
        '<header class="entry-header"><p class="entry-category">Matter</p>'
        f'<h1 class="entry-title">{esc(p.display("model"))}</h1></header>'
    )


def live_content(p, paragraphs):
    """The company line, the description's paragraphs and the "View All Products" link, in one block."""
    company = p.values["manufacturer"]
    parts = [
        f'<p class="entry-company notranslate">By <a href="/csa-iot_members/{p.vendor.slug}/">'
        f"{esc(p.display('manufacturer'))}</a></p>"
        if company
        else "",
        *paragraphs,
        f'<p><a class="button" href="/csa-iot_products/?p_company={p.vendor.slug}">View All Products</a></p>',
    ]
    return '<div class="entry-content">\n' + "\n".join(filter(None, parts)) + "\n</div>"


def live_details_block(columns):
    """Fields as li.item, two levels deeper below div.entry-product-details than the older themes."""
    body = "\n".join(
        '<div class="wp-block-column"><ul class="product-details-list">\n'
        + "\n".join(items)
        + "\n</ul></div>"
        for items in columns
    )
    return (
        '<div class="entry-product-details">\n<div class="product-details"><div class="wp-block-columns">\n'
        f"{body}\n</div></div>\n</div>"
    )
