"""Which database ``DATABASE_URL`` names. One place for the crawl's pipeline and every db
command, so that all of them open the same file wherever they are run from."""

from pathlib import Path

from scrapy.utils.conf import closest_scrapy_cfg

from matter_certis.models import without_password


def resolve(url, start="."):
    """``url`` with a relative SQLite path made absolute beside the project's ``scrapy.cfg``
    (the closest one above ``start``), as Scrapy places ``.scrapy/``: a run from any folder of
    the project uses the project's database, not a new one in that folder. Without a
    ``scrapy.cfg`` (Scrapyd runs from an egg) the path stays relative to the working
    directory. Other URLs are returned unchanged."""
    scheme, separator, rest = url.partition(":///")
    if not (separator and scheme.startswith("sqlite")):
        return url
    path, question, query = rest.partition("?")
    if not path or path == ":memory:" or Path(path).is_absolute():
        return url
    scrapy_cfg = closest_scrapy_cfg(start)
    if not scrapy_cfg:
        return url
    return f"{scheme}:///{Path(scrapy_cfg).parent / path}{question}{query}"


def describe(url):
    """The database for a log line: the SQLite file's absolute path, or the URL without its
    password."""
    scheme, separator, rest = url.partition(":///")
    if separator and scheme.startswith("sqlite"):
        path = rest.partition("?")[0]
        return f"SQLite file {Path(path).resolve() if path != ':memory:' else path}"
    return without_password(url)
