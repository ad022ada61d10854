"""Stable product positions, counted from the oldest product.

The site lists newest first, so physical page numbers shift with every new certification;
a slot counted from the oldest product never moves.
"""

PAGE_SIZE = 12


def total_products(total_pages, products_on_last_page):
    """How many products the listing holds, from its page count and its last page."""
    if total_pages < 1:
        return 0
    return (total_pages - 1) * PAGE_SIZE + products_on_last_page


def stable_slot(total, physical_page, index_on_page):
    """``(page_id, index_in_page)`` of the card at ``index_on_page`` (0-based) of a physical
    page. A card past the ``total`` the status check counted (the last page grew since)
    gets a page_id below 0 until the next check places it."""
    return divmod(from_oldest(total, (physical_page - 1) * PAGE_SIZE + index_on_page), PAGE_SIZE)


def from_oldest(total, position):
    """The slot (counted from the oldest) of the product at ``position`` counted from the
    newest, in a listing of ``total`` products; and the other way round."""
    return total - 1 - position


def physical_page(total, from_oldest):
    """The physical page (1-based) that shows the product ``from_oldest`` places after the
    oldest, when the listing holds ``total`` products."""
    return (total - 1 - from_oldest) // PAGE_SIZE + 1


def cards_on_page(total, physical_page):
    """How many cards a physical page must show when the listing holds ``total`` products."""
    return max(0, min(PAGE_SIZE, total - (physical_page - 1) * PAGE_SIZE))


def page_slots(total, physical_page):
    """The slots (from the oldest) a physical page shows when the listing holds ``total``."""
    first = total - 1 - (physical_page - 1) * PAGE_SIZE
    return set(range(first, max(first - PAGE_SIZE, -1), -1))


def slot_of(page_id, index_in_page):
    """The slot (from the oldest) of a stored ``(page_id, index_in_page)``."""
    return page_id * PAGE_SIZE + index_in_page


def spans_cover_exactly(spans, total):
    """Whether ``spans`` of slots (``(low, high)``, both in) cover every slot of a listing of
    ``total`` products and none outside it."""
    reach = 0  # the slots below it are covered
    for low, high in sorted(spans):
        if low < 0 or high >= total or low > reach:
            return False
        reach = max(reach, high + 1)
    return reach == total
