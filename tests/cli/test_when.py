"""``--since``: read by python-dateutil's strict parts only; a date, an ISO time or a period
back from now, anything else refused in one line, never guessed."""

from datetime import datetime

import pytest

from matter_certis.cli import when
from matter_certis.exceptions import InvalidValue
from tests.helpers import scrapy_command

NOW = datetime(2026, 3, 31, 12, 0)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("7d", datetime(2026, 3, 24, 12, 0)),
        ("2w", datetime(2026, 3, 17, 12, 0)),
        ("1y", datetime(2025, 3, 31, 12, 0)),
        ("0d", NOW),
        ("3D", datetime(2026, 3, 28, 12, 0)),
    ],
)
def test_a_period_counts_back_from_now(text, moment):
    assert when.moment(text, NOW) == moment


def test_a_month_back_is_a_calendar_month_ending_on_its_last_day():
    """relativedelta: a month before 31 March is 28 February, not 3 March (30 days)."""
    assert when.moment("1m", NOW) == datetime(2026, 2, 28, 12, 0)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2025-06-27", datetime(2025, 6, 27)),
        ("2025-06-27T08:00", datetime(2025, 6, 27, 8, 0)),
        ("2025-06-27T08:00Z", datetime(2025, 6, 27, 8, 0)),
        ("2025-06-27T08:00+02:00", datetime(2025, 6, 27, 6, 0)),
        ("20250627", datetime(2025, 6, 27)),
    ],
)
def test_an_iso_date_or_time_is_read_strictly_as_utc_unless_it_names_its_offset(text, moment):
    assert when.moment(text, NOW) == moment


@pytest.mark.parametrize("text", ["06/27/2025", "June 27, 2025", "27 Jun 2025"])
def test_a_date_in_the_sites_formats_is_read_as_its_pages_are(text):
    assert when.moment(text, NOW) == datetime(2025, 6, 27)


@pytest.mark.parametrize(
    "text", ["1/2/3", "2024/01/02", "yesterday", "7 days", "7 d", "-7d", "2025-13-01", "99999y", ""]
)
def test_anything_else_is_refused_never_guessed(text):
    with pytest.raises(InvalidValue, match=r"--since: expected a date .* got "):
        when.moment(text, NOW)


def test_a_filter_takes_the_day_of_the_moment():
    assert when.day("2w", NOW) == "2026-03-17"
    assert when.day("2025-06-27T23:30-05:00", NOW) == "2025-06-28"


def test_a_bad_since_is_one_line_and_exit_code_2(tmp_path):
    result = scrapy_command(tmp_path, "dbsearch", "--since", "1/2/3")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "scrapy dbsearch: error: --since: expected a date (2025-06-27), an ISO time "
        "(2025-06-27T08:00Z) or a period back from now (7d, 2w, 1m, 1y), got '1/2/3'"
    ]
