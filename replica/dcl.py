"""DCL API in the Cosmos SDK REST gateway shape: key-based pagination with base64 next_key.

Serves the vendor list, the model and compliance lists of ``ledger.py`` with their
one-record endpoints, and the model versions of ``versions.py`` (per model, then one: no
list). A key is the store key of the next record between the bytes 0xFB 0xFF and 0x3E, of a
length that is no multiple of 3, so every next_key contains '+', '/' and '=': a client that
does not URL-encode it sends '+' as a space and gets a 400, as from the real gateway.
Every page carries ``pagination.total``, the list's record count as a string.

``Faults`` makes a list misbehave, as a buggy or hostile gateway would.
"""

import base64
import binascii
import bisect
import json
import re
from dataclasses import dataclass, field

from .ledger_json import compliance_store_key, model_store_key

DEFAULT_LIMIT = 50
KEY_PREFIX = b"\xfb\xff"
EMPTY_KEY_PREFIX = KEY_PREFIX + b"\xff\xff\x3f"
VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/?$")
ONE_VENDOR_RE = re.compile(r"^/dcl/vendorinfo/vendors/([^/]+)/?$")
MODELS_RE = re.compile(r"^/dcl/model/models/?$")
VENDOR_MODELS_RE = re.compile(r"^/dcl/model/models/([^/]+)/?$")
ONE_MODEL_RE = re.compile(r"^/dcl/model/models/([^/]+)/([^/]+)/?$")
COMPLIANCE_RE = re.compile(r"^/dcl/compliance/compliance-info/?$")
ONE_COMPLIANCE_RE = re.compile(
    r"^/dcl/compliance/compliance-info/([^/]+)/([^/]+)/([^/]+)/([^/]+)/?$"
)
VERSIONS_RE = re.compile(r"^/dcl/model/versions/([^/]+)/([^/]+)/?$")
ONE_VERSION_RE = re.compile(r"^/dcl/model/versions/([^/]+)/([^/]+)/([^/]+)/?$")
VIEW_RE = re.compile(r"^/dcl/compliance/(certified-models|revoked-models|provisional-models)/?$")
# The slim views of compliance records: (record list key, status code) by endpoint.
VIEWS = {
    "certified-models": ("certifiedModel", 2),
    "revoked-models": ("revokedModel", 3),
    "provisional-models": ("provisionalModel", 1),
}
LISTS = ("vendors", "models", "compliance")


@dataclass(frozen=True)
class Faults:
    """How a list (vendors, models or compliance records) misbehaves (all off by default).

    - ``loop_key``: the last page hands back an earlier page's next_key.
    - ``malformed_page``: page N (1-based) is broken, as ``malformed_kind`` says: ``"json"``
      invalid JSON; ``"shape"`` JSON without the record list; ``"null_pagination"`` its
      records with ``"pagination": null``; ``"missing_pagination"`` its records without
      pagination.
    - ``endless_empty``: after the last record, empty pages each naming a fresh next page,
      forever.
    - ``total_offset``: ``pagination.total`` announces this many records more (or,
      negative, fewer) than the list holds.
    - ``record_overrides``: ``{position: {key: JSON value}}`` replaces values of the record
      at that 0-based position of the walk (``{3: {"vendorID": "abc"}}``); ``None`` as the
      value drops the key.
    - ``first_records``: the list answers only its first N records, its total counting
      those (0: ``{"complianceInfo": [], "pagination": {"next_key": null, "total": "0"}}``).
    - ``duplicates``: ``{position: {key: JSON value}}`` serves the record at that position
      twice, the second copy right after it with these values (same key).
    """

    loop_key: bool = False
    malformed_page: int = None
    malformed_kind: str = "json"
    endless_empty: bool = False
    total_offset: int = 0
    record_overrides: dict = field(default_factory=dict)
    first_records: int = None
    duplicates: dict = field(default_factory=dict)


def encode_key(store_key):
    return base64.b64encode(KEY_PREFIX + store_key + b"\x3e").decode()


def decode_key(key, width):
    """The store key (``width`` bytes) a key points at, or None if the key is not one of ours."""
    raw = _raw_key(key)
    return raw[2 : 2 + width] if len(raw) == width + 3 and raw.startswith(KEY_PREFIX) else None


def encode_empty_key(number):
    """The key of the ``number``th empty page past the end (``Faults.endless_empty``)."""
    return base64.b64encode(EMPTY_KEY_PREFIX + number.to_bytes(4, "big")).decode()


def decode_empty_key(key):
    raw = _raw_key(key)
    return (
        int.from_bytes(raw[5:], "big")
        if len(raw) == 9 and raw.startswith(EMPTY_KEY_PREFIX)
        else None
    )


def _raw_key(key):
    try:
        return base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return b""


def error(status, code, message):
    return status, json.dumps({"code": code, "message": message, "details": []}).encode()


def not_found():
    return error(404, 5, "rpc error: code = NotFound desc = not found")


def handle(path, query, vendors, ledger, faults):
    """(status, JSON body bytes) for a /dcl/ request; query is a parse_qs dict; vendors sorted
    by vid; ledger a ``ledger.Ledger``; faults ``{list name: Faults}`` (``LISTS``)."""
    if VENDOR_RE.match(path):
        return list_page(
            query,
            [v.dcl_json() for v in vendors],
            [v.vid.to_bytes(2, "big") for v in vendors],
            "vendorInfo",
            faults["vendors"],
        )
    if MODELS_RE.match(path):
        records = ledger.models()
        return list_page(
            query, records, list(map(model_store_key, records)), "model", faults["models"]
        )
    if COMPLIANCE_RE.match(path):
        records = ledger.compliance()
        return list_page(
            query,
            records,
            list(map(compliance_store_key, records)),
            "complianceInfo",
            faults["compliance"],
        )
    if m := VIEW_RE.match(path):
        records_key, status = VIEWS[m.group(1)]
        records = [
            r for r in ledger.compliance() if r["softwareVersionCertificationStatus"] == status
        ]
        slim = [
            {
                "vid": r["vid"],
                "pid": r["pid"],
                "softwareVersion": r["softwareVersion"],
                "certificationType": r["certificationType"],
                "value": True,
            }
            for r in records
        ]
        return list_page(
            query, slim, list(map(compliance_store_key, records)), records_key, Faults()
        )
    for pattern in (ONE_VENDOR_RE, VENDOR_MODELS_RE, ONE_MODEL_RE, ONE_COMPLIANCE_RE):
        if m := pattern.match(path):
            return one_record(pattern, m.groups(), vendors, ledger)
    if m := VERSIONS_RE.match(path) or ONE_VERSION_RE.match(path):
        return model_versions(m.groups(), ledger)
    return error(404, 5, "Not Found")


def one_record(pattern, ids, vendors, ledger):
    """A vendor, a vendor's models (404 when it has none, as on the real ledger), a model or a
    compliance record, by the ids in the path."""
    numbers = ids[:3] if pattern is ONE_COMPLIANCE_RE else ids
    if not all(part.isdigit() for part in numbers):
        return error(400, 3, f"invalid id in {'/'.join(ids)}")
    numbers = [int(part) for part in numbers]
    if pattern is ONE_VENDOR_RE:
        found = [{"vendorInfo": v.dcl_json()} for v in vendors if v.vid == numbers[0]]
    elif pattern is VENDOR_MODELS_RE:
        products = [
            {"pid": r["pid"], "name": r["productName"], "partNumber": r["partNumber"]}
            for r in ledger.models()
            if r["vid"] == numbers[0]
        ]
        found = [{"vendorProducts": {"vid": numbers[0], "products": products}}] if products else []
    elif pattern is ONE_MODEL_RE:
        found = [{"model": r} for r in ledger.models() if [r["vid"], r["pid"]] == numbers]
    else:
        found = [
            {"complianceInfo": r}
            for r in ledger.compliance()
            if [r["vid"], r["pid"], r["softwareVersion"]] == numbers
            and r["certificationType"] == ids[3]
        ]
    return (200, json.dumps(found[0]).encode()) if found else not_found()


def model_versions(ids, ledger):
    """A model's software versions (404 when it has none, as on the real ledger) or one
    version, by the ids in the path (``versions.py``)."""
    if not all(part.isdigit() for part in ids):
        return error(400, 3, f"invalid id in {'/'.join(ids)}")
    found = ledger.versions.answer(*map(int, ids))
    return (200, json.dumps(found).encode()) if found else not_found()


def list_page(query, records, store_keys, records_key, faults):
    """One page of a list; ``store_keys`` (bytes, ascending, all of one width) are the
    records' keys in the ledger's store, which next_key points into."""
    try:
        limit = int(query.get("pagination.limit", [DEFAULT_LIMIT])[0]) or DEFAULT_LIMIT
    except ValueError:
        return error(400, 3, "invalid pagination.limit")
    records, store_keys = served(records, store_keys, faults)
    total = str(len(records) + faults.total_offset)
    start = 0
    key = query.get("pagination.key", [""])[0]
    if key:
        empty = decode_empty_key(key)
        if empty is not None and faults.endless_empty:
            pagination = {"next_key": encode_empty_key(empty + 1), "total": total}
            return 200, json.dumps({records_key: [], "pagination": pagination}).encode()
        store_key = decode_key(key, len(store_keys[0]) if store_keys else 0)
        if store_key is None:
            return error(400, 3, "invalid pagination key: illegal base64 data")
        start = bisect.bisect_left(store_keys, store_key)
    page = [
        with_overrides(record, start + i, faults)
        for i, record in enumerate(records[start : start + limit])
    ]
    page_no = start // limit + 1
    after = start + limit
    next_key = encode_key(store_keys[after]) if after < len(records) else None
    if next_key is None and faults.loop_key:  # a buggy gateway handing back an earlier page's key
        next_key = encode_key(store_keys[min(limit, len(records) - 1)])
    if next_key is None and faults.endless_empty:
        next_key = encode_empty_key(1)
    body = {records_key: page, "pagination": {"next_key": next_key, "total": total}}
    if faults.malformed_page == page_no:
        return 200, malformed(body, records_key, faults.malformed_kind)
    return 200, json.dumps(body).encode()


def served(records, store_keys, faults):
    """``(records, store_keys)`` as the faulty list serves them: cut to ``first_records``,
    with ``duplicates`` inserted (a copy shares its record's store key)."""
    records, store_keys = records[: faults.first_records], store_keys[: faults.first_records]
    for position in sorted(faults.duplicates, reverse=True):
        copy = {**records[position], **faults.duplicates[position]}
        records = records[: position + 1] + [copy] + records[position + 1 :]
        store_keys = (
            store_keys[: position + 1] + [store_keys[position]] + store_keys[position + 1 :]
        )
    return records, store_keys


def with_overrides(record, position, faults):
    """The record at ``position`` of the walk, with ``Faults.record_overrides`` applied."""
    record = dict(record)
    for key, value in faults.record_overrides.get(position, {}).items():
        if value is None:
            record.pop(key, None)
        else:
            record[key] = value
    return record


def malformed(body, records_key, kind):
    """A broken version of a page's body (``Faults.malformed_kind``)."""
    if kind == "shape":
        return json.dumps({"code": 13, "message": "internal error", "pagination": None}).encode()
    if kind == "null_pagination":
        return json.dumps({**body, "pagination": None}).encode()
    if kind == "missing_pagination":
        return json.dumps({records_key: body[records_key]}).encode()
    return json.dumps({records_key: body[records_key]}).encode()[:-40]
