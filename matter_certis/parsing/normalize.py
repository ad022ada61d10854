"""Normalisation rules for values read from CSA-IoT pages, one small pure function per rule.

Each function takes the text as shown on the site and returns the canonical value. Text
that means "no value" becomes ``None``; text that claims a value but cannot be one raises
``InvalidValue`` so the caller can warn and count it (a guess is never stored).
"""

import functools
import json
import re
from datetime import datetime
from urllib.parse import urlsplit

from dateutil.parser import isoparse

from matter_certis.exceptions import InvalidValue

MISSING_MARKERS = frozenset({"", "n/a", "na", "-", "--", "none", "unknown", "null"})
MAX_ID = 0xFFFF

_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_DECIMAL = re.compile(r"[0-9]+")
_HEX = re.compile(r"(?:0[xX])?([0-9a-fA-F]+)")
# The site's date formats, and nothing else: 06/27/2025 (US month first), 2025-06-27,
# June 27, 2025 (or Jun 27, 2025), 27 Jun 2025 (or 27 June 2025); by the shape of the text
# that can match them (``date_shape``). A text is tried only against the formats of its
# shape, in this order: strptime raising for each other format was most of the parsing.
DATE_FORMATS_BY_SHAPE = {
    "/": ("%m/%d/%Y",),
    "-": ("%Y-%m-%d",),
    "month first": ("%B %d, %Y", "%b %d, %Y"),
    "day first": ("%d %b %Y", "%d %B %Y"),
}
DATE_FORMATS = sum(DATE_FORMATS_BY_SHAPE.values(), ())
_BY_PREFIX = re.compile(r"^\s*by\s+", re.IGNORECASE)
_CERTIFICATE_PREFIX = re.compile(r"^certificate\s+id\s*:\s*", re.IGNORECASE)


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


# The ledger's ``otaChecksumType``: an IANA "Named Information" hash algorithm id.
CHECKSUM_TYPES = {
    1: "sha-256",
    7: "sha-384",
    8: "sha-512",
    10: "sha3-256",
    11: "sha3-384",
    12: "sha3-512",
}


def format_checksum_type(number):
    """An OTA image's checksum type by its IANA name (``sha-256``); an id IANA does not
    name for a hash the ledger takes as ``unknown (N)``, so it is seen, not hidden."""
    if number is None:
        return None
    return CHECKSUM_TYPES.get(number, f"unknown ({number})")


def parse_device_type_ids(text):
    """Comma-separated device type ids to ``0xXXXX, 0xYYYY``."""
    parts = [part for part in (p.strip() for p in text.split(",")) if part]
    if not parts:
        return None
    return ", ".join(format_hex_id(parse_hex_id(part)) for part in parts)


@functools.lru_cache(maxsize=4096)
def parse_date(text):
    """A date in one of the site's formats (``DATE_FORMATS``) to ISO ``YYYY-MM-DD``.

    Any other shape is refused, never read by a guess: ``1/2/3`` is not 2003-01-02 and
    ``05.06.2025`` is neither May nor June. Remembered: a crawl meets the same few hundred
    dates thousands of times, and ``strptime`` is slow even for the one or two formats a
    text's shape allows.
    """
    text = text.strip()
    for date_format in DATE_FORMATS_BY_SHAPE[date_shape(text)]:
        try:
            return datetime.strptime(text, date_format).date().isoformat()
        except ValueError:
            continue
    raise InvalidValue(
        f"not a date: {text!r} (known formats: 06/27/2025, 2025-06-27, June 27, 2025, 27 Jun 2025)"
    )


def date_shape(text):
    """Which of ``DATE_FORMATS_BY_SHAPE`` a date's text can match: no format of another
    shape can (each holds its separator, or starts with a month name or a day number)."""
    if "/" in text:
        return "/"
    if "-" in text:
        return "-"
    return "month first" if text[:1].isalpha() else "day first"


def parse_yes_no(text):
    """``Yes``/``No`` in any case to ``True``/``False``; any other text is not an answer."""
    answer = {"yes": True, "no": False}.get(text.strip().lower())
    if answer is None:
        raise InvalidValue(f"not Yes or No: {text!r}")
    return answer


def company_of_by_line(text):
    """``By Signify`` (the live detail page's company line) to ``Signify``."""
    return _BY_PREFIX.sub("", text)


def canonical_url(url):
    """A product's URL without query or fragment (``?utm_source=x#frag``): one product, one key."""
    return urlsplit(url)._replace(query="", fragment="").geturl()


def strip_certificate_label(text):
    """``Certificate ID: CSA...`` (current card markup) to the bare id."""
    return _CERTIFICATE_PREFIX.sub("", text)


def json_text(value):
    """A JSON string value as the ledger holds it, trimmed at both ends and nothing else
    (inner double spaces and no-break spaces are the ledger's data): ``""`` is no value,
    but ``"None"`` is a name (a real DCL vendor is named None). A number, list or object
    where text belongs is refused, never turned into text, and so is a NUL character, which
    no database column can hold."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidValue(f"not a JSON string: {value!r}")
    if "\x00" in value:
        raise InvalidValue(f"holds a NUL character: {value!r}")
    return value.strip() or None


def json_id(value):
    """A Vendor/Product ID sent as a JSON integer (0..0xFFFF); a string such as ``"abc"`` or
    ``"4939"``, a boolean or a float is refused, never read as hex or decimal text."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"not a JSON integer: {value!r}")
    if not 0 <= value <= MAX_ID:
        raise InvalidValue(f"id out of range 0..0xFFFF: {value!r}")
    return value


# DCL ``softwareVersionCertificationStatus`` (Matter core specification 11.23.8.2).
CERTIFICATION_STATUSES = {0: "dev-test", 1: "provisional", 2: "certified", 3: "revoked"}
# A whole calendar date first: ISO 8601 also has months and weeks, no day of the ledger's.
_JSON_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T.+)?")


def json_integer(value):
    """A count or version sent as a JSON integer (0 or more); a string such as ``"300"``, a
    boolean or a float is refused, never read as a number."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidValue(f"not a JSON integer: {value!r}")
    if value < 0:
        raise InvalidValue(f"negative: {value!r}")
    return value


def json_bool(value):
    """A JSON boolean (a model version's ``softwareVersionValid``); anything else is refused."""
    if value is None:
        return None
    if not isinstance(value, bool):
        raise InvalidValue(f"not a JSON boolean: {value!r}")
    return value


def json_digits(value):
    """A count the ledger sends as a string of digits (``otaFileSize`` "615708") as an
    integer; ``""`` is no value, a JSON number or other text is refused."""
    text = json_text(value)
    if text is None:
        return None
    if not _DECIMAL.fullmatch(text):
        raise InvalidValue(f"not a string of digits: {value!r}")
    return int(text)


def json_status(value):
    """A certification status code (0..3) to its name: ``2`` is ``certified``."""
    code = json_integer(value)
    if code is None:
        return None
    if code not in CERTIFICATION_STATUSES:
        raise InvalidValue(f"not a certification status (0..3): {value!r}")
    return CERTIFICATION_STATUSES[code]


def json_date(value):
    """The ledger's ISO 8601 timestamp (``2023-12-11T00:00:00.000Z``, or a bare
    ``2023-12-11``) to its ISO date ``2023-12-11``, read by dateutil's strict ``isoparse``,
    which checks every part (no 25th hour, no 13th month) and guesses nothing; ``""`` is no
    date, any other shape (``2024/01/02``, a month alone) is refused."""
    text = json_text(value)
    if text is None:
        return None
    try:
        if not _JSON_DATE.fullmatch(text):
            raise ValueError(text)
        return isoparse(text).date().isoformat()
    except (ValueError, OverflowError):
        raise InvalidValue(f"not a ledger date: {value!r}") from None


def json_list(value):
    """A JSON list (a compliance record's ``history``) as JSON text, keys sorted so equal
    lists give equal text; anything but a list is refused."""
    if value is None:
        return None
    if not isinstance(value, list):
        raise InvalidValue(f"not a JSON list: {value!r}")
    return json.dumps(value, sort_keys=True)
