"""``scrapy dbreport``: one self-contained HTML file with five charts and the newest products.

That the charts show in a browser was checked once by hand with headless Chromium (see
docs/commands.md, "dbreport"); here the HTML's structure is checked."""

import base64
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from matter_certis.db.reconcile import FINDINGS
from matter_certis.output.report import NEWEST
from tests.helpers import HTML_MODEL, rows, scrapy_command

CAPTIONS = (
    "Certifications per month",
    "by device type",
    "by Matter specification version",
    "by transport interface",
    "vendors by product count",
)


class Page(HTMLParser):
    """The parts of the report a test looks at."""

    def __init__(self, text):
        super().__init__()
        self.images, self.captions, self.tables, self.tags = [], [], [], set()
        self.in_caption = self.in_body_row = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag == "img":
            self.images.append(dict(attrs)["src"])
        elif tag == "figcaption":
            self.in_caption = True
            self.captions.append("")
        elif tag == "tbody":
            self.in_body_row = True
            self.tables.append([])
        elif tag == "tr" and self.in_body_row:
            self.tables[-1].append("")

    def handle_endtag(self, tag):
        self.in_caption = self.in_caption and tag != "figcaption"
        self.in_body_row = self.in_body_row and tag != "tbody"

    def handle_data(self, data):
        if self.in_caption:
            self.captions[-1] += data
        elif self.in_body_row and self.tables[-1]:
            self.tables[-1][-1] += data

    @property
    def rows(self):
        """The rows of the newest products' table."""
        return self.tables[0]


@pytest.fixture(scope="module")
def report(synced, tmp_path_factory):
    path = tmp_path_factory.mktemp("dbreport") / "report.html"
    result = scrapy_command(synced.workdir, "dbreport", path)
    assert result.returncode == 0, result.stderr
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(report):
    return Page(report)


def test_the_report_has_a_captioned_chart_for_each_question(page):
    assert len(page.captions) == len(CAPTIONS)
    for caption, expected in zip(page.captions, CAPTIONS):
        assert expected in caption


def test_every_chart_is_a_non_empty_svg_embedded_in_the_file(page):
    prefix = "data:image/svg+xml;base64,"
    assert len(page.images) == len(CAPTIONS)
    for source in page.images:
        assert source.startswith(prefix)
        svg = base64.b64decode(source[len(prefix) :]).decode()
        assert "<svg" in svg and svg.count("<path") > 10


def test_the_report_loads_nothing_from_elsewhere(page, report):
    assert not page.tags & {"script", "link", "iframe", "object"}
    assert 'src="http' not in report and "url(" not in report


def test_the_newest_products_table_lists_the_most_recently_certified(page, synced):
    dates = sorted(
        (
            row["d"]
            for row in rows(
                synced.database,
                "SELECT certification_date AS d FROM product_details "
                "WHERE certification_date IS NOT NULL",
            )
        ),
        reverse=True,
    )
    assert len(page.rows) == NEWEST
    assert [row[:10] for row in page.rows] == dates[:NEWEST]


def test_values_from_the_site_are_escaped(page, report):
    assert HTML_MODEL not in report
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co" in report
    assert any(HTML_MODEL in row for row in page.rows)


def test_the_ledger_section_counts_each_kind_of_finding(report, synced):
    planted = Counter(finding for finding, *_ in synced.findings)
    section = report.split("<h2>Listing vs DCL ledger</h2>", 1)[1]
    counts = re.findall(r"<tr><td>([a-z_]+)</td><td>([0-9]+)</td>", section)
    assert counts == [(name, str(planted[name])) for name in FINDINGS]
    assert sum(planted.values()) > 0
