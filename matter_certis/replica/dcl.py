"""DCL vendor API in the Cosmos SDK REST gateway shape: key-based pagination with base64 next_key.

Keys start with bytes 0xFB 0xFF and are 5 bytes long, so every next_key contains '+', '/' and '=':
a client that does not URL-encode it sends '+' as a space and gets a 400, as from the real gateway.
"""
import base64
import binascii
import json
import re

DEFAULT_LIMIT = 50
KEY_PREFIX = b"\xfb\xff"
VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/?$")
ONE_VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/([^/]+)/?$")


def encode_key(vid):
    return base64.b64encode(KEY_PREFIX + vid.to_bytes(2, "big") + b"\x3e").decode()


def decode_key(key):
    """vid the key points at, or None if the key is not one of ours."""
    try:
        raw = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None
    return int.from_bytes(raw[2:4], "big") if len(raw) == 5 and raw.startswith(KEY_PREFIX) else None


def error(status, code, message):
    return status, json.dumps({"code": code, "message": message, "details": []}).encode()


def handle(path, query, vendors, loop_key=False, malformed_page=None, malformed_kind="json"):
    """(status, JSON body bytes) for a /dcl/ request; query is a parse_qs dict; vendors sorted by vid."""
    if VENDOR_RE.match(path):
        return vendor_page(query, vendors, loop_key, malformed_page, malformed_kind)
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


def vendor_page(query, vendors, loop_key, malformed_page, malformed_kind):
    try:
        limit = int(query.get("pagination.limit", [DEFAULT_LIMIT])[0]) or DEFAULT_LIMIT
    except ValueError:
        return error(400, 3, "invalid pagination.limit")
    start = 0
    if query.get("pagination.key", [""])[0]:
        vid = decode_key(query["pagination.key"][0])
        if vid is None:
            return error(400, 3, "invalid pagination key: illegal base64 data")
        start = next((i for i, v in enumerate(vendors) if v.vid >= vid), len(vendors))
    chunk = vendors[start:start + limit]
    page_no = start // limit + 1
    if malformed_page == page_no:
        if malformed_kind == "shape":
            return 200, json.dumps({"code": 13, "message": "internal error", "pagination": None}).encode()
        return 200, json.dumps({"vendorInfo": [v.dcl_json() for v in chunk]}).encode()[:-40]
    after = start + limit
    next_key = encode_key(vendors[after].vid) if after < len(vendors) else None
    if next_key is None and loop_key:  # a buggy gateway handing back an earlier page's key
        next_key = encode_key(vendors[min(limit, len(vendors) - 1)].vid)
    body = {"vendorInfo": [v.dcl_json() for v in chunk], "pagination": {"next_key": next_key, "total": str(len(vendors))}}
    return 200, json.dumps(body).encode()
