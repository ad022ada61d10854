"""How much of the stored listing and details a run re-verifies, so that every stored fact
is confirmed at least once per max age (``MATTER_LISTING_MAX_AGE``,
``MATTER_DETAIL_MAX_AGE``) whatever the schedule, spread over the runs in that time.

A run re-reads the share of pages (or details) that the time since the previous run is of
the max age, rounded to the nearest, the ones verified longest ago first, and any verified
longer ago than the max age: a daily sync with a 7-day max age re-reads about a seventh of
the listing, and after a week without a run all of it; runs minutes apart re-read only
what is overdue. A max age of 0 re-reads everything every run. What no run has verified yet
(a database older than ``verified_at``) comes first in the share but is never overdue, so
an upgrade does not cost a whole re-read at once.
"""

import math
import re

from matter_certis.exceptions import SettingError

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd]?)")


def seconds(name, value):
    """A duration setting (``<number><s|m|h|d>``, a bare number is seconds) in seconds."""
    match = DURATION.fullmatch(str(value).strip().lower())
    if match is None:
        raise SettingError(f"{name}: expected a duration like 7d, 12h, 30m or 0, got {value!r}")
    number, unit = match.groups()
    return float(number) * UNITS[unit or "s"]


def share(since_last_run, max_age):
    """The part (0 to 1) of what is stored a run re-verifies: ``since_last_run`` seconds
    over ``max_age`` seconds (0: everything). With no run recorded before (a first sync, or
    one after a killed run) no share: only what is overdue."""
    if max_age <= 0:
        return 1.0
    if since_last_run is None:
        return 0.0
    return min(1.0, max(0.0, since_last_run) / max_age)


def due(ages, part, overdue_before):
    """The keys of ``ages`` (key -> when last verified, ``None`` for never) to verify
    again: ``part`` of them, rounded to the nearest, verified longest ago first
    (never-verified first of all), and every one verified before ``overdue_before``
    (``None``: none)."""
    order = sorted(ages, key=lambda key: (ages[key] is not None, ages[key] or 0, key))
    share = order[: math.floor(len(order) * part + 0.5)]
    overdue = [
        key
        for key in order[len(share) :]
        if overdue_before is not None and ages[key] is not None and ages[key] < overdue_before
    ]
    return share + overdue
