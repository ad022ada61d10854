"""Fault injection, deterministic per (seed, request target, how many times it was asked for).

Keying on the target rather than on arrival order makes a faulty run repeat exactly even though
a concurrent crawler's requests arrive in a different order each time; a retry of the same URL
is a new draw, so retries can succeed.
"""

import hashlib
import threading
from collections import Counter
from typing import NamedTuple


class Decision(NamedTuple):
    action: str | None  # None, "503", "500", "429", "drop", "slow", "truncate"
    fraction: float  # a second uniform draw in [0, 1): where a truncated page is cut


class Faults:
    def __init__(
        self,
        seed=0,
        rate_503=0.0,
        rate_500=0.0,
        rate_429=0.0,
        retry_after=1,
        rate_drop=0.0,
        rate_slow=0.0,
        slow_seconds=5.0,
        rate_truncate=0.0,
        down=False,
    ):
        self.seed = seed
        self.rates = [
            ("503", rate_503),
            ("500", rate_500),
            ("429", rate_429),
            ("drop", rate_drop),
            ("slow", rate_slow),
            ("truncate", rate_truncate),
        ]
        if sum(r for _, r in self.rates) > 1:
            raise ValueError("fault rates add up to more than 1")
        self.retry_after = retry_after
        self.slow_seconds = slow_seconds
        self.down = down
        self._seen = Counter()
        self._lock = threading.Lock()

    def decide(self, target, cuttable=False):
        """Fault for this request; 'truncate' (the HTML cut mid-document) only for listing and
        detail pages (elsewhere it means no fault)."""
        if self.down:
            return Decision("503", 0.0)
        with self._lock:
            attempt = self._seen[target]
            self._seen[target] += 1
        digest = hashlib.sha256(f"{self.seed}|{target}|{attempt}".encode()).digest()
        u = int.from_bytes(digest[:8], "big") / 2**64
        fraction = int.from_bytes(digest[8:16], "big") / 2**64
        for action, rate in self.rates:
            if u < rate:
                return Decision(action if action != "truncate" or cuttable else None, fraction)
            u -= rate
        return Decision(None, fraction)

    def __repr__(self):
        active = ", ".join(f"rate_{a}={r}" for a, r in self.rates if r)
        return f"Faults(seed={self.seed}, {active or 'no faults'}{', down' if self.down else ''})"
