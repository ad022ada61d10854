"""The product filters of ``dbexport`` and ``dbsearch``: their options, read into the
arguments of ``products.product_conditions``. A module without a command: Scrapy lists only
the commands defined in a module."""

from matter_certis.parsing import normalize


def add_filter_options(parser):
    parser.add_argument(
        "--since", metavar="DATE", help="only products certified on or after DATE (e.g. 2025-01-31)"
    )
    parser.add_argument(
        "--vendor",
        metavar="NAME|VID",
        help="only this vendor: part of its name, or its Vendor ID (0x1552 or 5458)",
    )
    parser.add_argument(
        "--device-type", metavar="TEXT", help="only device types containing TEXT (e.g. Light)"
    )
    parser.add_argument(
        "--text",
        metavar="WORDS",
        help="only products whose model, manufacturer or vendor name contains every word",
    )
    parser.add_argument(
        "--certificate", metavar="TEXT", help="only certificate ids containing TEXT (e.g. CSA22059)"
    )


def filters_from(opts):
    """The filters the options give; raises ``InvalidValue`` for a bad date."""
    return {
        "since": normalize.parse_date(opts.since) if opts.since else None,
        "vendor": opts.vendor,
        "device_type": opts.device_type,
        "text": opts.text,
        "certificate": opts.certificate,
    }
