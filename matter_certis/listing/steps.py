"""What the listing planner is handed and hands back: the cards a page showed, the pages to
ask for, the refs to store at their slots, and a ``Step`` that gathers them."""

from dataclasses import dataclass, field
from typing import NamedTuple


@dataclass(frozen=True)
class Card:
    """A card as a listing page showed it: its product ref (a dict with ``url``), or
    ``None`` and why it is no product."""

    ref: dict | None
    problem: str | None = None


class CardValues(NamedTuple):
    """The values a ``CardRef`` holds (a named tuple may not define ``__new__``)."""

    url: str
    manufacturer: str | None = None
    model: str | None = None
    certificate_id: str | None = None


class CardRef(CardValues):
    """A card's product ref as a run's reads keep it until the run ends: a tuple, the
    manufacturer and model (the same few names on thousands of cards) shared, and no slot (a
    read's cards have none: their slots come from its place). A dict with the card's own
    copies of those names was the largest thing a run kept per product."""

    __slots__ = ()

    def __new__(cls, url, manufacturer=None, model=None, certificate_id=None, *_slot):
        # ``_slot``: a page id and index, which a JOBDIR state saved before refs left the
        # slot out pickled with every ref; unpickling such a state passes them here.
        return super().__new__(cls, url, manufacturer, model, certificate_id)

    @classmethod
    def of(cls, ref):
        """``ref``: a dict or item with ``url``, or a ``CardRef`` (kept as it is)."""
        if isinstance(ref, cls):
            return ref
        return cls(
            ref["url"],
            _shared(ref.get("manufacturer")),
            _shared(ref.get("model")),
            ref.get("certificate_id"),
        )

    def as_dict(self):
        """The ref as the card gave it: only the values it had."""
        return {name: value for name, value in zip(self._fields, self) if value is not None}


_NAMES = {}  # each manufacturer and model name met, to itself


def _shared(text):
    """One string for each manufacturer and model name, however many cards show it. Kept
    apart from ``sys.intern``'s table, which a large catalogue's names grew by 1.9 MB."""
    return _NAMES.setdefault(text, text) if isinstance(text, str) else text


@dataclass(frozen=True)
class PageRead:
    """A listing page to ask for, and what its answer is for (``role``): ``status`` (page 1
    of a status check), ``last`` (its last page), ``probe`` (a page between them, when the
    listing grew by more than a page), ``listing`` (a page whose cards the run stores)."""

    role: str
    page: int
    total_pages: int | None = None
    total: int | None = None
    earlier_count: int | None = None


@dataclass(frozen=True, slots=True)  # one per product stored, many at once
class Placement:
    """A product ref to store at a slot (``None``: it lost its slot), and whether its detail
    page is to be asked for with it."""

    ref: dict
    page_id: int | None
    index_in_page: int | None
    detail: bool = True


@dataclass
class Step:
    """What the spider does after an answer: ask for ``reads`` (listing pages) and
    ``details`` (refs of stored products that lack them, or whose check is oldest), store ``placements``, list
    ``bad_cards`` (page, index, why) as failed, give up on the page answered (``give_up``,
    why) or read it again (``short``: it showed fewer cards than its place implies, or more),
    end the run (``past_listing``: its page range starts past the listing's last page, why),
    and count ``pages_read`` (pages whose cards were stored) and ``planned_pages`` (listing
    pages it plans to read, ``None`` when it plans nothing)."""

    reads: list = field(default_factory=list)
    placements: list = field(default_factory=list)
    bad_cards: list = field(default_factory=list)
    details: list = field(default_factory=list)
    give_up: str | None = None
    short: str | None = None
    past_listing: str | None = None
    fewer: bool = False
    pages_read: int = 0
    planned_pages: int | None = None  # None: this step planned nothing
    reverified_pages: int = 0  # planned pages read only because their check is oldest
    reverified_details: int = 0  # details asked for only because their check is oldest

    def extend(self, other):
        self.reads += other.reads
        self.placements += other.placements
        self.bad_cards += other.bad_cards
        self.details += other.details
        self.pages_read += other.pages_read
        if other.planned_pages is not None:
            self.planned_pages = (self.planned_pages or 0) + other.planned_pages
        return self
