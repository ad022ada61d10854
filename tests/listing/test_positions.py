"""Stable page_id/index_in_page arithmetic: slots counted from the oldest product."""

import pytest

from matter_certis.listing.positions import (
    cards_on_page,
    physical_page,
    spans_cover_exactly,
    stable_slot,
    total_products,
)


def test_total_products():
    assert total_products(482, 4) == 481 * 12 + 4
    assert total_products(1, 7) == 7
    assert total_products(0, 0) == 0


@pytest.mark.parametrize(
    ("physical_page", "index", "expected"),
    [
        # The live site once: 482 pages, 4 products on the last page.
        (482, 0, (0, 3)),
        (482, 1, (0, 2)),
        (482, 2, (0, 1)),
        (482, 3, (0, 0)),
        (481, 0, (1, 3)),
        (481, 3, (1, 0)),
        (481, 4, (0, 11)),
        (481, 11, (0, 4)),
        (1, 0, (481, 3)),
    ],
)
def test_stable_slot_482_pages_4_on_last(physical_page, index, expected):
    assert stable_slot(total_products(482, 4), physical_page, index) == expected


def test_every_product_gets_a_distinct_slot_counted_from_the_oldest():
    total = total_products(5, 7)
    slots = [
        stable_slot(total, page, index)
        for page in range(1, 6)
        for index in range(12)
        if (page - 1) * 12 + index < total
    ]
    assert len(set(slots)) == total
    assert slots[-1] == (0, 0)
    assert slots[0] == divmod(total - 1, 12)


def test_a_card_past_the_last_product_counted_sits_below_slot_0_until_placed():
    assert stable_slot(13, 2, 1) == (-1, 11)


def test_physical_page_is_the_page_a_slot_was_read_from():
    total = total_products(5, 7)
    for page in range(1, 6):
        for index in range(cards_on_page(total, page)):
            page_id, index_in_page = stable_slot(total, page, index)
            assert physical_page(total, page_id * 12 + index_in_page) == page


@pytest.mark.parametrize(
    ("spans", "total", "expected"),
    [
        ([(0, 11), (12, 23)], 24, True),
        ([(12, 23), (0, 11)], 24, True),  # in any order
        ([(0, 15), (10, 23)], 24, True),  # overlapping
        ([], 0, True),
        ([(0, 11), (13, 23)], 24, False),  # slot 12 missing
        ([(0, 11)], 24, False),  # the newest missing
        ([(0, 23), (20, 24)], 24, False),  # a slot past the listing
        ([(-1, 11), (12, 23)], 24, False),  # a slot before the oldest
    ],
)
def test_spans_cover_exactly_every_slot_and_no_other(spans, total, expected):
    slots = {slot for low, high in spans for slot in range(low, high + 1)}
    assert (slots == set(range(total))) is expected
    assert spans_cover_exactly(spans, total) is expected
