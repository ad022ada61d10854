"""The ceiling: a bare spider that fetches the listing and detail URLs ``matter_products``
fetches, and does nothing with the responses. No parsing, no items, no project component:
what Scrapy alone costs for the same requests, the limit the real crawl is measured against.

    scrapy runspider benchmarks/ceiling.py -a urls=urls.json

``urls.json`` holds ``{"listing": [...], "detail": [...]}`` (see ``crawl_urls``).
"""

import json
from pathlib import Path

import scrapy
from w3lib.url import add_or_replace_parameter


def crawl_urls(catalog, list_url, base_url):
    """The requests a first crawl of ``catalog`` makes: the status check (page 1, then the
    last page twice: an empty database cannot confirm its count, so a second read does),
    every other page once, the closing status check once those pages are read (page 1 and
    the last page, now confirmed by the database), and each listed product's detail page.
    A listing of one or two pages has no other page: no closing check."""
    pages = catalog.page_count()
    page_urls = [list_url] + [
        add_or_replace_parameter(list_url, "paged", str(n)) for n in range(2, pages + 1)
    ]
    status_check = [list_url, page_urls[-1], page_urls[-1]] if pages > 1 else [list_url] * 2
    others = page_urls[1:-1]
    listing = status_check + others + ([list_url, page_urls[-1]] if others else [])
    details = [base_url + product.path for product in catalog.listed()]
    return {"listing": listing, "detail": details}


class CeilingSpider(scrapy.Spider):
    """Requests every URL of the file given as ``-a urls=``; listing URLs repeat, so they
    skip the duplicate filter as ``matter_products``'s do."""

    name = "ceiling"

    def __init__(self, urls, **kwargs):
        super().__init__(**kwargs)
        self.urls = json.loads(Path(urls).read_text())

    async def start(self):
        for url in self.urls["listing"]:
            yield scrapy.Request(url, dont_filter=True)
        for url in self.urls["detail"]:
            yield scrapy.Request(url)

    def parse(self, response):
        """Nothing: the response is the whole point."""
