"""The product filters of ``dbexport`` and ``dbsearch``: their options, read into the
arguments of ``products.product_conditions``. A module without a command: Scrapy lists only
the commands defined in a module."""

from matter_certis.cli import when


def add_filter_options(parser):
    parser.add_argument(
        "--since",
        metavar="DATE|PERIOD",
        help="only products certified on or after DATE (e.g. 2025-01-31) or in the last "
        "PERIOD (7d, 2w, 1m, 1y)",
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
    """The filters the options give; raises ``InvalidValue`` for a bad ``--since``."""
    return {
        "since": when.day(opts.since) if opts.since else None,
        "vendor": opts.vendor,
        "device_type": opts.device_type,
        "text": opts.text,
        "certificate": opts.certificate,
    }
