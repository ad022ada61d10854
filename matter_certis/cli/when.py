"""``--since`` of the db commands: a moment named strictly, never guessed. python-dateutil's
strict parts read it: ``isoparse`` an ISO 8601 date or time, ``relativedelta`` a period back
from now (``7d``, ``2w``, ``1m``, ``1y``: calendar months and years, so ``1m`` on 31 March
is the last day of February); a date in the site's own formats (``06/27/2025``) is read as
its pages are (``normalize.parse_date``). Its fuzzy ``parser.parse`` is never used: it
reads ``1/2/3`` as a date."""

import re
from datetime import UTC, datetime

from dateutil.parser import isoparse
from dateutil.relativedelta import relativedelta

from matter_certis.exceptions import InvalidValue
from matter_certis.parsing import normalize

PERIOD = re.compile(r"([0-9]+)([dwmy])")
UNITS = {"d": "days", "w": "weeks", "m": "months", "y": "years"}


def moment(text, now=None):
    """The UTC time ``--since`` names, naive as the database stores times: a period back from
    ``now`` (default: the current time), an ISO date (midnight) or time (UTC unless it names
    its offset), or a date in the site's formats. Anything else raises ``InvalidValue``."""
    text = text.strip()
    now = now or datetime.now(UTC).replace(tzinfo=None)
    try:
        period = PERIOD.fullmatch(text.lower())
        if period:
            return now - relativedelta(**{UNITS[period[2]]: int(period[1])})
        try:
            named = isoparse(text)
        except ValueError:
            return datetime.fromisoformat(normalize.parse_date(text))
    except (ValueError, OverflowError):  # InvalidValue is one; a period past year 1 too
        raise InvalidValue(
            f"--since: expected a date (2025-06-27), an ISO time (2025-06-27T08:00Z) or a "
            f"period back from now (7d, 2w, 1m, 1y), got {text!r}"
        ) from None
    if named.tzinfo is not None:
        named = named.astimezone(UTC).replace(tzinfo=None)
    return named


def day(text, now=None):
    """The ISO date (``YYYY-MM-DD``) ``--since`` names, for a filter on certification dates."""
    return moment(text, now).date().isoformat()
