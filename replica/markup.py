"""HTML of the product listing: two themes (three with the live markup), card variants, pagination
markups, a featured sidebar."""

import random
from html import escape as esc

from .catalog import PER_PAGE
from .live import live_article

LIST_PATH = "/csa-iot_products/"
FILTERS = (
    "p_keywords=&p_type%5B%5D=14&p_program_type%5B%5D=1049&p_certificate=&p_family=&p_firmware_ver="
)
# The page links of the live site: indexed array keys, valueless parameters.
LIVE_FILTERS = (
    "p_keywords&p_type%5B0%5D=14&p_program_type%5B0%5D=1049&p_certificate&p_family&p_firmware_ver"
)


def shell(title, body_class, main):
    return (
        '<!DOCTYPE html>\n<html lang="en-US">\n<head>\n<meta charset="UTF-8">\n'
        f'<title>{esc(title)} - CSA-IOT</title>\n</head>\n<body class="{body_class}">\n'
        '<header class="site-header"><a class="logo" href="/">CSA-IoT</a><nav class="main-nav"><ul>'
        f'<li><a href="{LIST_PATH}">Certified Products</a></li><li><a href="/csa-iot_members/">Members</a></li>'
        '<li><a href="/news/">News</a></li></ul></nav></header>\n'
        f'<main id="main" class="site-main">\n{main}\n</main>\n'
        '<footer class="site-footer"><p>&copy; 2025 Connectivity Standards Alliance</p></footer>\n</body>\n</html>\n'
    )


def not_found_page():
    return shell(
        "Page not found",
        "error404",
        '<h1 class="page-title">Page not found</h1>'
        "<p>It looks like nothing was found at this location.</p>",
    )


def theme_of(page, live_markup=False):
    """Old theme on even pages, new on odd ones: both occur in every crawl of 2+ pages; with the
    live markup, every third page (or every page) is in the live site's theme."""
    if live_markup == "only" or (live_markup and page % 3 == 0):
        return "live"
    return "new" if page % 2 else "old"


def pagination_style_of(page, theme="old"):
    if theme == "live":
        return "live"
    return "wrapper" if (page // 2) % 2 == 0 else "wp"


def certificate_line(p):
    cert = esc(p.values["certificate_id"] or "")
    if p.style["card_cert"] == "p" and cert:
        return f'<p class="entry-certificate-id">Certificate ID: {cert}</p>'
    if p.style["card_cert"] == "span" and cert:
        return f'<div class="entry-meta"><span class="entry-cert-id">{cert}</span></div>'
    return ""


def card(p, base):
    href = p.card_href(base)
    link, company, model = (
        p.style["card_link"],
        esc(p.display("manufacturer")),
        esc(p.display("model")),
    )
    if href is None:
        link = "none"
    href = esc(href or "")
    parts = []
    if link == "image_first":
        image = f"/wp-content/uploads/product-{p.serial % 9}.png"
        parts.append(f'<a class="entry-thumbnail" href="{href}"><img src="{image}" alt=""></a>')
    if link == "company_first":
        company = f'<a href="/csa-iot_members/{p.vendor.slug}/">{company}</a>'
    parts.append(f'<p class="entry-company notranslate">{company}</p>')
    title = model if link in ("image_first", "button", "none") else f'<a href="{href}">{model}</a>'
    parts.append(f'<h3 class="entry-title">{title}</h3>')
    parts.append(certificate_line(p))
    if link == "button":
        parts.append(f'<a class="button" href="{href}">View product</a>')
    return "\n  ".join(filter(None, parts))


def featured(catalog, page, base):
    """Products outside the cards (not part of the listing), like the live sidebar."""
    listed = catalog.listed()
    rng = random.Random(f"{catalog.seed}:featured:{page}")
    picks = rng.sample(listed, min(len(listed), rng.randint(2, 3)))
    items = "".join(
        f'<article class="product featured"><h3 class="entry-title">'
        f'<a href="{base}{p.path}">{esc(p.values["model"] or "")}</a></h3>'
        f'<p class="entry-company notranslate">{esc(p.values["manufacturer"] or "")}</p></article>'
        for p in picks
    )
    return f'<aside class="featured-products widget"><h2 class="widget-title">Featured products</h2>{items}</aside>'


def page_href(n, base, style):
    if style == "live":
        return esc(base + (LIST_PATH if n == 1 else f"{LIST_PATH}page/{n}/") + "?" + LIVE_FILTERS)
    if style == "wrapper":
        return esc(f"{LIST_PATH}?{FILTERS}" + (f"&paged={n}" if n > 1 else ""))
    return esc(base + (LIST_PATH if n == 1 else f"{LIST_PATH}page/{n}/") + "?" + FILTERS)


def pagination(page, pages, base, style):
    """WordPress paginate_links: 1, current-2..current+2, last, with dots and prev/next."""
    if pages <= 1 or page > pages:
        return ""
    wrapper = style == "wrapper"

    def link(n, text, cls):
        href = page_href(n, base, style)
        if wrapper:
            attr = f' class="{cls}"' if cls else ""
            return f'<a{attr} href="{href}"><span>{text}</span></a>'
        classes = f"{cls} page-numbers" if cls else "page-numbers"
        return f'<a class="{classes}" href="{href}">{text}</a>'

    items, prev = [], 0
    if page > 1:
        items.append(link(page - 1, "&laquo; Previous", "prev"))
    for n in sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)}):
        if n - prev > 1:
            items.append(
                '<span class="dots">&hellip;</span>'
                if wrapper
                else '<span class="page-numbers dots">&hellip;</span>'
            )
        items.append(
            f'<span aria-current="page" class="page-numbers current">{n}</span>'
            if n == page
            else link(n, n, "")
        )
        prev = n
    if page < pages:
        items.append(link(page + 1, "Next &raquo;", "next"))
    body = "\n".join(items)
    if wrapper:
        return f'<div class="pagination-wrapper"><nav aria-label="Pagination"><div>\n{body}\n</div></nav></div>'
    return (
        f'<nav class="navigation pagination" aria-label="Posts"><h2 class="screen-reader-text">Posts navigation</h2>'
        f'<div class="nav-links">\n{body}\n</div></nav>'
    )


def extra_card(catalog, page):
    """A product from outside physical page `page`, for a page that shows one card too many."""
    listed = catalog.listed()
    after, before = page * PER_PAGE, (page - 1) * PER_PAGE - 1
    return listed[after] if after < len(listed) else listed[max(before, 0)]


def article(p, base, theme):
    if theme == "live":
        return live_article(p, base)
    if theme == "old":
        classes = f"post-{p.post_id} product type-product status-publish hentry"
        return f'<article class="{classes}">\n  {card(p, base)}\n</article>'
    return f'<article class="product post-{p.post_id} type-product">\n  {card(p, base)}\n</article>'


def listing_page(catalog, page, base, extra_cards=0):
    """Physical page `page` (1-based); extra_cards: a fault that shows that many cards too many."""
    cards, total, pages = catalog.page(page)
    if extra_cards and cards:
        cards = cards + (extra_card(catalog, page),) * extra_cards
    theme = theme_of(page, catalog.live_markup)
    articles = "\n".join(article(p, base, theme) for p in cards)
    if theme in ("old", "live"):
        feed = f'<div class="post-feed">\n{articles}\n</div>'
    else:
        grid = f'<div class="product-index__grid">\n{articles}\n</div>'
        feed = f'<div class="wp-block-crown-blocks-product-index">{grid}</div>'
    side = featured(catalog, page, base)
    main = "\n".join(
        [
            '<h1 class="page-title">Certified Products</h1>',
            f'<p class="results-count">{total} results</p>',
            side if theme == "new" else "",
            feed if cards else '<p class="no-results">No products found.</p>',
            pagination(page, pages, base, pagination_style_of(page, theme)),
            side if theme != "new" else "",
        ]
    )
    return shell("Certified Products", f"archive post-type-archive theme-{theme}", main)
