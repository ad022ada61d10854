"""``scrapy dbfirmware [filters] [FILE]``: every firmware the ledger holds of a listed product
or a model, newest first, with its OTA image: a table on the terminal, or a file."""

import sys
from pathlib import Path

from scrapy.exceptions import UsageError

from matter_certis.cli import failures, output
from matter_certis.cli.command import DatabaseCommand
from matter_certis.cli.filters import add_filter_options, filters_from
from matter_certis.cli.table import table
from matter_certis.db import firmware
from matter_certis.items import Firmware
from matter_certis.parsing import normalize

# (key, heading) in the order shown; the links last and never cut, so they stay clickable.
COLUMNS = (
    ("model", "Model"),
    ("vid", "VID"),
    ("pid", "PID"),
    ("software_version_string", "Version"),
    ("software_version", "Software"),
    ("status", "Status"),
    ("software_version_valid", "Valid"),
    ("applicable", "Applies to"),
    ("ota_file_size", "OTA size"),
    ("ota_checksum_type", "Checksum"),
    ("findings", "Findings"),
    ("ota_url", "OTA URL"),
    ("release_notes_url", "Release notes"),
    ("url", "Product URL"),
)
LINKS = {"ota_url", "release_notes_url", "url"}
# What only a product's row has: left out of a model's table and file.
PRODUCT_KEYS = ("url", "model")
FILTERS = ("since", "vendor", "device_type", "text", "certificate")


def item(version, product=None):
    """A version row (``firmware.versions``) as a ``Firmware`` item, for ``product``."""
    values = {name: version.get(name) for name in Firmware.fields if name in version}
    values["ota_checksum_type"] = normalize.format_checksum_type(version["ota_checksum_type"])
    if product is not None:
        values.update(url=product.url, model=product.model)
    return Firmware(**values)


def cells(found):
    """A ``Firmware`` item as the texts of ``COLUMNS``: ids as ``0x1552``, validity as
    yes/no, the applicable range as ``min–max``; no value an empty cell."""
    values = dict(found)
    for key in ("vid", "pid"):
        values[key] = normalize.format_hex_id(values.get(key))
    valid = values.get("software_version_valid")
    values["software_version_valid"] = None if valid is None else ("yes" if valid else "no")
    low, high = (values.get(f"{end}_applicable_software_version") for end in ("min", "max"))
    if low is not None or high is not None:
        values["applicable"] = f"{'' if low is None else low}–{'' if high is None else high}"
    return {key: "" if values.get(key) is None else str(values[key]) for key, _ in COLUMNS}


def counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


def model_name(ids):
    return "/".join(map(normalize.format_hex_id, ids))


def hex_option(name, text):
    """``--vid``/``--pid`` as a number (``0x1552`` or ``5458``), else a ``UsageError`` naming
    the option."""
    if text is None:
        return None
    try:
        return normalize.parse_hex_id(text)
    except ValueError as error:
        raise UsageError(f"--{name}: {error}") from None


def products_without(products, found):
    """One line on what the products without firmware lack (``None``: every one has some)."""
    models = [p for p in products if p.ids is not None]
    no_model = [p for p in products if p.ids is None]
    no_versions = [p for p in models if p.ids not in found]
    if not no_model and not no_versions:
        return None
    if len(products) == 1:
        [product] = products
        if no_model:
            return (
                f"{product.url}: no model on the ledger (no compliance record has its "
                "certificate id, and its page gives no Vendor and Product ID)"
            )
        return f"{product.url}: its model {model_name(product.ids)} has no versions on the ledger"
    parts = []
    if no_model:
        parts.append(f"{len(no_model)} without a model on the ledger")
    if no_versions:
        parts.append(f"{len(no_versions)} whose model has no versions on the ledger")
    return f"{len(no_model) + len(no_versions)} of {len(products)} products have no firmware: {', '.join(parts)}"


def model_without(vid, pid):
    """One line on a vendor or model without versions."""
    what = f"model {model_name((vid, pid))}" if pid is not None else f"vendor {model_name((vid,))}"
    if not firmware.on_the_ledger(vid, pid):
        return f"no {what} on the ledger"
    return f"the {what} has no versions on the ledger"


class Command(DatabaseCommand):
    """Lists the ledger's model versions (``firmware.versions``) of the listed products the
    listing's filters select, or of one model or vendor (``--vid``, ``--pid``): a table, or a
    file through the feed exporters (``Firmware`` rows)."""

    def syntax(self):
        return "[filters | --vid VID [--pid PID]] [FILE.csv|FILE.json|FILE.jsonl|FILE.xlsx]"

    def short_desc(self):
        return "List every firmware of products or models on the ledger, with its OTA image"

    def add_options(self, parser):
        super().add_options(parser)
        add_filter_options(parser)
        parser.add_argument(
            "--vid", metavar="VID", help="a ledger model's Vendor ID (0x1552 or 5458), not products"
        )
        parser.add_argument(
            "--pid", metavar="PID", help="with --vid: one model's Product ID (0x0A0B or 2571)"
        )

    def execute(self, args, opts):
        if len(args) > 1:
            raise UsageError(f"unexpected argument {args[1]!r}: give at most one output file")
        path = failures.output_path(Path(args[0])) if args else None
        exporter_class = self.exporter_class(path) if path else None
        vid, pid = hex_option("vid", opts.vid), hex_option("pid", opts.pid)
        filters = filters_from(opts)
        if pid is not None and vid is None:
            raise UsageError("--pid needs --vid: a Product ID names a model only within its vendor")
        if vid is not None and any(filters.values()):
            raise UsageError(
                "--vid lists a model's versions, the filters products': give one or the other"
            )
        with self.reading():
            found, missing = self.find(vid, pid, filters)
            if missing and firmware.never_walked():
                missing += "; no dcl_versions walk completed yet: run `scrapy crawl dcl_versions`"
        keys = [key for key, _ in COLUMNS if vid is None or key not in PRODUCT_KEYS]
        if missing:
            print(missing, file=sys.stderr)
        if path:
            fields = [name for name in Firmware.fields if vid is None or name not in PRODUCT_KEYS]
            self.write_items(path, exporter_class, found, fields_to_export=fields)
            print(f"{counted(len(found), 'version')} written to {path}")
            return
        columns = [(key, heading) for key, heading in COLUMNS if key in keys]
        models = len({(row["vid"], row["pid"]) for row in found})
        lines = table([cells(row) for row in found], columns, uncut=LINKS)
        output.write(
            "\n".join(
                [*lines, "", f"{counted(len(found), 'version')} of {counted(models, 'model')}"]
            )
        )

    def find(self, vid, pid, filters):
        """The ``Firmware`` items asked for, and a line on what has none (or ``None``)."""
        if vid is not None:
            found = firmware.versions({vid}, pid)
            rows = [item(version) for ids in sorted(found) for version in found[ids]]
            return rows, None if rows else model_without(vid, pid)
        products = firmware.product_models(**filters)
        if not products:
            return [], "No listed product matches these filters."
        found = firmware.versions({p.ids[0] for p in products if p.ids is not None})
        rows = [
            item(version, product) for product in products for version in found.get(product.ids, [])
        ]
        return rows, products_without(products, found)
