"""A change digest's entries, without a database: each change of a product or ledger record
is a line for people and a record for scripts."""

from datetime import datetime

from matter_certis.output.digest import Entry


def change(field, old, new, at):
    return {"field": field, "old_value": old, "new_value": new, "detected_at": at}


def test_each_change_is_a_line_and_a_record_and_the_entry_dates_from_the_latest():
    first, latest = datetime(2025, 6, 1, 8), datetime(2025, 6, 2, 9, 30)
    entry = Entry("Plug (Tuya)", None, first, data={"changes": []})
    entry.add_change(change("status", "certified", "revoked", first))
    entry.add_change(change("reason", None, "expired", latest))
    assert entry.at == latest
    assert entry.details == ["status: certified → revoked", "reason: (none) → expired"]
    assert entry.data["changes"] == [
        {
            "field": "status",
            "old_value": "certified",
            "new_value": "revoked",
            "detected_at": "2025-06-01T08:00:00Z",
        },
        {
            "field": "reason",
            "old_value": None,
            "new_value": "expired",
            "detected_at": "2025-06-02T09:30:00Z",
        },
    ]
