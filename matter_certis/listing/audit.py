"""What a run was to store of the listing but the database lacks, read at close."""

from matter_certis.listing.positions import slot_of


def audit(state, stored):
    """``(status, reason)`` for what this run was to store but the database lacks: the
    listing's size unknown, slots it had to read left unread (it kept moving), slots on
    its pages left empty or held by another product than the listing showed there,
    listed products on them without details. ``stored``: a ``StoredListing``, or
    ``analysis.StoredSlots``, which reads the database row by row."""
    if state.total_pages is None or state.listing is None:
        return [
            (
                "failed",
                "the status check did not complete: listing page 1 or "
                "the last page could not be read",
            )
        ]
    problems = []
    total = state.total
    scope = state.range if state.sliced else range(total)  # a range: no set of every slot
    target = scope if state.target is None else {slot for slot in state.target if slot in scope}
    whole = state.listing.covers_all()  # then no slot is unread, without building sets
    unread = set() if whole else set(target) - state.listing.covered() - state.failed
    if unread:
        problems.append(
            (
                "partial",
                f"{len(unread)} slots the run was to read are not "
                "confirmed (the listing moved, or its last check "
                "failed); the next run reads them",
            )
        )
    empty = {slot for slot in stored.missing_slots(total) if slot in scope}
    empty -= state.listing.repeated()
    if empty:
        problems.append(
            (
                "partial",
                f"{len(empty)} slots the database lacks (first: "
                f"page {state.listing.pages_for(empty)[0]})",
            )
        )
    wrong = misplaced(state, stored, scope)
    if wrong:
        problems.append(
            (
                "partial",
                f"{len(wrong)} products stored at another slot "
                f"than the listing shows (first: {wrong[0]})",
            )
        )
    lacking = [
        ref
        for ref in stored.without_details()
        if ref["page_id"] is not None and slot_of(ref["page_id"], ref["index_in_page"]) in scope
    ]
    if lacking:
        problems.append(
            (
                "partial",
                f"{len(lacking)} listed products have no stored "
                f"details (first: {lacking[0]['url']})",
            )
        )
    return problems


def misplaced(state, stored, scope):
    """Sorted urls of the products placed in ``scope`` that the database does not hold at
    the slot the listing shows: the placed products in a list a slot, the stored ones
    (``stored.slot_rows()``) compared with it row by row."""
    total = state.total
    placed_at = [None] * total
    for url, place, _ in state.listing.placed_products():
        slot = slot_of(*place)
        if slot in scope and 0 <= slot < total:
            placed_at[slot] = url
    right = bytearray(total)
    for url, slot in stored.slot_rows():
        if 0 <= slot < total and placed_at[slot] == url:
            right[slot] = 1
    return sorted(url for url, held in zip(placed_at, right) if url is not None and not held)


def unsettled(state, failures):
    """The failed requests (dicts with ``url`` and ``kind``) that keep the run from
    ``completed``: all of them, but for the details of products the listing no longer shows
    when the run placed the whole listing. Those are settled: the run delists them, and
    their dead letters with them (a delisted product's page may fail for good; counting it
    would keep every run ``partial``, and a partial run never delists)."""
    listed = state.listed_urls()
    if listed is None:
        return list(failures)
    return [
        failure for failure in failures if failure["kind"] != "detail" or failure["url"] in listed
    ]
