"""The HTML report of ``scrapy dbreport``: one file that opens offline, its charts drawn by
matplotlib as SVG and embedded as data URIs (in ``chart_fonts``' fonts), every value from
the site HTML-escaped and holding only what XML can (``characters.xml_text``)."""

import base64
import io
from html import escape

from matplotlib import rc_context
from matplotlib.figure import Figure

from matter_certis.db import products, reconcile, stats
from matter_certis.db.models import ProductDetail, utc_now
from matter_certis.output import chart_fonts
from matter_certis.output.characters import xml_text
from matter_certis.parsing.normalize import format_hex_id

BAR_COLOUR = "#2f6f9f"
TOP = 15
NEWEST = 25
NEWEST_COLUMNS = (
    ("certification_date", "Certified"),
    ("model", "Product"),
    ("vendor_name", "Vendor"),
    ("device_type", "Device type"),
    ("specification_version", "Matter"),
    ("vid", "VID"),
    ("transport_interface", "Transport"),
)
STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(32rem, 1fr)); gap: 1rem; }
figure { margin: 0; } figure img { width: 100%; height: auto; }
figcaption { font-weight: 600; margin-bottom: .3rem; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { border-bottom: 1px solid #ddd; padding: .3rem .5rem; text-align: left; }
"""


def svg_data_uri(figure):
    """A figure as an SVG data URI (text drawn as paths: no font needed to view it)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def bar_chart(pairs, horizontal=True):
    """A bar chart of ``[(label, count)]`` in the given order (first at the top)."""
    with rc_context({"font.family": list(chart_fonts.families())}):
        return _bar_chart(pairs, horizontal)


def _bar_chart(pairs, horizontal):
    labels = [chart_fonts.drawn(xml_text(str(label))) for label, _ in pairs]
    counts = [count for _, count in pairs]
    figure = Figure(
        figsize=(8, max(2.5, 0.32 * len(pairs) + 1)) if horizontal else (8, 3.6),
        layout="constrained",
    )
    axes = figure.subplots()
    if not pairs:
        axes.text(0.5, 0.5, "no data yet", ha="center", va="center")
        axes.set_axis_off()
    elif horizontal:
        axes.barh(labels[::-1], counts[::-1], color=BAR_COLOUR)
        axes.set_xlabel("products")
    else:
        axes.bar(labels, counts, color=BAR_COLOUR)
        axes.set_ylabel("products")
        step = max(1, len(labels) // 24)
        axes.set_xticks(range(0, len(labels), step), labels[::step], rotation=60, ha="right")
    return svg_data_uri(figure)


def charts():
    """``[(caption, data URI)]`` of the report's charts."""
    versions = stats.counts_by(ProductDetail.specification_version)
    return [
        ("Certifications per month", bar_chart(stats.certifications_per_month(), False)),
        (
            f"Listed products by device type (top {TOP})",
            bar_chart(stats.counts_by(ProductDetail.device_type)[:TOP]),
        ),
        (
            "Listed products by Matter specification version",
            bar_chart(sorted(versions, key=lambda pair: _version_key(pair[0])), False),
        ),
        ("Listed products by transport interface", bar_chart(stats.counts_by_transport())),
        (f"Top {TOP} vendors by product count", bar_chart(stats.top_vendors(TOP))),
    ]


def _version_key(version):
    parts = version.split(".")
    return [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts]


def _cell(row, name):
    value = row[name]
    if name == "vendor_name":
        value = value or row["manufacturer"]
    if name == "vid":
        value = format_hex_id(value)
    if name == "model" and row["url"].startswith(("https://", "http://")):
        return f'<a href="{escape(row["url"])}">{escape(value or row["url"])}</a>'
    return escape("" if value is None else str(value))


def newest_table(rows):
    """The newest products as an HTML table; every value escaped."""
    head = "".join(f"<th>{escape(title)}</th>" for _, title in NEWEST_COLUMNS)
    body = "\n".join(
        "<tr>" + "".join(f"<td>{_cell(row, name)}</td>" for name, _ in NEWEST_COLUMNS) + "</tr>"
        for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


EXAMPLES = 5


def ledger_section():
    """The listing beside the DCL ledger: how many findings of each kind, what each means,
    and a few examples of each (every value escaped)."""
    missing = reconcile.missing_walks()
    if missing:
        return f"<p>No findings yet: {escape(reconcile.missing_walks_message(missing))}.</p>"
    with_firmware = reconcile.has_versions()
    found = reconcile.findings(with_firmware)
    rows = []
    for name, count in reconcile.finding_counts(found, with_firmware):
        examples = [f for f in found if f["finding"] == name][:EXAMPLES]
        listed = "<br>".join(escape(f"{f['certificate_id']}: {f['detail']}") for f in examples)
        rows.append(
            f"<tr><td>{escape(name)}</td><td>{count}</td>"
            f"<td>{escape(reconcile.FINDINGS[name])}</td><td>{listed}</td></tr>"
        )
    body = "\n".join(rows)
    left_out = "" if with_firmware else f"\n<p>{escape(reconcile.WITHOUT_VERSIONS)}.</p>"
    return (
        "<table>\n<thead><tr><th>Finding</th><th>Count</th><th>Meaning</th>"
        f"<th>Examples</th></tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>{left_out}"
    )


def render():
    """The whole report as one HTML document (the database must be open)."""
    totals = stats.totals()
    figures = "\n".join(
        f"<figure><figcaption>{escape(caption)}</figcaption>"
        f'<img alt="{escape(caption)}" src="{uri}"></figure>'
        for caption, uri in charts()
    )
    return xml_text(f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Matter certified products</title>
<style>{STYLE}</style>
</head>
<body>
<h1>Matter certified products</h1>
<p>{totals["listed products"]} listed products, {totals["vendors"]} DCL vendors.
Generated {utc_now():%Y-%m-%d %H:%M} UTC by matter-certis.</p>
<div class="charts">
{figures}
</div>
<h2>Newest products</h2>
{newest_table(products.newest_products(NEWEST))}
<h2>Listing vs DCL ledger</h2>
{ledger_section()}
</body>
</html>
""")
