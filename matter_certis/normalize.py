"""Normalisation rules for values read from CSA-IoT pages, one small pure function per rule.

Each function takes the text as shown on the site and returns the canonical value. Text
that means "no value" becomes ``None``; text that claims a value but cannot be one raises
``InvalidValue`` so the caller can warn and count it (a guess is never stored).
"""

import re
from datetime import datetime

from dateutil import parser as date_parser

MISSING_MARKERS = frozenset({"", "n/a", "na", "-", "--", "none", "unknown", "null"})
MAX_ID = 0xFFFF

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DECIMAL = re.compile(r"[0-9]+")
_HEX = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")
_CSA_CERTIFICATE_ID = re.compile(r"CSA[0-9A-Z]{5}MAT[0-9A-Z]{5}-[0-9]{2}")
_DATE_DEFAULTS = (datetime(2001, 1, 1), datetime(2002, 2, 2))
_CERTIFICATE_PREFIX = re.compile(r"^certificate\s+id\s*:\s*", re.IGNORECASE)


class InvalidValue(ValueError):
    """The site shows a value that breaks its own format (out of range, unparseable)."""


def clean_text(text):
    """Collapse whitespace (non-breaking spaces included), drop control characters.

    Returns ``None`` for the site's ways of saying "no value" (empty, N/A, -, None, Unknown).
    """
    if text is None:
        return None
    collapsed = " ".join(_CONTROL_CHARS.sub("", str(text)).split())
    return None if collapsed.lower() in MISSING_MARKERS else collapsed


def parse_hex_id(text):
    """Vendor/Product ID to an integer: ``0x`` prefix or hex letters mean hex, bare digits decimal."""
    value = text.strip()
    if _DECIMAL.fullmatch(value):
        number = int(value, 10)
    else:
        match = _HEX.fullmatch(value)
        if not match:
            raise InvalidValue(f"not a hex or decimal id: {text!r}")
        number = int(match.group(1), 16)
    if number > MAX_ID:
        raise InvalidValue(f"id out of range 0..0xFFFF: {text!r}")
    return number


def format_hex_id(number):
    """An id as the site's canonical ``0xXXXX`` (upper-case, four digits)."""
    return None if number is None else f"0x{number:04X}"


def parse_device_type_ids(text):
    """Comma-separated device type ids to ``0xXXXX, 0xYYYY``."""
    parts = [part for part in (p.strip() for p in text.split(",")) if part]
    if not parts:
        return None
    return ", ".join(format_hex_id(parse_hex_id(part)) for part in parts)


def parse_date(text):
    """A date in any of the site's formats (US month first) to ISO ``YYYY-MM-DD``.

    Parsed twice with different defaults: a text lacking the year, month or day gives two
    different answers and is refused rather than completed with a guessed part.
    """
    try:
        first, second = (
            date_parser.parse(text, dayfirst=False, default=default) for default in _DATE_DEFAULTS
        )
    except (ValueError, OverflowError) as error:
        raise InvalidValue(f"not a date: {text!r}") from error
    if first.date() != second.date():
        raise InvalidValue(f"incomplete date: {text!r}")
    return first.date().isoformat()


def parse_yes_no(text):
    """``Yes``/``No`` in any case to ``True``/``False``; anything else has no boolean meaning."""
    return {"yes": True, "no": False}.get(text.strip().lower())


def strip_certificate_label(text):
    """``Certificate ID: CSA...`` (current card markup) to the bare id."""
    return _CERTIFICATE_PREFIX.sub("", text)


def is_csa_certificate_id(text):
    """Whether a text has the shape of a CSA certificate id (``CSA22059MAT40059-24``)."""
    return bool(text) and bool(_CSA_CERTIFICATE_ID.fullmatch(text))
