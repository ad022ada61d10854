"""The retry middleware's backoff schedule and Retry-After parsing."""

import random
from datetime import UTC, datetime

import pytest

from matter_certis.middlewares.retry import backoff_delay, retry_after_seconds


def schedule(seed, attempts=6, base=1.0, cap=1000.0):
    rng = random.Random(seed)
    return [backoff_delay(attempt, base, cap, rng) for attempt in range(attempts)]


def test_backoff_doubles_with_jitter_up_to_as_much_again():
    for attempt, delay in enumerate(schedule(seed=7)):
        assert 2**attempt <= delay <= 2 * 2**attempt


def test_backoff_is_repeatable_for_a_seed():
    assert schedule(seed=3) == schedule(seed=3)
    assert schedule(seed=3) != schedule(seed=4)
    assert [round(delay, 3) for delay in schedule(seed=3, attempts=4, base=0.5)] == SEED_3_SCHEDULE


SEED_3_SCHEDULE = [0.619, 1.544, 2.74, 6.416]


def test_backoff_is_capped():
    assert backoff_delay(20, base=1.0, cap=30.0, rng=random.Random(1)) == 30.0


@pytest.mark.parametrize(("retry_after", "expected"), [(10.0, 10.0), (0.1, None), (500.0, 30.0)])
def test_retry_after_is_honoured_up_to_the_cap(retry_after, expected):
    delay = backoff_delay(0, base=1.0, cap=30.0, rng=random.Random(2), retry_after=retry_after)
    if expected is None:
        assert 1.0 <= delay <= 2.0
    else:
        assert delay == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"120", 120.0),
        ("7", 7.0),
        (b"Tue, 24 Nov 2026 10:00:30 GMT", 30.0),
        (b"soon", None),
        (None, None),
        (b"Tue, 24 Nov 2026 09:00:00 GMT", 0.0),
    ],
)
def test_retry_after_seconds(header, expected):
    now = datetime(2026, 11, 24, 10, 0, 0, tzinfo=UTC)
    assert retry_after_seconds(header, now=now) == expected
