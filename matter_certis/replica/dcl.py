"""DCL vendor API in the Cosmos SDK REST gateway shape: key-based pagination with base64 next_key.

Keys start with bytes 0xFB 0xFF and are 5 bytes long, so every next_key contains '+', '/' and '=':
a client that does not URL-encode it sends '+' as a space and gets a 400, as from the real gateway.
Every page carries ``pagination.total``, the ledger's vendor count as a string.

``Faults`` makes the API misbehave, as a buggy or hostile gateway would.
"""
import base64
import binascii
import json
import re
from dataclasses import dataclass, field

DEFAULT_LIMIT = 50
KEY_PREFIX = b"\xfb\xff"
EMPTY_KEY_PREFIX = KEY_PREFIX + b"\xff\xff\x3f"
VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/?$")
ONE_VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/([^/]+)/?$")


@dataclass(frozen=True)
class Faults:
    """How the vendor list misbehaves (all off by default).

    - ``loop_key``: the last page hands back an earlier page's next_key.
    - ``malformed_page``: page N (1-based) is broken, as ``malformed_kind`` says: ``"json"``
      invalid JSON; ``"shape"`` JSON without vendorInfo; ``"null_pagination"`` its vendors
      with ``"pagination": null``; ``"missing_pagination"`` its vendors without pagination.
    - ``endless_empty``: after the last vendor, empty pages each naming a fresh next page,
      forever.
    - ``total_offset``: ``pagination.total`` announces this many vendors more (or, negative,
      fewer) than the ledger holds.
    - ``vendor_overrides``: ``{position: {key: JSON value}}`` replaces values of the vendor
      at that 0-based position of the walk (``{3: {"vendorID": "abc"}}``); ``None`` as the
      value drops the key.
    """

    loop_key: bool = False
    malformed_page: int = None
    malformed_kind: str = "json"
    endless_empty: bool = False
    total_offset: int = 0
    vendor_overrides: dict = field(default_factory=dict)


def encode_key(vid):
    return base64.b64encode(KEY_PREFIX + vid.to_bytes(2, "big") + b"\x3e").decode()


def decode_key(key):
    """vid the key points at, or None if the key is not one of ours."""
    raw = _raw_key(key)
    return int.from_bytes(raw[2:4], "big") if len(raw) == 5 and raw.startswith(KEY_PREFIX) else None


def encode_empty_key(number):
    """The key of the ``number``th empty page past the end (``Faults.endless_empty``)."""
    return base64.b64encode(EMPTY_KEY_PREFIX + number.to_bytes(4, "big")).decode()


def decode_empty_key(key):
    raw = _raw_key(key)
    return int.from_bytes(raw[5:], "big") if len(raw) == 9 and raw.startswith(EMPTY_KEY_PREFIX) else None


def _raw_key(key):
    try:
        return base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return b""


def error(status, code, message):
    return status, json.dumps({"code": code, "message": message, "details": []}).encode()


def handle(path, query, vendors, faults=Faults()):
    """(status, JSON body bytes) for a /dcl/ request; query is a parse_qs dict; vendors sorted by vid."""
    if VENDOR_RE.match(path):
        return vendor_page(query, vendors, faults)
    m = ONE_VENDOR_RE.match(path)
    if m:
        if not m.group(1).isdigit():
            return error(400, 3, f"invalid vid: {m.group(1)}")
        vid = int(m.group(1))
        for v in vendors:
            if v.vid == vid:
                return 200, json.dumps({"vendorInfo": v.dcl_json()}).encode()
        return error(404, 5, "rpc error: code = NotFound desc = not found")
    return error(404, 5, "Not Found")


def vendor_page(query, vendors, faults):
    try:
        limit = int(query.get("pagination.limit", [DEFAULT_LIMIT])[0]) or DEFAULT_LIMIT
    except ValueError:
        return error(400, 3, "invalid pagination.limit")
    total = str(len(vendors) + faults.total_offset)
    start = 0
    key = query.get("pagination.key", [""])[0]
    if key:
        empty = decode_empty_key(key)
        if empty is not None and faults.endless_empty:
            pagination = {"next_key": encode_empty_key(empty + 1), "total": total}
            return 200, json.dumps({"vendorInfo": [], "pagination": pagination}).encode()
        vid = decode_key(key)
        if vid is None:
            return error(400, 3, "invalid pagination key: illegal base64 data")
        start = next((i for i, v in enumerate(vendors) if v.vid >= vid), len(vendors))
    records = [vendor_record(v, start + i, faults) for i, v in enumerate(vendors[start:start + limit])]
    page_no = start // limit + 1
    after = start + limit
    next_key = encode_key(vendors[after].vid) if after < len(vendors) else None
    if next_key is None and faults.loop_key:  # a buggy gateway handing back an earlier page's key
        next_key = encode_key(vendors[min(limit, len(vendors) - 1)].vid)
    if next_key is None and faults.endless_empty:
        next_key = encode_empty_key(1)
    body = {"vendorInfo": records, "pagination": {"next_key": next_key, "total": total}}
    if faults.malformed_page == page_no:
        return 200, malformed(body, faults.malformed_kind)
    return 200, json.dumps(body).encode()


def vendor_record(vendor, position, faults):
    record = vendor.dcl_json()
    for key, value in faults.vendor_overrides.get(position, {}).items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def malformed(body, kind):
    """A broken version of a page's body (``Faults.malformed_kind``)."""
    if kind == "shape":
        return json.dumps({"code": 13, "message": "internal error", "pagination": None}).encode()
    if kind == "null_pagination":
        return json.dumps({**body, "pagination": None}).encode()
    if kind == "missing_pagination":
        return json.dumps({"vendorInfo": body["vendorInfo"]}).encode()
    return json.dumps({"vendorInfo": body["vendorInfo"]}).encode()[:-40]
