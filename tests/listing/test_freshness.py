"""How much of what is stored a run verifies again (listing/freshness.py)."""

import pytest

from matter_certis.exceptions import SettingError
from matter_certis.listing import freshness

DAY = 86400


@pytest.mark.parametrize(
    ("text", "seconds"), [("7d", 7 * DAY), ("12h", 43200), ("30m", 1800), ("45s", 45), ("0", 0)]
)
def test_a_max_age_is_a_number_and_a_unit(text, seconds):
    assert freshness.seconds("MATTER_LISTING_MAX_AGE", text) == seconds


@pytest.mark.parametrize("text", ["7 days", "-1d", "week", ""])
def test_a_max_age_that_is_no_duration_is_refused_naming_the_setting(text):
    with pytest.raises(SettingError, match="MATTER_LISTING_MAX_AGE: expected a duration"):
        freshness.seconds("MATTER_LISTING_MAX_AGE", text)


def test_a_daily_run_verifies_a_seventh_of_a_week_long_max_age():
    assert freshness.share(DAY, 7 * DAY) == pytest.approx(1 / 7)


@pytest.mark.parametrize(("since", "max_age"), [(8 * DAY, 7 * DAY), (60, 0)])
def test_everything_is_verified_after_a_max_age_without_runs_or_at_max_age_0(since, max_age):
    assert freshness.share(since, max_age) == 1.0


def test_without_a_run_recorded_before_only_what_is_overdue_is_verified_again():
    """A first sync has nothing to verify; a run after a killed one (which left no row)
    must not read everything again."""
    assert freshness.share(None, 7 * DAY) == 0.0


def test_the_share_is_taken_oldest_first_never_verified_first_and_rounded():
    ages = {1: 30, 2: 10, 3: None, 4: 20, 5: 40}
    assert freshness.due(ages, 0.35, None) == [3, 2]  # 1.75 rounded to 2


def test_what_is_overdue_is_verified_whatever_the_share():
    ages = {1: 30, 2: 10, 3: 20, 4: 40}
    assert freshness.due(ages, 0.1, overdue_before=25) == [2, 3]  # 0.4 rounds to none


def test_never_verified_is_never_overdue():
    """A database older than verified_at is re-read a share at a time, not all at once."""
    assert freshness.due({1: None, 2: None}, 0.0, overdue_before=25) == []
